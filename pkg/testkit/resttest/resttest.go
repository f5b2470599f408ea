// Package resttest is a small client for tests that drive the REST API
// over HTTP: JSON in, google.rpc.Status or resources out.
package resttest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Client calls a Spona edge.
type Client struct {
	URL  string // base URL, e.g. http://127.0.0.1:8080
	Key  string // bearer credential; none when empty
	HTTP *http.Client
}

// New returns a client of the edge at url acting with key.
func New(url, key string) *Client {
	return &Client{URL: url, Key: key, HTTP: &http.Client{Timeout: 30 * time.Second}}
}

// As returns a copy of c using another credential.
func (c *Client) As(key string) *Client {
	cc := *c
	cc.Key = key
	return &cc
}

// Response is an HTTP response with its body read.
type Response struct {
	Method, Path string
	Status       int
	Header       http.Header
	Raw          []byte
	Body         map[string]any // the JSON object, when the body is one
}

// Do sends a request. body is nil, a string or []byte (sent as is), or a
// value encoded as JSON; headers are name, value pairs.
func (c *Client) Do(t testing.TB, method, path string, body any, headers ...string) Response {
	t.Helper()
	r, err := c.Try(method, path, body, headers...)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

// Try is Do returning transport errors instead of failing the test.
func (c *Client) Try(method, path string, body any, headers ...string) (Response, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return Response{}, err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.URL+path, rd)
	if err != nil {
		return Response{}, err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Key != "" {
		req.Header.Set("Authorization", "Bearer "+c.Key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return Response{}, err
	}
	r := Response{Method: method, Path: path, Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") && len(raw) > 0 {
		_ = json.Unmarshal(raw, &r.Body)
	}
	return r, nil
}

// Must fails the test unless the response has status.
func (r Response) Must(t testing.TB, status int) Response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s %s: HTTP %d, want %d: %s", r.Method, r.Path, r.Status, status, r.Raw)
	}
	return r
}

// Str returns a top-level string field of the JSON body.
func (r Response) Str(key string) string {
	v, _ := r.Body[key].(string)
	return v
}

// IsStatus reports whether the body is a google.rpc.Status with a message.
func (r Response) IsStatus() bool {
	_, code := r.Body["code"].(float64)
	msg, _ := r.Body["message"].(string)
	return code && msg != ""
}

// Violations returns the field violations of a google.rpc.Status body,
// each field's description by its path.
func (r Response) Violations() map[string]string {
	out := map[string]string{}
	details, _ := r.Body["details"].([]any)
	for _, d := range details {
		dm, _ := d.(map[string]any)
		fvs, _ := dm["field_violations"].([]any)
		for _, fv := range fvs {
			fvm, _ := fv.(map[string]any)
			field, _ := fvm["field"].(string)
			desc, _ := fvm["description"].(string)
			out[field] = desc
		}
	}
	return out
}
