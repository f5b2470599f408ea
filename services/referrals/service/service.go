// Package service is the composition root of the referrals process.
package service

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/outbox"
	"github.com/spona/spona/pkg/platform"
	"github.com/spona/spona/pkg/projecttag"
	"github.com/spona/spona/services/referrals/internal/adapters"
	"github.com/spona/spona/services/referrals/internal/app"
	"github.com/spona/spona/services/referrals/internal/ports"
	"github.com/spona/spona/services/referrals/migrations"
	"google.golang.org/grpc"
)

// Config is the whole configuration of the process.
type Config struct {
	platform.Config
	platform.GRPCConfig
	BeneficiariesAddr string `env:"BENEFICIARIES_ADDR" hostport:"true" required:"true" help:"gRPC address of the beneficiaries service"`
	// ReportingAddr is the reporting service, asked whether the caller may
	// tag a record with a project; ProjectCheckTTL is how long its answers
	// are reused.
	ReportingAddr   string        `env:"REPORTING_ADDR" hostport:"true" required:"true" help:"gRPC address of the reporting service, asked whether an organisation may tag a record with a project"`
	ProjectCheckTTL time.Duration `env:"PROJECT_CHECK_TTL" default:"30s" help:"how long the reporting service's answer on who may tag records with a project is reused"`
	// How often access grants of closed referrals whose revocation failed
	// are retried, and age bands stored before migration 00017 taken again.
	RevokeRetryInterval time.Duration `env:"REVOKE_RETRY_INTERVAL" default:"30s" min:"1ms" help:"how often access grants whose revocation failed are retried (and the voids of the assistance recorded by completions whose commit failed and whose void failed too, 100 at a time; and stale age bands of referrals: sent before the birth-year rule, or before the birth year was corrected or the record merged; taken again 100 at a time)"`
	// How often open referrals past their due time are looked for
	// (referral.overdue, once per referral).
	OverdueScanInterval time.Duration `env:"OVERDUE_SCAN_INTERVAL" default:"15s" min:"1ms" help:"how often open referrals past their due time are looked for, to emit referral.overdue (once each)"`
	// Registration agency codes an organisation identifier may start with;
	// empty: the built-in list (domain.DefaultRegistrationAgencies).
	// ReportTimeZone is the zone whose calendar days counts of referrals
	// (sent, accepted, completed in a period) use, and on whose calendar
	// a response time in days runs (domain.DueAfter).
	ReportTimeZone       string   `env:"REPORT_TIME_ZONE" default:"Europe/Belgrade" zone:"true" help:"IANA time zone whose calendar days the counts of referrals sent, accepted and completed in a report's period use (a referral sent at 00:30 on 1 January there counts in January), and on whose calendar a normal referral's 10 days run (due at the time of day it was sent, across a change of summer time); the directory's opening times are local times there (HSDS writes them with its UTC offset)"`
	RegistrationAgencies []string `env:"REGISTRATION_AGENCIES" help:"registration agency codes (org-id.guide) an organisation identifier may start with, comma-separated, e.g. RS-APR,HR-OIB,BA-JIB; empty: the region's registers and the usual donors'"`
}

// New describes the referrals service for platform.RunService.
func New(cfg Config) platform.Service {
	return platform.Service{
		Name:        "referrals",
		Config:      cfg,
		Platform:    cfg.Config,
		GRPCAddr:    cfg.GRPCAddr,
		MaxCallTime: cfg.MaxCallTime,
		Migrations:  migrations.FS,
		Register: func(ctx context.Context, base *platform.Base, srv *grpc.Server) error {
			conn, err := base.Dial("beneficiaries", cfg.BeneficiariesAddr)
			if err != nil {
				return err
			}
			reporting, err := base.Dial("reporting", cfg.ReportingAddr)
			if err != nil {
				return err
			}
			zone, err := aggregate.LoadZone(cfg.ReportTimeZone)
			if err != nil {
				return err
			}
			application := app.New(adapters.NewPostgres(base.Pool), adapters.NewBeneficiariesGRPC(conn),
				adapters.NewAuditGRPC(conn), projecttag.New(reporting, cfg.ProjectCheckTTL),
				adapters.Actor{}, base.Log, app.WithRegistrationAgencies(cfg.RegistrationAgencies), app.WithReportZone(zone))
			// Rows from before directory search get their search keys, and
			// organisations from before migration 00019 their match keys.
			if n, err := application.FillSearchKeys(ctx); err != nil {
				return fmt.Errorf("directory search keys: %w", err)
			} else if n > 0 {
				base.Log.Info("directory search keys written", slog.Int("rows", n))
			}
			// Revocations left pending by closed referrals are retried, and
			// stale age bands (stored by the rule before migration 00017, or
			// before a birth year was corrected) taken again; referrals past their due time get their
			// referral.overdue (SKIP LOCKED: every replica may scan).
			base.Every(ctx, cmp.Or(cfg.RevokeRetryInterval, 30*time.Second), "listing pending revocations", func(ctx context.Context) error {
				_, err := application.RevokePending(ctx)
				return err
			})
			// Assistance recorded by completions that failed to commit and
			// whose void failed too is voided.
			base.Every(ctx, cmp.Or(cfg.RevokeRetryInterval, 30*time.Second), "voiding failed completions' assistance", func(ctx context.Context) error {
				n, err := application.VoidUncommitted(ctx)
				if n > 0 {
					base.Log.InfoContext(ctx, "assistance of failed completions voided", slog.Int("referrals", n))
				}
				return err
			})
			base.Every(ctx, cmp.Or(cfg.RevokeRetryInterval, 30*time.Second), "taking stale age bands again", func(ctx context.Context) error {
				n, err := application.RestampAgeBands(ctx)
				if n > 0 {
					base.Log.InfoContext(ctx, "stale age bands of referrals taken again", slog.Int("referrals", n))
				}
				return err
			})
			base.Every(ctx, cmp.Or(cfg.OverdueScanInterval, 15*time.Second), "emitting overdue referrals", func(ctx context.Context) error {
				_, err := application.EmitOverdue(ctx)
				return err
			})
			base.ServeEvents(ctx, srv, cfg.EventRetention)
			// Erasure and merge of beneficiaries reach the referrals; a
			// consent withdrawn or expired ends the referrals sent under it;
			// a birth year corrected (or a merge) has the age bands of the
			// person's referrals taken again; a completion's assistance
			// voided, or corrected, shows in the referral's outcome.
			if err := base.ConsumeEvents(ctx, "beneficiaries", conn,
				slices.Concat(outbox.PersonEventTypes, outbox.ConsentEventTypes, outbox.PersonChangeEventTypes, outbox.AssistanceEventTypes),
				outbox.Handlers(outbox.PersonEvents(application), outbox.ConsentEvents(application), outbox.PersonChangeEvents(application),
					outbox.AssistanceEvents(application))); err != nil {
				return err
			}
			pb.RegisterDirectoryServiceServer(srv, ports.NewDirectory(application))
			pb.RegisterReferralServiceServer(srv, ports.NewReferrals(application))
			pb.RegisterOpenReferralServiceServer(srv, ports.NewOpenReferral(application))
			return nil
		},
	}
}
