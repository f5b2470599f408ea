// Package service is the composition root of the edge process: the REST
// gateway in front of the five services, and the key-management command.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"time"

	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/httpserver"
	"github.com/spona/spona/pkg/logging"
	"github.com/spona/spona/pkg/outbox"
	"github.com/spona/spona/pkg/platform"
	"github.com/spona/spona/services/edge/internal/directory"
	"github.com/spona/spona/services/edge/internal/gateway"
	"github.com/spona/spona/services/edge/internal/idempotency"
	"github.com/spona/spona/services/edge/internal/keys"
	"github.com/spona/spona/services/edge/internal/oidc"
	"github.com/spona/spona/services/edge/internal/ports"
	"github.com/spona/spona/services/edge/migrations"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// Config is the whole configuration of the edge.
type Config struct {
	platform.Config
	HTTPAddr          string `env:"HTTP_ADDR" hostport:"true" required:"true" help:"listen address of the REST API, e.g. 0.0.0.0:8080"`
	BeneficiariesAddr string `env:"BENEFICIARIES_ADDR" hostport:"true" required:"true" help:"gRPC address of the beneficiaries service"`
	ReferralsAddr     string `env:"REFERRALS_ADDR" hostport:"true" required:"true" help:"gRPC address of the referrals service"`
	TrainingsAddr     string `env:"TRAININGS_ADDR" hostport:"true" required:"true" help:"gRPC address of the trainings service"`
	ReportingAddr     string `env:"REPORTING_ADDR" hostport:"true" required:"true" help:"gRPC address of the reporting service"`
	WebhooksAddr      string `env:"WEBHOOKS_ADDR" hostport:"true" required:"true" help:"gRPC address of the webhooks service"`
	// The public HTTP server: timeouts and connections per client address.
	HTTP             httpserver.Config
	MaxBodyBytes     int64         `env:"MAX_BODY_BYTES" default:"1048576" min:"1" help:"largest request body (413 above)"`
	KeyCacheTTL      time.Duration `env:"KEY_CACHE_TTL" default:"5m" help:"how long a verified API key is cached (changes reach the cache at once by PostgreSQL notification; without it, keys are not cached)"`
	KeyUseFlush      time.Duration `env:"KEY_USE_FLUSH" default:"30s" min:"1ms" help:"how often the last use of API keys is written"`
	UnknownKeyTTL    time.Duration `env:"UNKNOWN_KEY_CACHE_TTL" default:"1m" help:"how long a key id found not to exist is remembered (no query while it is)"`
	AuthFailureRate  float64       `env:"AUTH_FAILURE_RATE" default:"1" help:"failed authentications per second allowed per client address on average (0 = no limit)"`
	AuthFailureBurst int           `env:"AUTH_FAILURE_BURST" default:"20" help:"failed authentications per client address at once; beyond, 429 before the credential is looked at (at least 1 while AUTH_FAILURE_RATE is above 0)"`
	ImportMaxBytes   int64         `env:"IMPORT_MAX_BYTES" default:"20971520" min:"1" help:"largest spreadsheet upload (imports; 413 above)"`
	// Per-client token bucket; RATE_LIMIT_RPS=0 turns limiting off.
	RateLimitRPS   float64 `env:"RATE_LIMIT_RPS" default:"100" help:"requests per second per API client (0 = no limit)"`
	RateLimitBurst int     `env:"RATE_LIMIT_BURST" default:"200" help:"requests per API client at once (at least 1 while RATE_LIMIT_RPS is above 0)"`
	// Browser origins allowed to call the API (comma-separated; "*" any).
	CORSAllowedOrigins []string      `env:"CORS_ALLOWED_ORIGINS" origin:"true" help:"comma-separated browser origins allowed to call the API (* for any)"`
	CORSMaxAge         time.Duration `env:"CORS_MAX_AGE" default:"10m" help:"how long browsers cache a preflight answer"`
	// HSTS_MAX_AGE > 0 sends Strict-Transport-Security (behind HTTPS).
	HSTSMaxAge time.Duration `env:"HSTS_MAX_AGE" default:"0s" help:"Strict-Transport-Security max-age when > 0 (behind HTTPS); 0 sends no header, a value above 0 is at least 1s"`
	// HSDS_PUBLIC_READ lets anyone read the directory's HSDS API (/hsds)
	// without a key; off by default.
	HSDSPublicRead  bool          `env:"HSDS_PUBLIC_READ" default:"false" help:"let callers without a key read the directory's Open Referral HSDS API under /hsds"`
	IdempotencyTTL  time.Duration `env:"IDEMPOTENCY_TTL" default:"24h" min:"1s" help:"how long Idempotency-Key records are kept"`
	IdempotencyLock time.Duration `env:"IDEMPOTENCY_LOCK" default:"30s" min:"1s" help:"how long an Idempotency-Key stays held after the edge running its request stopped (crashed, or lost the database); renewed while the request runs, however long it takes"`
	OIDC            OIDCConfig
}

// OIDCConfig enables OAuth 2.0 access tokens (JWTs) besides API keys when
// issuer, audience and JWKS URL are all set.
type OIDCConfig struct {
	Issuer   string        `env:"OIDC_ISSUER" together:"oidc" help:"issuer (iss) of accepted access tokens; with OIDC_AUDIENCE and OIDC_JWKS_URL turns JWTs on"`
	Audience string        `env:"OIDC_AUDIENCE" together:"oidc" help:"audience (aud) accepted access tokens must name"`
	JWKSURL  string        `env:"OIDC_JWKS_URL" https:"true" together:"oidc" help:"URL of the issuer's JWKS (signing keys; whoever can alter it can sign tokens)"`
	OrgClaim string        `env:"OIDC_ORG_CLAIM" default:"spona_org" help:"claim holding the organisation id"`
	Leeway   time.Duration `env:"OIDC_LEEWAY" default:"30s" help:"clock skew allowed on exp/nbf/iat"`
}

// CheckConfig refuses the values that would silently stand for something
// else: a burst of 0 while its limit is on (no request could ever pass; it
// used to be rounded up to the rate), and an HSTS max-age under a second
// (sent as max-age=0, which tells browsers to forget HSTS).
func (c Config) CheckConfig() []string {
	var out []string
	if c.RateLimitRPS > 0 && c.RateLimitBurst == 0 {
		out = append(out, "RATE_LIMIT_BURST: must be at least 1 while RATE_LIMIT_RPS is above 0 (RATE_LIMIT_RPS=0 turns the limit off) (got 0)")
	}
	if c.AuthFailureRate > 0 && c.AuthFailureBurst == 0 {
		out = append(out, "AUTH_FAILURE_BURST: must be at least 1 while AUTH_FAILURE_RATE is above 0 (AUTH_FAILURE_RATE=0 turns the limit off) (got 0)")
	}
	if c.HSTSMaxAge > 0 && c.HSTSMaxAge < time.Second {
		out = append(out, fmt.Sprintf("HSTS_MAX_AGE: must be 0 (no Strict-Transport-Security header) or at least 1s; under a second is sent as max-age=0, which tells browsers to forget HSTS (got %s)", c.HSTSMaxAge))
	}
	return out
}

func (c OIDCConfig) enabled() bool { return c.Issuer != "" || c.Audience != "" || c.JWKSURL != "" }

type backends struct {
	conns map[string]*grpc.ClientConn
}

// dial connects to the five services (closed when the edge stops); calls
// that may arrive twice (reads, deduplicated creates: grpcx.Retryable)
// retry UNAVAILABLE, the edge being the outermost caller, and a failed
// connection reaches the client without its internal address.
func dial(base *platform.Base, cfg Config) (*backends, error) {
	b := &backends{conns: map[string]*grpc.ClientConn{}}
	for name, addr := range map[string]string{
		"beneficiaries": cfg.BeneficiariesAddr, "referrals": cfg.ReferralsAddr,
		"trainings": cfg.TrainingsAddr, "reporting": cfg.ReportingAddr, "webhooks": cfg.WebhooksAddr,
	} {
		conn, err := base.Dial(name, addr, append(grpcx.RelayTransportErrors(name, base.Log), grpcx.WithRetries())...)
		if err != nil {
			return nil, err
		}
		b.conns[name] = conn
	}
	return b, nil
}

// ready checks every backend's gRPC health.
func (b *backends) ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	for name, c := range b.conns {
		resp, err := healthpb.NewHealthClient(c).Check(ctx, &healthpb.HealthCheckRequest{})
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			return fmt.Errorf("%s: %s", name, resp.GetStatus())
		}
	}
	return nil
}

// Run serves the REST API until ctx ends.
func Run(ctx context.Context, cfg Config) error {
	lis, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return err
	}
	return Serve(ctx, cfg, lis)
}

// Serve serves the REST API on lis until ctx ends.
func Serve(ctx context.Context, cfg Config, lis net.Listener) error {
	base, err := platform.Start(ctx, "edge", cfg.Config, migrations.FS, cfg)
	if err != nil {
		lis.Close()
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		if err := base.Close(cctx); err != nil {
			base.Log.Error("shutdown", logging.Err(err))
		}
	}()
	b, err := dial(base, cfg)
	if err != nil {
		lis.Close()
		return err
	}
	store := keys.NewPostgres(base.Pool)
	verifier := keys.NewVerifier(store, cfg.KeyCacheTTL, cfg.UnknownKeyTTL)
	dir := directory.New(b.conns["referrals"], "edge")
	creds := &credentials{keys: verifier, orgs: keys.NewOrganisations(dir, cfg.KeyCacheTTL, cfg.UnknownKeyTTL)}
	keyAdmin := keys.NewAdmin(store, dir)
	keyAdmin.OnChange(verifier.Forget)
	if cfg.OIDC.enabled() {
		if creds.oidc, err = oidc.New(oidc.Config{
			Issuer: cfg.OIDC.Issuer, Audience: cfg.OIDC.Audience, JWKSURL: cfg.OIDC.JWKSURL,
			OrgClaim: cfg.OIDC.OrgClaim, Leeway: cfg.OIDC.Leeway,
		}); err != nil {
			lis.Close()
			return err
		}
	}
	idem := idempotency.NewPostgres(base.Pool, cfg.IdempotencyTTL)
	// An erased person's stored responses go with them, and those the
	// organisations holding a grant got under a consent go when it ends.
	if err := base.ConsumeEvents(ctx, "beneficiaries", b.conns["beneficiaries"],
		append(slices.Clone(outbox.PersonEventTypes), outbox.ConsentEventTypes...),
		outbox.Handlers(outbox.PersonEvents(idem), outbox.SharedEvents(idem))); err != nil {
		lis.Close()
		return err
	}
	// A deleted training registration's stored responses go with it.
	if err := base.ConsumeEvents(ctx, "trainings", b.conns["trainings"], outbox.RegistrationEventTypes,
		outbox.RegistrationEvents(idem)); err != nil {
		lis.Close()
		return err
	}
	h, err := gateway.New(ctx, gateway.Options{
		Log:  base.Log,
		Auth: creds,
		Backends: gateway.Backends{
			Beneficiaries: b.conns["beneficiaries"], Referrals: b.conns["referrals"],
			Trainings: b.conns["trainings"], Reporting: b.conns["reporting"], Webhooks: b.conns["webhooks"],
			APIKeys: ports.NewAPIKeys(keyAdmin, gateway.Caller, base.Log),
		},
		MaxBodyBytes:    cfg.MaxBodyBytes,
		UploadMaxBytes:  cfg.ImportMaxBytes,
		RateLimit:       gateway.RateLimit{RPS: cfg.RateLimitRPS, Burst: cfg.RateLimitBurst},
		AuthFailures:    gateway.RateLimit{RPS: cfg.AuthFailureRate, Burst: cfg.AuthFailureBurst},
		CORS:            gateway.CORS{AllowedOrigins: cfg.CORSAllowedOrigins, MaxAge: cfg.CORSMaxAge},
		HSTSMaxAge:      cfg.HSTSMaxAge,
		PublicDirectory: cfg.HSDSPublicRead,
		Idempotency:     idem,
		IdempotencyLock: cfg.IdempotencyLock,
	})
	if err != nil {
		lis.Close()
		return err
	}
	srv, err := httpserver.New(h, cfg.HTTP, base.Log, httpserver.Uploads(gateway.IsUpload, cfg.ImportMaxBytes),
		httpserver.OverLimit(gateway.TooManyConnections(cfg.HSTSMaxAge)), httpserver.Refused(gateway.Unparsed(base.Log, cfg.HSTSMaxAge)))
	if err != nil {
		lis.Close()
		return err
	}
	ready := func(ctx context.Context) error { return errors.Join(base.Ready(ctx), b.ready(ctx)) }
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { verifier.Run(gctx, base.Log); return nil })
	// Last-use times: periodically, and what is left at the stop (before
	// the pool closes).
	base.OnClose(verifier.Flush)
	base.Every(gctx, cfg.KeyUseFlush, "recording key use", verifier.Flush)
	select { // serve once key changes are heard (keys are not cached before)
	case <-verifier.Started():
	case <-time.After(10 * time.Second):
		base.Log.Warn("key change notifications not yet available; serving without the key cache")
	case <-gctx.Done():
	}
	g.Go(func() error {
		base.Log.Info("http listening", slog.String("addr", lis.Addr().String()))
		return srv.Serve(gctx, lis, cfg.ShutdownTimeout)
	})
	g.Go(func() error { return base.ServeHTTP(gctx, cfg.AdminAddr, platform.AdminHandler(ready, cfg.AdminPprof)) })
	base.Every(gctx, 10*time.Minute, "idempotency cleanup", idem.CleanExpired)
	err = g.Wait()
	base.Log.Info("stopped")
	return err
}

// credentials sends JWT-shaped credentials to the OIDC verifier (when
// configured) and everything else to the API keys. A token's organisation
// must be in the directory and verified, as a key's must be when it is
// made (a mistyped mapping at the provider would otherwise write records
// under an organisation that does not exist): 403 naming why.
type credentials struct {
	keys *keys.Verifier
	oidc *oidc.Verifier
	orgs *keys.Organisations
}

func (c *credentials) Verify(ctx context.Context, cred string) (auth.Principal, error) {
	if oidc.LooksLikeJWT(cred) {
		if c.oidc == nil {
			return auth.Principal{}, auth.ErrInvalidCredential
		}
		p, err := c.oidc.Verify(ctx, cred)
		if err != nil {
			return auth.Principal{}, err
		}
		if err := c.orgs.Check(ctx, p.OrganisationID); err != nil {
			return auth.Principal{}, err
		}
		return p, nil
	}
	return c.keys.Verify(ctx, cred)
}

// KeysConfig is what the key commands need.
type KeysConfig struct {
	DatabaseURL        string `env:"DATABASE_URL" secret:"true" required:"true" help:"PostgreSQL URL of the edge's database (its runtime role)"`
	MigrateDatabaseURL string `env:"MIGRATE_DATABASE_URL" secret:"true" help:"PostgreSQL URL of the edge schema's owner role, to migrate it first (as the edge process does)"`
	DatabaseAuditRole  string `env:"DATABASE_AUDIT_ROLE" help:"role owning the edge's key audit log (default spona_edge_audit); only with MIGRATE_DATABASE_URL"`
	PrincipalKeyFile   string `env:"PRINCIPAL_KEY_FILE" help:"the edge's principal key (to call the directory: needed with REFERRALS_ADDR)"`
	ReferralsAddr      string `env:"REFERRALS_ADDR" hostport:"true" help:"gRPC address of the referrals service (the directory: to check or register the key's organisation)"`
	LogLevel           string `env:"LOG_LEVEL" default:"warn" oneof:"debug,info,warn,warning,error" help:"least severity of the log lines written"`
	TLSCertFile        string `env:"TLS_CERT_FILE" help:"the edge's mTLS certificate (PEM), to call the directory (with REFERRALS_ADDR)"`
	TLSKeyFile         string `env:"TLS_KEY_FILE" help:"the private key of TLS_CERT_FILE"`
	TLSCAFile          string `env:"TLS_CA_FILE" help:"the CA the referrals service's certificate chains to"`
	GRPCInsecure       bool   `env:"GRPC_INSECURE" default:"false" help:"call the directory in plaintext instead (development only)"`
	// Keyring, when set (tests), holds the edge's key instead of the file.
	Keyring *auth.Keyring
}

// Keys returns the part of the edge's configuration the key commands use.
func (c Config) Keys() KeysConfig {
	return KeysConfig{DatabaseURL: c.DatabaseURL, MigrateDatabaseURL: c.MigrateDatabaseURL, DatabaseAuditRole: c.DatabaseAuditRole, PrincipalKeyFile: c.PrincipalKeyFile, ReferralsAddr: c.ReferralsAddr,
		LogLevel: c.LogLevel, Keyring: c.Keyring, TLSCertFile: c.TLSCertFile, TLSKeyFile: c.TLSKeyFile, TLSCAFile: c.TLSCAFile,
		GRPCInsecure: c.GRPCInsecure}
}

// CheckConfig refuses what the edge process refuses of the same variables
// (DATABASE_AUDIT_ROLE without MIGRATE_DATABASE_URL).
func (c KeysConfig) CheckConfig() []string { return c.platform().CheckConfig() }

func (c KeysConfig) platform() platform.Config {
	return platform.Config{DatabaseURL: c.DatabaseURL, MigrateDatabaseURL: c.MigrateDatabaseURL, DatabaseAuditRole: c.DatabaseAuditRole, PrincipalKeyFile: c.PrincipalKeyFile, Keyring: c.Keyring, PrincipalTTL: auth.MaxTTL,
		TLSCertFile: c.TLSCertFile, TLSKeyFile: c.TLSKeyFile, TLSCAFile: c.TLSCAFile, GRPCInsecure: c.GRPCInsecure,
		LogLevel: c.LogLevel, DBMaxConns: 2, ShutdownTimeout: 5 * time.Second, StartupTimeout: 30 * time.Second}
}

// KeyCommands is key management for the operator's commands (`edge keys
// …`): the same use cases as the administrator's REST API, run directly on
// the edge's database, acting as the platform administrator.
type KeyCommands struct {
	*keys.Admin
	// Actor is who the audit log records (the operator's login).
	Actor auth.Principal
	close func()
}

// OpenKeys returns key management on cfg's database; Close releases it.
func OpenKeys(ctx context.Context, cfg KeysConfig, operator string) (*KeyCommands, error) {
	base, err := platform.Start(ctx, "edge", cfg.platform(), migrations.FS, cfg)
	if err != nil {
		return nil, err
	}
	actor := "cli:" + operator
	var dir keys.Directory = noDirectory{}
	if cfg.ReferralsAddr != "" {
		conn, err := base.Dial("referrals", cfg.ReferralsAddr)
		if err != nil {
			_ = base.Close(ctx)
			return nil, err
		}
		dir = directory.New(conn, actor)
	}
	return &KeyCommands{
		Admin: keys.NewAdmin(keys.NewPostgres(base.Pool), dir),
		Actor: auth.Principal{OrganisationID: auth.PlatformOrganisationID, ClientID: actor, Scopes: auth.AdminScopes},
		close: func() { _ = base.Close(context.Background()) },
	}, nil
}

// Close releases the database and the directory connection.
func (k *KeyCommands) Close() { k.close() }

// noDirectory stands for the directory when REFERRALS_ADDR is not given:
// enough for listing, revoking and rotating, and for administrator keys.
type noDirectory struct{}

var errNoDirectory = errors.New("REFERRALS_ADDR is required to check or register the key's organisation in the directory")

func (noDirectory) Organisation(context.Context, string) (*keys.Organisation, error) {
	return nil, errNoDirectory
}
func (noDirectory) Named(context.Context, string) ([]keys.Organisation, error) {
	return nil, errNoDirectory
}
func (noDirectory) Register(context.Context, keys.Organisation, string) (string, error) {
	return "", errNoDirectory
}

// KeyRequest describes an API key to create (the create-key command and
// the tests).
type KeyRequest struct {
	Name           string
	OrganisationID string
	// When OrganisationID is empty, a new organisation is registered in
	// the directory (and verified) with these details; a name already in
	// the directory is refused, listing the organisations that have it.
	OrganisationName    string
	OrganisationKind    string
	OrganisationCountry string
	Scopes              []string
	ExpireTime          *time.Time
	Admin               bool
	Reason              string
}

// CreateKey registers an API client and returns its key (shown only now)
// and its organisation.
func CreateKey(ctx context.Context, cfg KeysConfig, operator string, req KeyRequest) (key, organisationID string, err error) {
	k, err := OpenKeys(ctx, cfg, operator)
	if err != nil {
		return "", "", err
	}
	defer k.Close()
	nk := keys.NewKey{Name: req.Name, OrganisationID: req.OrganisationID, Scopes: req.Scopes, ExpireTime: req.ExpireTime,
		Admin: req.Admin, Reason: req.Reason}
	if req.OrganisationID == "" && !req.Admin {
		nk.NewOrganisation = &keys.Organisation{Name: req.OrganisationName, Kind: req.OrganisationKind, Country: upper(req.OrganisationCountry)}
	}
	created, secret, err := k.Create(ctx, k.Actor, nk)
	if err != nil {
		return "", "", err
	}
	return secret, created.OrganisationID, nil
}
