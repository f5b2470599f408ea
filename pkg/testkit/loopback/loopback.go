// Package loopback picks loopback ports for the servers tests start: as
// separate processes (PostgreSQL clusters, the Spona processes of a
// devstack), which must be told their port before they bind it, and in
// the test's own process when a server stops and must start again on
// the same address.
package loopback

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
)

// Ports below Linux's default ephemeral range (32768-60999), which the
// kernel never hands to an outgoing connection.
const (
	low  = 20000
	high = 32000
)

// FreePort returns a loopback port that is free now, chosen below Linux's
// default ephemeral range (32768-60999): a port the kernel hands out as
// ephemeral can be taken by any outgoing connection (a test's client of
// PostgreSQL, say) between this check and the server binding it. Several
// test binaries run at once, so the choice is random; callers that start a
// server on the port still retry with another when the bind loses a race.
func FreePort() (int, error) {
	l, err := Listen()
	if err != nil {
		return 0, err
	}
	defer l.Close()
	addr, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		return 0, fmt.Errorf("listener address %v is not TCP", l.Addr())
	}
	return addr.Port, nil
}

// Listen listens on a loopback port below the ephemeral range, for a
// server that may stop and listen again on the same address later (a
// service a test stops and restarts, a webhook receiver it kills): a
// port from 127.0.0.1:0 is an ephemeral one, which any outgoing
// connection of a concurrent test binary can take while the server is
// down, and the restart then fails with "address already in use".
func Listen() (net.Listener, error) {
	for range 100 {
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(low+rand.IntN(high-low))))
		if err == nil {
			return l, nil
		}
	}
	return net.Listen("tcp", "127.0.0.1:0")
}

// EphemeralRange is the range of ports this machine's kernel hands to
// outgoing connections (Linux's ip_local_port_range), for tests that
// check a port is outside it; an error where there is none to read.
func EphemeralRange() (lo, hi int, err error) {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 0, 0, err
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return 0, 0, fmt.Errorf("ip_local_port_range %q", b)
	}
	lo, err1 := strconv.Atoi(f[0])
	hi, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("ip_local_port_range %q", b)
	}
	return lo, hi, nil
}
