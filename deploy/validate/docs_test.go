package validate

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
	corev1 "k8s.io/api/core/v1"
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

// requiredVariables reads the variables docs/operations.md marks required
// for each process and command ("edge", "<process> migrate"): the list
// tests/docs keeps equal to what the binaries read.
func requiredVariables(t *testing.T) map[string][]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "docs", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	begin, end := strings.Index(doc, "<!-- variables:"), strings.Index(doc, "<!-- end of variables -->")
	if begin < 0 || end < begin {
		t.Fatal("docs/operations.md has no generated variables section")
	}
	row := regexp.MustCompile("^\\| `([A-Z0-9_]+)` \\| \\*\\*required\\*\\* \\|")
	out := map[string][]string{}
	section := ""
	for _, line := range strings.Split(doc[begin:end], "\n") {
		if name, ok := strings.CutPrefix(line, "#### "); ok {
			section = strings.TrimSpace(name)
			continue
		}
		if m := row.FindStringSubmatch(line); m != nil && section != "" {
			out[section] = append(out[section], m[1])
		}
	}
	for _, p := range append(slices.Clone(processes), "<process> migrate") {
		if len(out[p]) == 0 {
			t.Fatalf("docs/operations.md lists no required variable of %s", p)
		}
	}
	return out
}

// TestManifestsSetEveryRequiredVariable: every variable a binary requires
// (docs/operations.md, kept equal to the binaries by tests/docs) is set for
// its container in both Kubernetes overlays (env or the ConfigMaps of
// envFrom; the init container's `migrate` its own) and in the Compose
// file, so a process missing one does not refuse to start only once
// deployed.
func TestManifestsSetEveryRequiredVariable(t *testing.T) {
	required := requiredVariables(t)
	for _, overlay := range []string{"dev", "prod"} {
		m := build(t, overlay)
		set := func(c corev1.Container) map[string]bool {
			names := map[string]bool{}
			for _, e := range c.Env {
				names[e.Name] = true
			}
			for _, e := range c.EnvFrom {
				if e.ConfigMapRef != nil {
					for k := range m.configMaps[e.ConfigMapRef.Name].Data {
						names[e.Prefix+k] = true
					}
				}
			}
			return names
		}
		for _, p := range processes {
			d, ok := m.deployments[p]
			if !ok {
				t.Errorf("%s: no Deployment %s", overlay, p)
				continue
			}
			names := set(container(d))
			for _, v := range required[p] {
				if !names[v] {
					t.Errorf("%s: Deployment %s does not set %s, which %s requires", overlay, p, v, p)
				}
			}
			for _, c := range d.Spec.Template.Spec.InitContainers {
				names := set(c)
				for _, v := range required["<process> migrate"] {
					if !names[v] {
						t.Errorf("%s: Deployment %s, init container %s does not set %s, which migrate requires", overlay, p, c.Name, v)
					}
				}
			}
		}
	}

	raw, err := os.ReadFile(filepath.Join("..", "compose", "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	for _, p := range processes {
		for _, v := range required[p] {
			if c.Services[p].Environment[v] == "" {
				t.Errorf("compose: service %s does not set %s, which %s requires", p, v, p)
			}
		}
	}
}
