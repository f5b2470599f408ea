package service_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spona/spona/gen/openapi"
	"github.com/spona/spona/pkg/sheet"
	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
)

// fileOperations are the operations of the OpenAPI 3.1 document that take
// or answer something other than JSON, with the media types declared for
// the request body and the 200 answer.
func fileOperations(t *testing.T) map[string][2][]string {
	t.Helper()
	type content map[string]json.RawMessage
	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody *struct {
				Content content `json:"content"`
			} `json:"requestBody"`
			Responses map[string]struct {
				Content content `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(openapi.SpecV3, &doc); err != nil {
		t.Fatal(err)
	}
	types := func(c content) (out []string, onlyJSON bool) {
		for k := range c {
			out = append(out, k)
		}
		slices.Sort(out)
		return out, slices.Equal(out, []string{"application/json"})
	}
	ops := map[string][2][]string{}
	for p, byMethod := range doc.Paths {
		for m, op := range byMethod {
			var req []string
			reqJSON := true
			if op.RequestBody != nil {
				req, reqJSON = types(op.RequestBody.Content)
			}
			resp, respJSON := types(op.Responses["200"].Content)
			if !reqJSON || !respJSON {
				ops[strings.ToUpper(m)+" "+p] = [2][]string{req, resp}
			}
		}
	}
	return ops
}

// TestDocumentedFileRoutes: on the real edge, every operation of the
// OpenAPI 3.1 document that takes or answers a file does what the document
// says. Templates and exports answer with one of the media types declared
// for their 200 (each declared one, for the templates); the imports accept
// a file of each media type declared for their body, and refuse the JSON
// object a client would send if the body were documented as JSON.
func TestDocumentedFileRoutes(t *testing.T) {
	ops := fileOperations(t)
	s := edgetest.Start(t, nil)
	k := s.CreateKey(t, "files", "Udruzenje Files")
	c := resttest.New(s.URL, k.Key)
	// A registered identifier (set by verification) lets the project be
	// exported to IATI too.
	org := c.Do(t, "GET", "/v1/organisations/"+k.Organisation, nil).Must(t, 200)
	resttest.New(s.URL, s.CreateAdminKey(t).Key).Do(t, "POST", "/v1/organisations/"+k.Organisation+":verify", map[string]any{
		"name": "Udruzenje Files", "kind": "ORGANISATION_KIND_NGO", "country": "RS", "reason": "APR extract",
		"organisation_identifier": "RS-APR-17123456", "etag": org.Str("etag")}).Must(t, 200)
	project := c.Do(t, "POST", "/v1/projects", map[string]any{"code": "F1", "titles": []any{map[string]any{"lang": "en", "text": "Files"}},
		"planned_start_date": "2024-01-01", "planned_end_date": "2024-12-31", "sectors": []string{"15160"},
		"recipient_countries": []string{"RS"}, "activity_status": "ACTIVITY_STATUS_IMPLEMENTATION"}).Must(t, 200).Str("id")
	event := c.Do(t, "POST", "/v1/trainingEvents", map[string]any{"project_id": project, "type": "EVENT_TYPE_WORKSHOP", "title": "Radionica",
		"start_date": "2024-05-01", "end_date": "2024-05-01"}).Must(t, 200).Str("id")

	mediaType := func(t *testing.T, r resttest.Response) string {
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil {
			t.Fatalf("%s %s: Content-Type %q: %v", r.Method, r.Path, r.Header.Get("Content-Type"), err)
		}
		return mt
	}
	// download fetches each query and checks the answer's media type is
	// declared for op (unless op is ""); it returns the answers by media
	// type.
	download := func(t *testing.T, op, path string, queries ...string) map[string][]byte {
		declared := ops[op][1]
		got := map[string][]byte{}
		for _, q := range queries {
			r := c.Do(t, "GET", path+q, nil).Must(t, 200)
			mt := mediaType(t, r)
			if op != "" && !slices.Contains(declared, mt) {
				t.Errorf("GET %s%s answers %s; %s declares %v", path, q, mt, op, declared)
			}
			if !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment; filename=") {
				t.Errorf("GET %s%s: Content-Disposition %q", path, q, r.Header.Get("Content-Disposition"))
			}
			got[mt] = r.Raw
		}
		return got
	}
	// upload sends a file of every media type declared for op's body
	// (validate_only), filled from the template of that type with row
	// (values by column name), and the documented-as-JSON body. There is
	// no ODS template: the ODS file is ods, LibreOffice's of the same row.
	upload := func(t *testing.T, op, path string, templates map[string][]byte, row map[string]string, ods string) {
		declared := ops[op][0]
		if len(declared) == 0 {
			t.Errorf("%s declares no request body", op)
		}
		for _, mt := range declared {
			tmpl, ok := templates[mt]
			if !ok && mt != sheet.MediaODS {
				t.Errorf("%s declares %s, which the template does not come as", op, mt)
				continue
			}
			var file []byte
			if mt == sheet.MediaODS {
				file = odsFixture(t, ods)
			} else {
				file = fileLike(t, mt, tmpl, row)
			}
			r := c.Do(t, "POST", path+"?validate_only=true", file, "Content-Type", mt)
			if r.Status != 200 || r.Str("name") == "" {
				t.Errorf("POST %s as %s (declared): HTTP %d %s", path, mt, r.Status, r.Raw)
			}
		}
		asJSON := map[string]any{"content_type": sheet.MediaCSV, "data": templates[sheet.MediaCSV]}
		if r := c.Do(t, "POST", path+"?validate_only=true", asJSON); r.Status != 400 || slices.Contains(declared, "application/json") {
			t.Errorf("POST %s with a JSON body: HTTP %d %s; the document declares %v", path, r.Status, r.Raw, declared)
		}
	}

	cases := map[string]func(t *testing.T, op string){
		"GET /v1/beneficiaries:importTemplate": func(t *testing.T, op string) {
			if got := download(t, op, "/v1/beneficiaries:importTemplate", "", "?format=csv", "?format=xlsx"); len(got) != len(ops[op][1]) {
				t.Errorf("%s: answered as %d of the declared %v", op, len(got), ops[op][1])
			}
		},
		"POST /v1/beneficiaries:import": func(t *testing.T, op string) {
			upload(t, op, "/v1/beneficiaries:import", download(t, "", "/v1/beneficiaries:importTemplate", "?format=csv", "?format=xlsx"),
				map[string]string{"given_name": "Amina", "family_name": "Hadžić", "sex": "female", "birth_year": "1994"}, "import-beneficiaries.ods")
		},
		"GET /v1/trainingEvents/{event_id}/participants:importTemplate": func(t *testing.T, op string) {
			got := download(t, op, "/v1/trainingEvents/"+event+"/participants:importTemplate", "", "?format=csv", "?format=xlsx")
			if len(got) != len(ops[op][1]) {
				t.Errorf("%s: answered as %d of the declared %v", op, len(got), ops[op][1])
			}
		},
		"POST /v1/trainingEvents/{event_id}/participants:import": func(t *testing.T, op string) {
			upload(t, op, "/v1/trainingEvents/"+event+"/participants:import",
				download(t, "", "/v1/trainingEvents/"+event+"/participants:importTemplate", "?format=csv", "?format=xlsx"),
				map[string]string{"given_name": "Jelena", "family_name": "Marković", "organisation": "Centar za socijalni rad Čačak",
					"sector": "social_welfare", "sex": "female"}, "import-participants.ods")
		},
		"GET /v1/projects/{project_id}/report:export": func(t *testing.T, op string) {
			got := download(t, op, "/v1/projects/"+project+"/report:export", "", "?format=csv", "?format=xlsx", "?format=iati")
			if len(got) != len(ops[op][1]) {
				t.Errorf("%s: answered as %d of the declared %v", op, len(got), ops[op][1])
			}
		},
	}
	for op := range ops {
		run, ok := cases[op]
		if !ok {
			t.Errorf("%s takes or answers a file (%v): add a case here", op, ops[op])
			continue
		}
		t.Run(op, func(t *testing.T) { run(t, op) })
	}
	for op := range cases {
		if _, ok := ops[op]; !ok {
			t.Errorf("%s is documented as JSON only", op)
		}
	}
}

// odsFixture is an OpenDocument spreadsheet of testdata/ods, written by
// LibreOffice (the .go files there write the XLSX files it converted).
func odsFixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "ods", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// fileLike writes a file of media type mt with the header of template (the
// first row of the template of that type) and one row of values.
func fileLike(t *testing.T, mt string, template []byte, values map[string]string) []byte {
	t.Helper()
	r, err := sheet.Open(template, mt, sheet.DefaultLimits(10))
	if err != nil {
		t.Fatalf("the %s template: %v", mt, err)
	}
	defer r.Close()
	_, header, err := r.Next()
	if err != nil {
		t.Fatalf("the %s template's header: %v", mt, err)
	}
	row := make([]string, len(header))
	used := 0
	for i, h := range header {
		if v, ok := values[h]; ok {
			row[i] = v
			used++
		}
	}
	if used != len(values) {
		t.Fatalf("the %s template's header %v lacks some of %v", mt, header, values)
	}
	table := sheet.Table{Name: "import", Rows: [][]string{header, row}}
	var buf bytes.Buffer
	switch mt {
	case sheet.MediaCSV:
		err = sheet.WriteCSV(&buf, table)
	case sheet.MediaXLSX:
		err = sheet.WriteXLSX(&buf, table)
	default:
		err = fmt.Errorf("no writer for %s", mt)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestDocumentedErrorsAreJSON: every error response of the OpenAPI 3.1
// document is declared as google.rpc.Status JSON, also on the routes that
// answer a file, and the real edge answers those routes' errors so; a
// client generated from the document reads them as JSON, not as a
// spreadsheet or an XML file.
func TestDocumentedErrorsAreJSON(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Content map[string]struct {
					Schema struct {
						Ref string `json:"$ref"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(openapi.SpecV3, &doc); err != nil {
		t.Fatal(err)
	}
	for p, byMethod := range doc.Paths {
		for m, op := range byMethod {
			for code, resp := range op.Responses {
				if strings.HasPrefix(code, "2") || code == "304" { // success; 304 Not Modified has no body
					continue
				}
				var types []string
				for mt := range resp.Content {
					types = append(types, mt)
				}
				if len(types) != 1 || types[0] != "application/json" || resp.Content["application/json"].Schema.Ref != "#/components/schemas/rpcStatus" {
					t.Errorf("%s %s %s: declared as %v, want application/json google.rpc.Status", strings.ToUpper(m), p, code, types)
				}
			}
		}
	}

	s := edgetest.Start(t, nil)
	c := resttest.New(s.URL, s.CreateKey(t, "file-errors", "Udruzenje File Errors").Key)
	const nobody = "0190a1b2-0000-7000-8000-00000000dead"
	for _, call := range []struct {
		path   string
		status int
	}{
		{"/v1/beneficiaries:importTemplate?format=pdf", 400},
		{"/v1/trainingEvents/" + nobody + "/participants:importTemplate", 404},
		{"/v1/projects/" + nobody + "/report:export?format=csv", 404},
	} {
		r := c.Do(t, "GET", call.path, nil).Must(t, call.status)
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" || !r.IsStatus() {
			t.Errorf("GET %s: %d answered as %q: %s", call.path, r.Status, r.Header.Get("Content-Type"), r.Raw)
		}
	}
}

// etagOptional is how a description would tell a client it may leave the
// etag out ("etag, when given, must be the stored one").
var etagOptional = regexp.MustCompile(`(?i)etag[^.]*\b(when|if) (given|set|sent)\b`)

// TestDocumentedPatchesNeedTheEtag: every update (PATCH) refuses a change
// without the etag last read (409 ETAG_REQUIRED), so no PATCH operation of
// the OpenAPI 3.1 document may describe the etag as optional. Before, the
// training event's said "training_event.etag, when given, must be the
// stored one": a client that followed it left the etag out and got 409.
func TestDocumentedPatchesNeedTheEtag(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]struct {
			Summary     string `json:"summary"`
			Description string `json:"description"`
			RequestBody struct {
				Content map[string]struct {
					Schema struct {
						Description string `json:"description"`
						Properties  map[string]struct {
							Description string `json:"description"`
						} `json:"properties"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(openapi.SpecV3, &doc); err != nil {
		t.Fatal(err)
	}
	patches := 0
	for p, byMethod := range doc.Paths {
		op, ok := byMethod["patch"]
		if !ok {
			continue
		}
		patches++
		texts := []string{op.Summary, op.Description}
		for _, c := range op.RequestBody.Content {
			texts = append(texts, c.Schema.Description, c.Schema.Properties["etag"].Description)
		}
		for _, text := range texts {
			if m := etagOptional.FindString(strings.Join(strings.Fields(text), " ")); m != "" {
				t.Errorf("PATCH %s: says the etag may be left out (%q)", p, m)
			}
		}
	}
	if patches == 0 {
		t.Fatal("no PATCH operation in the document")
	}

	// As the training event's now says: without the etag, 409 ETAG_REQUIRED.
	s := edgetest.Start(t, nil)
	c := resttest.New(s.URL, s.CreateKey(t, "patches", "Udruzenje Patches").Key)
	ev := c.Do(t, "POST", "/v1/trainingEvents", map[string]any{
		"type": "EVENT_TYPE_WORKSHOP", "title": "Radionica", "start_date": "2017-04-03"}).Must(t, 200)
	r := c.Do(t, "PATCH", "/v1/trainingEvents/"+ev.Str("id"), map[string]any{"title": "Radionica 2"}).Must(t, 409)
	if !bytes.Contains(r.Raw, []byte(`"ETAG_REQUIRED"`)) {
		t.Fatalf("PATCH without the etag: %s", r.Raw)
	}
}

// TestDocumentedPurposeHeader: every /v1 operation of both OpenAPI
// documents declares the X-Spona-Purpose header, which the edge passes on
// from every route and the services record in the audit log, with the
// length the services take: a purpose of that length is recorded and shown
// in the person's audit events, one character more is 400 naming the
// header. Before, neither document named the header, so a client generated
// from them, or the docs page's try-it, could not declare a purpose.
func TestDocumentedPurposeHeader(t *testing.T) {
	maxLength := 0
	for name, raw := range map[string][]byte{"swagger": openapi.Spec, "3.1": openapi.SpecV3} {
		ops, err := resttest.Parameters(raw)
		if err != nil {
			t.Fatal(err)
		}
		for op, params := range ops {
			if !strings.Contains(op, " /v1/") {
				continue
			}
			declared := false
			for _, p := range params {
				if p.In == "header" && p.Name == "X-Spona-Purpose" {
					declared = true
					maxLength = p.MaxLength
				}
			}
			if !declared {
				t.Errorf("%s document: %s does not declare X-Spona-Purpose", name, op)
			}
		}
	}
	if maxLength == 0 {
		t.Fatal("no maxLength declared for X-Spona-Purpose")
	}

	s := edgetest.Start(t, nil)
	c := resttest.New(s.URL, s.CreateKey(t, "p", "Purpose Docs NGO").Key)
	id := c.Do(t, "POST", "/v1/beneficiaries", map[string]any{"given_name": "Selma"}).Must(t, 200).Str("id")
	longest := strings.Repeat("č", maxLength)
	c.Do(t, "GET", "/v1/beneficiaries/"+id, nil, "X-Spona-Purpose", longest).Must(t, 200)
	r := c.Do(t, "GET", "/v1/beneficiaries/"+id, nil, "X-Spona-Purpose", longest+"x").Must(t, 400)
	if _, ok := r.Violations()["x-spona-purpose"]; !ok {
		t.Errorf("a purpose of %d characters: %s, want a violation of x-spona-purpose", maxLength+1, r.Raw)
	}
	events := c.Do(t, "GET", "/v1/beneficiaries/"+id+"/auditEvents", nil).Must(t, 200)
	if !strings.Contains(string(events.Raw), longest) {
		t.Errorf("the purpose of %d characters is not in the audit events: %s", maxLength, events.Raw)
	}
}
