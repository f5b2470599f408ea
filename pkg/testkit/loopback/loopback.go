// Package loopback picks loopback ports for the servers tests start as
// separate processes (PostgreSQL clusters, the Spona processes of a
// devstack), which must be told their port before they bind it.
package loopback

import (
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
)

// FreePort returns a loopback port that is free now, chosen below Linux's
// default ephemeral range (32768-60999): a port the kernel hands out as
// ephemeral can be taken by any outgoing connection (a test's client of
// PostgreSQL, say) between this check and the server binding it. Several
// test binaries run at once, so the choice is random; callers that start a
// server on the port still retry with another when the bind loses a race.
func FreePort() (int, error) {
	for range 100 {
		port := 20000 + rand.IntN(12000)
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue
		}
		if err := l.Close(); err != nil {
			continue
		}
		return port, nil
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
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
