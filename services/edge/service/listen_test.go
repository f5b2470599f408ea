package service_test

import (
	"bytes"
	"context"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
	"github.com/spona/spona/services/edge/internal/keys"
	"github.com/spona/spona/services/edge/service"
)

// silencer is a TCP proxy to PostgreSQL that can make the connections
// listening to key changes go silent: from then on what they carry either
// way is dropped, but they stay open, as when a NAT or firewall forgets an
// idle connection or the server's host is lost without a reset. Other
// connections, and listening connections opened later, pass.
type silencer struct {
	lis    net.Listener
	target string
	mu     sync.Mutex
	conns  map[*proxied]bool
}

type proxied struct {
	listens, silent atomic.Bool
}

func newSilencer(t *testing.T, target string) *silencer {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lis.Close() })
	s := &silencer{lis: lis, target: target, conns: map[*proxied]bool{}}
	go s.serve()
	return s
}

// listeners counts the connections listening to key changes that f
// (called with each) is true of.
func (s *silencer) listeners(f func(*proxied) bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for p := range s.conns {
		if p.listens.Load() && f(p) {
			n++
		}
	}
	return n
}

// silence makes the connections listening now go silent; it returns how
// many there were.
func (s *silencer) silence() int {
	return s.listeners(func(p *proxied) bool { p.silent.Store(true); return true })
}

// listening counts the listening connections that are not silent.
func (s *silencer) listening() int {
	return s.listeners(func(p *proxied) bool { return !p.silent.Load() })
}

func (s *silencer) serve() {
	listen := []byte("LISTEN " + keys.Channel)
	for {
		c, err := s.lis.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", s.target)
		if err != nil {
			c.Close()
			continue
		}
		p := &proxied{}
		s.mu.Lock()
		s.conns[p] = true
		s.mu.Unlock()
		pipe := func(dst, src net.Conn, fromClient bool) {
			defer func() {
				c.Close()
				up.Close()
				s.mu.Lock()
				delete(s.conns, p)
				s.mu.Unlock()
			}()
			buf := make([]byte, 32<<10)
			for {
				n, err := src.Read(buf)
				if fromClient && bytes.Contains(buf[:n], listen) {
					p.listens.Store(true)
				}
				if n > 0 && !p.silent.Load() {
					if _, err := dst.Write(buf[:n]); err != nil {
						return
					}
				}
				if err != nil {
					return
				}
			}
		}
		go pipe(up, c, true)
		go pipe(c, up, false)
	}
}

// TestRevocationWhileListenConnectionIsSilent: the edge's connection
// listening to key changes goes silent without being closed. The edge
// finds out (it checks the connection when no notification came for a
// while), stops caching keys and listens again, so a key revoked meanwhile
// is refused long before its cache entry (KEY_CACHE_TTL ten minutes) ends.
func TestRevocationWhileListenConnectionIsSilent(t *testing.T) {
	var proxy *silencer
	s := edgetest.Start(t, func(c *service.Config) {
		c.KeyCacheTTL = 10 * time.Minute
		u, err := url.Parse(c.DatabaseURL)
		if err != nil {
			t.Fatal(err)
		}
		proxy = newSilencer(t, u.Host)
		u.Host = proxy.lis.Addr().String()
		c.DatabaseURL = u.String()
	})
	k := s.CreateKey(t, "partner", "Silent Listen NGO")
	c := resttest.New(s.URL, k.Key)
	cacheKey(t, c, s.DatabaseURL)
	if n := proxy.silence(); n != 1 {
		t.Fatalf("%d connections listening to key changes, want 1", n)
	}
	admin := pgtest.Connect(t, s.DatabaseURL)
	if _, err := admin.Exec(context.Background(), `UPDATE edge.api_keys k SET revoke_time = now()
		FROM edge.api_clients cl WHERE cl.id = k.client_id AND cl.organisation_id = $1`, k.Organisation); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	for c.Do(t, "GET", "/v1/beneficiaries", nil).Status != 401 {
		if time.Since(t0) > 30*time.Second {
			t.Fatalf("revoked key still accepted 30 s after the revocation (cache TTL 10 min)")
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("revoked key refused %s after the revocation", time.Since(t0).Round(time.Millisecond))
	for proxy.listening() == 0 {
		if time.Since(t0) > 30*time.Second {
			t.Fatalf("the edge does not listen to key changes again")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
