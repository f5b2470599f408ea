package httpserver

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestRefusedWritesTheHandlersAnswer: what net/http refuses before any
// handler runs is answered by Refused's writer (status, net/http's words,
// the request's method, target and Accept-Language as far as they could be
// read), on a keep-alive connection after an answered request too, from a
// trusted proxy's connection as from a counted one; a handler's own
// plain-text answer is written as it is; without Refused, net/http's
// plain text stays.
func TestRefusedWritesTheHandlersAnswer(t *testing.T) {
	plain := func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ok" {
			_, _ = io.WriteString(w, "ok")
			return
		}
		// A handler's answer that looks most like net/http's own.
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Connection", "close")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, "handler's own")
	}
	told := make(chan string, 10)
	write := func(w http.ResponseWriter, r *http.Request, status int, message string) {
		told <- r.Method + " " + r.RequestURI + " " + r.Header.Get("Accept-Language") + " " + message
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status + 1) // told apart from net/http's status
		_, _ = io.WriteString(w, `{"refused":true}`)
	}
	_, addr := serve(t, http.HandlerFunc(plain), Config{TrustedProxies: []string{"127.0.0.2/32"}}, Refused(write))
	_, without := serve(t, http.HandlerFunc(plain), Config{})

	for _, c := range []struct {
		what, from, addr, req string
		status                int
		body, told            string
	}{
		{"a path of %zz", "127.0.0.1", addr, "GET /a/%zz HTTP/1.1\r\nHost: x\r\nAccept-Language: hr\r\n\r\n", 401, `{"refused":true}`, "GET /a/%zz hr "},
		{"no Host, from a trusted proxy", "127.0.0.2", addr, "GET /a HTTP/1.1\r\nAccept-Language: bs\r\n\r\n", 401, `{"refused":true}`,
			"GET /a bs missing required Host header"},
		{"headers over the limit", "127.0.0.1", addr, "GET /a HTTP/1.1\r\nAccept-Language: sr\r\nX: " + strings.Repeat("a", 70<<10) + "\r\n\r\n", 432,
			`{"refused":true}`, "GET /a sr request headers larger than 64 KiB"},
		{"a handler's text/plain 400", "127.0.0.1", addr, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n", 400, "handler's own", ""},
		{"without Refused", "127.0.0.1", without, "GET /a/%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400, "400 Bad Request", ""},
	} {
		conn := dialFrom(t, c.from, c.addr)
		if c.status == 401 {
			// After an answered request on the same connection.
			resp, err := status(t, conn, "GET /ok HTTP/1.1\r\nHost: x\r\n\r\n")
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		resp, err := status(t, conn, c.req)
		if err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || string(body) != c.body {
			t.Errorf("%s: HTTP %d %q, want %d %q", c.what, resp.StatusCode, body, c.status, c.body)
		}
		var got []string
		for len(told) > 0 {
			got = append(got, <-told)
		}
		if c.told != "" && (len(got) != 1 || got[0] != c.told) || c.told == "" && len(got) > 0 {
			t.Errorf("%s: Refused told %q, want %q", c.what, got, c.told)
		}
		if c.told != "" && (!resp.Close || resp.Header.Get("Content-Type") != "application/json") {
			t.Errorf("%s: headers %v", c.what, resp.Header)
		}
	}
}

// BenchmarkRefusedConn is what keeping each request's start (Refused)
// costs a keep-alive request that is not refused: compare "refused" with
// "plain", the same server without Refused.
func BenchmarkRefusedConn(b *testing.B) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })
	for _, name := range []string{"plain", "refused"} {
		b.Run(name, func(b *testing.B) {
			var opts []Option
			if name == "refused" {
				opts = append(opts, Refused(func(w http.ResponseWriter, r *http.Request, status int, message string) {}))
			}
			_, addr := serveB(b, h, opts...)
			c := &http.Client{}
			req, _ := http.NewRequest("GET", "http://"+addr+"/v1/beneficiaries?page_size=10", nil)
			req.Header.Set("Authorization", "Bearer "+strings.Repeat("k", 64))
			req.Header.Set("Accept-Language", "hr")
			for b.Loop() {
				resp, err := c.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}
