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
		set := func(c corev1.Container) map[string]bool { return envNames(m, c) }
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

// envNames are the variables container c of m sets: env, and the
// ConfigMaps of envFrom.
func envNames(m manifests, c corev1.Container) map[string]bool {
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

// TestOperationsSaysHowToMakeTheFirstKey: an operator who deployed to
// Kubernetes holds no API key yet, and every /v1 route needs one.
// docs/operations.md says how to make the first (an administrator's) inside
// the edge's container, and that container has what `edge keys create`
// needs: its database, and for -org-name the directory (address, principal
// key, mTLS files).
func TestOperationsSaysHowToMakeTheFirstKey(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "docs", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := regexp.MustCompile(`kubectl -n (\S+) exec deploy/(\S+) -c (\S+) -- /app keys create -admin `).FindStringSubmatch(string(raw))
	if cmd == nil {
		t.Fatal("docs/operations.md (Kubernetes) does not say how to make the first API key (kubectl -n … exec deploy/… -c … -- /app keys create -admin …)")
	}
	namespace, deployment, name := cmd[1], cmd[2], cmd[3]
	for _, overlay := range []string{"dev", "prod"} {
		m := build(t, overlay)
		d, ok := m.deployments[deployment]
		if !ok || d.Namespace != namespace {
			t.Errorf("%s: no Deployment %s in namespace %s", overlay, deployment, namespace)
			continue
		}
		var c *corev1.Container
		for i := range d.Spec.Template.Spec.Containers {
			if d.Spec.Template.Spec.Containers[i].Name == name {
				c = &d.Spec.Template.Spec.Containers[i]
			}
		}
		if c == nil {
			t.Errorf("%s: Deployment %s has no container %s", overlay, deployment, name)
			continue
		}
		names := envNames(m, *c)
		for _, v := range []string{"DATABASE_URL", "REFERRALS_ADDR", "PRINCIPAL_KEY_FILE", "TLS_CERT_FILE", "TLS_KEY_FILE", "TLS_CA_FILE"} {
			if !names[v] {
				t.Errorf("%s: container %s of %s does not set %s, which keys create needs", overlay, name, deployment, v)
			}
		}
	}
}
