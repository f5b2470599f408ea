package validate

import (
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// composeFile models the Compose specification keys deploy/compose uses;
// decoding with KnownFields rejects anything misspelled or unexpected.
type composeFile struct {
	Name     string                    `yaml:"name"`
	XService composeService            `yaml:"x-service"`
	XEnv     map[string]string         `yaml:"x-env"`
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Restart     string            `yaml:"restart"`
	StopGrace   string            `yaml:"stop_grace_period"`
	ReadOnly    bool              `yaml:"read_only"`
	User        string            `yaml:"user"`
	SecurityOpt []string          `yaml:"security_opt"`
	CapDrop     []string          `yaml:"cap_drop"`
	CapAdd      []string          `yaml:"cap_add"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	Volumes     []string          `yaml:"volumes"`
	Ports       []string          `yaml:"ports"`
	Build       *struct {
		Context    string            `yaml:"context"`
		Dockerfile string            `yaml:"dockerfile"`
		Args       map[string]string `yaml:"args"`
	} `yaml:"build"`
	DependsOn map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck *struct {
		Test        []string `yaml:"test"`
		Interval    string   `yaml:"interval"`
		Timeout     string   `yaml:"timeout"`
		Retries     int      `yaml:"retries"`
		StartPeriod string   `yaml:"start_period"`
	} `yaml:"healthcheck"`
}

func hostPort(t *testing.T, what, addr string) (string, string) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Errorf("%s: %q is not host:port", what, addr)
	}
	return h, p
}

func TestCompose(t *testing.T) {
	dir := filepath.Join("..", "compose")
	raw, err := os.ReadFile(filepath.Join(dir, "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	dec := yaml.NewDecoder(strings.NewReader(string(raw)))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	want := append([]string{"postgres", "jaeger", "secrets"}, processes...)
	for _, s := range want {
		if _, ok := c.Services[s]; !ok {
			t.Errorf("compose has no service %s", s)
		}
	}
	for s := range c.Services {
		if !slices.Contains(want, s) {
			t.Errorf("unexpected compose service %s", s)
		}
	}
	// Compose kills a container stop_grace_period after SIGTERM (10 s by
	// default): a process takes SHUTDOWN_TIMEOUT to drain and again to close.
	timeout, err := time.ParseDuration(c.XEnv["SHUTDOWN_TIMEOUT"])
	if err != nil || timeout <= 0 {
		t.Errorf("x-env SHUTDOWN_TIMEOUT %q should be a duration", c.XEnv["SHUTDOWN_TIMEOUT"])
	}
	for _, p := range processes {
		g, err := time.ParseDuration(c.Services[p].StopGrace)
		if err != nil || g < 2*timeout {
			t.Errorf("compose: service %s stop_grace_period %q, want at least %s (twice SHUTDOWN_TIMEOUT)", p, c.Services[p].StopGrace, 2*timeout)
		}
	}
	if !strings.HasPrefix(c.Services["postgres"].Image, "postgres:15") {
		t.Errorf("postgres image %q, want 15", c.Services["postgres"].Image)
	}
	if !strings.HasPrefix(c.Services["jaeger"].Image, "jaegertracing/jaeger:2.") {
		t.Errorf("jaeger image %q, want Jaeger v2", c.Services["jaeger"].Image)
	}
	for _, v := range c.Services["jaeger"].Volumes {
		src, _, _ := strings.Cut(v, ":")
		if _, err := os.Stat(filepath.Join(dir, src)); err != nil {
			t.Errorf("jaeger mounts %s, which does not exist", src)
		}
	}

	for _, name := range processes {
		s := c.Services[name]
		if !strings.HasPrefix(s.Image, "spona/"+name+":") {
			t.Errorf("%s: image %q", name, s.Image)
		}
		if s.Build == nil || s.Build.Args["SERVICE"] != name {
			t.Errorf("%s: build must pass SERVICE=%s", name, name)
		} else {
			root := filepath.Join(dir, s.Build.Context)
			if _, err := os.Stat(filepath.Join(root, s.Build.Dockerfile)); err != nil {
				t.Errorf("%s: Dockerfile %s not found from context %s", name, s.Build.Dockerfile, s.Build.Context)
			}
			if _, err := os.Stat(filepath.Join(root, "services", name, "main.go")); err != nil {
				t.Errorf("%s: the build context has no services/%s", name, name)
			}
		}
		if s.User != "65532:65532" || !s.ReadOnly || !slices.Contains(s.CapDrop, "ALL") {
			t.Errorf("%s: want user 65532, read-only root and all capabilities dropped", name)
		}
		if s.Healthcheck == nil || strings.Join(s.Healthcheck.Test, " ") != "CMD /app healthcheck" {
			t.Errorf("%s: healthcheck should run `/app healthcheck` (distroless has no shell)", name)
		}
		env := s.Environment
		if _, p := hostPort(t, name+" GRPC_ADDR", env["GRPC_ADDR"]); p != "9090" {
			t.Errorf("%s: GRPC_ADDR %q", name, env["GRPC_ADDR"])
		}
		if _, p := hostPort(t, name+" ADMIN_ADDR", env["ADMIN_ADDR"]); p != "9091" {
			t.Errorf("%s: ADMIN_ADDR %q", name, env["ADMIN_ADDR"])
		}
		for _, callee := range []string{"beneficiaries", "referrals", "trainings", "reporting", "webhooks"} {
			h, p := hostPort(t, name+" "+callee+" address", env[strings.ToUpper(callee)+"_ADDR"])
			if h != callee || p != "9090" {
				t.Errorf("%s: %s_ADDR = %q, want %s:9090", name, strings.ToUpper(callee), env[strings.ToUpper(callee)+"_ADDR"], callee)
			}
		}
		// Its own roles: it serves as spona_<name>, migrates as its owner.
		for v, role := range map[string]string{"DATABASE_URL": "spona_" + name, "MIGRATE_DATABASE_URL": "spona_" + name + "_owner"} {
			u, err := url.Parse(env[v])
			if err != nil || u.Hostname() != "postgres" || u.Path != "/"+c.Services["postgres"].Environment["POSTGRES_DB"] || u.User.Username() != role {
				t.Errorf("%s: %s %q should name the postgres service's database as %s", name, v, env[v], role)
			}
		}
		if _, ok := c.XEnv["DATABASE_URL"]; ok {
			t.Error("x-env: DATABASE_URL is per process (its own role)")
		}
		if u, err := url.Parse(env["OTEL_EXPORTER_OTLP_ENDPOINT"]); err != nil || u.Hostname() != "jaeger" || u.Port() != "4317" {
			t.Errorf("%s: traces go to %q, want jaeger:4317", name, env["OTEL_EXPORTER_OTLP_ENDPOINT"])
		}
		// Its own principal key, the others' public keys, from the
		// volume the one-shot "secrets" service fills before anything
		// starts.
		if env["PRINCIPAL_KEY_FILE"] != "/secrets/principal/"+name+".key" || env["PRINCIPAL_PUBLIC_KEYS_DIR"] != "/secrets/principal/public" {
			t.Errorf("%s: PRINCIPAL_KEY_FILE %q, PRINCIPAL_PUBLIC_KEYS_DIR %q", name, env["PRINCIPAL_KEY_FILE"], env["PRINCIPAL_PUBLIC_KEYS_DIR"])
		}
		if env["TLS_CERT_FILE"] != "/secrets/tls/"+name+".pem" || env["TLS_KEY_FILE"] != "/secrets/tls/"+name+".key" ||
			env["TLS_CA_FILE"] != "/secrets/tls/ca.pem" || env["GRPC_INSECURE"] != "" {
			t.Errorf("%s: mTLS files %q %q %q (GRPC_INSECURE %q)", name, env["TLS_CERT_FILE"], env["TLS_KEY_FILE"], env["TLS_CA_FILE"], env["GRPC_INSECURE"])
		}
		if !slices.Contains(s.Volumes, "secrets:/secrets:ro") || s.DependsOn["secrets"].Condition != "service_completed_successfully" {
			t.Errorf("%s: should mount the secrets volume read-only and wait for the secrets service", name)
		}
		// Started after PostgreSQL and every service it calls that comes
		// before it in start order are healthy. Services calling each
		// other cannot both wait: the calls to reporting of the services
		// reporting itself calls (whether an organisation may tag a record
		// with a project), and beneficiaries reading the directory of
		// referrals, which calls beneficiaries. Their connections are lazy
		// and a call made before the other is up is refused (503).
		deps := []string{"postgres"}
		for svc, cs := range callers {
			if slices.Contains(cs, name) && slices.Index(processes, svc) < slices.Index(processes, name) {
				deps = append(deps, svc)
			}
		}
		for _, d := range deps {
			if s.DependsOn[d].Condition != "service_healthy" {
				t.Errorf("%s should wait for %s to be healthy", name, d)
			}
		}
	}
	// The roles are made when PostgreSQL's volume is new.
	if !slices.Contains(c.Services["postgres"].Volumes, "./roles.sql:/docker-entrypoint-initdb.d/10-spona-roles.sql:ro") {
		t.Errorf("postgres: should mount roles.sql among its initdb scripts: %v", c.Services["postgres"].Volumes)
	}
	if _, err := os.Stat(filepath.Join(dir, "roles.sql")); err != nil {
		t.Error(err)
	}
	if sec := c.Services["secrets"]; strings.Join(sec.Command, " ") != "init-secrets -owner 65532:65532 /secrets" || !slices.Contains(sec.Volumes, "secrets:/secrets") {
		t.Errorf("secrets: %v %v", sec.Command, sec.Volumes)
	}
	if wh := c.Services["webhooks"].Environment; wh["WEBHOOK_SECRETS_KEY"] == "" || wh["WEBHOOK_ALLOW_PRIVATE_TARGETS"] != "" {
		t.Errorf("webhooks: WEBHOOK_SECRETS_KEY must be set and WEBHOOK_ALLOW_PRIVATE_TARGETS must not (development only)")
	}
	edge := c.Services["edge"]
	if _, p := hostPort(t, "edge HTTP_ADDR", edge.Environment["HTTP_ADDR"]); p != "8080" || !slices.Contains(edge.Ports, "8080:8080") {
		t.Errorf("edge: HTTP_ADDR %q and ports %v should publish 8080", edge.Environment["HTTP_ADDR"], edge.Ports)
	}
	for _, name := range processes {
		if name != "edge" && len(c.Services[name].Ports) > 0 {
			t.Errorf("%s publishes ports; only the edge should", name)
		}
	}
	// PostgreSQL has room for every process's pool and the connections it
	// holds beside it.
	maxConns := 100 // PostgreSQL's default
	for i, a := range c.Services["postgres"].Command {
		if v, ok := strings.CutPrefix(a, "max_connections="); ok && i > 0 && c.Services["postgres"].Command[i-1] == "-c" {
			maxConns, _ = strconv.Atoi(v)
		}
	}
	pools := 0
	for _, name := range processes {
		n, err := strconv.Atoi(c.Services[name].Environment["DB_MAX_CONNS"])
		if err != nil || n <= 0 {
			t.Errorf("%s: DB_MAX_CONNS %q; set it: without a CPU limit the default follows the host's cores", name, c.Services[name].Environment["DB_MAX_CONNS"])
		}
		pools += n + ownConnections[name]
	}
	if pools+connectionsReserve > maxConns {
		t.Errorf("the pools need %d connections and %d more are kept for psql and migrations, PostgreSQL's max_connections is %d", pools, connectionsReserve, maxConns)
	}
}

// connectionsReserve is what max_connections keeps beyond the processes'
// pools: superuser slots, the database operator, psql sessions, commands.
const connectionsReserve = 20

func TestDockerfile(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "docker", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	for _, want := range []string{
		"CGO_ENABLED=0",                 // static binary
		"./services/${SERVICE}",         // one image per process
		"FROM gcr.io/distroless/static", // no shell, no libc
		"USER 65532:65532",              // non-root
		`CMD ["/app", "healthcheck"]`,   // health without a shell
		"-X github.com/spona/spona/pkg/platform.Version=",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	stages := strings.Count(s, "\nFROM ")
	if stages < 2 {
		t.Errorf("Dockerfile has %d stages, want a build stage and a runtime stage", stages)
	}
}

// TestComposeCommands: the Compose commands docs/operations.md and the
// head of compose.yaml give work as written, from the repository's root,
// and again later. Each names the Compose file (there is none at the root),
// and every variable compose.yaml requires (${NAME:?...}) is kept in
// deploy/compose/.env, which Compose reads for every command of the project
// (up, exec, down), rather than set for one command: `exec` alone then
// failed for want of it, and a second `up` with a new random
// WEBHOOK_SECRETS_KEY left every stored signing secret undecryptable. The
// file holds a secret: git ignores it.
func TestComposeCommands(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "compose", "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	compose := string(raw)
	var header []string
	for _, line := range strings.Split(compose, "\n") {
		if !strings.HasPrefix(line, "#") {
			break
		}
		header = append(header, strings.TrimSpace(strings.TrimPrefix(line, "#")))
	}
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	section := string(doc)
	if i := strings.Index(section, "\n### Compose\n"); i >= 0 {
		section = section[i:]
		if j := strings.Index(section[1:], "\n### "); j >= 0 {
			section = section[:j+1]
		}
	} else {
		t.Fatal(`docs/operations.md has no "### Compose" section`)
	}
	required := map[string]bool{}
	for _, m := range regexp.MustCompile(`\$\{([A-Z0-9_]+):\?`).FindAllStringSubmatch(compose, -1) {
		required[m[1]] = true
	}
	if len(required) == 0 {
		t.Fatal("compose.yaml requires no variable: this test reads ${NAME:?message}")
	}
	named := regexp.MustCompile(`docker compose -f deploy/compose/compose\.yaml(\s|$)`)
	for what, text := range map[string]string{"compose.yaml's head": strings.Join(header, "\n"), "docs/operations.md, Compose": section} {
		commands := 0
		for _, cmd := range regexp.MustCompile("(?:[A-Z0-9_]+=(?:\\$\\([^)]*\\)|\\S+) )*docker compose[^\n`]*").FindAllString(text, -1) {
			commands++
			if !named.MatchString(cmd) {
				t.Errorf("%s: %q does not name deploy/compose/compose.yaml (there is no Compose file at the root)", what, cmd)
			}
			for v := range required {
				if strings.Contains(cmd, v+"=") {
					t.Errorf("%s: %q sets %s for one command only; keep it in deploy/compose/.env", what, cmd, v)
				}
			}
		}
		if commands == 0 {
			t.Errorf("%s gives no docker compose command", what)
		}
		for v := range required {
			if !regexp.MustCompile(regexp.QuoteMeta(v) + `=[^\n]*>>? ?deploy/compose/\.env`).MatchString(text) {
				t.Errorf("%s does not say to keep %s in deploy/compose/.env", what, v)
			}
		}
	}
	ignore, err := os.ReadFile(filepath.Join("..", "..", ".gitignore"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(strings.Fields(string(ignore)), "/deploy/compose/.env") {
		t.Error(".gitignore does not ignore /deploy/compose/.env (it holds WEBHOOK_SECRETS_KEY)")
	}
}
