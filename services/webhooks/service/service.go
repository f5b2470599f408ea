// Package service is the composition root of the webhooks process.
package service

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	eventsv1 "github.com/spona/spona/gen/go/spona/events/v1"
	pb "github.com/spona/spona/gen/go/spona/webhooks/v1"
	"github.com/spona/spona/pkg/logging"
	"github.com/spona/spona/pkg/platform"
	"github.com/spona/spona/services/webhooks/internal/adapters"
	"github.com/spona/spona/services/webhooks/internal/app"
	"github.com/spona/spona/services/webhooks/internal/domain"
	"github.com/spona/spona/services/webhooks/internal/ports"
	"github.com/spona/spona/services/webhooks/migrations"
	"google.golang.org/grpc"
)

// Config is the whole configuration of the process.
type Config struct {
	platform.Config
	platform.GRPCConfig
	BeneficiariesAddr string `env:"BENEFICIARIES_ADDR" hostport:"true" required:"true" help:"gRPC address of the beneficiaries service, whose event feed is consumed"`
	ReferralsAddr     string `env:"REFERRALS_ADDR" hostport:"true" required:"true" help:"gRPC address of the referrals service, whose event feed is consumed"`
	TrainingsAddr     string `env:"TRAININGS_ADDR" hostport:"true" required:"true" help:"gRPC address of the trainings service, whose event feed is consumed"`
	ReportingAddr     string `env:"REPORTING_ADDR" hostport:"true" required:"true" help:"gRPC address of the reporting service, whose event feed is consumed"`
	SecretsKey        string `env:"WEBHOOK_SECRETS_KEY" secret:"true" required:"true" help:"key (16 bytes or more) encrypting the subscriptions' signing secrets at rest"`
	// AllowPrivateTargets accepts http:// URLs and loopback/private
	// addresses: development and tests only.
	AllowPrivateTargets bool          `env:"WEBHOOK_ALLOW_PRIVATE_TARGETS" default:"false" help:"accept http:// and loopback/private addresses as webhook targets (development only)"`
	Timeout             time.Duration `env:"WEBHOOK_TIMEOUT" default:"10s" min:"1s" help:"time a receiver has to answer a delivery with 2xx"`
	RetryBase           time.Duration `env:"WEBHOOK_RETRY_BASE" default:"5s" min:"100ms" help:"wait after a delivery's first failure; doubles after each (with jitter)"`
	RetryMax            time.Duration `env:"WEBHOOK_RETRY_MAX" default:"4h" min:"100ms" help:"longest wait between two attempts, not shorter than WEBHOOK_RETRY_BASE"`
	RetryFor            time.Duration `env:"WEBHOOK_RETRY_FOR" default:"72h" min:"1m" help:"how long a failing delivery is retried before it is dead-lettered, not shorter than WEBHOOK_RETRY_BASE (a failure is retried at least once)"`
	DisableAfter        time.Duration `env:"WEBHOOK_DISABLE_AFTER" default:"120h" min:"1m" help:"how long a subscription may fail without a success before it is disabled"`
	Workers             int           `env:"WEBHOOK_WORKERS" default:"64" min:"1" help:"deliveries attempted at once by this process"`
	TargetConcurrency   int           `env:"WEBHOOK_TARGET_CONCURRENCY" default:"8" min:"1" help:"deliveries in flight to one host:port at once, per process"`
	Lease               time.Duration `env:"WEBHOOK_LEASE" default:"1m" help:"how long a claimed delivery stays with this process; after a crash another attempts it then (at least WEBHOOK_TIMEOUT + 5s: a shorter one is refused)"`
	PollInterval        time.Duration `env:"WEBHOOK_POLL_INTERVAL" default:"1s" min:"1ms" help:"how often due retries are looked for (new deliveries wake the dispatcher at once)"`
	FeedRetention       time.Duration `env:"FEED_RETENTION" default:"720h" min:"1m" help:"how long the change feed (GET /v1/events) keeps events"`
	DeliveryRetention   time.Duration `env:"DELIVERY_RETENTION" default:"720h" min:"1m" help:"how long finished deliveries stay in the delivery log"`
}

// CheckConfig refuses settings that would silently mean something else:
// a longest wait under the first (every wait would be WEBHOOK_RETRY_MAX,
// WEBHOOK_RETRY_BASE ignored), a retry window shorter than the first wait
// (every failed delivery would be dead-lettered at its first failure,
// never retried), and a lease shorter than an attempt may take (the
// dispatcher would hold each delivery for WEBHOOK_TIMEOUT plus
// app.AttemptSlack anyway; 0 would stand for a minute). (A value under its
// floor is refused by its min tag alone.)
func (c Config) CheckConfig() []string {
	var out []string
	if least := c.Timeout + app.AttemptSlack; c.Timeout >= time.Second && c.Lease < least {
		out = append(out, fmt.Sprintf("WEBHOOK_LEASE: must be at least WEBHOOK_TIMEOUT + %s (%s), or a delivery still being attempted would be claimed and sent again (got %s)", app.AttemptSlack, least, c.Lease))
	}
	if c.RetryBase >= 100*time.Millisecond && c.RetryMax >= 100*time.Millisecond && c.RetryMax < c.RetryBase {
		out = append(out, fmt.Sprintf("WEBHOOK_RETRY_MAX: must be at least WEBHOOK_RETRY_BASE (%s), or every wait is WEBHOOK_RETRY_MAX and WEBHOOK_RETRY_BASE means nothing (got %s)", c.RetryBase, c.RetryMax))
	}
	if c.RetryFor >= time.Minute && c.RetryFor < c.RetryBase {
		out = append(out, fmt.Sprintf("WEBHOOK_RETRY_FOR: must be at least WEBHOOK_RETRY_BASE (%s), or no failed delivery is ever retried (got %s)", c.RetryBase, c.RetryFor))
	}
	return out
}

// New describes the webhooks service for platform.RunService.
func New(cfg Config) platform.Service {
	return platform.Service{
		Name:        "webhooks",
		Config:      cfg,
		Platform:    cfg.Config,
		GRPCAddr:    cfg.GRPCAddr,
		MaxCallTime: cfg.MaxCallTime,
		Migrations:  migrations.FS,
		Register: func(ctx context.Context, base *platform.Base, srv *grpc.Server) error {
			sealer, err := adapters.NewSealer(cfg.SecretsKey)
			if err != nil {
				return err
			}
			repo := adapters.NewPostgres(base.Pool, sealer)
			guard := adapters.NewGuard(cfg.AllowPrivateTargets)
			application, err := app.New(repo,
				adapters.NewHTTPSender(guard, cfg.Timeout, cfg.TargetConcurrency),
				adapters.NewTargetChecker(guard),
				app.Options{
					AllowPrivateTargets: cfg.AllowPrivateTargets,
					Retry: domain.RetryPolicy{Base: cfg.RetryBase, Max: cfg.RetryMax,
						RetryFor: cfg.RetryFor, DisableAfter: cfg.DisableAfter},
					Workers: cfg.Workers, TargetConcurrency: cfg.TargetConcurrency,
					Lease: cfg.Lease, AttemptTimeout: cfg.Timeout, PollInterval: cfg.PollInterval,
					FeedRetention: cfg.FeedRetention, Cursors: domain.NewCursors(cfg.SecretsKey),
				}, base.Log)
			if err != nil {
				return err
			}
			if cfg.AllowPrivateTargets {
				base.Log.Warn("WEBHOOK_ALLOW_PRIVATE_TARGETS is on: webhooks may reach loopback and private addresses over http (development only)")
			}
			// The services' feeds, each applied in the transaction that
			// moves its cursor (one replica at a time).
			for _, feed := range []struct{ name, addr string }{
				{domain.FeedBeneficiaries, cfg.BeneficiariesAddr}, {domain.FeedReferrals, cfg.ReferralsAddr},
				{domain.FeedTrainings, cfg.TrainingsAddr}, {domain.FeedReporting, cfg.ReportingAddr},
			} {
				conn, err := base.Dial(feed.name, feed.addr)
				if err != nil {
					return err
				}
				err = base.ConsumeEvents(ctx, feed.name, conn, domain.SourceTypes(feed.name),
					func(ctx context.Context, tx pgx.Tx, ev *eventsv1.Event) error {
						return application.Apply(ctx, adapters.NewInbox(tx), adapters.EventFromProto(ev))
					})
				if err != nil {
					return err
				}
			}
			base.Background(ctx, func(ctx context.Context) {
				wake := repo.Listen(ctx, func(err error) {
					base.Log.Warn("listening for queued deliveries", logging.Err(err))
				})
				application.RunDispatcher(ctx, wake)
			})
			base.Every(ctx, time.Hour, "pruning the change feed", func(ctx context.Context) error {
				return application.Prune(ctx, cfg.FeedRetention, cfg.DeliveryRetention)
			})
			pb.RegisterWebhookServiceServer(srv, ports.NewWebhooks(application))
			pb.RegisterChangeFeedServiceServer(srv, ports.NewChangeFeed(application))
			return nil
		},
	}
}
