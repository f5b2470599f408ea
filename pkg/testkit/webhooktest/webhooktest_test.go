package webhooktest

import (
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/spona/spona/pkg/testkit/loopback"
)

// ephemeralRange is the kernel's range of ports for outgoing connections.
func ephemeralRange(t *testing.T) (int, int) {
	t.Helper()
	lo, hi, err := loopback.EphemeralRange()
	if os.IsNotExist(err) {
		t.Skipf("no Linux ephemeral port range: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return lo, hi
}

// TestRestartOnAPortNoConnectionTakes: a receiver a test kills and
// restarts listens on a port the kernel never gives an outgoing
// connection. Before, it had an ephemeral port (127.0.0.1:0), which any
// connection of a concurrent test binary (or of the webhooks dispatcher
// itself) could take while the receiver was down, and Restart then failed
// with "address already in use" after 5 s.
func TestRestartOnAPortNoConnectionTakes(t *testing.T) {
	lo, hi := ephemeralRange(t)
	r := Start(t, nil)
	_, p, err := net.SplitHostPort(r.addr)
	if err != nil {
		t.Fatal(err)
	}
	if port, _ := strconv.Atoi(p); port >= lo && port <= hi {
		t.Fatalf("the receiver listens on %s, in the ephemeral range %d-%d", r.addr, lo, hi)
	}
	r.Kill()
	if _, err := http.Post(r.URL(), "application/json", strings.NewReader("{}")); err == nil {
		t.Fatal("a killed receiver answered")
	}
	r.Restart(t)
	resp, err := http.Post(r.URL(), "application/json", strings.NewReader(`{"type":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || len(r.Requests()) != 1 {
		t.Fatalf("after the restart: HTTP %d, %d requests recorded", resp.StatusCode, len(r.Requests()))
	}
}
