// Package pgwire counts what a service sends PostgreSQL, for benchmarks
// that report round trips (trips/op) and statements (stmts/op) beside
// their times.
package pgwire

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// Wire counts what a service sends PostgreSQL: it stands between them (a
// TCP relay on loopback, the messages passed on unchanged) and counts the
// round trips (Sync and simple Query messages: each is answered before the
// client goes on, a pipelined batch ending in one Sync) and, by SQL text,
// the statements executed (Bind messages, named by the Parse of their
// prepared statement). For benchmarks: it reads every byte the service
// sends, so it adds a hop per round trip.
type Wire struct {
	mu     sync.Mutex
	trips  int
	execs  map[string]int
	ln     net.Listener
	server string // network address of PostgreSQL
	net    string
}

// Start starts a relay to the PostgreSQL of dbURL, until the test ends,
// and returns it and the URL a service connects through it with.
func Start(tb testing.TB, dbURL string) (*Wire, string) {
	tb.Helper()
	cfg, err := pgconn.ParseConfig(dbURL)
	if err != nil {
		tb.Fatal(err)
	}
	w := &Wire{execs: map[string]int{}, net: "tcp", server: net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))}
	if strings.HasPrefix(cfg.Host, "/") {
		w.net, w.server = "unix", cfg.Host+"/.s.PGSQL."+strconv.Itoa(int(cfg.Port))
	}
	if w.ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = w.ln.Close() })
	go w.serve()
	u, err := url.Parse(dbURL)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Del("host")
	q.Del("port")
	q.Set("sslmode", "disable")
	u.Host, u.RawQuery = w.ln.Addr().String(), q.Encode()
	return w, u.String()
}

func (w *Wire) serve() {
	for {
		c, err := w.ln.Accept()
		if err != nil {
			return
		}
		go w.relay(c)
	}
}

func (w *Wire) relay(client net.Conn) {
	defer client.Close()
	server, err := net.Dial(w.net, w.server)
	if err != nil {
		return
	}
	defer server.Close()
	go func() { _, _ = io.Copy(client, server); _ = client.Close() }()
	r := bufio.NewReader(client)
	// The startup packet (and an SSL or GSS encryption request before it,
	// which sslmode=disable does not send) has no type byte.
	head := make([]byte, 8)
	if _, err := io.ReadFull(r, head); err != nil {
		return
	}
	rest := make([]byte, binary.BigEndian.Uint32(head)-8)
	if _, err := io.ReadFull(r, rest); err != nil {
		return
	}
	if _, err := server.Write(append(head, rest...)); err != nil {
		return
	}
	prepared := map[string]string{} // SQL by prepared statement name
	for {
		var h [5]byte
		if _, err := io.ReadFull(r, h[:]); err != nil {
			return
		}
		body := make([]byte, binary.BigEndian.Uint32(h[1:])-4)
		if _, err := io.ReadFull(r, body); err != nil {
			return
		}
		w.count(h[0], body, prepared)
		if _, err := server.Write(append(h[:], body...)); err != nil {
			return
		}
	}
}

// count counts one message of type typ.
func (w *Wire) count(typ byte, body []byte, prepared map[string]string) {
	cstrings := func(n int) []string {
		parts := bytes.SplitN(body, []byte{0}, n+1)
		out := make([]string, n)
		for i := range min(n, len(parts)) {
			out[i] = string(parts[i])
		}
		return out
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	switch typ {
	case 'P':
		s := cstrings(2)
		prepared[s[0]] = s[1]
	case 'B':
		w.execs[prepared[cstrings(2)[1]]]++
	case 'S':
		w.trips++
	case 'Q':
		w.trips++
		w.execs[cstrings(1)[0]]++
	}
}

// Reset forgets what was counted.
func (w *Wire) Reset() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.trips, w.execs = 0, map[string]int{}
}

// Counted returns the round trips and the statements executed since
// Reset, and those whose SQL contains match.
func (w *Wire) Counted(match string) (trips, execs, matched int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for sql, n := range w.execs {
		execs += n
		if strings.Contains(sql, match) {
			matched += n
		}
	}
	return w.trips, execs, matched
}
