package adapters

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/services/webhooks/internal/app"
)

func message(url string) app.Message {
	return app.Message{URL: url, ID: "01900000-0000-7000-8000-000000000001", Timestamp: 1700000000,
		Signature: "v1,abc", Body: []byte(`{"type":"referral.received"}`)}
}

// TestGuardRefusesAtConnect: without private targets allowed, the sender
// refuses to connect to a loopback address, given as an IP or as a name that
// resolves to it (the check runs on the address actually dialled, so DNS
// rebinding after subscription does not get through); the server is never
// reached.
func TestGuardRefusesAtConnect(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	s := NewHTTPSender(NewGuard(false), 2*time.Second, 4)
	// https: the address is refused before any TLS (plain http is refused
	// before dialling, TestSenderRefusesPlainHTTP).
	for _, u := range []string{"https://127.0.0.1:" + port + "/hook", "https://localhost:" + port + "/hook", "https://[::ffff:127.0.0.1]:" + port + "/"} {
		a := s.Send(context.Background(), message(u))
		if a.Code != 0 || a.Err != refusedAtConnect {
			t.Errorf("%s: attempt %+v, want refused", u, a)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the loopback server got %d requests", n)
	}
	// The same sender with private targets allowed (development) connects.
	a := NewHTTPSender(NewGuard(true), 2*time.Second, 4).Send(context.Background(), message(srv.URL))
	if a.Code != 200 || hits.Load() != 1 {
		t.Fatalf("allowed: %+v, hits %d", a, hits.Load())
	}
}

// TestConnectRefusalNamesNoInternalAddress: the delivery log (which the
// organisation reads) says why an attempt was refused at connect time in
// the words of the subscribe-time refusal, naming neither the address its
// host resolved to nor the range, and a name that no longer resolves reads
// the same. Otherwise a partner whose DNS name is made to point (CNAME) at
// an internal name after subscribing would learn, attempt by attempt,
// which internal names exist and where they are: what the subscribe-time
// check (TestTargetCheckerNamesNoInternalAddress) keeps from it.
func TestConnectRefusalNamesNoInternalAddress(t *testing.T) {
	s := NewHTTPSender(NewGuard(false), 2*time.Second, 4)
	dns := nxdomainServer(t)
	s.dialer.Resolver = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", dns)
	}}
	for _, host := range []string{"localhost", "127.0.0.1", "[::1]", "[::ffff:10.1.2.3]", "no-such-host.invalid"} {
		a := s.Send(context.Background(), message("https://"+host+":9/hooks"))
		if a.Code != 0 || a.Err != refusedAtConnect {
			t.Errorf("%s: attempt %+v, want %q", host, a, refusedAtConnect)
		}
		for _, leak := range []string{"127.0.0.1", "::1", "10.1.2.3", "loopback", "private", "no such host"} {
			if strings.Contains(a.Err, leak) {
				t.Errorf("%s: the delivery log's error %q names %q", host, a.Err, leak)
			}
		}
	}
}

// TestSenderRefusesPlainHTTP: without private targets allowed, an http://
// URL is refused at connect time too, not only at subscribe time: a webhook
// stored while WEBHOOK_ALLOW_PRIVATE_TARGETS was on (development), once it
// is off, must not send its signed bodies in the clear to a public address.
func TestSenderRefusesPlainHTTP(t *testing.T) {
	a := NewHTTPSender(NewGuard(false), 2*time.Second, 4).Send(context.Background(), message("http://93.184.215.14:9/hooks"))
	if a.Code != 0 || a.Err != "refused to connect: http is not allowed; webhooks go over https only" {
		t.Fatalf("plain http to a public address: %+v, want refused before connecting", a)
	}
}

func TestTargetChecker(t *testing.T) {
	c := NewTargetChecker(NewGuard(false))
	for _, u := range []string{"https://127.0.0.1/", "https://localhost/", "https://10.0.0.8/", "https://[fe80::1]/", "https://169.254.169.254/"} {
		if err := c.Check(context.Background(), u); err == nil {
			t.Errorf("%s accepted", u)
		}
	}
	if err := c.Check(context.Background(), "https://93.184.215.14/"); err != nil {
		t.Errorf("public address refused: %v", err)
	}
	if err := NewTargetChecker(NewGuard(true)).Check(context.Background(), "http://127.0.0.1/"); err != nil {
		t.Errorf("development: %v", err)
	}
}

// TestSenderAnswers: redirects are failures and not followed; the answer's
// body is read up to 64 KiB only (a receiver streaming forever does not
// hold the attempt); a receiver slower than the timeout is a timeout;
// Retry-After is read; the Standard Webhooks headers are sent.
func TestSenderAnswers(t *testing.T) {
	var redirected atomic.Int32
	var got http.Header
	mux := http.NewServeMux()
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/target", http.StatusFound)
	})
	mux.HandleFunc("/target", func(w http.ResponseWriter, r *http.Request) { redirected.Add(1) })
	mux.HandleFunc("/endless", func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		chunk := make([]byte, 16<<10)
		for {
			if _, err := w.Write(chunk); err != nil {
				return // the client hung up
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(time.Millisecond):
			}
		}
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body) // then the server notices the client leaving
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	mux.HandleFunc("/busy", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	mux.HandleFunc("/busy-until", func(w http.ResponseWriter, r *http.Request) {
		// Retry-After as an HTTP date (RFC 9110 allows both forms).
		w.Header().Set("Retry-After", time.Now().Add(10*time.Minute).UTC().Format(http.TimeFormat))
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	s := NewHTTPSender(NewGuard(true), time.Second, 4)
	ctx := context.Background()

	if a := s.Send(ctx, message(srv.URL+"/redirect")); a.Code != http.StatusFound || a.Succeeded() || !strings.Contains(a.Problem(), "redirects are not followed") {
		t.Errorf("redirect: %+v %q", a, a.Problem())
	}
	if redirected.Load() != 0 {
		t.Error("the redirect was followed")
	}
	if a := s.Send(ctx, message(srv.URL+"/endless")); a.Code != 200 || a.Err != "" {
		t.Errorf("endless body: %+v (the attempt should stop reading after 64 KiB)", a)
	}
	for k, want := range map[string]string{"Webhook-Id": "01900000-0000-7000-8000-000000000001", "Webhook-Timestamp": "1700000000",
		"Webhook-Signature": "v1,abc", "Content-Type": "application/json"} {
		if got.Get(k) != want {
			t.Errorf("header %s = %q, want %q", k, got.Get(k), want)
		}
	}
	if a := s.Send(ctx, message(srv.URL+"/slow")); a.Code != 0 || a.Err != "timeout" {
		t.Errorf("slow receiver: %+v", a)
	}
	if a := s.Send(ctx, message(srv.URL+"/busy")); a.Code != 429 || a.RetryAfter != 2*time.Minute {
		t.Errorf("429: %+v", a)
	}
	if a := s.Send(ctx, message(srv.URL+"/busy-until")); a.Code != 503 || a.RetryAfter < 9*time.Minute || a.RetryAfter > 10*time.Minute {
		t.Errorf("503 with Retry-After as a date 10 minutes ahead: %+v, want a wait of about 10 minutes", a)
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	if a := s.Send(ctx, message(closed.URL)); a.Code != 0 || a.Err != "connection refused" {
		t.Errorf("nobody listening: %+v", a)
	}
}

// TestTargetCheckerNamesNoInternalAddress: a host name that resolves to
// loopback or private addresses is refused without naming them, in the
// same words as a name that does not resolve at all. Otherwise a partner
// could list Spona's internal names (a cluster's services, through the
// DNS search path) and learn their addresses from the refusals.
func TestTargetCheckerNamesNoInternalAddress(t *testing.T) {
	c := NewTargetChecker(NewGuard(false))
	// Names outside the hosts file are asked of a DNS server of the
	// test's that knows none (NXDOMAIN), so no network is needed.
	dns := nxdomainServer(t)
	c.resolver = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", dns)
	}}
	refusal := func(host string) string {
		t.Helper()
		err := c.Check(context.Background(), "https://"+host+"/hooks")
		var e *errs.Error
		if !errors.As(err, &e) || len(e.Violations) != 1 || e.Violations[0].Field != "webhook.url" {
			t.Fatalf("%s: %v, want one violation on webhook.url", host, err)
		}
		return strings.ReplaceAll(e.Violations[0].Description, host, "HOST")
	}
	internal, unknown := refusal("localhost"), refusal("no-such-host.invalid")
	for _, addr := range []string{"127.0.0.1", "::1", "loopback"} {
		if strings.Contains(internal, addr) {
			t.Errorf("refusal of a name resolving to loopback: %q names what it resolves to (%s)", internal, addr)
		}
	}
	if internal != unknown {
		t.Errorf("refusals tell an internal name from an unknown one:\n  %q\n  %q", internal, unknown)
	}
}

// nxdomainServer answers every DNS query on a loopback UDP port with
// NXDOMAIN (the query's header and question, no records) until the test
// ends, and returns its address.
func nxdomainServer(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			end := 12 // header, then the question: a name and its type and class
			for end < n && buf[end] != 0 {
				end += int(buf[end]) + 1
			}
			if end += 5; n < 12 || end > n {
				continue
			}
			resp := append([]byte(nil), buf[:end]...)
			resp[2] = 0x80 | buf[2]&0x79 // a response; the opcode and RD as asked
			resp[3] = 0x80 | 3           // RA, NXDOMAIN
			copy(resp[6:12], make([]byte, 6))
			_, _ = pc.WriteTo(resp, from)
		}
	}()
	return pc.LocalAddr().String()
}
