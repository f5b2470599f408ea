// Package devstack builds and runs the six Spona processes as separate OS
// processes, the way they run in production: `make run` uses it for a
// developer's machine and the end-to-end tests use it to drive the real
// system over HTTP.
package devstack

import (
	"bufio"
	"context"
	cryptorand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/platform"
	"github.com/spona/spona/pkg/testkit/loopback"
	"github.com/spona/spona/pkg/testkit/pgcluster"
	"github.com/spona/spona/pkg/tlsconfig"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
)

// Services in start order: each only calls services started before it.
var Services = []string{"beneficiaries", "referrals", "trainings", "reporting", "webhooks", "edge"}

// Connections is how many PostgreSQL connections the processes of a stack
// may hold: a pool each, of DB_MAX_CONNS from the environment they inherit
// or, when that is unset, of db.DefaultPoolSize, and the connections they
// hold beside their pools (ownConnections).
func Connections() int {
	pool := int(db.DefaultPoolSize())
	if n, err := strconv.Atoi(os.Getenv("DB_MAX_CONNS")); err == nil && n > 0 {
		pool = n
	}
	own := 0
	for _, n := range ownConnections {
		own += n
	}
	return len(Services)*pool + own
}

// ownConnections are the connections a process holds beside its pool (db.OwnConn):
// its event feed's LISTEN connection, the leadership lock's connection
// of each feed it consumes, the edge's and the webhooks' notification
// connections (deploy/validate counts the same for deploy/).
var ownConnections = map[string]int{"beneficiaries": 1, "referrals": 2, "trainings": 2, "reporting": 1, "edge": 3, "webhooks": 5}

// Build compiles the six binaries from the repository at root into binDir,
// with the race detector when the caller was built with it (Race).
func Build(ctx context.Context, root, binDir string) error {
	if err := os.MkdirAll(binDir, 0o750); err != nil {
		return err
	}
	args := []string{"build", "-o", binDir + string(os.PathSeparator)}
	if Race {
		args = append(args, "-race")
	}
	for _, s := range Services {
		args = append(args, "./services/"+s)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go build: %w\n%s", err, out)
	}
	return nil
}

// Ports are the listen ports of the stack.
type Ports struct {
	GRPC  map[string]int // per gRPC service
	Admin map[string]int // per process
	HTTP  int            // the edge's REST port
}

// defaultPorts are the gRPC (91xx) and admin (92xx) ports of each process
// under `make run`; the edge serves REST on 8080 instead of gRPC.
var defaultPorts = map[string]int{
	"beneficiaries": 1, "referrals": 2, "trainings": 3, "reporting": 4, "edge": 5, "webhooks": 6,
}

// DefaultPorts are the fixed ports of `make run`.
func DefaultPorts() Ports {
	p := Ports{GRPC: map[string]int{}, Admin: map[string]int{}, HTTP: 8080}
	for _, s := range Services {
		if s != "edge" {
			p.GRPC[s] = 9100 + defaultPorts[s]
		}
		p.Admin[s] = 9200 + defaultPorts[s]
	}
	return p
}

// FreePorts picks unused loopback ports for every listener, each port
// once: every one is held until all are picked. Picked one by one and let
// go at once, two of a stack's listeners could get the same port (about
// one stack start in 180); with two admin ports alike, the second process
// failed to bind but the first's /readyz answered for it, so its start
// looked ready and was not retried (CI: the edge exited, TestWebhooks got
// "connection refused").
func FreePorts() (Ports, error) {
	p := Ports{GRPC: map[string]int{}, Admin: map[string]int{}}
	var held []net.Listener
	defer func() {
		for _, l := range held {
			_ = l.Close()
		}
	}()
	pick := func(port *int) error {
		l, err := loopback.Listen()
		if err != nil {
			return err
		}
		held = append(held, l)
		addr, ok := l.Addr().(*net.TCPAddr)
		if !ok {
			return fmt.Errorf("listener address %v is not TCP", l.Addr())
		}
		*port = addr.Port
		return nil
	}
	for _, s := range Services {
		var grpcPort, adminPort int
		if s != "edge" {
			if err := pick(&grpcPort); err != nil {
				return p, err
			}
			p.GRPC[s] = grpcPort
		}
		if err := pick(&adminPort); err != nil {
			return p, err
		}
		p.Admin[s] = adminPort
	}
	return p, pick(&p.HTTP)
}

// Options configures Start.
type Options struct {
	BinDir string
	// DatabaseURL connects as an administrator: Start sets up each process's
	// own roles in its database (pgcluster.ServiceRoles) and the processes
	// connect as those, as in production.
	DatabaseURL string
	// SharedRole has every process connect with DatabaseURL itself (one
	// role owning every schema): for a server whose roles the developer
	// manages (make run with DATABASE_URL).
	SharedRole bool
	// KeysDir holds the processes' internal secrets (platform.InitSecrets:
	// principal keys, a CA and mTLS certificates); Start makes what is
	// missing.
	KeysDir string
	// Insecure runs gRPC between the processes in plaintext
	// (GRPC_INSECURE) instead of mTLS: for measuring what mTLS costs.
	Insecure bool
	// WebhookSecretsKey encrypts the webhooks' signing secrets at rest;
	// random when empty.
	WebhookSecretsKey string
	Ports             Ports
	// Env is added to every process's environment (e.g. OTEL_* settings).
	Env []string
	// LogDir receives <service>.log; when empty logs go to Logs.
	LogDir string
	Logs   io.Writer
}

// Stack is the running system.
type Stack struct {
	opts  Options
	mu    sync.Mutex
	procs map[string]*proc
	// urls are the PostgreSQL URLs of each process: runtime and owner.
	urls map[string][2]string
	// replicas are further processes of a service (StartReplica), by name
	// "<service>#<n>", with their own listen ports.
	replicas map[string]Ports
}

type proc struct {
	cmd  *exec.Cmd
	done chan error
	logs io.Closer
}

// Start runs the six processes in order, each once the ones it calls are ready.
func Start(ctx context.Context, o Options) (*Stack, error) {
	if o.KeysDir == "" {
		return nil, errors.New("devstack: no KeysDir")
	}
	if err := platform.InitSecrets(o.KeysDir); err != nil {
		return nil, err
	}
	if o.WebhookSecretsKey == "" {
		b := make([]byte, 32)
		_, _ = cryptorand.Read(b)
		o.WebhookSecretsKey = hex.EncodeToString(b)
	}
	s := &Stack{opts: o, procs: map[string]*proc{}, replicas: map[string]Ports{}, urls: map[string][2]string{}}
	for _, name := range Services {
		if o.SharedRole {
			s.urls[name] = [2]string{o.DatabaseURL, ""}
			continue
		}
		runtime, migrate, err := pgcluster.ServiceRoles(ctx, o.DatabaseURL, name)
		if err != nil {
			return nil, err
		}
		s.urls[name] = [2]string{runtime, migrate}
	}
	for _, name := range Services {
		if err := s.StartService(ctx, name); err != nil {
			return nil, errors.Join(err, s.Stop())
		}
	}
	return s, nil
}

// URL is the base URL of the REST API.
func (s *Stack) URL() string { return fmt.Sprintf("http://127.0.0.1:%d", s.opts.Ports.HTTP) }

// AdminURL is the base URL of a process's admin port (/metrics, /readyz).
func (s *Stack) AdminURL(name string) string {
	return fmt.Sprintf("http://127.0.0.1:%d", s.opts.Ports.Admin[name])
}

// PID is the process id of a running process of the stack (0 when none).
func (s *Stack) PID(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.procs[name]; p != nil {
		return p.cmd.Process.Pid
	}
	return 0
}

// GRPCAddr is the gRPC address of a service.
func (s *Stack) GRPCAddr(name string) string {
	return "127.0.0.1:" + strconv.Itoa(s.opts.Ports.GRPC[name])
}

// DatabaseURL is the PostgreSQL URL process serves with (its runtime
// role's; DATABASE_URL).
func (s *Stack) DatabaseURL(process string) string { return s.urls[process][0] }

// MigrateDatabaseURL is the PostgreSQL URL process migrates with (its
// schema owner's; MIGRATE_DATABASE_URL), "" with SharedRole.
func (s *Stack) MigrateDatabaseURL(process string) string { return s.urls[process][1] }

// KeysDir is where the processes' internal secrets are (principal/...).
func (s *Stack) KeysDir() string { return s.opts.KeysDir }

// Issuer issues principals as process (its key in KeysDir): for tests and
// tools calling the services' gRPC ports directly, as the edge would.
func (s *Stack) Issuer(process string) (*auth.Issuer, error) {
	k := auth.NewKeyring()
	if err := k.Load(process, filepath.Join(s.opts.KeysDir, "principal", process+".key"), ""); err != nil {
		return nil, err
	}
	return k.Issuer(process, auth.MaxTTL)
}

// Credentials are the gRPC credentials of process calling audience: mTLS
// with process's certificate from KeysDir (plaintext with Insecure).
func (s *Stack) Credentials(process, audience string) (credentials.TransportCredentials, error) {
	if s.opts.Insecure {
		return insecure.NewCredentials(), nil
	}
	src, err := tlsconfig.Load(tlsconfig.DevFiles(filepath.Join(s.opts.KeysDir, "tls"), process), nil)
	if err != nil {
		return nil, err
	}
	return src.Client(audience), nil
}

// Dial connects to the service audience as process would (the edge, for
// tests and tools calling the services' gRPC ports directly): its mTLS
// certificate, and a principal it issues for each call made with a context
// acting as someone (auth.WithPrincipal).
func (s *Stack) Dial(process, audience string) (*grpc.ClientConn, error) {
	iss, err := s.Issuer(process)
	if err != nil {
		return nil, err
	}
	creds, err := s.Credentials(process, audience)
	if err != nil {
		return nil, err
	}
	return grpcx.NewClient(s.GRPCAddr(audience), grpcx.Peer{Audience: audience, Issuer: iss, Credentials: creds})
}

// Env is the environment of a process of the stack.
func (s *Stack) Env(name string) []string {
	o := s.opts
	env := append(os.Environ(),
		"DATABASE_URL="+s.urls[name][0],
		"MIGRATE_DATABASE_URL="+s.urls[name][1],
		"PRINCIPAL_KEY_FILE="+filepath.Join(o.KeysDir, "principal", name+".key"),
		"PRINCIPAL_PUBLIC_KEYS_DIR="+filepath.Join(o.KeysDir, "principal", "public"),
		"ADMIN_ADDR=127.0.0.1:"+strconv.Itoa(o.Ports.Admin[name]),
		"HTTP_ADDR=127.0.0.1:"+strconv.Itoa(o.Ports.HTTP),
		"WEBHOOK_SECRETS_KEY="+o.WebhookSecretsKey,
		// Development and tests: webhooks may go to http:// and loopback
		// receivers.
		"WEBHOOK_ALLOW_PRIVATE_TARGETS=true",
	)
	if o.Insecure {
		env = append(env, "GRPC_INSECURE=true")
	} else {
		tls := tlsconfig.DevFiles(filepath.Join(o.KeysDir, "tls"), name)
		env = append(env, "TLS_CERT_FILE="+tls.Cert, "TLS_KEY_FILE="+tls.Key, "TLS_CA_FILE="+tls.CA)
	}
	if p, ok := o.Ports.GRPC[name]; ok {
		env = append(env, "GRPC_ADDR=127.0.0.1:"+strconv.Itoa(p))
	}
	for svc, p := range o.Ports.GRPC {
		env = append(env, strings.ToUpper(svc)+"_ADDR=127.0.0.1:"+strconv.Itoa(p))
	}
	return append(env, o.Env...)
}

// StartReplica starts another process of service (the edge, say) on free
// ports, the way a second replica runs, and returns its name
// ("edge#2") for URLOf, AdminURLOf and StopService.
func (s *Stack) StartReplica(ctx context.Context, service string) (string, error) {
	ports, err := FreePorts()
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	name := fmt.Sprintf("%s#%d", service, len(s.replicas)+2)
	s.replicas[name] = ports
	s.mu.Unlock()
	env := s.Env(service)
	env = append(env, "ADMIN_ADDR=127.0.0.1:"+strconv.Itoa(ports.Admin[service]), "HTTP_ADDR=127.0.0.1:"+strconv.Itoa(ports.HTTP))
	if p, ok := ports.GRPC[service]; ok {
		env = append(env, "GRPC_ADDR=127.0.0.1:"+strconv.Itoa(p))
	}
	return name, s.start(ctx, name, service, env, ports.Admin[service])
}

// URLOf is the REST base URL of the edge process name ("edge" or a replica).
func (s *Stack) URLOf(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.replicas[name]; ok {
		return fmt.Sprintf("http://127.0.0.1:%d", p.HTTP)
	}
	return s.URL()
}

// StartService starts one process and waits until it reports ready.
func (s *Stack) StartService(ctx context.Context, name string) error {
	return s.start(ctx, name, name, s.Env(name), s.opts.Ports.Admin[name])
}

func (s *Stack) start(ctx context.Context, name, binary string, env []string, adminPort int) error {
	cmd := exec.Command(filepath.Join(s.opts.BinDir, binary))
	cmd.Env = env
	cmd.SysProcAttr = ChildProcAttr(syscall.SIGTERM)
	var closer io.Closer
	if s.opts.LogDir != "" {
		f, err := os.OpenFile(filepath.Join(s.opts.LogDir, name+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		cmd.Stdout, cmd.Stderr, closer = f, f, f
	} else if s.opts.Logs != nil {
		pw := prefixWriter(s.opts.Logs, name)
		cmd.Stdout, cmd.Stderr, closer = pw, pw, pw
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{cmd: cmd, done: make(chan error, 1), logs: closer}
	go func() { p.done <- cmd.Wait() }()
	s.mu.Lock()
	s.procs[name] = p
	s.mu.Unlock()
	return s.waitReady(ctx, name, p, adminPort)
}

func (s *Stack) waitReady(ctx context.Context, name string, p *proc, adminPort int) error {
	url := fmt.Sprintf("http://127.0.0.1:%d/readyz", adminPort)
	deadline := time.Now().Add(90 * time.Second)
	client := &http.Client{Timeout: time.Second}
	for {
		select {
		case err := <-p.done:
			p.done <- err
			return fmt.Errorf("%s exited while starting: %v%s", name, err, s.lastWords(name))
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after 90s", name)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// lastWords returns the last lines process name wrote to its log file in
// LogDir (why it refused to start: a port in use, a setting), with the
// file's path, for the error of a start that failed; "" without LogDir
// (Logs shows them as they are written).
func (s *Stack) lastWords(name string) string {
	if s.opts.LogDir == "" {
		return ""
	}
	path := filepath.Join(s.opts.LogDir, name+".log")
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	const tail = 4096
	if st, err := f.Stat(); err == nil && st.Size() > tail {
		_, _ = f.Seek(st.Size()-tail, io.SeekStart)
	}
	b, _ := io.ReadAll(f)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 3 {
		lines = lines[len(lines)-3:]
	}
	return "\n  " + strings.Join(lines, "\n  ") + "\n(the end of " + path + ")"
}

// StopService stops one process gracefully (SIGTERM), killing it after 20s.
func (s *Stack) StopService(name string) error {
	return s.signal(name, syscall.SIGTERM, 20*time.Second)
}

// KillService kills one process at once (SIGKILL), as a crash would.
func (s *Stack) KillService(name string) error {
	return s.signal(name, syscall.SIGKILL, 5*time.Second)
}

// Pause freezes a running process (SIGSTOP), as a host that stops
// answering would: its connections stay open and nothing comes through
// them. Resume wakes it (SIGCONT).
func (s *Stack) Pause(name string) error { return s.send(name, syscall.SIGSTOP) }

// Resume wakes a process Pause froze.
func (s *Stack) Resume(name string) error { return s.send(name, syscall.SIGCONT) }

func (s *Stack) send(name string, sig syscall.Signal) error {
	s.mu.Lock()
	p := s.procs[name]
	s.mu.Unlock()
	if p == nil {
		return fmt.Errorf("%s is not running", name)
	}
	return p.cmd.Process.Signal(sig)
}

func (s *Stack) signal(name string, sig syscall.Signal, grace time.Duration) error {
	s.mu.Lock()
	p := s.procs[name]
	delete(s.procs, name)
	s.mu.Unlock()
	if p == nil {
		return nil
	}
	defer func() {
		if p.logs != nil {
			_ = p.logs.Close() // the log file; the process has exited
		}
	}()
	_ = p.cmd.Process.Signal(sig)
	select {
	case err := <-p.done:
		var exit *exec.ExitError
		if sig == syscall.SIGKILL && errors.As(err, &exit) {
			return nil
		}
		return err
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		return fmt.Errorf("%s did not stop within %s; killed (%v)", name, grace, <-p.done)
	}
}

// Stop stops every process, in reverse start order (replicas first).
func (s *Stack) Stop() error {
	var errs []error
	s.mu.Lock()
	var replicas []string
	for name := range s.replicas {
		replicas = append(replicas, name)
	}
	s.mu.Unlock()
	for _, name := range replicas {
		if err := s.StopService(name); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	for i := len(Services) - 1; i >= 0; i-- {
		if err := s.StopService(Services[i]); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", Services[i], err))
		}
	}
	return errors.Join(errs...)
}

// CreateKey runs `edge create-key` and returns the key and its organisation.
func (s *Stack) CreateKey(ctx context.Context, name, orgName string, scopes ...string) (key string, err error) {
	args := []string{"-name", name, "-org-name", orgName}
	if len(scopes) > 0 {
		args = append(args, "-scopes", strings.Join(scopes, ","))
	}
	return s.Edge(ctx, append([]string{"keys", "create"}, args...)...)
}

// CreateAdminKey runs `edge keys create -admin` and returns the key of the
// platform administrator.
func (s *Stack) CreateAdminKey(ctx context.Context, name string) (string, error) {
	return s.Edge(ctx, "keys", "create", "-admin", "-name", name, "-reason", "development")
}

// Edge runs an edge command (keys …) with the stack's environment and
// returns its standard output.
func (s *Stack) Edge(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(s.opts.BinDir, "edge"), args...)
	cmd.Env = append(s.Env("edge"), "ADMIN_ADDR=127.0.0.1:0", "HTTP_ADDR=127.0.0.1:0")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("edge %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out)), nil
}

type lineWriter struct {
	mu     sync.Mutex
	w      io.Writer
	prefix string
	pr     *io.PipeReader
	pw     *io.PipeWriter
}

// prefixWriter prefixes every line written with "[name] ".
func prefixWriter(w io.Writer, name string) io.WriteCloser {
	pr, pw := io.Pipe()
	lw := &lineWriter{w: w, prefix: "[" + name + "] ", pr: pr, pw: pw}
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			lw.mu.Lock()
			_, _ = fmt.Fprintln(lw.w, lw.prefix+sc.Text()) // a log sink: nothing to do on failure
			lw.mu.Unlock()
		}
	}()
	return lw
}

func (l *lineWriter) Write(p []byte) (int, error) { return l.pw.Write(p) }
func (l *lineWriter) Close() error                { return l.pw.Close() }
