package loopback

import (
	"net"
	"os"
	"testing"
)

// TestPortsOutsideTheEphemeralRange: both ways of getting a port give one
// the kernel never hands to an outgoing connection, and Listen's listener
// is open.
func TestPortsOutsideTheEphemeralRange(t *testing.T) {
	lo, hi, err := EphemeralRange()
	if os.IsNotExist(err) {
		t.Skipf("no Linux ephemeral port range: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	outside := func(port int) bool { return port < lo || port > hi }
	for range 20 {
		p, err := FreePort()
		if err != nil || !outside(p) {
			t.Fatalf("FreePort: %d %v, want a port outside %d-%d", p, err, lo, hi)
		}
		l, err := Listen()
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatalf("Listen's listener on %d: %v", port, err)
		}
		c.Close()
		l.Close()
		if !outside(port) {
			t.Fatalf("Listen on %d, inside the ephemeral range %d-%d", port, lo, hi)
		}
	}
}
