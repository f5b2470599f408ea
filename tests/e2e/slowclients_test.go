package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Settings of the edge under the slow-client test (short, so the test is).
const (
	slowBodyTimeout   = 2 * time.Second
	slowHeaderTimeout = 2 * time.Second
	slowConnsPerIP    = 100
)

// TestSlowClients: 1,000 connections that send their headers and then one
// byte of body every few seconds (500 without a key, as a scanner would,
// 500 with a valid key, so the gateway does read their bodies), from ten
// addresses, plus 100 that never finish their headers and 200 more from a
// single address. The edge is a separate process. Every slow connection
// must be closed by the edge within its configured timeout, the surplus
// of the single address refused with 429, the edge's memory must stay
// bounded, and a normal client must keep being answered throughout; its
// latency is measured against a baseline taken just before.
func TestSlowClients(t *testing.T) {
	s := startSystem(t,
		"HTTP_BODY_TIMEOUT="+slowBodyTimeout.String(),
		"HTTP_READ_HEADER_TIMEOUT="+slowHeaderTimeout.String(),
		"HTTP_READ_TIMEOUT=30s",
		"MAX_CONNS_PER_IP="+strconv.Itoa(slowConnsPerIP),
		"RATE_LIMIT_RPS=0",
	)
	addr := strings.TrimPrefix(s.stack.URL(), "http://")
	edgePID := s.stack.PID("edge")
	normal := func(n int) []time.Duration {
		lat := make([]time.Duration, 0, n)
		for range n {
			start := time.Now()
			r := s.call(t, "GET", "/v1/beneficiaries?page_size=5", s.keyA, nil)
			lat = append(lat, time.Since(start))
			if r.Status != 200 {
				t.Errorf("normal client got %d: %s", r.Status, r.Raw)
				return lat
			}
		}
		return lat
	}
	normal(20) // warm up (connections, key cache)
	baseline := normal(200)
	rssBefore := rss(t, edgePID)

	type outcome struct {
		kind   string
		status int
		closed time.Duration // from the end of the headers to the close
		err    error
	}
	results := make(chan outcome, 1500)
	var wg sync.WaitGroup
	slow := func(kind, from string, header string, trickle bool) {
		defer wg.Done()
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 10 * time.Second}
		c, err := d.Dial("tcp", addr)
		if err != nil {
			results <- outcome{kind: kind, err: err}
			return
		}
		defer c.Close()
		if _, err := io.WriteString(c, header); err != nil {
			results <- outcome{kind: kind, err: err}
			return
		}
		sent := time.Now()
		if trickle {
			go func() { // one byte of body every 3 s until the edge hangs up
				for range 20 {
					if _, err := c.Write([]byte(" ")); err != nil {
						return
					}
					time.Sleep(3 * time.Second)
				}
			}()
		}
		_ = c.SetReadDeadline(time.Now().Add(60 * time.Second))
		st := 0
		if resp, err := http.ReadResponse(bufio.NewReader(c), nil); err == nil {
			st = resp.StatusCode
			_, _ = io.Copy(io.Discard, resp.Body)
		}
		// The edge must close the connection: a read ends in EOF (or a
		// reset), not in the test's own 60 s deadline.
		_, err = c.Read(make([]byte, 1))
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			results <- outcome{kind: kind, status: st, err: fmt.Errorf("still open after %s", time.Since(sent).Round(time.Second))}
			return
		}
		results <- outcome{kind: kind, status: st, closed: time.Since(sent)}
	}
	body := "POST /v1/beneficiaries HTTP/1.1\r\nHost: edge\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n"
	for i := range 1000 {
		from := "127.0.0." + strconv.Itoa(10+i%10)
		wg.Add(1)
		if i%2 == 0 {
			go slow("slow body, no key", from, body+"\r\n{", true)
		} else {
			go slow("slow body, valid key", from, body+"Authorization: Bearer "+s.keyB+"\r\n\r\n{", true)
		}
	}
	for i := range 100 {
		wg.Add(1)
		go slow("slow headers", "127.0.0."+strconv.Itoa(30+i%10), "GET /v1/beneficiaries HTTP/1.1\r\nHost: edge\r\n", false)
	}
	for range 2 * slowConnsPerIP {
		wg.Add(1)
		go slow("one address, 200 connections", "127.0.0.40", body+"Authorization: Bearer "+s.keyB+"\r\n\r\n{", true)
	}

	// The normal client, while they are open; and the edge's memory.
	time.Sleep(500 * time.Millisecond)
	rssPeak := rss(t, edgePID)
	during := normal(200)
	rssPeak = max(rssPeak, rss(t, edgePID))
	wg.Wait()
	close(results)

	type tally struct {
		n        int
		statuses map[int]int
		worst    time.Duration
	}
	byKind := map[string]*tally{}
	for o := range results {
		if o.err != nil {
			t.Errorf("%s: %v", o.kind, o.err)
			continue
		}
		k := byKind[o.kind]
		if k == nil {
			k = &tally{statuses: map[int]int{}}
			byKind[o.kind] = k
		}
		k.n++
		k.statuses[o.status]++
		k.worst = max(k.worst, o.closed)
	}
	// Functional bounds, with room for a loaded machine: each connection is
	// closed by its timeout (body or header), never left open.
	limit := map[string]time.Duration{
		"slow body, no key":            slowBodyTimeout,
		"slow body, valid key":         slowBodyTimeout,
		"slow headers":                 slowHeaderTimeout,
		"one address, 200 connections": slowBodyTimeout,
	}
	for kind, k := range byKind {
		t.Logf("%-30s %4d connections, answers %v, all closed within %s", kind, k.n, k.statuses, k.worst.Round(time.Millisecond))
		if k.worst > limit[kind]+10*time.Second {
			t.Errorf("%s: a connection stayed open %s (timeout %s)", kind, k.worst, limit[kind])
		}
	}
	if k := byKind["slow body, no key"]; k == nil || k.statuses[401] != 500 {
		t.Errorf("slow bodies without a key: want 500 answered 401 at once, got %+v", k)
	}
	if k := byKind["slow body, valid key"]; k == nil || k.n != 500 || k.statuses[200] != 0 {
		t.Errorf("slow bodies with a key: %+v", k)
	}
	if k := byKind["one address, 200 connections"]; k == nil || k.statuses[429] < slowConnsPerIP {
		t.Errorf("one address over its limit of %d: want at least %d refused with 429, got %+v", slowConnsPerIP, slowConnsPerIP, k)
	}
	if k := byKind["slow headers"]; k == nil || k.n != 100 {
		t.Errorf("slow headers: %+v", k)
	}
	growth := rssPeak - rssBefore
	t.Logf("normal client: p50 %s p99 %s before, p50 %s p99 %s during (p99 ratio %.2f); edge RSS %d MiB before, peak %d MiB (+%d MiB)",
		pct(baseline, 50), pct(baseline, 99), pct(during, 50), pct(during, 99),
		float64(pct(during, 99))/float64(pct(baseline, 99)), rssBefore>>20, rssPeak>>20, growth>>20)
	if growth > 200<<20 {
		t.Errorf("edge RSS grew by %d MiB under 1,300 slow connections", growth>>20)
	}
	if len(during) != 200 {
		t.Errorf("the normal client stopped being answered")
	}
	// After they are gone, the edge still answers.
	s.call(t, "GET", "/v1/beneficiaries", s.keyA, nil).must(t, 200)
}

func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)].Round(100 * time.Microsecond)
}

// rss is the resident memory of process pid in bytes (Linux).
func rss(t *testing.T, pid int) int64 {
	t.Helper()
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatalf("read RSS of the edge: %v", err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmRSS")
	return 0
}
