// Package servicetest runs a real service process in a test: its real
// composition root, a fresh PostgreSQL database and a gRPC server on
// loopback. Calls are made with a real gRPC client carrying a principal
// issued for each call, exactly as the edge would.
package servicetest

import (
	"context"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	eventsv1 "github.com/spona/spona/gen/go/spona/events/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/platform"
	"github.com/spona/spona/pkg/testkit/pgcluster"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/tlsconfig"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// Processes are the Spona processes the test keyring has keys for.
var Processes = []string{auth.Edge, "beneficiaries", "referrals", "trainings", "reporting", "webhooks"}

// Keyring holds a principal key for each process, made once per test
// binary: services started with Platform sign with their own and trust all,
// and the test acts as the edge.
var Keyring = sync.OnceValue(func() *auth.Keyring {
	k, err := auth.GenerateKeyring(Processes...)
	if err != nil {
		panic(err)
	}
	return k
})

// PKI is a directory holding a CA and a certificate for each process
// (tlsconfig.WriteDevPKI), made once per test binary: services started
// here serve mTLS with their own, the test calls with the edge's.
var PKI = sync.OnceValue(func() string {
	dir, err := os.MkdirTemp("", "spona-servicetest-tls-")
	if err != nil {
		panic(err)
	}
	if err := tlsconfig.WriteDevPKI(dir, Processes...); err != nil {
		panic(err)
	}
	return dir
})

// WithTLS returns cfg serving and calling with mTLS as process (its
// certificate in PKI).
func WithTLS(cfg platform.Config, process string) platform.Config {
	f := tlsconfig.DevFiles(PKI(), process)
	cfg.TLSCertFile, cfg.TLSKeyFile, cfg.TLSCAFile = f.Cert, f.Key, f.CA
	return cfg
}

// Credentials are process's mTLS credentials for calling audience.
func Credentials(t testing.TB, process, audience string) credentials.TransportCredentials {
	t.Helper()
	src, err := tlsconfig.Load(tlsconfig.DevFiles(PKI(), process), nil)
	if err != nil {
		t.Fatal(err)
	}
	return src.Client(audience)
}

// Issuer issues principals as process does.
func Issuer(t testing.TB, process string) *auth.Issuer {
	t.Helper()
	i, err := Keyring().For(process).Issuer(process, auth.MaxTTL)
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// EdgeIssuer issues principals as the edge does, for the test's calls.
func EdgeIssuer(t testing.TB) *auth.Issuer { return Issuer(t, auth.Edge) }

// Dial connects to the service audience at addr as the edge would (mTLS
// with the edge's certificate): calls made with a context from As or
// Internal carry a principal issued for them.
func Dial(t testing.TB, addr, audience string) *grpc.ClientConn {
	t.Helper()
	return DialAs(t, addr, audience, auth.Edge)
}

// DialAs connects to the service audience at addr as process would: its
// certificate, principals it issues (only for the methods auth.Delegated
// allows it, whatever scopes the context's principal holds).
func DialAs(t testing.TB, addr, audience, process string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpcx.NewClient(addr, grpcx.Peer{Audience: audience, Issuer: Issuer(t, process), Credentials: Credentials(t, process, audience)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// Platform returns platform settings for a service in a test: a fresh
// database (or the given one), loopback admin port, the test keyring.
func Platform(t testing.TB, databaseURL string) platform.Config {
	if databaseURL == "" {
		databaseURL = pgtest.NewDatabase(t)
	}
	return platform.Config{
		AdminAddr:       "127.0.0.1:0",
		DatabaseURL:     databaseURL,
		DBMaxConns:      8,
		Keyring:         Keyring(),
		PrincipalTTL:    auth.MaxTTL,
		LogLevel:        "warn",
		ShutdownTimeout: 5 * time.Second,
		StartupTimeout:  30 * time.Second,
	}
}

// WithRoles returns cfg connecting as process's own PostgreSQL roles, set
// up in cfg's database (pgcluster.ServiceRoles), as in production: the
// runtime role for DATABASE_URL, the schema's owner for
// MIGRATE_DATABASE_URL. cfg.DatabaseURL must connect as an administrator
// (pgtest.NewDatabase's URLs do). A cfg with MIGRATE_DATABASE_URL is
// returned as it is.
func WithRoles(t testing.TB, cfg platform.Config, process string) platform.Config {
	t.Helper()
	if cfg.MigrateDatabaseURL != "" {
		return cfg
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var err error
	cfg.DatabaseURL, cfg.MigrateDatabaseURL, err = pgcluster.ServiceRoles(ctx, cfg.DatabaseURL, process)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// Start runs svc until the test ends and returns a client connection to it,
// connecting to PostgreSQL as the service's own roles (WithRoles).
// It listens on svc.Listener when set (a test that must know the address
// before the service starts reserves it), otherwise on a free port.
func Start(t testing.TB, svc platform.Service) *grpc.ClientConn {
	t.Helper()
	lis := svc.Listener
	if lis == nil {
		var err error
		if lis, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
	}
	svc.Listener = lis
	if svc.Platform.TLSCertFile == "" && !svc.Platform.GRPCInsecure {
		svc.Platform = WithTLS(svc.Platform, svc.Name)
	}
	svc.Platform = WithRoles(t, svc.Platform, svc.Name)
	if svc.Platform.AdminAddr == "" {
		svc.Platform.AdminAddr = "127.0.0.1:0"
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- platform.RunService(ctx, svc) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%s stopped with error: %v", svc.Name, err)
			}
		case <-time.After(20 * time.Second):
			t.Errorf("%s did not stop", svc.Name)
		}
	})
	conn := Dial(t, lis.Addr().String(), svc.Name)
	// Wait until the service is serving (migrations done).
	hc := healthpb.NewHealthClient(conn)
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-done:
			t.Fatalf("%s exited during start: %v", svc.Name, err)
		default:
		}
		cctx, ccancel := context.WithTimeout(context.Background(), time.Second)
		resp, err := hc.Check(cctx, &healthpb.HealthCheckRequest{})
		ccancel()
		if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			return conn
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not serving after 30s: %v", svc.Name, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// As returns a context whose calls run as organisation org with scopes
// (all scopes when none are given), over a connection from Start or Dial.
func As(t testing.TB, org string, scopes ...string) context.Context {
	t.Helper()
	if len(scopes) == 0 {
		scopes = auth.AllScopes
	}
	return auth.WithPrincipal(context.Background(), auth.Principal{OrganisationID: org, ClientID: "test", Scopes: scopes})
}

// Internal returns a context whose calls run as an internal process (the
// events.read principal background consumers use).
func Internal(t testing.TB) context.Context {
	t.Helper()
	return auth.WithPrincipal(context.Background(), auth.InternalPrincipal("test"))
}

// Events lists every event of a service's feed after cursor, as an internal
// process reads it, and returns them with the cursor to continue from.
func Events(t testing.TB, conn grpc.ClientConnInterface, after string) ([]*eventsv1.Event, string) {
	t.Helper()
	f := eventsv1.NewEventFeedServiceClient(conn)
	var out []*eventsv1.Event
	for {
		r, err := f.ListEvents(Internal(t), &eventsv1.ListEventsRequest{After: after, PageSize: 1000})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r.GetEvents()...)
		after = r.GetNextCursor()
		if len(r.GetEvents()) == 0 {
			return out, after
		}
	}
}

// Eventually retries f until it returns nil, failing the test with what
// and f's last error after 30 s.
func Eventually(t testing.TB, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Deferred is a service whose address is known before it runs: a test
// configures the services that call it with Addr, and starts it (once) only
// if it needs it.
type Deferred struct {
	// Addr is the loopback address the service will listen on.
	Addr string
	lis  net.Listener
	once sync.Once
	conn *grpc.ClientConn
}

// Defer reserves an address for a service started later by Deferred.Start.
func Defer(t testing.TB) *Deferred {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := &Deferred{Addr: lis.Addr().String(), lis: lis}
	t.Cleanup(func() {
		if d.conn == nil {
			lis.Close()
		}
	})
	return d
}

// Start runs svc on the reserved address the first time it is called and
// returns a connection to it; later calls return the same connection.
func (d *Deferred) Start(t testing.TB, svc platform.Service) *grpc.ClientConn {
	t.Helper()
	d.once.Do(func() {
		svc.Listener = d.lis
		d.conn = Start(t, svc)
	})
	return d.conn
}
