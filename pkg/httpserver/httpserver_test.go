package httpserver

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// serve runs a Server for h on loopback until the test ends.
func serve(t *testing.T, h http.Handler, cfg Config, opts ...Option) (*Server, string) {
	t.Helper()
	return serveTB(t, h, cfg, opts...)
}

// serveB is serve for a benchmark, with the default limits.
func serveB(b *testing.B, h http.Handler, opts ...Option) (*Server, string) {
	b.Helper()
	return serveTB(b, h, Config{}, opts...)
}

func serveTB(t testing.TB, h http.Handler, cfg Config, opts ...Option) (*Server, string) {
	t.Helper()
	s, err := New(h, cfg, slog.New(slog.DiscardHandler), opts...)
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, lis, time.Second) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Log("serve:", err)
		}
	})
	return s, lis.Addr().String()
}

// dialFrom opens a connection from local address ip (any 127.x.y.z is
// loopback on Linux, so tests can play several clients).
func dialFrom(t *testing.T, ip, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func status(t *testing.T, c net.Conn, request string) (*http.Response, error) {
	t.Helper()
	if request != "" {
		if _, err := io.WriteString(c, request); err != nil {
			return nil, err
		}
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	return http.ReadResponse(bufio.NewReader(c), nil)
}

func ok(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	_, _ = io.WriteString(w, "ok "+ClientIP(r))
}

func TestConnectionsPerAddress(t *testing.T) {
	s, addr := serve(t, http.HandlerFunc(ok), Config{MaxConnsPerIP: 2, IdleTimeout: time.Minute})
	get := "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	a1, a2 := dialFrom(t, "127.0.0.2", addr), dialFrom(t, "127.0.0.2", addr)
	for _, c := range []net.Conn{a1, a2} {
		r, err := status(t, c, get)
		if err != nil || r.StatusCode != 200 {
			t.Fatalf("within limit: %v %v", r, err)
		}
	}
	// The third connection of 127.0.0.2 is refused and closed...
	a3 := dialFrom(t, "127.0.0.2", addr)
	r, err := status(t, a3, get)
	if err != nil || r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" || !r.Close {
		t.Fatalf("over limit: %+v %v", r, err)
	}
	body, _ := io.ReadAll(r.Body)
	if !strings.Contains(string(body), `"code":8`) {
		t.Errorf("429 body %s is not a Status", body)
	}
	// ...while another address is served.
	if r, err := status(t, dialFrom(t, "127.0.0.3", addr), get); err != nil || r.StatusCode != 200 {
		t.Fatalf("other address: %v %v", r, err)
	}
	// Closing a connection frees its place.
	a1.Close()
	a3.Close()
	deadline := time.Now().Add(5 * time.Second)
	for s.OpenConns() > 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if r, err := status(t, dialFrom(t, "127.0.0.2", addr), get); err != nil || r.StatusCode != 200 {
		t.Fatalf("after a close: %v %v", r, err)
	}
}

func TestBodyDeadline(t *testing.T) {
	_, addr := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, "slow body", http.StatusRequestTimeout)
			return
		}
		_, _ = io.WriteString(w, "ok")
	}), Config{BodyTimeout: 300 * time.Millisecond, ReadTimeout: time.Minute})
	c := dialFrom(t, "127.0.0.4", addr)
	start := time.Now()
	if _, err := io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab"); err != nil {
		t.Fatal(err)
	}
	r, err := status(t, c, "")
	if err != nil || r.StatusCode != http.StatusRequestTimeout {
		t.Fatalf("slow body: %v %v", r, err)
	}
	_, _ = io.ReadAll(r.Body)
	// The connection is closed after the answer.
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatalf("connection still open after the body deadline (read %d)", n)
	}
	t.Logf("slow body answered and closed after %s (deadline 300ms)", time.Since(start).Round(time.Millisecond))
}

// A refusal written before the body was read closes the connection at
// once instead of waiting for the body.
func TestRefusalBeforeBodyCloses(t *testing.T) {
	_, addr := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusUnauthorized)
	}), Config{BodyTimeout: time.Minute, ReadTimeout: time.Minute})
	c := dialFrom(t, "127.0.0.5", addr)
	r, err := status(t, c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{")
	if err != nil || r.StatusCode != 401 || !r.Close {
		t.Fatalf("refusal: %+v %v", r, err)
	}
	_, _ = io.ReadAll(r.Body)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil || isTimeout(err) {
		t.Fatalf("connection not closed after a refusal: %v", err)
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

func TestClientIPBehindTrustedProxy(t *testing.T) {
	s, err := New(http.NotFoundHandler(), Config{TrustedProxies: []string{"10.0.0.0/8", "192.168.1.1"}}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ remote, xff, want string }{
		{"203.0.113.9:5000", "", "203.0.113.9"},
		{"203.0.113.9:5000", "1.2.3.4", "203.0.113.9"}, // untrusted peer: header ignored
		{"10.1.2.3:5000", "198.51.100.7", "198.51.100.7"},
		{"10.1.2.3:5000", "1.1.1.1, 198.51.100.7, 10.9.9.9", "198.51.100.7"}, // nearest untrusted hop
		{"192.168.1.1:80", "", "192.168.1.1"},
		{"10.1.2.3:5000", "garbage", "10.1.2.3"},
		{"[::ffff:10.1.2.3]:5000", "198.51.100.8", "198.51.100.8"},
		// Hops written with their port (Azure Application Gateway, IIS ARR)
		// or an IPv6 address in brackets: the client's address, not the
		// proxy's (which would put every client in one bucket of the
		// failed-authentication limit).
		{"10.1.2.3:5000", "198.51.100.7:49152", "198.51.100.7"},
		{"10.1.2.3:5000", "1.1.1.1:1, 198.51.100.7:443, 10.9.9.9:80", "198.51.100.7"},
		{"10.1.2.3:5000", "[2001:db8::7]:49152", "2001:db8::7"},
		{"10.1.2.3:5000", "[2001:db8::8]", "2001:db8::8"},
		{"10.1.2.3:5000", "garbage:80", "10.1.2.3"},
	} {
		r, _ := http.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := s.clientIP(r); got != c.want {
			t.Errorf("clientIP(%s, XFF %q) = %s, want %s", c.remote, c.xff, got, c.want)
		}
	}
	if _, err := New(http.NotFoundHandler(), Config{TrustedProxies: []string{"not-a-cidr"}}, slog.New(slog.DiscardHandler)); err == nil {
		t.Error("bad TRUSTED_PROXIES accepted")
	}
}

// sendPaced writes a POST to path with a body of size bytes in pieces of
// piece bytes, one every gap, and returns the answer's status and body.
func sendPaced(t *testing.T, c net.Conn, path string, size, piece int, gap time.Duration) (int, string) {
	t.Helper()
	if _, err := fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", path, size); err != nil {
		t.Fatal(err)
	}
	chunk := strings.Repeat("x", piece)
	for sent := 0; sent < size; sent += piece {
		time.Sleep(gap)
		if _, err := io.WriteString(c, chunk[:min(piece, size-sent)]); err != nil {
			break // the server answered and closed
		}
	}
	r, err := status(t, c, "")
	if err != nil {
		t.Fatalf("%s: no answer: %v", path, err)
	}
	body, _ := io.ReadAll(r.Body)
	return r.StatusCode, string(body)
}

// TestUploadMinimumRate: an upload may take longer than the body deadline
// while it keeps the minimum rate (the deadline moves on as bytes arrive);
// slower, or another body as slow, is told it came too slowly. The answer
// to an upload may come later than the write deadline after its headers.
func TestUploadMinimumRate(t *testing.T) {
	const rate = 10 << 10 // bytes per second
	_, addr := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		if slow := BodyTooSlow(r); slow != nil {
			http.Error(w, slow.Error(), http.StatusRequestTimeout)
			return
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		_, _ = fmt.Fprintf(w, "read %d", n)
	}), Config{BodyTimeout: time.Second, UploadMinRate: rate, ReadTimeout: time.Minute, WriteTimeout: 1500 * time.Millisecond},
		Uploads(func(r *http.Request) bool { return r.URL.Path == "/upload" }, 1<<20))
	// 40 KiB at 20 KiB/s: 2 s, twice the body deadline and longer than the
	// write deadline.
	if code, body := sendPaced(t, dialFrom(t, "127.0.0.6", addr), "/upload", 40<<10, 4<<10, 200*time.Millisecond); code != 200 {
		t.Errorf("upload at twice the minimum rate: %d %s", code, body)
	}
	// At a third of the minimum rate.
	code, body := sendPaced(t, dialFrom(t, "127.0.0.6", addr), "/upload", 40<<10, 1<<10, 300*time.Millisecond)
	if code != http.StatusRequestTimeout || !strings.Contains(body, "10 KiB per second") {
		t.Errorf("upload at a third of the minimum rate: %d %s", code, body)
	}
	// Not an upload: the body deadline holds.
	code, body = sendPaced(t, dialFrom(t, "127.0.0.6", addr), "/other", 40<<10, 4<<10, 200*time.Millisecond)
	if code != http.StatusRequestTimeout || !strings.Contains(body, "did not arrive within 1s") {
		t.Errorf("another body at the upload's pace: %d %s", code, body)
	}
}

// TestConnectionsPerIPv6Block: the addresses of one IPv6 /64 share one
// limit (one host can use any of its 2^64 addresses); another /64 has its
// own.
func TestConnectionsPerIPv6Block(t *testing.T) {
	s, err := New(http.HandlerFunc(ok), Config{MaxConnsPerIP: 2}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range []struct {
		addr string
		want bool
	}{
		{"2001:db8:1:2::1", true},
		{"2001:db8:1:2:ffff::7", true},
		{"2001:db8:1:2:abcd:1:2:3", false}, // third of the same /64
		{"2001:db8:1:3::1", true},          // the next /64
		{"::ffff:192.0.2.7", true},
		{"192.0.2.7", true},
		{"192.0.2.7", false},
		{"192.0.2.8", true},
	} {
		if got := s.acquire(ClientBlock(netip.MustParseAddr(c.addr))); got != c.want {
			t.Errorf("%d: connection from %s within the limit: %v, want %v", i, c.addr, got, c.want)
		}
	}
}

// A stopping server goes on answering new connections for ShutdownDelay
// (a load balancer may still send them while it learns of the stop), with
// Connection: close so clients take their next request elsewhere; then it
// stops listening. Before HTTP_SHUTDOWN_DELAY the listener closed at once
// and such connections were refused during every rollout.
func TestServesOnDuringShutdownDelay(t *testing.T) {
	t.Parallel()
	// Long enough that a busy machine still makes the requests below
	// within it; the test waits it out once.
	s, err := New(http.HandlerFunc(ok), Config{ShutdownDelay: 10 * time.Second, ReadHeaderTimeout: 5 * time.Second}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, lis, time.Second) }()
	get := func() (*http.Response, error) {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			return nil, err
		}
		defer c.Close()
		return status(t, c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	}
	if r, err := get(); err != nil || r.StatusCode != 200 || r.Close {
		t.Fatalf("before the stop: %v %v", r, err)
	}
	cancel()
	// The stop is seen once answers close their connections.
	for {
		r, err := get()
		if err != nil {
			t.Fatalf("a new connection after the stop was refused: %v", err)
		}
		if r.StatusCode != 200 {
			t.Fatalf("after the stop: %d", r.StatusCode)
		}
		if r.Close {
			break
		}
	}
	if r, err := get(); err != nil || r.StatusCode != 200 || !r.Close {
		t.Fatalf("during the delay: %v %v", r, err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatal("still listening after the delay")
	}
}

// TestReadTimeoutBoundsNoBody: HTTP_READ_TIMEOUT, documented as no bound
// of its own, does not cut a body HTTP_BODY_TIMEOUT allows (a whole-request
// deadline would cut the uploads HTTP_UPLOAD_MIN_RATE lets run for minutes).
// Before, the documentation said it bounded the whole request.
func TestReadTimeoutBoundsNoBody(t *testing.T) {
	_, addr := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "slow body", http.StatusRequestTimeout)
			return
		}
		_, _ = w.Write(b)
	}), Config{ReadHeaderTimeout: 5 * time.Second, BodyTimeout: 10 * time.Second, ReadTimeout: 100 * time.Millisecond,
		WriteTimeout: time.Minute, IdleTimeout: time.Minute})
	c := dialFrom(t, "127.0.0.30", addr)
	if _, err := io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nab"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // past HTTP_READ_TIMEOUT, within HTTP_BODY_TIMEOUT
	r, err := status(t, c, "cd")
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(r.Body); r.StatusCode != http.StatusOK || string(b) != "abcd" {
		t.Errorf("body sent over 500ms with HTTP_READ_TIMEOUT=100ms: %d %s; want it read whole", r.StatusCode, b)
	}
}
