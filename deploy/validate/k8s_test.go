package validate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	sigsyaml "sigs.k8s.io/yaml"
)

// The six processes and, per DESIGN.md, who calls each gRPC service (the
// webhooks process consumes the event feeds of beneficiaries, referrals,
// trainings and reporting; referrals, trainings and the edge consume the
// beneficiaries feed).
// The services that tag records with a project ask reporting whether the
// organisation takes part in it; trainings also asks beneficiaries whether
// the organiser sees a participating person; beneficiaries reads the
// directory of referrals for the services assistance records name.
var (
	processes = []string{"beneficiaries", "referrals", "trainings", "reporting", "webhooks", "edge"}
	callers   = map[string][]string{
		"beneficiaries": {"edge", "referrals", "reporting", "trainings", "webhooks"},
		"referrals":     {"beneficiaries", "edge", "reporting", "trainings", "webhooks"},
		"trainings":     {"edge", "reporting", "webhooks"},
		"reporting":     {"beneficiaries", "edge", "referrals", "trainings", "webhooks"},
		"webhooks":      {"edge"},
	}
)

// cnpgCluster is the part of CloudNativePG's Cluster (postgresql.cnpg.io/v1)
// the manifests use. The operator's Go module does not resolve from the
// module proxy here, so this mirrors its field names; strict decoding then
// rejects any field the manifests misspell or the model does not know.
type cnpgCluster struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		Instances             int    `json:"instances"`
		ImageName             string `json:"imageName"`
		PrimaryUpdateStrategy string `json:"primaryUpdateStrategy,omitempty"`
		MinSyncReplicas       int    `json:"minSyncReplicas,omitempty"`
		MaxSyncReplicas       int    `json:"maxSyncReplicas,omitempty"`
		PostgreSQL            struct {
			Parameters map[string]string `json:"parameters"`
		} `json:"postgresql"`
		Bootstrap struct {
			InitDB struct {
				Database                   string   `json:"database"`
				Owner                      string   `json:"owner"`
				PostInitApplicationSQL     []string `json:"postInitApplicationSQL,omitempty"`
				PostInitApplicationSQLRefs struct {
					ConfigMapRefs []struct {
						Name string `json:"name"`
						Key  string `json:"key"`
					} `json:"configMapRefs"`
				} `json:"postInitApplicationSQLRefs"`
			} `json:"initdb"`
		} `json:"bootstrap"`
		Managed struct {
			Roles []struct {
				Name           string   `json:"name"`
				Ensure         string   `json:"ensure"`
				Login          bool     `json:"login"`
				InRoles        []string `json:"inRoles,omitempty"`
				PasswordSecret struct {
					Name string `json:"name"`
				} `json:"passwordSecret"`
			} `json:"roles"`
		} `json:"managed"`
		Storage struct {
			Size resource.Quantity `json:"size"`
		} `json:"storage"`
		Resources  corev1.ResourceRequirements `json:"resources"`
		Monitoring struct {
			EnablePodMonitor bool `json:"enablePodMonitor"`
		} `json:"monitoring"`
	} `json:"spec"`
}

// certManagerResource is the part of cert-manager's Issuer and Certificate
// (cert-manager.io/v1) the manifests use, mirrored like cnpgCluster.
type certManagerResource struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		// Issuer
		SelfSigned *struct{} `json:"selfSigned,omitempty"`
		CA         *struct {
			SecretName string `json:"secretName"`
		} `json:"ca,omitempty"`
		// Certificate
		IsCA        bool     `json:"isCA,omitempty"`
		CommonName  string   `json:"commonName,omitempty"`
		SecretName  string   `json:"secretName,omitempty"`
		DNSNames    []string `json:"dnsNames,omitempty"`
		Usages      []string `json:"usages,omitempty"`
		Duration    string   `json:"duration,omitempty"`
		RenewBefore string   `json:"renewBefore,omitempty"`
		PrivateKey  *struct {
			Algorithm      string `json:"algorithm"`
			Size           int    `json:"size"`
			RotationPolicy string `json:"rotationPolicy,omitempty"`
		} `json:"privateKey,omitempty"`
		IssuerRef *struct {
			Name string `json:"name"`
			Kind string `json:"kind"`
		} `json:"issuerRef,omitempty"`
	} `json:"spec"`
}

// manifests is a kustomize build, decoded.
type manifests struct {
	namespaces  []corev1.Namespace
	deployments map[string]appsv1.Deployment
	services    map[string]corev1.Service
	configMaps  map[string]corev1.ConfigMap
	secrets     map[string]corev1.Secret
	hpas        map[string]autoscalingv2.HorizontalPodAutoscaler
	pdbs        map[string]policyv1.PodDisruptionBudget
	policies    []networkingv1.NetworkPolicy
	clusters    map[string]cnpgCluster
	issuers     map[string]certManagerResource
	certs       map[string]certManagerResource
}

func strict(t *testing.T, raw []byte, into any) {
	t.Helper()
	if err := sigsyaml.UnmarshalStrict(raw, into); err != nil {
		t.Fatalf("%v in:\n%s", err, raw)
	}
}

func build(t *testing.T, overlay string) manifests {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	res, err := k.Run(filesys.MakeFsOnDisk(), filepath.Join("..", "k8s", "overlays", overlay))
	if err != nil {
		t.Fatalf("kustomize build %s: %v", overlay, err)
	}
	m := manifests{
		deployments: map[string]appsv1.Deployment{}, services: map[string]corev1.Service{},
		configMaps: map[string]corev1.ConfigMap{}, secrets: map[string]corev1.Secret{},
		hpas: map[string]autoscalingv2.HorizontalPodAutoscaler{}, pdbs: map[string]policyv1.PodDisruptionBudget{},
		clusters: map[string]cnpgCluster{}, issuers: map[string]certManagerResource{}, certs: map[string]certManagerResource{},
	}
	for _, r := range res.Resources() {
		raw, err := r.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		gvk := r.GetGvk()
		if gvk.Kind != "Namespace" && r.GetNamespace() != "spona" {
			t.Errorf("%s/%s is in namespace %q, want spona", gvk.Kind, r.GetName(), r.GetNamespace())
		}
		switch gvk.ApiVersion() + " " + gvk.Kind {
		case "v1 Namespace":
			var o corev1.Namespace
			strict(t, raw, &o)
			m.namespaces = append(m.namespaces, o)
		case "v1 ServiceAccount":
			var o corev1.ServiceAccount
			strict(t, raw, &o)
		case "v1 ConfigMap":
			var o corev1.ConfigMap
			strict(t, raw, &o)
			m.configMaps[o.Name] = o
		case "v1 Secret":
			var o corev1.Secret
			strict(t, raw, &o)
			m.secrets[o.Name] = o
		case "v1 Service":
			var o corev1.Service
			strict(t, raw, &o)
			m.services[o.Name] = o
		case "apps/v1 Deployment":
			var o appsv1.Deployment
			strict(t, raw, &o)
			m.deployments[o.Name] = o
		case "autoscaling/v2 HorizontalPodAutoscaler":
			var o autoscalingv2.HorizontalPodAutoscaler
			strict(t, raw, &o)
			m.hpas[o.Name] = o
		case "policy/v1 PodDisruptionBudget":
			var o policyv1.PodDisruptionBudget
			strict(t, raw, &o)
			m.pdbs[o.Name] = o
		case "networking.k8s.io/v1 NetworkPolicy":
			var o networkingv1.NetworkPolicy
			strict(t, raw, &o)
			m.policies = append(m.policies, o)
		case "postgresql.cnpg.io/v1 Cluster":
			var o cnpgCluster
			strict(t, raw, &o)
			m.clusters[o.Name] = o
		case "cert-manager.io/v1 Issuer":
			var o certManagerResource
			strict(t, raw, &o)
			m.issuers[o.Name] = o
		case "cert-manager.io/v1 Certificate":
			var o certManagerResource
			strict(t, raw, &o)
			m.certs[o.Name] = o
		default:
			t.Errorf("unexpected resource %s %s/%s", gvk.ApiVersion(), gvk.Kind, r.GetName())
		}
	}
	return m
}

func TestOverlays(t *testing.T) {
	for _, c := range []struct {
		overlay        string
		minReplicas    int32
		pgInstances    int
		imagePrefix    string
		secretExternal bool
	}{
		{"dev", 1, 1, "spona/", false},
		{"prod", 3, 3, "registry.example.org/spona/", true},
	} {
		t.Run(c.overlay, func(t *testing.T) {
			m := build(t, c.overlay)
			checkWorkloads(t, m, c.minReplicas, c.imagePrefix)
			checkReferences(t, m, c.secretExternal)
			checkNetworkPolicies(t, m)
			checkPostgres(t, m, c.pgInstances)
			checkConnections(t, m)
			checkCollector(t, m)
			checkWebhooks(t, m)
			if len(m.namespaces) != 1 || m.namespaces[0].Labels["pod-security.kubernetes.io/enforce"] != "restricted" {
				t.Errorf("want one namespace enforcing the restricted pod security standard: %+v", m.namespaces)
			}
		})
	}
}

func container(d appsv1.Deployment) corev1.Container { return d.Spec.Template.Spec.Containers[0] }

func checkWorkloads(t *testing.T, m manifests, minReplicas int32, imagePrefix string) {
	for _, name := range processes {
		d, ok := m.deployments[name]
		if !ok {
			t.Errorf("no Deployment %s", name)
			continue
		}
		if len(d.Spec.Template.Spec.Containers) != 1 {
			t.Errorf("%s: want one container", name)
			continue
		}
		c := container(d)
		if !strings.HasPrefix(c.Image, imagePrefix+name+":") {
			t.Errorf("%s: image %q, want %s%s:<tag>", name, c.Image, imagePrefix, name)
		}
		if d.Spec.Replicas == nil || *d.Spec.Replicas < minReplicas {
			t.Errorf("%s: replicas %v, want at least %d", name, d.Spec.Replicas, minReplicas)
		}
		// Non-root, read-only, no privileges.
		ps := d.Spec.Template.Spec.SecurityContext
		if ps == nil || ps.RunAsNonRoot == nil || !*ps.RunAsNonRoot || ps.RunAsUser == nil || *ps.RunAsUser != 65532 ||
			ps.SeccompProfile == nil || ps.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
			t.Errorf("%s: pod security context %+v, want non-root 65532 with RuntimeDefault seccomp", name, ps)
		}
		checkContainer(t, name+": container", c)
		ports := map[string]int32{}
		for _, p := range c.Ports {
			ports[p.Name] = p.ContainerPort
		}
		if ports["admin"] != 9091 {
			t.Errorf("%s: admin port %d, want 9091", name, ports["admin"])
		}
		if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" {
			t.Errorf("%s: liveness probe should GET /healthz", name)
		}
		if name == "edge" {
			if ports["http"] != 8080 {
				t.Errorf("edge: http port %d, want 8080", ports["http"])
			}
			// The edge's /readyz asks every service's gRPC health: as its
			// readiness, one service down (webhooks, say) would take every
			// edge replica out of its Service, and partners would lose the
			// whole API instead of getting 503 for that service's routes.
			// The edge is ready once it serves (its HTTP and admin ports
			// open together, when it is built).
			if p := c.ReadinessProbe; p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/healthz" || p.HTTPGet.Port.String() != "admin" {
				t.Errorf("edge: readiness probe should GET /healthz on the admin port (not /readyz, which asks every service), is %+v", p)
			}
		} else {
			if ports["grpc"] != 9090 {
				t.Errorf("%s: grpc port %d, want 9090", name, ports["grpc"])
			}
			// The kubelet cannot speak mTLS: readiness is the admin
			// port's /readyz (the database), as for the edge.
			for what, p := range map[string]*corev1.Probe{"readiness": c.ReadinessProbe, "startup": c.StartupProbe} {
				if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/readyz" || p.HTTPGet.Port.String() != "admin" {
					t.Errorf("%s: %s probe should GET /readyz on the admin port, is %+v", name, what, p)
				}
			}
		}
		env := map[string]corev1.EnvVar{}
		for _, e := range c.Env {
			env[e.Name] = e
		}
		// Its runtime role serves; the owner's password stays in the
		// init container that migrates.
		if r := env["DB_PASSWORD"].ValueFrom; r == nil || r.SecretKeyRef == nil || r.SecretKeyRef.Name != "spona-db-"+name || r.SecretKeyRef.Key != "password" {
			t.Errorf("%s: DB_PASSWORD should come from the secret spona-db-%s", name, name)
		}
		if got, want := env["DATABASE_URL"].Value, "postgres://spona_"+name+":$(DB_PASSWORD)@spona-db-rw:5432/spona?sslmode=require"; got != want {
			t.Errorf("%s: DATABASE_URL %q, want %q", name, got, want)
		}
		if _, ok := env["MIGRATE_DATABASE_URL"]; ok {
			t.Errorf("%s: the serving container has MIGRATE_DATABASE_URL: the owner's password belongs to the init container", name)
		}
		checkMigrate(t, d, name)
		// Its own principal key (a Secret of its own) and the public keys
		// of all (one ConfigMap), mounted where the variables say.
		mounts := map[string]string{}
		for _, vm := range c.VolumeMounts {
			mounts[vm.Name] = vm.MountPath
		}
		vols := map[string]corev1.Volume{}
		for _, v := range d.Spec.Template.Spec.Volumes {
			vols[v.Name] = v
		}
		if env["PRINCIPAL_KEY_FILE"].Value != mounts["principal"]+"/key.pem" || vols["principal"].Secret == nil ||
			!strings.HasPrefix(vols["principal"].Secret.SecretName, "spona-principal-"+name) {
			t.Errorf("%s: PRINCIPAL_KEY_FILE %q should be key.pem of the mounted secret spona-principal-%s", name, env["PRINCIPAL_KEY_FILE"].Value, name)
		}
		if env["PRINCIPAL_PUBLIC_KEYS_DIR"].Value != mounts["principal-public"] || vols["principal-public"].ConfigMap == nil ||
			!strings.HasPrefix(vols["principal-public"].ConfigMap.Name, "spona-principal-public") {
			t.Errorf("%s: PRINCIPAL_PUBLIC_KEYS_DIR %q should be the mounted ConfigMap spona-principal-public", name, env["PRINCIPAL_PUBLIC_KEYS_DIR"].Value)
		}

		// mTLS: its own certificate (cert-manager), mounted where the
		// variables say, naming the process, for server and client use.
		if vols["tls"].Secret == nil || vols["tls"].Secret.SecretName != "spona-tls-"+name {
			t.Errorf("%s: volume tls should be the secret spona-tls-%s", name, name)
		} else {
			for v, file := range map[string]string{"TLS_CERT_FILE": "tls.crt", "TLS_KEY_FILE": "tls.key", "TLS_CA_FILE": "ca.crt"} {
				if env[v].Value != mounts["tls"]+"/"+file {
					t.Errorf("%s: %s = %q, want %s/%s", name, v, env[v].Value, mounts["tls"], file)
				}
			}
			cert, ok := m.certs["spona-tls-"+name]
			switch {
			case !ok || cert.Spec.SecretName != "spona-tls-"+name:
				t.Errorf("%s: no cert-manager Certificate writing spona-tls-%s", name, name)
			case !slices.Contains(cert.Spec.DNSNames, name) || !slices.Contains(cert.Spec.Usages, "client auth") || !slices.Contains(cert.Spec.Usages, "server auth"):
				t.Errorf("%s: certificate %v %v should name the process, for server and client auth", name, cert.Spec.DNSNames, cert.Spec.Usages)
			case cert.Spec.IssuerRef == nil || m.issuers[cert.Spec.IssuerRef.Name].Spec.CA == nil:
				t.Errorf("%s: certificate not issued by the installation's CA issuer", name)
			}
		}
		checkGrace(t, name, d, env, findConfig(m).Data["SHUTDOWN_TIMEOUT"])
		if _, ok := env["GRPC_INSECURE"]; ok {
			t.Errorf("%s: GRPC_INSECURE set in a deployment", name)
		}

		// A Service selecting the pods, with ports that exist.
		s, ok := m.services[name]
		if !ok {
			t.Errorf("no Service %s", name)
		} else {
			sel := labels.SelectorFromSet(s.Spec.Selector)
			if len(s.Spec.Selector) == 0 || !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
				t.Errorf("Service %s selector %v does not select its pods %v", name, s.Spec.Selector, d.Spec.Template.Labels)
			}
			for _, p := range s.Spec.Ports {
				if _, ok := ports[p.TargetPort.String()]; !ok {
					t.Errorf("Service %s targets port %q the container does not name", name, p.TargetPort.String())
				}
			}
			if name != "edge" && s.Spec.ClusterIP != corev1.ClusterIPNone {
				t.Errorf("Service %s should be headless so clients balance across replicas", name)
			}
		}
		// Deployment selector matches its own template.
		sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
		if err != nil || !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			t.Errorf("%s: selector does not match its pod template", name)
		}
		// HPA and PDB.
		h, ok := m.hpas[name]
		if !ok || h.Spec.ScaleTargetRef.Kind != "Deployment" || h.Spec.ScaleTargetRef.Name != name {
			t.Errorf("no HorizontalPodAutoscaler scaling Deployment %s", name)
		} else if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas < minReplicas || h.Spec.MaxReplicas < *h.Spec.MinReplicas {
			t.Errorf("%s: HPA %v..%d, want min at least %d", name, h.Spec.MinReplicas, h.Spec.MaxReplicas, minReplicas)
		}
		pdbOK := false
		for _, p := range m.pdbs {
			sel, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
			if err == nil && sel.Matches(labels.Set(d.Spec.Template.Labels)) {
				pdbOK = true
			}
		}
		if !pdbOK {
			t.Errorf("no PodDisruptionBudget covers %s", name)
		}
	}
}

// checkGrace: the kubelet kills a pod terminationGracePeriodSeconds after
// SIGTERM. A process takes SHUTDOWN_TIMEOUT to drain its calls and again
// to close what is left (consumers, pools, key-use flushes); the edge
// first serves on for HTTP_SHUTDOWN_DELAY, which it needs, since the
// Service lets go of a terminating pod only as the SIGTERM is sent and
// kube-proxy and ingress controllers hear of it later still.
func checkGrace(t *testing.T, name string, d appsv1.Deployment, env map[string]corev1.EnvVar, configTimeout string) {
	t.Helper()
	timeout := configTimeout
	if e, ok := env["SHUTDOWN_TIMEOUT"]; ok {
		timeout = e.Value
	}
	need, err := time.ParseDuration(timeout)
	if err != nil || need <= 0 {
		t.Errorf("%s: SHUTDOWN_TIMEOUT %q should be set to a duration", name, timeout)
		return
	}
	need *= 2
	if name == "edge" {
		delay, err := time.ParseDuration(env["HTTP_SHUTDOWN_DELAY"].Value)
		if err != nil || delay < time.Second {
			t.Errorf("edge: HTTP_SHUTDOWN_DELAY %q, want a second or more: without it the edge stops listening while load balancers still send it connections", env["HTTP_SHUTDOWN_DELAY"].Value)
		}
		need += delay
	}
	grace := 30 * time.Second // Kubernetes' default
	if g := d.Spec.Template.Spec.TerminationGracePeriodSeconds; g != nil {
		grace = time.Duration(*g) * time.Second
	}
	if grace < need {
		t.Errorf("%s: terminationGracePeriodSeconds %s, want at least %s (the shutdown's phases)", name, grace, need)
	}
}

// checkMigrate: the Deployment's one init container runs `migrate` with the
// process's own image, as the schema's owner, locked down like the serving
// container (the namespace enforces the restricted pod security standard).
func checkMigrate(t *testing.T, d appsv1.Deployment, name string) {
	inits := d.Spec.Template.Spec.InitContainers
	if len(inits) != 1 || inits[0].Name != "migrate" {
		t.Errorf("%s: want one init container, migrate", name)
		return
	}
	c := inits[0]
	if c.Image != container(d).Image || !slices.Equal(c.Args, []string{"migrate"}) {
		t.Errorf("%s: init container runs %s %v, want the process's image with [migrate]", name, c.Image, c.Args)
	}
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		env[e.Name] = e
	}
	if r := env["DB_OWNER_PASSWORD"].ValueFrom; r == nil || r.SecretKeyRef == nil || r.SecretKeyRef.Name != "spona-db-"+name+"-owner" || r.SecretKeyRef.Key != "password" {
		t.Errorf("%s: DB_OWNER_PASSWORD should come from the secret spona-db-%s-owner", name, name)
	}
	if got, want := env["MIGRATE_DATABASE_URL"].Value, "postgres://spona_"+name+"_owner:$(DB_OWNER_PASSWORD)@spona-db-rw:5432/spona?sslmode=require"; got != want {
		t.Errorf("%s: MIGRATE_DATABASE_URL %q, want %q", name, got, want)
	}
	if u := env["DATABASE_URL"].Value; !strings.HasPrefix(u, "postgres://spona_"+name+"@") {
		t.Errorf("%s: the init container's DATABASE_URL %q should name the runtime role (and no password)", name, u)
	}
	checkContainer(t, name+": init container", c)
}

// checkContainer: read-only root, no privilege escalation, all capabilities
// dropped, cpu and memory requests and a memory limit.
func checkContainer(t *testing.T, what string, c corev1.Container) {
	cs := c.SecurityContext
	if cs == nil || cs.ReadOnlyRootFilesystem == nil || !*cs.ReadOnlyRootFilesystem ||
		cs.AllowPrivilegeEscalation == nil || *cs.AllowPrivilegeEscalation ||
		cs.Capabilities == nil || !slices.Contains(cs.Capabilities.Drop, "ALL") {
		t.Errorf("%s security context %+v, want read-only root, no escalation, all capabilities dropped", what, cs)
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("%s resources %+v, want cpu and memory requests and a memory limit", what, c.Resources)
	}
}

// checkReferences: every ConfigMap and Secret a pod uses exists, except the
// ones written by cert-manager (and, in prod, created out of band).
func checkReferences(t *testing.T, m manifests, principalExternal bool) {
	external := map[string]bool{"spona-webhooks": principalExternal}
	for _, p := range processes {
		external["spona-principal-"+p] = principalExternal
		external["spona-db-"+p] = principalExternal
		external["spona-db-"+p+"-owner"] = principalExternal
		external["spona-tls-"+p] = true // written by cert-manager
	}
	for name, d := range m.deployments {
		spec := d.Spec.Template.Spec
		for _, c := range append(slices.Clone(spec.InitContainers), spec.Containers...) {
			for _, e := range c.EnvFrom {
				if e.ConfigMapRef != nil {
					if _, ok := m.configMaps[e.ConfigMapRef.Name]; !ok {
						t.Errorf("%s: envFrom ConfigMap %q does not exist", name, e.ConfigMapRef.Name)
					}
				}
			}
			for _, e := range c.Env {
				if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
					ref := e.ValueFrom.SecretKeyRef
					if s, ok := m.secrets[ref.Name]; ok {
						if _, ok := s.Data[ref.Key]; !ok {
							if _, ok := s.StringData[ref.Key]; !ok {
								t.Errorf("%s: secret %s has no key %s", name, ref.Name, ref.Key)
							}
						}
					} else if !external[ref.Name] {
						t.Errorf("%s: secret %q is neither in the build nor provided from outside", name, ref.Name)
					}
				}
			}
		}
		for _, v := range spec.Volumes {
			if v.ConfigMap != nil {
				if _, ok := m.configMaps[v.ConfigMap.Name]; !ok && !(principalExternal && v.ConfigMap.Name == "spona-principal-public") {
					t.Errorf("%s: volume ConfigMap %q does not exist", name, v.ConfigMap.Name)
				}
			}
			if v.Secret != nil {
				if _, ok := m.secrets[v.Secret.SecretName]; !ok && !external[v.Secret.SecretName] {
					t.Errorf("%s: volume Secret %q is neither in the build nor provided from outside", name, v.Secret.SecretName)
				}
			}
		}
	}
	cfg := findConfig(m)
	for _, svc := range []string{"beneficiaries", "referrals", "trainings", "reporting", "webhooks"} {
		if got := cfg.Data[strings.ToUpper(svc)+"_ADDR"]; got != svc+":9090" {
			t.Errorf("%s_ADDR = %q, want %s:9090", strings.ToUpper(svc), got, svc)
		}
	}
	if v, ok := cfg.Data["GRPC_INSECURE"]; ok {
		t.Errorf("spona-config sets GRPC_INSECURE=%q: gRPC between the processes must be mTLS", v)
	}
	if cfg.Data["GRPC_ADDR"] != "0.0.0.0:9090" || cfg.Data["ADMIN_ADDR"] != "0.0.0.0:9091" {
		t.Errorf("listen addresses %q %q do not match the container ports", cfg.Data["GRPC_ADDR"], cfg.Data["ADMIN_ADDR"])
	}
	if !strings.HasPrefix(cfg.Data["OTEL_EXPORTER_OTLP_ENDPOINT"], "http://otel-collector:4317") {
		t.Errorf("traces should go to the collector, go to %q", cfg.Data["OTEL_EXPORTER_OTLP_ENDPOINT"])
	}
}

func findConfig(m manifests) corev1.ConfigMap {
	for name, c := range m.configMaps {
		if strings.HasPrefix(name, "spona-config") {
			return c
		}
	}
	return corev1.ConfigMap{}
}

// pod is a source or destination of traffic in the policy check.
type pod struct {
	labels    map[string]string
	namespace map[string]string // labels of its namespace
}

// allows reports whether the NetworkPolicies let from reach dst on port.
// A pod no policy selects for ingress accepts everything; otherwise some
// selecting policy must have a rule matching both the peer and the port.
func allows(policies []networkingv1.NetworkPolicy, from, dst pod, port int32, sameNamespace bool) bool {
	selected := false
	for _, p := range policies {
		sel, err := metav1.LabelSelectorAsSelector(&p.Spec.PodSelector)
		if err != nil || !sel.Matches(labels.Set(dst.labels)) || !slices.Contains(p.Spec.PolicyTypes, networkingv1.PolicyTypeIngress) {
			continue
		}
		selected = true
		for _, rule := range p.Spec.Ingress {
			portOK := len(rule.Ports) == 0
			for _, rp := range rule.Ports {
				if rp.Port == nil || rp.Port.IntValue() == int(port) {
					portOK = true
				}
			}
			if !portOK {
				continue
			}
			if len(rule.From) == 0 {
				return true
			}
			for _, peer := range rule.From {
				podOK, nsOK := true, sameNamespace
				if peer.PodSelector != nil {
					s, err := metav1.LabelSelectorAsSelector(peer.PodSelector)
					podOK = err == nil && s.Matches(labels.Set(from.labels))
				}
				if peer.NamespaceSelector != nil {
					s, err := metav1.LabelSelectorAsSelector(peer.NamespaceSelector)
					nsOK = err == nil && s.Matches(labels.Set(from.namespace))
				}
				if peer.IPBlock == nil && podOK && nsOK {
					return true
				}
			}
		}
	}
	return !selected
}

func checkNetworkPolicies(t *testing.T, m manifests) {
	spona := map[string]string{"kubernetes.io/metadata.name": "spona"}
	pods := map[string]pod{}
	for _, name := range processes {
		pods[name] = pod{labels: m.deployments[name].Spec.Template.Labels, namespace: spona}
	}
	outsider := pod{labels: map[string]string{"app": "somebody"}, namespace: map[string]string{"kubernetes.io/metadata.name": "elsewhere"}}
	neighbour := pod{labels: map[string]string{"app": "somebody"}, namespace: spona}
	prometheus := pod{labels: map[string]string{"app": "prometheus"}, namespace: map[string]string{"kubernetes.io/metadata.name": "monitoring"}}

	for svc, want := range callers {
		var got []string
		for _, src := range processes {
			if src != svc && allows(m.policies, pods[src], pods[svc], 9090, true) {
				got = append(got, src)
			}
		}
		sort.Strings(got)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s gRPC is reachable from %v, want exactly %v", svc, got, want)
		}
		if allows(m.policies, outsider, pods[svc], 9090, false) || allows(m.policies, neighbour, pods[svc], 9090, true) {
			t.Errorf("%s gRPC is reachable from outside Spona", svc)
		}
	}
	if !allows(m.policies, outsider, pods["edge"], 8080, false) {
		t.Error("the edge's REST port is not reachable from outside")
	}
	for _, name := range processes {
		if !allows(m.policies, prometheus, pods[name], 9091, false) {
			t.Errorf("Prometheus cannot scrape %s", name)
		}
		if allows(m.policies, outsider, pods[name], 9091, false) {
			t.Errorf("%s admin port reachable from outside", name)
		}
	}
	db := pod{labels: map[string]string{"cnpg.io/cluster": "spona-db"}, namespace: spona}
	for _, name := range processes {
		if !allows(m.policies, pods[name], db, 5432, true) {
			t.Errorf("%s cannot reach PostgreSQL", name)
		}
	}
	if allows(m.policies, outsider, db, 5432, false) || allows(m.policies, neighbour, db, 5432, true) {
		t.Error("PostgreSQL reachable from outside Spona")
	}
	collector := pod{labels: m.deployments["otel-collector"].Spec.Template.Labels, namespace: spona}
	for _, name := range processes {
		if !allows(m.policies, pods[name], collector, 4317, true) {
			t.Errorf("%s cannot export traces to the collector", name)
		}
	}
}

func checkPostgres(t *testing.T, m manifests, instances int) {
	c, ok := m.clusters["spona-db"]
	if !ok {
		t.Fatal("no CloudNativePG Cluster spona-db")
	}
	s := c.Spec
	if s.Instances != instances {
		t.Errorf("PostgreSQL instances %d, want %d", s.Instances, instances)
	}
	if !strings.Contains(s.ImageName, "postgresql:15") {
		t.Errorf("PostgreSQL image %q, want 15 (what the services are tested on)", s.ImageName)
	}
	if s.Bootstrap.InitDB.Database != "spona" || s.Bootstrap.InitDB.Owner == "" {
		t.Errorf("bootstrap %+v, want database spona with an owner", s.Bootstrap.InitDB)
	}
	// Each process's roles, schema and the extensions are made at
	// bootstrap (roles.sql, the processes' setup-sql, checked by
	// tests/docs); the login roles are managed, with their passwords from
	// the Secrets the Deployments read too.
	var bootstrap strings.Builder
	for _, q := range s.Bootstrap.InitDB.PostInitApplicationSQL {
		bootstrap.WriteString(q + "\n")
	}
	for _, ref := range s.Bootstrap.InitDB.PostInitApplicationSQLRefs.ConfigMapRefs {
		cm, ok := m.configMaps[ref.Name]
		if !ok {
			t.Errorf("bootstrap SQL: ConfigMap %q is not in the build (its name must not be hashed)", ref.Name)
			continue
		}
		bootstrap.WriteString(cm.Data[ref.Key])
	}
	for _, ext := range []string{"pg_trgm", "unaccent"} {
		if !strings.Contains(bootstrap.String(), "CREATE EXTENSION IF NOT EXISTS \""+ext+"\"") {
			t.Errorf("extension %s is not created at bootstrap (no process's role may)", ext)
		}
	}
	roles := map[string]int{}
	for i, r := range s.Managed.Roles {
		roles[r.Name] = i
	}
	for _, p := range processes {
		if !strings.Contains(bootstrap.String(), `CREATE SCHEMA IF NOT EXISTS "`+p+`" AUTHORIZATION "spona_`+p+`_owner"`) {
			t.Errorf("bootstrap does not make schema %s owned by spona_%s_owner", p, p)
		}
		for _, role := range []string{"spona_" + p, "spona_" + p + "_owner"} {
			i, ok := roles[role]
			if !ok {
				t.Errorf("managed roles: no %s", role)
				continue
			}
			r := s.Managed.Roles[i]
			secret := "spona-db-" + strings.ReplaceAll(strings.TrimPrefix(role, "spona_"), "_", "-")
			if r.Ensure != "present" || !r.Login || r.PasswordSecret.Name != secret {
				t.Errorf("managed role %s: %+v, want present, login, password from %s", role, r, secret)
			}
			wantIn := []string(nil)
			if strings.HasSuffix(role, "_owner") {
				wantIn = []string{"spona_" + p + "_audit"}
			}
			if !slices.Equal(r.InRoles, wantIn) {
				t.Errorf("managed role %s: in roles %v, want %v", role, r.InRoles, wantIn)
			}
		}
	}
	if s.Storage.Size.IsZero() {
		t.Error("PostgreSQL storage has no size")
	}
	if s.MaxSyncReplicas > s.Instances-1 {
		t.Errorf("maxSyncReplicas %d needs more than %d instances", s.MaxSyncReplicas, s.Instances)
	}
}

// checkConnections: PostgreSQL's max_connections holds every connection
// of the largest scale-out, during a rollout: each process at its HPA's
// maxReplicas plus the Deployment's maxSurge, each replica its pool
// (DB_MAX_CONNS) and the connections it holds beside it
// (ownConnections), each surging pod's init container its migration pool
// first, and connectionsReserve to spare.
func checkConnections(t *testing.T, m manifests) {
	var cm corev1.ConfigMap
	for name, c := range m.configMaps {
		if strings.HasPrefix(name, "spona-config") {
			cm = c
		}
	}
	pool, err := strconv.Atoi(cm.Data["DB_MAX_CONNS"])
	if err != nil || pool <= 0 {
		t.Errorf("DB_MAX_CONNS %q; set it: the pods have no CPU limit, so the default would follow the node's cores", cm.Data["DB_MAX_CONNS"])
		return
	}
	need := connectionsReserve
	var terms []string
	for _, name := range processes {
		d := m.deployments[name]
		surge := 0
		if ru := d.Spec.Strategy.RollingUpdate; ru != nil && ru.MaxSurge != nil {
			if ru.MaxSurge.Type != intstr.Int {
				t.Errorf("%s: maxSurge %v; give it as a number of pods, which this check counts", name, ru.MaxSurge)
			}
			surge = ru.MaxSurge.IntValue()
		}
		replicas := int(m.hpas[name].Spec.MaxReplicas) + surge
		n := replicas*(pool+ownConnections[name]) + surge*migrateConnections
		terms = append(terms, fmt.Sprintf("%s %d", name, n))
		need += n
	}
	have, err := strconv.Atoi(m.clusters["spona-db"].Spec.PostgreSQL.Parameters["max_connections"])
	if err != nil || have < need {
		t.Errorf("PostgreSQL max_connections %q; the largest scale-out during a rollout needs %d (%s; %d to spare)",
			m.clusters["spona-db"].Spec.PostgreSQL.Parameters["max_connections"], need, strings.Join(terms, ", "), connectionsReserve)
	}
}

// ownConnections are the connections a replica of each process holds
// beside its pool of DB_MAX_CONNS (pkg/db OwnConn): the feed's LISTEN connection of each
// service serving an event feed (pkg/outbox Feed.listen), the leadership
// lock's connection of each feed it consumes (pkg/outbox Consumer.Run:
// referrals and trainings consume beneficiaries, the edge beneficiaries and
// trainings, webhooks all four), the edge's key notifications
// (services/edge/internal/keys Postgres.Listen) and the webhooks'
// queued-delivery notifications (services/webhooks/internal/adapters
// Postgres.Listen). pkg/testkit/devstack counts the same.
var ownConnections = map[string]int{"beneficiaries": 1, "referrals": 2, "trainings": 2, "reporting": 1, "edge": 3, "webhooks": 5}

// migrateConnections is the pool `<binary> migrate` (the init container)
// migrates with (pkg/platform).
const migrateConnections = 2

// collectorConfig is the part of the OpenTelemetry Collector configuration
// the checks read.
type collectorConfig struct {
	Receivers  map[string]any `yaml:"receivers"`
	Processors map[string]any `yaml:"processors"`
	Exporters  map[string]any `yaml:"exporters"`
	Extensions map[string]any `yaml:"extensions"`
	Service    struct {
		Extensions []string       `yaml:"extensions"`
		Telemetry  map[string]any `yaml:"telemetry"`
		Pipelines  map[string]struct {
			Receivers  []string `yaml:"receivers"`
			Processors []string `yaml:"processors"`
			Exporters  []string `yaml:"exporters"`
		} `yaml:"pipelines"`
	} `yaml:"service"`
}

func checkCollector(t *testing.T, m manifests) {
	d, ok := m.deployments["otel-collector"]
	if !ok {
		t.Fatal("no otel-collector Deployment")
	}
	if _, ok := m.services["otel-collector"]; !ok {
		t.Error("no otel-collector Service")
	}
	var cm corev1.ConfigMap
	for _, v := range d.Spec.Template.Spec.Volumes {
		if v.ConfigMap != nil {
			cm = m.configMaps[v.ConfigMap.Name]
		}
	}
	var cfg collectorConfig
	dec := yaml.NewDecoder(bytes.NewReader([]byte(cm.Data["config.yaml"])))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		t.Fatalf("collector config: %v", err)
	}
	traces, ok := cfg.Service.Pipelines["traces"]
	if !ok {
		t.Fatal("collector has no traces pipeline")
	}
	for kind, names := range map[string][]string{"receivers": traces.Receivers, "processors": traces.Processors, "exporters": traces.Exporters} {
		defined := map[string]map[string]any{"receivers": cfg.Receivers, "processors": cfg.Processors, "exporters": cfg.Exporters}[kind]
		if len(names) == 0 {
			t.Errorf("traces pipeline has no %s", kind)
		}
		for _, n := range names {
			if _, ok := defined[n]; !ok {
				t.Errorf("traces pipeline uses undefined %s %q", kind, n)
			}
		}
	}
	for _, n := range cfg.Service.Extensions {
		if _, ok := cfg.Extensions[n]; !ok {
			t.Errorf("collector enables undefined extension %q", n)
		}
	}
	otlp, _ := json.Marshal(cfg.Receivers["otlp"])
	if !strings.Contains(string(otlp), "4317") {
		t.Errorf("collector OTLP receiver does not listen on 4317: %s", otlp)
	}
}

// checkWebhooks: the webhooks process gets its secrets key from a Secret,
// never allows private targets, and cannot reach private ranges.
func checkWebhooks(t *testing.T, m manifests) {
	d := m.deployments["webhooks"]
	env := map[string]corev1.EnvVar{}
	for _, e := range container(d).Env {
		env[e.Name] = e
	}
	if r := env["WEBHOOK_SECRETS_KEY"].ValueFrom; r == nil || r.SecretKeyRef == nil || !strings.HasPrefix(r.SecretKeyRef.Name, "spona-webhooks") {
		t.Error("webhooks: WEBHOOK_SECRETS_KEY should come from the spona-webhooks secret")
	}
	if _, set := env["WEBHOOK_ALLOW_PRIVATE_TARGETS"]; set || findConfig(m).Data["WEBHOOK_ALLOW_PRIVATE_TARGETS"] != "" {
		t.Error("WEBHOOK_ALLOW_PRIVATE_TARGETS is for development only")
	}
	var egress *networkingv1.NetworkPolicy
	for i, p := range m.policies {
		sel, err := metav1.LabelSelectorAsSelector(&p.Spec.PodSelector)
		if err == nil && sel.Matches(labels.Set(d.Spec.Template.Labels)) && slices.Contains(p.Spec.PolicyTypes, networkingv1.PolicyTypeEgress) {
			egress = &m.policies[i]
		}
	}
	if egress == nil {
		t.Fatal("webhooks: no egress NetworkPolicy")
	}
	for _, r := range egress.Spec.Egress {
		for _, peer := range r.To {
			if b := peer.IPBlock; b != nil {
				for _, private := range []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"} {
					if !slices.Contains(b.Except, private) {
						t.Errorf("webhooks egress to %s does not except %s", b.CIDR, private)
					}
				}
			}
		}
	}
}
