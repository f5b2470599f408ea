package service_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
	"github.com/spona/spona/services/edge/service"
)

// TestConnectionLimitAnswerIsLocalized: the 429 of a connection over its
// address's limit (a partner's pool behind one NAT address) is a Status
// like every other error: with its google.rpc.LocalizedMessage in the
// language asked for, and the security headers. Before, it was a Status of
// its own with no details and none of those headers.
func TestConnectionLimitAnswerIsLocalized(t *testing.T) {
	s := edgetest.Start(t, func(c *service.Config) { c.HTTP.MaxConnsPerIP = 1 })
	addr := s.URL[len("http://"):]
	dial := func() (net.Conn, *bufio.Reader) {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.5")}}
		c, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c, bufio.NewReader(c)
	}
	closed := false // the last answer closes its connection
	get := func(c net.Conn, br *bufio.Reader, path string) resttest.Response {
		t.Helper()
		if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: edge\r\nAccept-Language: hr\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		closed = resp.Close
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		r := resttest.Response{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
		_ = json.Unmarshal(raw, &r.Body)
		return r
	}
	first, br1 := dial()
	get(first, br1, "/healthz").Must(t, 200) // kept open: the address's one connection
	second, br2 := dial()
	r := get(second, br2, "/v1/beneficiaries").Must(t, http.StatusTooManyRequests)
	if locale, msg, _ := localized(t, r); locale != "hr" || msg == "" || r.Header.Get("Retry-After") == "" || r.Body["code"] != float64(8) ||
		r.Header.Get("X-Content-Type-Options") != "nosniff" || !closed {
		t.Errorf("429 over the connection limit: %v %s", r.Header, r.Raw)
	}
	ownText(t, "429 over the connection limit", r)
}
