// Package service is the composition root of the beneficiaries process.
package service

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	importsv1 "github.com/spona/spona/gen/go/spona/imports/v1"
	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/imports"
	"github.com/spona/spona/pkg/imports/importsgrpc"
	"github.com/spona/spona/pkg/imports/importsjob"
	"github.com/spona/spona/pkg/platform"
	"github.com/spona/spona/pkg/projecttag"
	"github.com/spona/spona/services/beneficiaries/internal/adapters"
	"github.com/spona/spona/services/beneficiaries/internal/app"
	"github.com/spona/spona/services/beneficiaries/internal/ports"
	"github.com/spona/spona/services/beneficiaries/migrations"
	"google.golang.org/grpc"
)

// Config is the whole configuration of the process.
type Config struct {
	platform.Config
	platform.GRPCConfig
	Imports importsjob.Env
	// ReportingAddr is the reporting service, asked whether an
	// organisation may tag an assistance with a project.
	ReportingAddr string `env:"REPORTING_ADDR" hostport:"true" required:"true" help:"gRPC address of the reporting service, asked whether an organisation may tag a record with a project"`
	// ProjectCheckTTL is how long its answers are reused.
	ProjectCheckTTL time.Duration `env:"PROJECT_CHECK_TTL" default:"30s" help:"how long the reporting service's answer on who may tag records with a project is reused"`
	// ConsentExpiryInterval is how often consents past their expiry are
	// looked for (their grants stop working at the expiry time itself).
	ConsentExpiryInterval time.Duration `env:"CONSENT_EXPIRY_INTERVAL" default:"15s" min:"1ms" help:"how often consents past their expiry time are looked for, to emit consent.expired (ending the referrals sent under them); their grants stop working at the expiry time itself"`
	// ReferralsAddr is the referrals service, whose directory lists the
	// services assistance records name.
	ReferralsAddr string `env:"REFERRALS_ADDR" hostport:"true" required:"true" help:"gRPC address of the referrals service, whose directory lists the services assistance records name"`
	// ReportTimeZone is the zone whose calendar day is "today".
	ReportTimeZone string `env:"REPORT_TIME_ZONE" default:"Europe/Belgrade" zone:"true" help:"IANA time zone whose calendar day is today: the day a legal status recorded without legal_status_since starts on (and counts by the status of then read), the latest birth date and assistance date, and the year persons assisted are counted by age band in while a report's period has not ended"`
}

// New describes the beneficiaries service for platform.RunService.
func New(cfg Config) platform.Service {
	return platform.Service{
		Name:            "beneficiaries",
		Config:          cfg,
		Platform:        cfg.Config,
		GRPCAddr:        cfg.GRPCAddr,
		Migrations:      migrations.FS,
		MaxRecvMsgBytes: cfg.Imports.MaxRecvMsgBytes(),
		MaxCallTime:     cfg.MaxCallTime,
		Register: func(ctx context.Context, base *platform.Base, srv *grpc.Server) error {
			reporting, err := base.Dial("reporting", cfg.ReportingAddr)
			if err != nil {
				return err
			}
			// Referrals calls this service too; connections are lazy, so
			// either may start first.
			referrals, err := base.Dial("referrals", cfg.ReferralsAddr)
			if err != nil {
				return err
			}
			zone, err := aggregate.LoadZone(cfg.ReportTimeZone)
			if err != nil {
				return err
			}
			application := app.New(adapters.NewPostgres(base.Pool), projecttag.New(reporting, cfg.ProjectCheckTTL),
				adapters.NewDirectoryGRPC(referrals))
			application.SetReportZone(zone)
			// Records stored without a municipality key (before migration
			// 00024, or by a replica of an earlier release) get it before
			// the list's municipality filter is served.
			if n, err := application.FillMunicipalityKeys(ctx); err != nil {
				return fmt.Errorf("municipality keys: %w", err)
			} else if n > 0 {
				base.Log.Info("municipality keys written", slog.Int("rows", n))
			}
			// Legal statuses cleared before a clearing ended the status
			// held (r14) end on the day the audit log says they were
			// cleared, before counts by the status of a day are served.
			if ended, left, err := application.EndOpenClears(ctx); err != nil {
				return fmt.Errorf("cleared legal statuses: %w", err)
			} else if ended > 0 || left > 0 {
				base.Log.Info("cleared legal statuses ended", slog.Int("ended", ended), slog.Int("undated", left))
			}
			// And those cleared before r13 that a new status followed.
			if ended, err := application.EndPastClears(ctx); err != nil {
				return fmt.Errorf("cleared legal statuses followed by another: %w", err)
			} else if ended > 0 {
				base.Log.Info("cleared legal statuses followed by another ended", slog.Int("ended", ended))
			}
			base.ServeEvents(ctx, srv, cfg.EventRetention)
			if cfg.ConsentExpiryInterval > 0 {
				base.Every(ctx, cfg.ConsentExpiryInterval, "applying consent expiries", func(ctx context.Context) error {
					_, err := application.ApplyExpiries(ctx)
					return err
				})
			}
			store := importsjob.NewStore(base.Pool)
			runner := importsjob.NewRunner(store, cfg.Imports.Config(), base.Log)
			runner.Register(imports.KindBeneficiaries, application.ImportSpec(), application)
			runner.Serve(ctx, base)
			pb.RegisterBeneficiaryServiceServer(srv, ports.NewGRPC(application))
			pb.RegisterBeneficiaryAccessServiceServer(srv, ports.NewAccess(application))
			pb.RegisterBeneficiaryImportServiceServer(srv, ports.NewImport(runner, cfg.Imports, base.Log))
			importsv1.RegisterImportServiceServer(srv, importsgrpc.New(store, base.Log))
			return nil
		},
	}
}
