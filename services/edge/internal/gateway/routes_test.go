package gateway_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/spona/spona/gen/openapi"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/sheet"
	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/internal/gateway"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

var pathVar = regexp.MustCompile(`\{[^}]+\}`)

// TestEveryRouteHasTheScopeOfItsRPC checks the route table against the
// gateway's own routing: for every annotated route, a request the gateway
// matches resolves to the same RPC, and that RPC declares a scope in its
// proto.
func TestEveryRouteHasTheScopeOfItsRPC(t *testing.T) {
	routes, err := gateway.NewRoutes(auth.ScopeFor)
	if err != nil {
		t.Fatal(err)
	}
	list := routes.List()
	if len(list) < 10 {
		t.Fatalf("only %d routes found", len(list))
	}
	var got gateway.Route
	var matched bool
	mux := runtime.NewServeMux(runtime.WithMiddlewares(func(next runtime.HandlerFunc) runtime.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request, _ map[string]string) {
			pat, ok := runtime.HTTPPattern(r.Context())
			if ok {
				got, matched = routes.Lookup(r.Method, pat)
			}
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	conn, err := grpc.NewClient("passthrough:///unused", grpc.WithTransportCredentials(insecure.NewCredentials())) // never dialled
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := gateway.Register(context.Background(), mux, gateway.Backends{Beneficiaries: conn, Referrals: conn, Trainings: conn, Reporting: conn, Webhooks: conn}); err != nil {
		t.Fatal(err)
	}
	for _, rt := range list {
		path := pathVar.ReplaceAllString(rt.Template, "0190a1b2-0000-7000-8000-000000000001")
		matched = false
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(rt.Method, path, strings.NewReader("{}")))
		if !matched {
			t.Errorf("%s %s: the gateway's pattern is not in the route table (HTTP %d)", rt.Method, rt.Template, rec.Code)
			continue
		}
		if got.RPC != rt.RPC {
			t.Errorf("%s %s: table says %s, gateway routes to %s", rt.Method, rt.Template, rt.RPC, got.RPC)
		}
		if scope, ok := auth.ScopeFor(rt.RPC); !ok || scope != got.Scope {
			t.Errorf("%s: scope %q, want %q from the proto", rt.RPC, got.Scope, scope)
		}
	}

	// A route without a scope is refused at construction.
	partial := func(m string) (string, bool) {
		if m == list[0].RPC {
			return "", false
		}
		return auth.ScopeFor(m)
	}
	if _, err := gateway.NewRoutes(partial); err == nil || !strings.Contains(err.Error(), list[0].RPC) {
		t.Errorf("NewRoutes without %s: %v", list[0].RPC, err)
	}
}

// TestRoutesMatchTheOpenAPIDocument: the table and the published document
// describe the same operations.
func TestRoutesMatchTheOpenAPIDocument(t *testing.T) {
	operations := func(spec []byte) map[string]bool {
		var doc struct {
			Paths map[string]map[string]json.RawMessage `json:"paths"`
		}
		if err := json.Unmarshal(spec, &doc); err != nil {
			t.Fatal(err)
		}
		ops := map[string]bool{}
		for p, byMethod := range doc.Paths {
			for m := range byMethod {
				ops[strings.ToUpper(m)+" "+pathVar.ReplaceAllString(p, "{}")] = true
			}
		}
		return ops
	}
	inDoc := operations(openapi.Spec)
	// The OpenAPI 3.1 document has the same operations (so the fuzzers,
	// which read the Swagger 2.0 one, cover every operation of both).
	if diff := gocmp.Diff(inDoc, operations(openapi.SpecV3)); diff != "" {
		t.Errorf("operations of the Swagger 2.0 and OpenAPI 3.1 documents differ (-2.0 +3.1):\n%s", diff)
	}
	routes, err := gateway.NewRoutes(auth.ScopeFor)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range routes.List() {
		if gateway.IsHSDS(r.Template) {
			continue // documented by the Open Referral HSDS profile
		}
		// The document names the variables of a PATCH route like those of
		// its GET ({id}, not {beneficiary.id}); their positions match.
		k := r.Method + " " + pathVar.ReplaceAllString(r.Template, "{}")
		if !inDoc[k] {
			t.Errorf("%s is routed but not in the OpenAPI document", k)
		}
		delete(inDoc, k)
	}
	for k := range inDoc {
		t.Errorf("%s is documented but not routed", k)
	}
}

// TestPatchBodiesRequireNothing: a PATCH carries only the fields named by
// its update_mask, so no PATCH body of the OpenAPI 3.1 document may declare
// required properties (mark resource fields "Required on create." in their
// comment instead of REQUIRED field behaviour); otherwise generated clients
// cannot send a partial update.
func TestPatchBodiesRequireNothing(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody struct {
				Content map[string]struct {
					Schema struct {
						Ref      string   `json:"$ref"`
						Required []string `json:"required"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
		Components struct {
			Schemas map[string]struct {
				Required []string `json:"required"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openapi.SpecV3, &doc); err != nil {
		t.Fatal(err)
	}
	n := 0
	for p, ops := range doc.Paths {
		op, ok := ops["patch"]
		if !ok {
			continue
		}
		n++
		for _, c := range op.RequestBody.Content {
			req := c.Schema.Required
			if c.Schema.Ref != "" {
				req = doc.Components.Schemas[strings.TrimPrefix(c.Schema.Ref, "#/components/schemas/")].Required
			}
			if len(req) > 0 {
				t.Errorf("PATCH %s: the body requires %v", p, req)
			}
		}
	}
	if n < 6 {
		t.Errorf("only %d PATCH operations", n)
	}
}

// documented is one operation as a document declares it: the media types
// and schema of its request body (none without a body) and of its 200
// answer, and its header parameters.
type documented struct {
	request, response             []string
	binaryRequest, binaryResponse bool
	headers                       []string
}

// operationsOf reads the operations of a Swagger 2.0 or OpenAPI 3.1
// document, keyed like the route table ("POST /v1/beneficiaries:import",
// path variables as {}).
func operationsOf(t *testing.T, spec []byte) map[string]documented {
	t.Helper()
	type schema map[string]any
	type media map[string]struct {
		Schema schema `json:"schema"`
	}
	var doc struct {
		Swagger  string   `json:"swagger"`
		Consumes []string `json:"consumes"`
		Produces []string `json:"produces"`
		Paths    map[string]map[string]struct {
			Consumes    []string `json:"consumes"`
			Produces    []string `json:"produces"`
			RequestBody *struct {
				Content media `json:"content"`
			} `json:"requestBody"`
			Responses map[string]struct {
				Schema  schema `json:"schema"`
				Content media  `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(spec, &doc); err != nil {
		t.Fatal(err)
	}
	params, err := resttest.Parameters(spec)
	if err != nil {
		t.Fatal(err)
	}
	// A file is a binary string (2.0), or in 3.1 a schema that says nothing
	// of JSON (no $ref, no type but string).
	binary := func(s schema) bool {
		if s["format"] == "binary" {
			return s["type"] == "string"
		}
		return doc.Swagger == "" && s["$ref"] == nil && (s["type"] == nil || s["type"] == "string") && s["properties"] == nil
	}
	keys := func(m media) (types []string, bin bool) {
		bin = len(m) > 0
		for k, v := range m {
			types = append(types, k)
			bin = bin && binary(v.Schema)
		}
		slices.Sort(types)
		return types, bin
	}
	// An operation's own media types, else the document's.
	or := func(own, doc []string) []string {
		if len(own) > 0 {
			return slices.Clone(own)
		}
		return slices.Clone(doc)
	}
	out := map[string]documented{}
	for p, ops := range doc.Paths {
		for m, op := range ops {
			var d documented
			for _, prm := range params[strings.ToUpper(m)+" "+p] {
				switch prm.In {
				case "header":
					d.headers = append(d.headers, prm.Name)
				case "body": // 2.0
					var s schema
					if err := json.Unmarshal(prm.Schema, &s); err != nil {
						t.Fatal(err)
					}
					d.request = or(op.Consumes, doc.Consumes)
					d.binaryRequest = binary(s)
				}
			}
			if op.RequestBody != nil {
				d.request, d.binaryRequest = keys(op.RequestBody.Content)
			}
			ok := op.Responses["200"]
			if doc.Swagger != "" {
				d.response, d.binaryResponse = or(op.Produces, doc.Produces), binary(ok.Schema)
			} else {
				d.response, d.binaryResponse = keys(ok.Content)
			}
			slices.Sort(d.request)
			slices.Sort(d.response)
			out[strings.ToUpper(m)+" "+pathVar.ReplaceAllString(p, "{}")] = d
		}
	}
	return out
}

// TestDocumentedMediaTypesMatchTheRoutes: each operation of both documents
// declares what the edge does with its route. A route whose body field is a
// google.api.HttpBody takes the file itself, CSV, XLSX or ODS (what
// pkg/sheet reads), not JSON; an RPC returning google.api.HttpBody answers with a
// file, not a JSON object; every other body and answer is JSON; and every
// write declares the Idempotency-Key header the edge accepts on it. (The
// real edge's answers are checked against the declared types in
// services/edge/service, TestDocumentedFileRoutes.)
func TestDocumentedMediaTypesMatchTheRoutes(t *testing.T) {
	routes, err := gateway.NewRoutes(auth.ScopeFor)
	if err != nil {
		t.Fatal(err)
	}
	files := []string{sheet.MediaXLSX, sheet.MediaCSV, sheet.MediaODS}
	slices.Sort(files)
	json := []string{"application/json"}
	for name, spec := range map[string][]byte{"Swagger 2.0": openapi.Spec, "OpenAPI 3.1": openapi.SpecV3} {
		ops := operationsOf(t, spec)
		uploads, downloads := 0, 0
		for _, r := range routes.List() {
			if gateway.IsHSDS(r.Template) {
				continue
			}
			k := r.Method + " " + pathVar.ReplaceAllString(r.Template, "{}")
			d, ok := ops[k]
			if !ok {
				t.Errorf("%s: %s is not documented", name, k)
				continue
			}
			switch {
			case r.Upload:
				uploads++
				if !slices.Equal(d.request, files) || !d.binaryRequest {
					t.Errorf("%s: %s takes a CSV, XLSX or ODS file as its body; documented as %v (binary %v)", name, k, d.request, d.binaryRequest)
				}
			case d.request != nil && (!slices.Equal(d.request, json) || d.binaryRequest):
				t.Errorf("%s: %s takes JSON; documented as %v (binary %v)", name, k, d.request, d.binaryRequest)
			}
			md, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(strings.ReplaceAll(strings.TrimPrefix(r.RPC, "/"), "/", ".")))
			if err != nil {
				t.Fatalf("%s: %v", r.RPC, err)
			}
			if md.(protoreflect.MethodDescriptor).Output().FullName() == "google.api.HttpBody" {
				downloads++
				if len(d.response) == 0 || !d.binaryResponse {
					t.Errorf("%s: %s answers with a file; documented as %v (binary %v)", name, k, d.response, d.binaryResponse)
				}
			} else if !slices.Equal(d.response, json) || d.binaryResponse {
				t.Errorf("%s: %s answers JSON; documented as %v (binary %v)", name, k, d.response, d.binaryResponse)
			}
			if got, want := slices.Contains(d.headers, gateway.IdempotencyKeyHeader), gateway.AcceptsIdempotencyKey(r.Method); got != want {
				t.Errorf("%s: %s declares the %s header: %v, the edge accepts it: %v", name, k, gateway.IdempotencyKeyHeader, got, want)
			}
		}
		// The imports and the templates and export.
		if uploads < 2 || downloads < 3 {
			t.Errorf("%s: %d upload and %d download routes", name, uploads, downloads)
		}
	}
}

// TestIsUploadMatchesTheUploadRoutes: the server's test for upload routes
// (before routing) finds each upload route, and no other.
func TestIsUploadMatchesTheUploadRoutes(t *testing.T) {
	uploads := 0
	for _, r := range gateway.AnnotatedRoutes() {
		req := httptest.NewRequest(r.Method, pathVar.ReplaceAllString(r.Template, "0193a1b2-0000-7000-8000-000000000001"), nil)
		if got := gateway.IsUpload(req); got != r.Upload {
			t.Errorf("IsUpload(%s %s) = %v, want %v", r.Method, r.Template, got, r.Upload)
		}
		if r.Upload {
			uploads++
		}
	}
	if uploads < 2 {
		t.Errorf("%d upload routes, want the beneficiaries and trainings imports", uploads)
	}
}

// TestCredentialRoutes: the routes whose answer carries a secret (a
// response field marked debug_redact) are known from the proto, so the
// edge keeps no Idempotency-Key copy of their answers; a secret added to
// another answer shows up here.
func TestCredentialRoutes(t *testing.T) {
	var got []string
	for _, r := range gateway.AnnotatedRoutes() {
		if r.Credential {
			got = append(got, r.Method+" "+r.Template)
		}
	}
	want := []string{"POST /v1/apiKeys", "POST /v1/apiKeys/{id}:rotate", "GET /v1/webhooks", "POST /v1/webhooks", "GET /v1/webhooks/{id}", "POST /v1/webhooks/{id}:rotateSecret",
		"PATCH /v1/webhooks/{webhook.id}"}
	if !slices.Equal(got, want) {
		t.Fatalf("routes that may answer with a secret: %v, want %v", got, want)
	}
	// Whether an answer carries one is read from the answer: a webhook
	// with its secret (create, rotation) does; one without (update) and
	// an error do not; what does not decode is taken to.
	var create, update gateway.Route
	for _, r := range gateway.AnnotatedRoutes() {
		switch r.Method + " " + r.Template {
		case "POST /v1/webhooks":
			create = r
		case "PATCH /v1/webhooks/{webhook.id}":
			update = r
		}
	}
	for _, c := range []struct {
		r      gateway.Route
		answer string
		want   bool
	}{
		{create, `{"id":"0193a1b2-0000-7000-8000-000000000001","url":"https://x.example/h","secret":"whsec_QUJD"}`, true},
		{update, `{"id":"0193a1b2-0000-7000-8000-000000000001","url":"https://x.example/h","state":"WEBHOOK_STATE_ACTIVE"}`, false},
		{create, `{"code":3,"message":"webhook.url: is required","details":[]}`, false},
		{create, `not json`, true},
	} {
		if got := c.r.SecretIn([]byte(c.answer)); got != c.want {
			t.Errorf("%s %s answering %s: secret %v, want %v", c.r.Method, c.r.Template, c.answer, got, c.want)
		}
	}
}

// TestIfMatchDocumented: both OpenAPI documents declare the If-Match header,
// and its 412 answer, on exactly the operations the edge takes it on (the
// routes that take an etag, and every read), the ETag header on the 200
// answer of every operation answering a resource with an etag, and on
// every read If-None-Match and its 304 answer, so that a client generated
// from them can send the one and read the other.
func TestIfMatchDocumented(t *testing.T) {
	routes, err := gateway.NewRoutes(auth.ScopeFor)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, r := range routes.List() {
		if r.Etag != "" || r.Method == http.MethodGet && !gateway.IsHSDS(r.Template) { // HSDS has its own document
			want[r.Method+" "+pathVar.ReplaceAllString(r.Template, "{}")] = true
		}
	}
	if len(want) == 0 {
		t.Fatal("no route takes an etag")
	}
	for name, raw := range map[string][]byte{"2.0": openapi.Spec, "3.1": openapi.SpecV3} {
		var doc struct {
			Paths map[string]map[string]struct {
				Responses map[string]struct {
					Headers map[string]json.RawMessage `json:"headers"`
				} `json:"responses"`
			} `json:"paths"`
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		params, err := resttest.Parameters(raw)
		if err != nil {
			t.Fatal(err)
		}
		got, etags, reads := map[string]bool{}, 0, 0
		for p, byMethod := range doc.Paths {
			for m, op := range byMethod {
				k := strings.ToUpper(m) + " " + pathVar.ReplaceAllString(p, "{}")
				header := map[string]bool{}
				for _, prm := range params[strings.ToUpper(m)+" "+p] {
					if prm.In == "header" {
						header[prm.Name] = true
					}
				}
				got[k] = header[gateway.IfMatchHeader]
				if !got[k] {
					delete(got, k)
				}
				if _, ok := op.Responses["412"]; ok != got[k] {
					t.Errorf("%s document: %s declares If-Match %v but a 412 answer %v", name, k, got[k], ok)
				}
				_, etag := op.Responses["200"].Headers["ETag"]
				if etag {
					etags++
				}
				// Every read takes If-None-Match (304).
				read := m == "get"
				if _, ok := op.Responses["304"]; ok != read || header[gateway.IfNoneMatchHeader] != read {
					t.Errorf("%s document: %s answers an ETag %v, but declares If-None-Match %v and a 304 answer %v",
						name, k, etag, header[gateway.IfNoneMatchHeader], ok)
				}
				if read {
					reads++
				}
			}
		}
		if diff := gocmp.Diff(want, got); diff != "" {
			t.Errorf("%s document: operations declaring If-Match differ from the routes taking an etag (-routes +document):\n%s", name, diff)
		}
		if etags == 0 {
			t.Errorf("%s document: no operation declares the ETag header of its answer", name)
		}
		if reads == 0 {
			t.Errorf("%s document: no read declares If-None-Match", name)
		}
	}
}
