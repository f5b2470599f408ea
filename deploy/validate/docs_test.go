package validate

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestOperationsDescribesTheManifests: what docs/operations.md says of the
// deployments is what the manifests do. Each service's gRPC port is open
// to exactly the processes that call it (callers, which checkNetworkPolicies
// evaluates against the NetworkPolicies), PostgreSQL and the collector to
// the six processes, and the kubelet probes the admin port over HTTP (it
// cannot present a client certificate to the gRPC port).
func TestOperationsDescribesTheManifests(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "docs", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Join(strings.Fields(string(raw)), " ")
	for _, svc := range processes {
		from, ok := callers[svc]
		if !ok {
			continue
		}
		want := svc + " ← " + strings.Join(slices.Sorted(slices.Values(from)), ", ") + ";"
		if !strings.Contains(doc, want) {
			t.Errorf("docs/operations.md (Kubernetes, NetworkPolicies) does not say %q", want)
		}
	}
	for _, wrong := range []string{
		"five processes", // there are six (webhooks)
		"gRPC health service (`grpc: port: 9090`", // the probes are HTTP GET /readyz on the admin port
	} {
		if strings.Contains(doc, wrong) {
			t.Errorf("docs/operations.md says %q, which the manifests do not do", wrong)
		}
	}
}
