// Package edgetest runs the whole Spona backend inside a test: the five
// real services (their composition roots, on loopback gRPC) and the real
// edge serving REST over HTTP, all on one fresh PostgreSQL database.
package edgetest

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/config"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/platform"
	"github.com/spona/spona/pkg/testkit/loopback"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	benefsvc "github.com/spona/spona/services/beneficiaries/service"
	"github.com/spona/spona/services/edge/service"
	refsvc "github.com/spona/spona/services/referrals/service"
	repsvc "github.com/spona/spona/services/reporting/service"
	trnsvc "github.com/spona/spona/services/trainings/service"
	whsvc "github.com/spona/spona/services/webhooks/service"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// Stack is a running backend.
type Stack struct {
	URL         string // base URL of the REST edge
	DatabaseURL string
	Config      service.Config // the edge's configuration
	services    map[string]*proc
}

// proc is one service running in the test process.
type proc struct {
	svc    platform.Service
	lis    net.Listener // reserved for its first start
	addr   string
	cancel context.CancelFunc
	done   chan error
}

// load fills a service's configuration from defaults and env (addresses);
// the listen addresses are loopback ports of the test (the platform part is
// replaced by servicetest.Platform).
func load[T any](t testing.TB, env map[string]string) T {
	t.Helper()
	var cfg T
	err := config.LoadFrom(&cfg, func(k string) (string, bool) {
		if v, ok := env[k]; ok {
			return v, true
		}
		switch k {
		case "PRINCIPAL_KEY_FILE", "PRINCIPAL_PUBLIC_KEYS_DIR":
			return "replaced-by-the-test-keyring", true
		case "ADMIN_ADDR", "GRPC_ADDR", "HTTP_ADDR":
			return "127.0.0.1:0", true
		case "DATABASE_URL":
			return "postgres://replaced", true
		}
		return "", false
	})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// Start runs the backend until the test ends. configure, when given,
// adjusts the edge's configuration (rate limits, OIDC, CORS…); the
// per-client rate limit and the per-address limit on failed
// authentications are off unless configure turns them on.
func Start(t testing.TB, configure func(*service.Config)) *Stack {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the whole backend on PostgreSQL")
	}
	url := pgtest.NewDatabase(t)
	plat := servicetest.Platform(t, url)
	s := &Stack{DatabaseURL: url, services: map[string]*proc{}}
	// Every service's address is reserved first: they call each other both
	// ways (reporting asks the others for aggregates; they ask reporting
	// whether an organisation may tag a record with a project). Their
	// ports are outside the ephemeral range: a service a test stops and
	// restarts (RestartService) gets its address back, which an outgoing
	// connection could otherwise have taken meanwhile.
	env := map[string]string{}
	reserved := map[string]net.Listener{}
	for _, name := range []string{"beneficiaries", "referrals", "trainings", "reporting", "webhooks"} {
		lis, err := loopback.Listen()
		if err != nil {
			t.Fatal(err)
		}
		reserved[name], env[envName(name)] = lis, lis.Addr().String()
	}
	add := func(name string, svc platform.Service) {
		p := &proc{svc: svc, lis: reserved[name]}
		s.services[name] = p
		s.run(t, name, env[envName(name)])
	}
	b := load[benefsvc.Config](t, env)
	b.Config = plat
	add("beneficiaries", benefsvc.New(b))
	r := load[refsvc.Config](t, env)
	r.Config = plat
	add("referrals", refsvc.New(r))
	tr := load[trnsvc.Config](t, env)
	tr.Config = plat
	add("trainings", trnsvc.New(tr))
	rp := load[repsvc.Config](t, env)
	rp.Config = plat
	add("reporting", repsvc.New(rp))
	wh := load[whsvc.Config](t, map[string]string{"WEBHOOK_SECRETS_KEY": "edgetest-webhook-secrets-key",
		"WEBHOOK_ALLOW_PRIVATE_TARGETS": "true", "BENEFICIARIES_ADDR": env["BENEFICIARIES_ADDR"], "REFERRALS_ADDR": env["REFERRALS_ADDR"],
		"TRAININGS_ADDR": env["TRAININGS_ADDR"], "REPORTING_ADDR": env["REPORTING_ADDR"]})
	wh.Config = plat
	add("webhooks", whsvc.New(wh))
	t.Cleanup(func() {
		for _, name := range []string{"webhooks", "reporting", "trainings", "referrals", "beneficiaries"} {
			s.stop(t, name)
		}
	})

	cfg := load[service.Config](t, env)
	cfg.Config = servicetest.WithRoles(t, servicetest.WithTLS(plat, auth.Edge), auth.Edge)
	cfg.RateLimitRPS = 0
	cfg.AuthFailureRate = 0
	if configure != nil {
		configure(&cfg)
	}
	s.Config = cfg
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- service.Serve(ctx, cfg, lis) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("edge stopped with error: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Errorf("edge did not stop")
		}
	})
	s.URL = "http://" + lis.Addr().String()
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-done:
			t.Fatalf("edge exited during start: %v", err)
		default:
		}
		resp, err := http.Get(s.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("edge not serving after 30s: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// run starts service name listening on addr and waits until it serves.
func (s *Stack) run(t testing.TB, name, addr string) {
	t.Helper()
	p := s.services[name]
	lis, err := p.lis, error(nil)
	p.lis = nil
	for i := 0; lis == nil && i < 50; i++ { // the port of a just-stopped service may linger briefly
		if lis, err = net.Listen("tcp", addr); err != nil {
			lis = nil
			time.Sleep(100 * time.Millisecond)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	p.addr = lis.Addr().String()
	svc := p.svc
	svc.Listener = lis
	if svc.Platform.TLSCertFile == "" && !svc.Platform.GRPCInsecure {
		svc.Platform = servicetest.WithTLS(svc.Platform, name)
	}
	svc.Platform = servicetest.WithRoles(t, svc.Platform, name)
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel, p.done = cancel, make(chan error, 1)
	go func() { p.done <- platform.RunService(ctx, svc) }()
	conn, err := grpcx.NewClient(p.addr, grpcx.Peer{Audience: name, Issuer: servicetest.EdgeIssuer(t), Credentials: servicetest.Credentials(t, auth.Edge, name)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	hc := healthpb.NewHealthClient(conn)
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-p.done:
			t.Fatalf("%s exited during start: %v", name, err)
		default:
		}
		cctx, ccancel := context.WithTimeout(context.Background(), time.Second)
		resp, err := hc.Check(cctx, &healthpb.HealthCheckRequest{})
		ccancel()
		if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not serving after 30s: %v", name, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *Stack) stop(t testing.TB, name string) {
	p := s.services[name]
	if p.cancel == nil {
		return
	}
	p.cancel()
	p.cancel = nil
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("%s stopped with error: %v", name, err)
		}
	case <-time.After(20 * time.Second):
		t.Errorf("%s did not stop", name)
	}
}

// Addr returns the gRPC address service name listens on (to read its
// event feed, say).
func (s *Stack) Addr(name string) string { return s.services[name].addr }

// StopService stops one service (gracefully); the edge sees it as down.
func (s *Stack) StopService(t testing.TB, name string) {
	t.Helper()
	s.stop(t, name)
}

// RestartService starts a stopped service again on its address.
func (s *Stack) RestartService(t testing.TB, name string) {
	t.Helper()
	s.run(t, name, s.services[name].addr)
}

func envName(svc string) string {
	b := []byte(svc)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b) + "_ADDR"
}

// Key is an API key and the organisation it acts for.
type Key struct {
	Key, Organisation string
}

// CreateAdminKey creates a key of the platform administrator.
func (s *Stack) CreateAdminKey(t testing.TB) Key {
	t.Helper()
	return s.createKey(t, service.KeyRequest{Name: "administrator", Admin: true, Reason: "test"})
}

// CreateKey registers an organisation (by name) and an API key for it with
// scopes (the default partner scopes when none are given).
func (s *Stack) CreateKey(t testing.TB, name, orgName string, scopes ...string) Key {
	t.Helper()
	return s.createKey(t, service.KeyRequest{Name: name, OrganisationName: orgName, OrganisationKind: "ngo", OrganisationCountry: "RS", Scopes: scopes})
}

func (s *Stack) createKey(t testing.TB, req service.KeyRequest) Key {
	t.Helper()
	cfg := s.Config
	cfg.LogLevel = "error"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	key, org, err := service.CreateKey(ctx, cfg.Keys(), "edgetest", req)
	if err != nil {
		t.Fatal(err)
	}
	return Key{Key: key, Organisation: org}
}
