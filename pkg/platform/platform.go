// Package platform is what every Spona process does before and around its
// own work: read the common configuration, log as JSON, set up tracing, open
// and migrate its PostgreSQL schema, serve an admin port (/healthz, /readyz),
// and shut down gracefully on SIGINT/SIGTERM.
//
// A gRPC service's main is only:
//
//	func main() { platform.ServiceMain("beneficiaries", "persons, households…", service.New) }
//
// which answers -h/--help with the process's variables, `healthcheck` for
// shell-less images, and otherwise loads the configuration (refusing to
// start, naming what is missing) and runs the service.
package platform

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	httppprof "net/http/pprof"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	eventsv1 "github.com/spona/spona/gen/go/spona/events/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/config"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/logging"
	"github.com/spona/spona/pkg/outbox"
	"github.com/spona/spona/pkg/telemetry"
	"github.com/spona/spona/pkg/tlsconfig"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// Version is set at build time with -ldflags "-X github.com/spona/spona/pkg/platform.Version=…".
var Version = "dev"

// Config is the configuration every process shares.
// There are no default addresses: a process missing one refuses to start
// and names it (`make run` and the tests give every address).
type Config struct {
	AdminAddr   string `env:"ADMIN_ADDR" hostport:"true" required:"true" help:"listen address of the admin HTTP port (/healthz, /readyz, /metrics), e.g. 0.0.0.0:9091"`
	DatabaseURL string `env:"DATABASE_URL" secret:"true" required:"true" help:"PostgreSQL URL the process serves with (postgres://spona_<process>:password@host:5432/spona): its runtime role, which may read and write the tables of the schema named after the process but owns nothing"`
	// MigrateDatabaseURL connects as the schema's owner to migrate it.
	MigrateDatabaseURL string        `env:"MIGRATE_DATABASE_URL" secret:"true" help:"PostgreSQL URL of the schema's owner role (spona_<process>_owner): the migrations run with it at start, then it grants DATABASE_URL's role what it needs. Empty: migrations run with DATABASE_URL (one role owning everything; fine for a laptop, not for production)"`
	DatabaseAuditRole  string        `env:"DATABASE_AUDIT_ROLE" help:"role owning the schema's append-only audit tables (default spona_<process>_audit); only with MIGRATE_DATABASE_URL, whose role must be a member of it"`
	DBMaxConns         int32         `env:"DB_MAX_CONNS" default:"0" help:"PostgreSQL pool size; 0 is 4 × GOMAXPROCS (the cores the process may use). PostgreSQL's max_connections must hold every pool of every replica, and the connections each holds beside it (LISTEN, consumers' leadership locks)"`
	PrincipalKeyFile   string        `env:"PRINCIPAL_KEY_FILE" required:"true" help:"this process's own Ed25519 private key (PEM, PKCS #8), signing the principal of each call it makes to another service (make run and the tests generate them; <binary> init-secrets DIR makes them)"`
	PrincipalKeysDir   string        `env:"PRINCIPAL_PUBLIC_KEYS_DIR" required:"true" help:"directory of the public keys of the processes whose principals this one accepts: <process>.pem (PEM PUBLIC KEY or CERTIFICATE; <process>.<n>.pem for a second key during a rotation)"`
	PrincipalTTL       time.Duration `env:"PRINCIPAL_TTL" default:"30s" min:"1s" max:"30s" help:"lifetime of the principals this process issues; principals expiring later than this plus 5s are refused"`
	// Keyring, when set (tests), holds the keys instead of the files.
	Keyring         *auth.Keyring
	TLSCertFile     string        `env:"TLS_CERT_FILE" help:"this process's certificate (PEM) for mutual TLS between the processes; its DNS names include the process name (beneficiaries, referrals, ...) and it chains to TLS_CA_FILE, or the process refuses to start. Read again when it changes (a renewal that does not name the process or chain to the CA is not taken)"`
	TLSKeyFile      string        `env:"TLS_KEY_FILE" help:"the private key (PEM) of TLS_CERT_FILE. Read again when it changes"`
	TLSCAFile       string        `env:"TLS_CA_FILE" help:"the CA certificate(s) (PEM) the other processes' certificates must chain to. Read again when it changes"`
	GRPCInsecure    bool          `env:"GRPC_INSECURE" default:"false" help:"plaintext gRPC between the processes instead of mutual TLS (development on one host only); without it the three TLS_* files are required"`
	LogLevel        string        `env:"LOG_LEVEL" default:"info" oneof:"debug,info,warn,warning,error" help:"least severity of the log lines written"`
	ShutdownTimeout time.Duration `env:"SHUTDOWN_TIMEOUT" default:"15s" help:"how long in-flight calls may drain on SIGTERM"`
	AdminPprof      bool          `env:"ADMIN_PPROF" default:"false" help:"serve Go profiles (/debug/pprof/) on the admin port; keep that port internal"`
	StartupTimeout  time.Duration `env:"STARTUP_TIMEOUT" default:"60s" min:"1s" help:"how long to wait for PostgreSQL at start (the migrations then take as long as they need)"`
	ConsumerLease   time.Duration `env:"EVENT_CONSUMER_LEASE" default:"30s" min:"1s" help:"how long the replica applying another service's events may go without a sign of life before another replica ends its database session and takes over (a replica whose host froze or fell off the network keeps its session open for hours otherwise)"`
	CallTimeout     time.Duration `env:"CALL_TIMEOUT" default:"30s" help:"longest a call to another Spona service may take (a caller's earlier deadline wins; 0: no limit); event feed streams are not bounded"`
}

// CheckConfig refuses DATABASE_AUDIT_ROLE without MIGRATE_DATABASE_URL:
// only the owner's migration gives the audit tables to that role, so
// without it the setting would be ignored (one role owns everything).
func (c Config) CheckConfig() []string {
	if c.DatabaseAuditRole != "" && c.MigrateDatabaseURL == "" {
		return []string{fmt.Sprintf("DATABASE_AUDIT_ROLE: is used only with MIGRATE_DATABASE_URL (the owner's migration gives the audit tables to it; without it DATABASE_URL's role owns everything): set MIGRATE_DATABASE_URL too, or leave DATABASE_AUDIT_ROLE out (got %q)", c.DatabaseAuditRole)}
	}
	return nil
}

// GRPCConfig is the configuration of a gRPC service process: its listen
// address and the retention of the event feed every service serves.
type GRPCConfig struct {
	GRPCAddr       string        `env:"GRPC_ADDR" hostport:"true" required:"true" help:"listen address of the gRPC server, e.g. 0.0.0.0:9090"`
	EventRetention time.Duration `env:"EVENT_RETENTION" default:"168h" min:"1m" help:"how long the service keeps the events of its feed; a consumer whose cursor is older gets OUT_OF_RANGE"`
	MaxCallTime    time.Duration `env:"MAX_CALL_TIME" default:"2m" help:"longest a gRPC call may run, waiting for a database connection included (a caller's earlier deadline wins; 0: no limit); 2m is the edge's HTTP_WRITE_TIMEOUT"`
}

// Base holds what a process has once its platform is up.
type Base struct {
	Name   string
	Config Config
	Log    *slog.Logger
	Pool   *pgxpool.Pool
	// Issuer issues the principals of this process's calls; Verifier
	// accepts those issued for it.
	Issuer   *auth.Issuer
	Verifier *auth.Verifier
	Keyring  *auth.Keyring
	// TLS holds this process's certificate and the CA (nil: plaintext,
	// GRPC_INSECURE).
	TLS    *tlsconfig.Source
	closes []func(context.Context) error
}

// Start brings up logging, tracing and the database (migrated) for process
// name, whose PostgreSQL schema has the same name.
func Start(ctx context.Context, name string, cfg Config, migrations fs.FS, logCfg any) (*Base, error) {
	b := &Base{Name: name, Config: cfg, Log: logging.New(name, cfg.LogLevel)}
	b.Log.Info("starting", slog.String("version", Version), slog.Any("config", config.LogValue(logCfg)))
	shutdown, err := telemetry.Setup(ctx, name, Version)
	if err != nil {
		return nil, fmt.Errorf("telemetry: %w", err)
	}
	b.closes = append(b.closes, shutdown)
	if err := b.loadKeys(name); err != nil {
		return nil, errors.Join(err, b.Close(ctx))
	}
	if err := b.loadTLS(); err != nil {
		return nil, errors.Join(err, b.Close(ctx))
	}
	if b.Pool, err = db.Open(ctx, cfg.DatabaseURL, name, cfg.DBMaxConns); err != nil {
		return nil, errors.Join(err, b.Close(ctx))
	}
	b.closes = append(b.closes, func(context.Context) error { b.Pool.Close(); return nil })
	stopPoolMetrics, err := db.InstrumentPool(b.Pool, name)
	if err != nil {
		return nil, errors.Join(err, b.Close(ctx))
	}
	b.closes = append(b.closes, func(context.Context) error { return stopPoolMetrics() })
	if err := b.migrate(ctx, migrations); err != nil {
		return nil, errors.Join(err, b.Close(ctx))
	}
	return b, nil
}

// loadKeys sets up the process's principals: its own key and the public
// keys of the others (files, or the Keyring of tests).
func (b *Base) loadKeys(name string) error {
	switch {
	case b.Config.Keyring != nil:
		b.Keyring = b.Config.Keyring.For(name)
	case b.Config.PrincipalKeyFile == "" && b.Config.PrincipalKeysDir == "":
		return nil // a command that neither serves nor calls (Dial refuses)
	default:
		b.Keyring = auth.NewKeyring()
		if err := b.Keyring.Load(name, b.Config.PrincipalKeyFile, b.Config.PrincipalKeysDir); err != nil {
			return err
		}
	}
	ttl := cmp.Or(b.Config.PrincipalTTL, auth.MaxTTL)
	var err error
	if b.Issuer, err = b.Keyring.Issuer(name, ttl); err != nil {
		return err
	}
	b.Verifier = b.Keyring.Verifier(name, ttl)
	return nil
}

// loadTLS reads the mTLS files, when given; GRPC_INSECURE with them, or
// only some of them, is an error. Without them and without GRPC_INSECURE,
// Dial and RunService refuse (a command that calls no service needs none).
func (b *Base) loadTLS() error {
	c := b.Config
	given := map[string]string{"TLS_CERT_FILE": c.TLSCertFile, "TLS_KEY_FILE": c.TLSKeyFile, "TLS_CA_FILE": c.TLSCAFile}
	var missing []string
	for _, k := range []string{"TLS_CERT_FILE", "TLS_KEY_FILE", "TLS_CA_FILE"} {
		if given[k] == "" {
			missing = append(missing, k)
		}
	}
	switch {
	case len(missing) == 3:
		if c.GRPCInsecure {
			b.Log.Warn("GRPC_INSECURE is on: gRPC between the processes is plaintext (development only)")
		}
		return nil
	case len(missing) > 0:
		return fmt.Errorf("mutual TLS needs %s too (or none of the TLS_* settings and GRPC_INSECURE=true)", strings.Join(missing, " and "))
	case c.GRPCInsecure:
		return errors.New("GRPC_INSECURE=true and the TLS_* files are both set: choose one")
	}
	var err error
	b.TLS, err = tlsconfig.Load(tlsconfig.Files{Cert: c.TLSCertFile, Key: c.TLSKeyFile, CA: c.TLSCAFile, Process: b.Name}, b.Log)
	return err
}

// errNoTLS is the refusal to talk gRPC without mTLS or an explicit
// GRPC_INSECURE.
var errNoTLS = errors.New("TLS_CERT_FILE, TLS_KEY_FILE and TLS_CA_FILE are required for gRPC between the processes (GRPC_INSECURE=true for plaintext, development only)")

// serverCredentials are the credentials of this process's gRPC server.
func (b *Base) serverCredentials() (credentials.TransportCredentials, error) {
	switch {
	case b.TLS != nil:
		return b.TLS.Server(), nil
	case b.Config.GRPCInsecure:
		return insecure.NewCredentials(), nil
	}
	return nil, errNoTLS
}

// clientCredentials are the credentials of a connection to audience.
func (b *Base) clientCredentials(audience string) (credentials.TransportCredentials, error) {
	switch {
	case b.TLS != nil:
		return b.TLS.Client(audience), nil
	case b.Config.GRPCInsecure:
		return insecure.NewCredentials(), nil
	}
	return nil, errNoTLS
}

// Dial connects to another Spona process (audience) at addr, closed when
// this process stops: its calls carry principals issued by this process for
// that audience, and each unary call is bounded by CALL_TIMEOUT. It connects lazily, so the other process need not be up
// yet.
func (b *Base) Dial(audience, addr string, opts ...grpc.DialOption) (*grpc.ClientConn, error) {
	if addr == "" {
		return nil, fmt.Errorf("%s_ADDR is empty (the %s process's gRPC address)", strings.ToUpper(audience), audience)
	}
	if b.Issuer == nil {
		return nil, fmt.Errorf("PRINCIPAL_KEY_FILE is required to call %s", audience)
	}
	opts = append([]grpc.DialOption{grpcx.WithCallTimeout(b.Config.CallTimeout)}, opts...)
	creds, err := b.clientCredentials(audience)
	if err != nil {
		return nil, err
	}
	conn, err := grpcx.NewClient(addr, grpcx.Peer{Audience: audience, Issuer: b.Issuer, Credentials: creds}, opts...)
	if err != nil {
		return nil, fmt.Errorf("%s at %q: %w", audience, addr, err)
	}
	b.OnClose(func(context.Context) error { return conn.Close() })
	return conn, nil
}

// migrate retries while the database is still coming up, for at most
// STARTUP_TIMEOUT. A database that does not exist is created when the role
// may; other permanent failures (credentials, privileges) stop the start at
// once, saying why. STARTUP_TIMEOUT bounds the wait for PostgreSQL, not the
// migrations: once it answers, they run as long as they take (an upgrade's
// migrations on a large database, or another replica's that this one waits
// for); cut off, they would roll back at every start and never land.
func (b *Base) migrate(ctx context.Context, migrations fs.FS) error {
	wait, cancel := context.WithTimeout(ctx, b.Config.StartupTimeout)
	defer cancel()
	delay := 200 * time.Millisecond
	created := false
	for {
		err := b.migrateOnce(ctx, wait, migrations)
		if err == nil {
			return nil
		}
		if db.MissingDatabase(err) && !created {
			b.Log.Warn("database does not exist; creating it")
			if err := db.CreateDatabase(wait, cmp.Or(b.Config.MigrateDatabaseURL, b.Config.DatabaseURL)); err != nil {
				return err
			}
			created = true
			continue
		}
		if db.MissingRole(err) && !errors.As(err, new(*rolesSetupError)) {
			return fmt.Errorf("database: %w", &rolesSetupError{err: err, process: b.Name})
		}
		if db.Permanent(err) || ctx.Err() != nil {
			return fmt.Errorf("database: %w", err)
		}
		b.Log.Warn("database not ready; retrying", logging.Err(err))
		select {
		case <-wait.Done():
			return err
		case <-time.After(delay):
		}
		delay = min(delay*2, 5*time.Second)
	}
}

// migrateOnce migrates the schema: as its owner (MIGRATE_DATABASE_URL),
// which then grants the runtime role (DATABASE_URL's) what it needs, or
// with the runtime pool itself when no owner is configured. Reaching
// PostgreSQL is bounded by wait; the migrations by ctx only.
func (b *Base) migrateOnce(ctx, wait context.Context, migrations fs.FS) error {
	runtime, err := db.RuntimeRole(b.Config.DatabaseURL)
	if err != nil {
		return fmt.Errorf("DATABASE_URL: %w", err)
	}
	if b.Config.MigrateDatabaseURL == "" {
		if err := b.Pool.Ping(wait); err != nil {
			return err
		}
		err := db.Migrate(ctx, b.Pool, b.Name, migrations, b.Log)
		if db.Privilege(err) {
			return fmt.Errorf("role %q may not migrate schema %s; set MIGRATE_DATABASE_URL to the URL of the schema's owner (spona_%s_owner, docs/operations.md): %w",
				runtime, b.Name, b.Name, err)
		}
		return err
	}
	pool, err := db.Open(ctx, b.Config.MigrateDatabaseURL, b.Name, 2)
	if err != nil {
		return fmt.Errorf("MIGRATE_DATABASE_URL: %w", err)
	}
	defer pool.Close()
	if err := pool.Ping(wait); err != nil {
		return err
	}
	if err := db.Migrate(ctx, pool, b.Name, migrations, b.Log); err != nil {
		return err
	}
	roles := db.RolesFor(b.Name)
	roles.Runtime = runtime
	roles.Owner = pool.Config().ConnConfig.User
	roles.Audit = cmp.Or(b.Config.DatabaseAuditRole, roles.Audit)
	if roles.Owner == roles.Runtime {
		b.Log.Warn("DATABASE_URL and MIGRATE_DATABASE_URL connect as the same role: the process owns its schema")
		return nil
	}
	if err := db.GrantRuntime(ctx, pool, roles, db.AuditObjects(migrations)); err != nil {
		return &rolesSetupError{err: err, process: b.Name}
	}
	return nil
}

// rolesSetupError is a failure for want of the process's roles or their
// grants: it points the operator to their setup.
type rolesSetupError struct {
	err     error
	process string
}

func (e *rolesSetupError) Error() string {
	return fmt.Sprintf("%v (an administrator sets up the roles once: `%s setup-sql`, docs/operations.md)", e.err, e.process)
}

func (e *rolesSetupError) Unwrap() error { return e.err }

// Close releases everything Start set up, in reverse order.
func (b *Base) Close(ctx context.Context) error {
	var errs []error
	for i := len(b.closes) - 1; i >= 0; i-- {
		errs = append(errs, b.closes[i](ctx))
	}
	b.closes = nil
	return errors.Join(errs...)
}

// Background runs fn in a goroutine until the process stops: its context
// is cancelled, and the stop waits for fn to return.
func (b *Base) Background(ctx context.Context, fn func(context.Context)) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); fn(ctx) }()
	b.OnClose(func(context.Context) error { cancel(); <-done; return nil })
}

// Every runs fn every interval in the background (see Background) until
// the process stops, logging its errors as a warning that it failed doing
// what. A replica-safe job (SKIP LOCKED claims, marks in the job's
// transaction) can run on every replica at once.
func (b *Base) Every(ctx context.Context, interval time.Duration, what string, fn func(context.Context) error) {
	b.Background(ctx, func(ctx context.Context) {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if err := fn(ctx); err != nil && ctx.Err() == nil {
				b.Log.WarnContext(ctx, what, logging.Err(err))
			}
		}
	})
}

// ServeEvents serves the process's outbox (in its schema) as
// spona.events.v1.EventFeedService on srv, and keeps it pruned to
// retention (EVENT_RETENTION) while the process runs. Every service calls
// it from its composition root.
func (b *Base) ServeEvents(ctx context.Context, srv *grpc.Server, retention time.Duration) *outbox.Feed {
	feed := outbox.NewFeed(b.Pool, outbox.FeedOptions{Name: b.Name, Retention: retention, Log: b.Log})
	feed.Register(srv)
	b.Background(ctx, feed.Run)
	b.Every(ctx, time.Minute, "pruning the outbox", feed.PruneExpired)
	return feed
}

// ConsumeEvents applies another service's feed (reached through conn) to
// this process's database while it runs: h gets the events of types, in
// order, once each; the cursor is kept under name in the process's schema
// (outbox_cursors). With several replicas, one applies at a time.
func (b *Base) ConsumeEvents(ctx context.Context, name string, conn grpc.ClientConnInterface, types []string, h outbox.Handler) error {
	c, err := outbox.NewConsumer(outbox.ConsumerOptions{
		Name: name, Pool: b.Pool, Feed: eventsv1.NewEventFeedServiceClient(conn),
		Process: b.Name, Types: types, Handle: h, Log: b.Log, Lease: b.Config.ConsumerLease,
	})
	if err != nil {
		return err
	}
	b.Background(ctx, c.Run)
	return nil
}

// OnClose registers fn to run when the process stops.
func (b *Base) OnClose(fn func(context.Context) error) { b.closes = append(b.closes, fn) }

// Ready reports whether the database answers.
func (b *Base) Ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return b.Pool.Ping(ctx)
}

// watchReady keeps the gRPC health status in step with Ready: NOT_SERVING
// while the database does not answer, SERVING again once it does, so
// Kubernetes' gRPC readiness probe and the edge's /readyz see an outage.
// Every registered service name follows, as the empty name does. Once the
// server shuts down, its health stays NOT_SERVING.
func (b *Base) watchReady(ctx context.Context, srv *grpcx.Server, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	last := healthpb.HealthCheckResponse_SERVING
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		st := healthpb.HealthCheckResponse_SERVING
		err := b.Ready(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			st = healthpb.HealthCheckResponse_NOT_SERVING
		}
		if st != last {
			b.Log.Warn("readiness changed", slog.String("status", st.String()), logging.Err(err))
			last = st
		}
		srv.SetServingStatus(st)
	}
}

// ServeHTTP serves h (an internal port: admin) on addr until ctx ends, then
// shuts it down gracefully. The public REST port uses pkg/httpserver.
func (b *Base) ServeHTTP(ctx context.Context, addr string, h http.Handler) error {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, IdleTimeout: time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(lis) }()
	b.Log.Info("http listening", slog.String("addr", lis.Addr().String()))
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), b.Config.ShutdownTimeout)
	defer cancel()
	return srv.Shutdown(sctx)
}

// AdminHandler serves /healthz (the process is alive), /readyz (it can do
// work: ready returns nil), /metrics (Prometheus) and, with pprof, the Go
// profiles under /debug/pprof/ (off by default: they show the process's
// internals and a CPU profile costs while it runs).
func AdminHandler(ready func(context.Context) error, pprof bool) http.Handler {
	mux := http.NewServeMux()
	if pprof {
		mux.HandleFunc("GET /debug/pprof/", httppprof.Index)
		mux.HandleFunc("GET /debug/pprof/cmdline", httppprof.Cmdline)
		mux.HandleFunc("GET /debug/pprof/profile", httppprof.Profile)
		mux.HandleFunc("GET /debug/pprof/symbol", httppprof.Symbol)
		mux.HandleFunc("POST /debug/pprof/symbol", httppprof.Symbol)
		mux.HandleFunc("GET /debug/pprof/trace", httppprof.Trace)
	}
	mux.Handle("GET /metrics", telemetry.MetricsHandler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		if err := ready(r.Context()); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("not ready: " + err.Error() + "\n"))
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	return mux
}

// Service describes a gRPC service process.
type Service struct {
	// Name of the process and of its PostgreSQL schema.
	Name string
	// Config is the process's whole configuration (logged with secrets masked).
	Config any
	// Platform is the shared part of Config.
	Platform Config
	// GRPCAddr is where the gRPC server listens (GRPC_ADDR).
	GRPCAddr string
	// MaxCallTime bounds a call without an earlier deadline (MAX_CALL_TIME).
	MaxCallTime time.Duration
	// Migrations holds the schema's goose SQL files.
	Migrations fs.FS
	// Listener, when set, is used instead of listening on GRPC_ADDR (tests).
	Listener net.Listener
	// MaxRecvMsgBytes, when set, is the largest request the gRPC server
	// accepts (default 4 MiB).
	MaxRecvMsgBytes int
	// Register is the composition root: it builds the application on base and
	// registers its gRPC handlers on srv.
	Register func(ctx context.Context, base *Base, srv *grpc.Server) error
}

// RunService runs a gRPC service until ctx ends.
func RunService(ctx context.Context, s Service) error {
	cfg := s.Platform
	if s.Listener == nil && s.GRPCAddr == "" {
		return errors.New("GRPC_ADDR is required")
	}
	if cfg.AdminAddr == "" {
		return errors.New("ADMIN_ADDR is required")
	}
	base, err := Start(ctx, s.Name, cfg, s.Migrations, s.Config)
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		if err := base.Close(cctx); err != nil {
			base.Log.Error("shutdown", logging.Err(err))
		}
	}()
	creds, err := base.serverCredentials()
	if err != nil {
		return err
	}
	srv := grpcx.NewServer(grpcx.ServerOptions{Log: base.Log, Verifier: base.Verifier, Credentials: creds, MaxRecvMsgBytes: s.MaxRecvMsgBytes, MaxCallTime: s.MaxCallTime})
	if err := s.Register(ctx, base, srv.Server); err != nil {
		return err
	}
	lis := s.Listener
	if lis == nil {
		if lis, err = net.Listen("tcp", s.GRPCAddr); err != nil {
			return err
		}
	}
	base.Log.Info("grpc listening", slog.String("addr", lis.Addr().String()))
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return srv.Serve(gctx, lis, cfg.ShutdownTimeout) })
	g.Go(func() error { return base.ServeHTTP(gctx, cfg.AdminAddr, AdminHandler(base.Ready, cfg.AdminPprof)) })
	g.Go(func() error { base.watchReady(gctx, srv, time.Second); return nil })
	err = g.Wait()
	base.Log.Info("stopped")
	return err
}

func healthcheck(addr string) error {
	if addr == "" {
		return errors.New("healthcheck: ADMIN_ADDR is not set")
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("healthcheck: ADMIN_ADDR: %w", err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	client := &http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get("http://" + net.JoinHostPort(host, port) + "/readyz")
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: /readyz answered %s", resp.Status)
	}
	return nil
}
