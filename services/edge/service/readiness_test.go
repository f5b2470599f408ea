package service_test

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/spona/spona/pkg/testkit/loopback"
	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
	"github.com/spona/spona/services/edge/service"
)

// TestEdgeServesWhileAServiceIsDown is why the edge's Kubernetes readiness
// probe is /healthz (deploy/validate): with one service down the edge
// still serves the others' routes, and answers that service's with 503,
// but its /readyz, which asks every service's gRPC health, fails. As the
// readiness probe, it would take every edge replica out of its Service.
func TestEdgeServesWhileAServiceIsDown(t *testing.T) {
	// The edge binds its admin address only once the services are up,
	// seconds later: an ephemeral port (127.0.0.1:0, closed) could be
	// taken meanwhile by an outgoing connection of a concurrent test.
	port, err := loopback.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	admin := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	s := edgetest.Start(t, func(c *service.Config) { c.AdminAddr = admin })
	c := resttest.New(s.URL, s.CreateKey(t, "partner", "Readiness NGO").Key)
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get("http://" + admin + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/readyz"); code != 200 {
		t.Fatalf("/readyz with every service up: %d %s", code, body)
	}
	s.StopService(t, "webhooks")
	c.Do(t, "GET", "/v1/beneficiaries", nil).Must(t, 200)
	c.Do(t, "GET", "/v1/webhooks", nil).Must(t, 503)
	if code, body := get("/readyz"); code != 503 || !strings.Contains(body, "webhooks") {
		t.Errorf("/readyz with webhooks down: %d %s; want 503 naming webhooks", code, body)
	}
	if code, body := get("/healthz"); code != 200 {
		t.Errorf("/healthz with webhooks down: %d %s", code, body)
	}
}
