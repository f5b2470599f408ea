package service_test

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/spona/spona/gen/openapi"
	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/pkg/testkit/webhooktest"
	"github.com/spona/spona/services/edge/edgetest"
	"github.com/spona/spona/services/edge/service"
)

// declaredAnswers are the status codes each operation of an OpenAPI
// document ("GET /v1/…") declares (not "default").
func declaredAnswers(t *testing.T, doc []byte) map[string]map[string]bool {
	t.Helper()
	var d struct {
		Paths map[string]map[string]struct {
			Responses map[string]json.RawMessage `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]bool{}
	for p, byMethod := range d.Paths {
		for m, op := range byMethod {
			codes := map[string]bool{}
			for code := range op.Responses {
				if code != "default" {
					codes[code] = true
				}
			}
			out[strings.ToUpper(m)+" "+p] = codes
		}
	}
	return out
}

// takesBody are the operations of a Swagger 2.0 document ("PATCH
// /v1/…") that take a body: JSON, or an import's file.
func takesBody(t *testing.T, doc []byte) map[string]bool {
	t.Helper()
	var d struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				In string `json:"in"`
			} `json:"parameters"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for p, byMethod := range d.Paths {
		for m, op := range byMethod {
			for _, param := range op.Parameters {
				if param.In == "body" {
					out[strings.ToUpper(m)+" "+p] = true
				}
			}
		}
	}
	return out
}

// TestEveryAnswerIsDeclared walks every operation of the OpenAPI documents
// on the real edge, over HTTP, as the owner of the records it names
// (seedRecords; the administrator where a partner lacks the scope), with
// the requests a generated client sends when it uses what the documents
// offer, none of which changes anything:
//
//   - Accept: image/png: 406 wherever the answer is JSON (every operation
//     but the file downloads, which answer their query's format);
//   - If-Match with a stale etag: 412 on every read (GET) and on the
//     changes that take an etag, 400 on the others;
//   - If-None-Match: * on every read: 304;
//   - a body as text/plain where the body is JSON: 415;
//   - a body over the edge's limit (MAX_BODY_BYTES, IMPORT_MAX_BYTES for
//     an upload; both set small here) wherever the operation takes a
//     body: 413.
//
// Every status code the edge answers must be declared by the operation, in
// both documents (a "default" answer does not count: a client generated
// from it cannot tell a 304 from an error), and the reads must answer 304
// and 412, the JSON operations 406, as the documents say. Before, 412 was
// declared only where a change takes an etag, 304 only on reads of one
// resource with an etag, and 406 nowhere, while the edge answers them on
// every read (412, 304) and every JSON operation (406); 413 was declared
// nowhere, while every operation taking a body answers it.
func TestEveryAnswerIsDeclared(t *testing.T) {
	rcv := webhooktest.Start(t, nil)
	// Limits small enough to pass in a probe, large enough for the
	// records seeded and the samples sent.
	const maxBody, maxUpload = 64 << 10, 128 << 10
	s := edgetest.Start(t, func(c *service.Config) { c.MaxBodyBytes, c.ImportMaxBytes = maxBody, maxUpload })
	admin := resttest.New(s.URL, s.CreateAdminKey(t).Key)
	a := resttest.New(s.URL, s.CreateKey(t, "a", "Answers NGO A").Key)
	rec := seedRecords(t, admin, a, rcv.URL())
	org := admin.Do(t, "POST", "/v1/organisations", map[string]any{"name": "Answers directory", "kind": "ORGANISATION_KIND_NGO",
		"country": "RS"}).Must(t, 200).Str("id")
	rec["organisations"] = org
	rec["services"] = admin.Do(t, "POST", "/v1/organisations/"+org+"/services", map[string]any{"name": "Legal aid",
		"category": "REFERRAL_CATEGORY_LEGAL"}).Must(t, 200).Str("id")
	keys := admin.Do(t, "GET", "/v1/apiKeys", nil).Must(t, 200)
	if list, _ := keys.Body["api_keys"].([]any); len(list) > 0 {
		rec["apiKeys"], _ = list[0].(map[string]any)["id"].(string)
	}
	// The query a read needs to answer at all.
	queries := map[string]string{"GET /v1/beneficiaries:search": "?query=Amina"}

	spec, err := resttest.ParseSpec(openapi.Spec)
	if err != nil {
		t.Fatal(err)
	}
	files := fileOperations(t)
	bodies := takesBody(t, openapi.Spec)
	docs := map[string]map[string]map[string]bool{"swagger": declaredAnswers(t, openapi.Spec), "3.1": declaredAnswers(t, openapi.SpecV3)}
	const stale = `W/"987654321"`
	var reads, notModified, preconditionFailed, notAcceptable, tooLarge int
	for _, op := range spec.Operations {
		name := op.Method + " " + op.Template
		path, _ := recordPath(t, op, rec)
		path += queries[name]
		var body any
		if op.Body != "" && op.Method != "GET" {
			sample := spec.Sample(op.Body, func(string) (string, bool) { return "", false })
			delete(sample, "etag") // the etag comes in If-Match
			body = sample
		}
		c := a
		if r := a.Do(t, op.Method, path, body, "Accept", "image/png"); r.Status == 403 {
			c = admin
		}
		answers := map[int]string{}
		probe := func(what string, want int, r resttest.Response) {
			t.Helper()
			if _, ok := answers[r.Status]; !ok {
				answers[r.Status] = what
			}
			if want != 0 && r.Status != want {
				t.Errorf("%s with %s: HTTP %d %s, want %d", name, what, r.Status, r.Raw, want)
			}
		}
		_, file := files[name]
		json406 := 406
		if file && op.Method == "GET" {
			json406 = 0 // a download answers its query's format
		} else {
			notAcceptable++
		}
		probe("Accept: image/png", json406, c.Do(t, op.Method, path, body, "Accept", "image/png"))
		if op.Method == "GET" {
			reads++
			r := c.Do(t, op.Method, path, nil, "If-Match", stale)
			probe("a stale If-Match", 412, r)
			if r.Status == 412 {
				preconditionFailed++
			}
			r = c.Do(t, op.Method, path, nil, "If-None-Match", "*")
			probe("If-None-Match: *", 304, r)
			if r.Status == 304 {
				notModified++
			}
		} else {
			probe("a stale If-Match", 0, c.Do(t, op.Method, path, body, "If-Match", stale))
		}
		if body != nil && !file {
			raw, _ := json.Marshal(body)
			probe("a text/plain body", 415, c.Do(t, op.Method, path, raw, "Content-Type", "text/plain"))
		}
		if upload := files[name][0]; bodies[name] {
			contentType := "application/json"
			if len(upload) > 0 {
				contentType = upload[0]
			}
			r := overLimit(t, c, op.Method, path, contentType, maxUpload+1)
			probe("a body over the limit", 413, r)
			if r.Status == 413 {
				tooLarge++
			}
		}
		for doc, ops := range docs {
			declared, ok := ops[name]
			if !ok {
				t.Errorf("%s document: no %s", doc, name)
				continue
			}
			for _, code := range slices.Sorted(maps.Keys(answers)) {
				if code/100 != 2 && !declared[strconv.Itoa(code)] {
					t.Errorf("%s document: %s answers %d to %s, which it does not declare (it declares %v)",
						doc, name, code, answers[code], slices.Sorted(maps.Keys(declared)))
				}
			}
		}
	}
	t.Logf("%d operations, %d reads: %d answered 304, %d answered 412; %d JSON operations answered 406; %d with a body answered 413",
		len(spec.Operations), reads, notModified, preconditionFailed, notAcceptable, tooLarge)
}

// overLimit sends method path as c with a Content-Length of size and
// sends none of the body: the edge answers from the header alone, and a
// body it would not read is not written (a connection it closes while a
// large body is still being written is reset before its answer is read).
func overLimit(t *testing.T, c *resttest.Client, method, path, contentType string, size int64) resttest.Response {
	t.Helper()
	body, hold := io.Pipe()
	defer hold.Close()
	req, err := http.NewRequest(method, c.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = size
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+c.Key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s with a body over the limit: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resttest.Response{Method: method, Path: path, Status: resp.StatusCode, Header: resp.Header, Raw: raw}
}
