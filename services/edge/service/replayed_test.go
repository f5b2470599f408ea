package service_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/spona/spona/gen/openapi"
	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
)

// responseHeaders are the response headers each answer of each operation
// of an OpenAPI document (2.0 or 3.x: the same shape) declares, by
// "POST /v1/…" and status code.
func responseHeaders(t *testing.T, doc []byte) map[string]map[string]map[string]bool {
	t.Helper()
	var d struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Headers map[string]json.RawMessage `json:"headers"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]map[string]bool{}
	for p, byMethod := range d.Paths {
		for m, op := range byMethod {
			byCode := map[string]map[string]bool{}
			for code, resp := range op.Responses {
				byCode[code] = map[string]bool{}
				for h := range resp.Headers {
					byCode[code][h] = true
				}
			}
			out[strings.ToUpper(m)+" "+p] = byCode
		}
	}
	return out
}

// TestReplayedHeaderDeclared: the Idempotent-Replayed header the edge
// answers on a write repeating an earlier one (an Idempotency-Key's
// replay, a 200 or a kept refusal; an import's upload repeating an
// earlier one by request_id or file) is declared on the answers that
// carry it, in both OpenAPI documents, as the ETag header is, so that a
// client generated from them reads it; and every write declares it on its
// 200 (every write takes an Idempotency-Key); and every 409 and 429
// declares Retry-After. Before, no operation declared either header. The
// GET of the operation of a replayed upload is no replay (its
// metadata.replayed is false, as the proto says) and carries no such
// header.
func TestReplayedHeaderDeclared(t *testing.T) {
	docs := map[string]map[string]map[string]map[string]bool{
		"swagger": responseHeaders(t, openapi.Spec), "openapi 3.1": responseHeaders(t, openapi.SpecV3)}
	for name, ops := range docs {
		for op, byCode := range ops {
			method, _, _ := strings.Cut(op, " ")
			if method != "GET" && !byCode["200"]["Idempotent-Replayed"] {
				t.Errorf("%s: %s does not declare Idempotent-Replayed on its 200", name, op)
			}
			// Retry-After, on the answers that carry it when the same
			// request may be sent again (a rate limit, a conflict with a
			// change or request in progress).
			for _, code := range []string{"409", "429"} {
				if hs, ok := byCode[code]; ok && !hs["Retry-After"] {
					t.Errorf("%s: %s does not declare Retry-After on its %s", name, op, code)
				}
			}
			if method == "GET" {
				for code, hs := range byCode {
					if hs["Idempotent-Replayed"] {
						t.Errorf("%s: the read %s declares Idempotent-Replayed on its %s", name, op, code)
					}
				}
			}
		}
	}

	s := edgetest.Start(t, nil)
	c := resttest.New(s.URL, s.CreateKey(t, "p", "Replay NGO").Key)
	// twice sends a request twice and wants the second answer marked as a
	// replay of the first (same status), declared on op's answer.
	twice := func(op, path string, body any, headers ...string) resttest.Response {
		t.Helper()
		method, _, _ := strings.Cut(op, " ")
		first := c.Do(t, method, path, body, headers...)
		if first.Header.Get("Idempotent-Replayed") != "" {
			t.Errorf("%s: the first answer is marked replayed", op)
		}
		again := c.Do(t, method, path, body, headers...)
		if again.Status != first.Status || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("%s again: HTTP %d (first %d), Idempotent-Replayed %q: %s", op, again.Status, first.Status,
				again.Header.Get("Idempotent-Replayed"), again.Raw)
		}
		for name, ops := range docs {
			if !ops[op][strconv.Itoa(again.Status)]["Idempotent-Replayed"] {
				t.Errorf("%s: %s answered %d with Idempotent-Replayed, which it does not declare there", name, op, again.Status)
			}
		}
		return again
	}
	twice("POST /v1/beneficiaries", "/v1/beneficiaries", map[string]any{"given_name": "Amina", "sex": "SEX_FEMALE"},
		"Idempotency-Key", "create-1")
	// A refusal is kept and replayed too.
	twice("POST /v1/beneficiaries", "/v1/beneficiaries", map[string]any{"sex": "SEX_FEMALE"}, "Idempotency-Key", "create-2")
	twice("POST /v1/beneficiaries/{id}:erase", "/v1/beneficiaries/0190a1b2-0000-7000-8000-000000000001:erase",
		map[string]any{"reason": "duplicate"}, "Idempotency-Key", "erase-1")
	// An upload repeated, by its request_id (the service replays it) and
	// by its Idempotency-Key (the edge keeps no upload's answer: the key
	// becomes the request id).
	csv := []byte("given_name,family_name\nAna,Petrović\n")
	up := twice("POST /v1/beneficiaries:import", "/v1/beneficiaries:import?request_id=upload-1", csv, "Content-Type", "text/csv")
	twice("POST /v1/beneficiaries:import", "/v1/beneficiaries:import", []byte("given_name,family_name\nJovan,Petrović\n"),
		"Content-Type", "text/csv", "Idempotency-Key", "upload-2")

	name := up.Str("name")
	if name == "" {
		t.Fatalf("upload: no operation name: %s", up.Raw)
	}
	op := c.Do(t, "GET", "/v1/"+name, nil).Must(t, 200)
	meta, _ := op.Body["metadata"].(map[string]any)
	if op.Header.Get("Idempotent-Replayed") != "" || meta["replayed"] == true {
		t.Errorf("GET /v1/%s: Idempotent-Replayed %q, metadata %v: a read is no replay", name, op.Header.Get("Idempotent-Replayed"), meta)
	}
}

// TestTransientAnswersDeclared: the answers a client should retry are
// declared where the edge gives them, in both OpenAPI documents: on every
// operation 503 (a service it needs is down: checked here on the real
// stack with the beneficiaries service stopped), 504 (a service did not
// answer in time) and 500 (a fault of Spona's: the gateway's
// TestPanicAnsweredAndLoggedWithoutItsValue), and 408 on every operation
// taking a body (one that stops arriving in time, BODY_TOO_SLOW:
// TestSlowUploads). Before, all were only the documents' "default", which
// a generated client cannot tell from any other error (503 and 408 are
// declared since r18; 500 and 504 were declared on none of the 92
// operations before r19).
func TestTransientAnswersDeclared(t *testing.T) {
	bodies := takesBody(t, openapi.Spec)
	docs := map[string]map[string]map[string]bool{"swagger": declaredAnswers(t, openapi.Spec), "3.1": declaredAnswers(t, openapi.SpecV3)}
	for name, ops := range docs {
		for op, codes := range ops {
			for _, code := range []string{"500", "503", "504"} {
				if !codes[code] {
					t.Errorf("%s: %s does not declare %s", name, op, code)
				}
			}
			if bodies[op] && !codes["408"] {
				t.Errorf("%s: %s takes a body and does not declare 408", name, op)
			}
		}
	}

	s := edgetest.Start(t, nil)
	c := resttest.New(s.URL, s.CreateKey(t, "p", "Transient NGO").Key)
	c.Do(t, "GET", "/v1/beneficiaries", nil).Must(t, 200)
	s.StopService(t, "beneficiaries")
	for _, op := range []struct{ method, template, path string }{
		{"GET", "/v1/beneficiaries", "/v1/beneficiaries"},
		{"POST", "/v1/beneficiaries", "/v1/beneficiaries"},
	} {
		var body any
		if op.method == "POST" {
			body = map[string]any{"given_name": "Amina"}
		}
		r := c.Do(t, op.method, op.path, body)
		if r.Status != 503 || !r.IsStatus() {
			t.Errorf("%s %s with the service down: HTTP %d %s, want 503", op.method, op.path, r.Status, r.Raw)
		}
		for name, ops := range docs {
			if !ops[op.method+" "+op.template][strconv.Itoa(r.Status)] {
				t.Errorf("%s: %s %s answered %d, which it does not declare", name, op.method, op.template, r.Status)
			}
		}
	}
}
