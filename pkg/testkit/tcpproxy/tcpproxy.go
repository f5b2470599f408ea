// Package tcpproxy is a TCP proxy for tests whose connections can be made
// to go silent: from then on what they carry either way is dropped, but
// they stay open, as when the peer's host is lost or a NAT or firewall
// forgets the connection (no reset, no close). Connections opened later
// pass.
package tcpproxy

import (
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// Proxy forwards the connections it accepts to a target address.
type Proxy struct {
	lis    net.Listener
	target string
	mu     sync.Mutex
	conns  []*atomic.Bool // each connection's silence
}

// Start runs a proxy to target until the test ends.
func Start(t testing.TB, target string) *Proxy {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{lis: lis, target: target}
	var wg sync.WaitGroup
	var open []net.Conn
	var openMu sync.Mutex
	track := func(c net.Conn) {
		openMu.Lock()
		open = append(open, c)
		openMu.Unlock()
	}
	t.Cleanup(func() {
		lis.Close()
		openMu.Lock()
		for _, c := range open {
			c.Close()
		}
		openMu.Unlock()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			down, err := lis.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				down.Close()
				continue
			}
			track(down)
			track(up)
			silent := &atomic.Bool{}
			p.mu.Lock()
			p.conns = append(p.conns, silent)
			p.mu.Unlock()
			wg.Go(func() { pipe(up, down, silent) })
			wg.Go(func() { pipe(down, up, silent) })
		}
	})
	return p
}

// Addr is the address to connect to instead of the target.
func (p *Proxy) Addr() string { return p.lis.Addr().String() }

// Silence makes the connections open now go silent; it returns how many
// there were.
func (p *Proxy) Silence() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.conns {
		s.Store(true)
	}
	n := len(p.conns)
	p.conns = nil
	return n
}

// pipe copies from src to dst until either closes, dropping what comes
// once silent.
func pipe(dst, src net.Conn, silent *atomic.Bool) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !silent.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if !silent.Load() {
				dst.Close()
			}
			return
		}
	}
}
