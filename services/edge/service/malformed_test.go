package service_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
)

// rawRequest sends req as it is on a new connection to the edge at addr
// (a path Go's client would not send, headers net/http refuses) and reads
// the answer.
func rawRequest(t *testing.T, addr, req string) resttest.Response {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatalf("sending %.80q: %v", req, err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("reading the answer to %.80q: %v", req, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := resttest.Response{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	_ = json.Unmarshal(raw, &r.Body)
	return r
}

// TestMalformedRequestsAnswerTheStatusShape sends, through the real edge
// (the five services and PostgreSQL behind it, over TCP as a partner's
// client does), the malformed requests a partner's client makes, one per
// way the edge can be reached before or around the services: a path or
// query that does not percent-decode, an unknown route, a method the path
// lacks, headers over the limit, Authorization in the wrong forms, a body
// that is no JSON, of the wrong JSON type, an unknown enum name, no body
// where one is needed, an API key's expiry that is no time, one out of
// range or in the past, a rotation's overlap out of range, and requests
// net/http itself refuses (a header name that is no token, no Host, an
// unknown Transfer-Encoding, an HTTP version it does not speak, a
// Content-Length that is no number). Each must be a 4xx with Content-Type
// application/json and a google.rpc.Status body (code, message, details)
// carrying the reason (google.rpc.ErrorInfo) where the edge has one, a
// field violation naming the field where there is one, and a
// LocalizedMessage in the language Accept-Language asks for, on the
// status and on each field violation. Before, a path of %zz and headers
// over 64 KiB were answered in net/http's plain text, a query of %zz with
// neither a field nor a reason, and two Authorization headers taken as the
// first.
func TestMalformedRequestsAnswerTheStatusShape(t *testing.T) {
	s := edgetest.Start(t, nil)
	key := s.CreateKey(t, "p", "Malformed NGO").Key
	admin := s.CreateAdminKey(t).Key
	addr := strings.TrimPrefix(s.URL, "http://")
	// A key to rotate (the rotation is refused for its fields before the
	// key is looked at, but the path names a real one).
	adm := resttest.New(s.URL, admin)
	orgs := adm.Do(t, "GET", "/v1/apiKeys?page_size=1", nil).Must(t, 200)
	keyID := ""
	if list, _ := orgs.Body["api_keys"].([]any); len(list) > 0 {
		keyID, _ = list[0].(map[string]any)["id"].(string)
	}
	if keyID == "" {
		t.Fatalf("no API key listed: %s", orgs.Raw)
	}

	// request is a request line and headers (lang's Accept-Language first,
	// then extra header lines), then body with its Content-Length.
	request := func(line, credential, lang, extra, body string) string {
		var b strings.Builder
		b.WriteString(line + "\r\nHost: edge\r\nAccept-Language: " + lang + "\r\n")
		if credential != "" {
			b.WriteString("Authorization: Bearer " + credential + "\r\n")
		}
		b.WriteString(extra)
		if body != "" {
			fmt.Fprintf(&b, "Content-Type: application/json\r\nContent-Length: %d\r\n", len(body))
		}
		b.WriteString("Connection: close\r\n\r\n" + body)
		return b.String()
	}
	get := func(path, lang string) string { return request("GET "+path+" HTTP/1.1", key, lang, "", "") }
	post := func(path, credential, lang, body string) string {
		return request("POST "+path+" HTTP/1.1", credential, lang, "", body)
	}
	future := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)

	cases := []struct {
		what   string
		req    string
		lang   string // the locale the answer must be in
		status int
		reason string // the ErrorInfo reason ("": none required)
		field  string // a field violation the answer must carry ("": none required)
	}{
		{"a path of a malformed escape", get("/v1/beneficiaries/%zz", "sr-Cyrl"), "sr-Cyrl", 400, "MALFORMED_PATH", ""},
		{"a path of a malformed escape outside the API", get("/%zz", "hr"), "hr", 400, "MALFORMED_PATH", ""},
		{"a path ending in a lone %", get("/v1/beneficiaries/%", "bs"), "bs", 400, "MALFORMED_PATH", ""},
		{"a query value of a malformed escape", get("/v1/beneficiaries?page_token=%zz", "sr-Cyrl"), "sr-Cyrl", 400, "", "page_token"},
		{"a query name of a malformed escape", get("/v1/beneficiaries?%zz=1", "hr"), "hr", 400, "", "%zz"},
		{"a query of a semicolon", get("/v1/beneficiaries?page_token=a;b", "sr-Latn"), "sr-Latn", 400, "", "page_token"},
		{"a malformed query on a route whose body is the request", post("/v1/beneficiaries?x=%zz", key, "hr",
			`{"given_name":"Ana","family_name":"Ivić","sex":"SEX_FEMALE","birth_year":1990}`), "hr", 400, "", "x"},
		{"a malformed query of the directory (HSDS)", get("/hsds/services?page=%zz", "sr-Cyrl"), "sr-Cyrl", 400, "", "page"},
		{"an unknown route", get("/v1/nothingHere", "sr-Cyrl"), "sr-Cyrl", 404, "ROUTE_NOT_FOUND", ""},
		{"a method the path lacks", request("PUT /v1/beneficiaries HTTP/1.1", key, "hr", "", ""), "hr", 405, "METHOD_NOT_ALLOWED", ""},
		{"headers over the limit", request("GET /v1/beneficiaries HTTP/1.1", key, "sr-Cyrl",
			"X-Padding: "+strings.Repeat("a", 70<<10)+"\r\n", ""), "sr-Cyrl", 431, "HEADERS_TOO_LARGE", ""},
		{"Authorization of another scheme", request("GET /v1/beneficiaries HTTP/1.1", "", "hr",
			"Authorization: Basic dXNlcjpwYXNz\r\n", ""), "hr", 401, "CREDENTIALS_MISSING", ""},
		{"Authorization of a bare Bearer", request("GET /v1/beneficiaries HTTP/1.1", "", "hr", "Authorization: Bearer\r\n", ""), "hr", 401, "CREDENTIALS_MISSING", ""},
		{"Authorization of two words", request("GET /v1/beneficiaries HTTP/1.1", "", "hr", "Authorization: Bearer a b\r\n", ""), "hr", 401, "CREDENTIALS_MISSING", ""},
		{"Authorization of an unknown key", request("GET /v1/beneficiaries HTTP/1.1", "spona_aaaaaaaa_"+strings.Repeat("b", 52), "hr", "", ""), "hr", 401, "CREDENTIALS_INVALID", ""},
		{"Authorization given twice", request("GET /v1/beneficiaries HTTP/1.1", key, "sr-Cyrl", "Authorization: Bearer "+key+"\r\n", ""),
			"sr-Cyrl", 400, "", "Authorization"},
		{"a body that is no JSON", post("/v1/beneficiaries", key, "sr-Cyrl", `{"given_name":`), "sr-Cyrl", 400, "MALFORMED_BODY", "beneficiary.given_name"},
		{"a body of the wrong JSON type", post("/v1/beneficiaries", key, "hr", `["Ana"]`), "hr", 400, "MALFORMED_BODY", "beneficiary"},
		{"a field of the wrong JSON type", post("/v1/beneficiaries", key, "bs", `{"birth_year":"nineteen"}`), "bs", 400, "MALFORMED_BODY", "beneficiary.birth_year"},
		{"an unknown enum name", post("/v1/beneficiaries", key, "sr-Cyrl", `{"sex":"MALEZZ"}`), "sr-Cyrl", 400, "MALFORMED_BODY", "beneficiary.sex"},
		{"no body where one is needed", request("POST /v1/beneficiaries HTTP/1.1", key, "hr", "Content-Type: application/json\r\nContent-Length: 0\r\n", ""),
			"hr", 400, "", "beneficiary"},
		{"an API key's expiry that is no time", post("/v1/apiKeys", admin, "sr-Cyrl", `{"api_key":{"display_name":"k","expire_time":"tomorrow"}}`),
			"sr-Cyrl", 400, "MALFORMED_BODY", "api_key.expire_time"},
		{"an API key's expiry in year 0", post("/v1/apiKeys", admin, "hr", `{"api_key":{"display_name":"k","expire_time":"0000-01-01T00:00:00Z"}}`),
			"hr", 400, "MALFORMED_BODY", "api_key.expire_time"},
		{"an API key's expiry in the past", post("/v1/apiKeys", admin, "sr-Cyrl", `{"api_key":{"display_name":"k","expire_time":"2001-01-01T00:00:00Z"}}`),
			"sr-Cyrl", 400, "", "api_key.expire_time"},
		{"an API key's expiry as a number", post("/v1/apiKeys", admin, "bs", `{"api_key":{"display_name":"k","expire_time":1}}`),
			"bs", 400, "MALFORMED_BODY", "api_key.expire_time"},
		{"a rotation's overlap out of range", post("/v1/apiKeys/"+keyID+":rotate", admin, "sr-Cyrl", `{"overlap":"999999999999s","expire_time":"`+future+`"}`),
			"sr-Cyrl", 400, "MALFORMED_BODY", "overlap"},
		{"a rotation's expiry that is no time", post("/v1/apiKeys/"+keyID+":rotate", admin, "hr", `{"expire_time":"soon"}`),
			"hr", 400, "MALFORMED_BODY", "expire_time"},
		{"a header name that is no token", request("GET /v1/beneficiaries HTTP/1.1", key, "sr-Cyrl", "Bad Header: x\r\n", ""),
			"sr-Cyrl", 400, "MALFORMED_REQUEST", ""},
		{"no Host", "GET /v1/beneficiaries HTTP/1.1\r\nAccept-Language: hr\r\nConnection: close\r\n\r\n", "hr", 400, "MALFORMED_REQUEST", "Host"},
		{"an unknown Transfer-Encoding", request("POST /v1/beneficiaries HTTP/1.1", key, "sr-Cyrl", "Transfer-Encoding: gzip\r\n", ""),
			"sr-Cyrl", 400, "MALFORMED_REQUEST", "Transfer-Encoding"},
		{"an HTTP version net/http does not speak", request("GET /v1/beneficiaries HTTP/3.0", key, "hr", "", ""), "hr", 400, "MALFORMED_REQUEST", ""},
		{"a Content-Length that is no number", request("POST /v1/beneficiaries HTTP/1.1", key, "bs", "Content-Length: abc\r\n", ""),
			"bs", 400, "MALFORMED_REQUEST", ""},
	}
	for _, c := range cases {
		t.Run(c.what, func(t *testing.T) {
			r := rawRequest(t, addr, c.req)
			if r.Status != c.status {
				t.Fatalf("HTTP %d, want %d: %.400s", r.Status, c.status, r.Raw)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/json" {
				t.Fatalf("Content-Type %q, want application/json: %.400s", ct, r.Raw)
			}
			var body map[string]json.RawMessage
			if err := json.Unmarshal(r.Raw, &body); err != nil {
				t.Fatalf("body is no JSON object: %v: %.400s", err, r.Raw)
			}
			keys := slices.Sorted(func(yield func(string) bool) {
				for k := range body {
					if !yield(k) {
						return
					}
				}
			})
			if !slices.Equal(keys, []string{"code", "details", "message"}) || !r.IsStatus() {
				t.Fatalf("body of %v, want a google.rpc.Status (code, message, details): %.400s", keys, r.Raw)
			}
			if c.reason != "" {
				if got := reasonOf(r); got != c.reason {
					t.Errorf("reason %q, want %q: %.400s", got, c.reason, r.Raw)
				}
				if d, _ := errorInfo(r)["domain"].(string); d != "spona.org" {
					t.Errorf("ErrorInfo of domain %q, want spona.org: %.400s", d, r.Raw)
				}
				ownText(t, c.what, r)
			}
			code, _ := r.Body["code"].(float64)
			locale, msg, fields := localized(t, r)
			if locale != c.lang || msg == "" {
				t.Errorf("LocalizedMessage %q in %q, want one in %s", msg, locale, c.lang)
			}
			if c.lang == "sr-Cyrl" && !hasCyrillic(msg) {
				t.Errorf("LocalizedMessage %q is not in Cyrillic", msg)
			}
			switch {
			case c.field != "":
				f, ok := fields[c.field]
				if !ok {
					t.Fatalf("field violations on %v, want one on %s: %.400s", slices.Sorted(func(yield func(string) bool) {
						for k := range fields {
							if !yield(k) {
								return
							}
						}
					}), c.field, r.Raw)
				}
				if f[0] != c.lang || f[1] == "" || c.lang == "sr-Cyrl" && !hasCyrillic(f[1]) {
					t.Errorf("field violation on %s localized %q in %q, want one in %s", c.field, f[1], f[0], c.lang)
				}
			case code == 3 && c.reason == "":
				t.Errorf("INVALID_ARGUMENT with neither a reason nor a field expected of it: fix the case")
			}
			if code == 3 && len(fields) == 0 && c.reason == "" {
				t.Errorf("INVALID_ARGUMENT with neither field violations nor a reason: %.400s", r.Raw)
			}
		})
	}
}
