// Package service is the composition root of the trainings process.
package service

import (
	"context"
	"time"

	importsv1 "github.com/spona/spona/gen/go/spona/imports/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/imports"
	"github.com/spona/spona/pkg/imports/importsgrpc"
	"github.com/spona/spona/pkg/imports/importsjob"
	"github.com/spona/spona/pkg/outbox"
	"github.com/spona/spona/pkg/platform"
	"github.com/spona/spona/pkg/projecttag"
	"github.com/spona/spona/services/trainings/internal/adapters"
	"github.com/spona/spona/services/trainings/internal/app"
	"github.com/spona/spona/services/trainings/internal/ports"
	"github.com/spona/spona/services/trainings/migrations"
	"google.golang.org/grpc"
)

// Config is the whole configuration of the process.
type Config struct {
	platform.Config
	platform.GRPCConfig
	// ReferralsAddr is the referrals service, whose directory gives the kind
	// of a participant's organisation.
	ReferralsAddr string `env:"REFERRALS_ADDR" hostport:"true" required:"true" help:"gRPC address of the referrals service"`
	// BeneficiariesAddr is the beneficiaries service: its feed brings
	// erasures and merges to the participations, and it answers whether the
	// organiser sees a participating beneficiary.
	BeneficiariesAddr string `env:"BENEFICIARIES_ADDR" hostport:"true" required:"true" help:"gRPC address of the beneficiaries service (its event feed; whether the organiser sees a participating beneficiary)"`
	// ReportingAddr is the reporting service, asked whether the caller may
	// tag a record with a project; ProjectCheckTTL is how long its answers
	// are reused.
	ReportingAddr   string        `env:"REPORTING_ADDR" hostport:"true" required:"true" help:"gRPC address of the reporting service, asked whether an organisation may tag a record with a project"`
	ProjectCheckTTL time.Duration `env:"PROJECT_CHECK_TTL" default:"30s" help:"how long the reporting service's answer on who may tag records with a project is reused"`
	// ReportTimeZone is the zone whose calendar day is today: the last day
	// a session may have been held on, for present marks, and the last day
	// an event counted among those held may start on.
	ReportTimeZone string `env:"REPORT_TIME_ZONE" default:"Europe/Belgrade" zone:"true" help:"IANA time zone whose calendar day is today: a participant is marked present only at sessions held by then (dated today or before), and an event counts among the training events held once it has started by then"`
	Imports        importsjob.Env
}

// New describes the trainings service for platform.RunService.
func New(cfg Config) platform.Service {
	return platform.Service{
		Name:            "trainings",
		Config:          cfg,
		Platform:        cfg.Config,
		GRPCAddr:        cfg.GRPCAddr,
		Migrations:      migrations.FS,
		MaxRecvMsgBytes: cfg.Imports.MaxRecvMsgBytes(),
		MaxCallTime:     cfg.MaxCallTime,
		Register: func(ctx context.Context, base *platform.Base, srv *grpc.Server) error {
			referrals, err := base.Dial("referrals", cfg.ReferralsAddr)
			if err != nil {
				return err
			}
			beneficiaries, err := base.Dial("beneficiaries", cfg.BeneficiariesAddr)
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
			application := app.New(adapters.NewPostgres(base.Pool), adapters.NewDirectoryGRPC(referrals),
				projecttag.New(reporting, cfg.ProjectCheckTTL), adapters.NewBeneficiariesGRPC(beneficiaries))
			application.SetReportZone(zone)
			base.ServeEvents(ctx, srv, cfg.EventRetention)
			// Erasure and merge of beneficiaries reach the participations.
			if err := base.ConsumeEvents(ctx, "beneficiaries", beneficiaries, outbox.PersonEventTypes, outbox.PersonEvents(application)); err != nil {
				return err
			}
			pb.RegisterTrainingServiceServer(srv, ports.NewGRPC(application))
			store := importsjob.NewStore(base.Pool)
			runner := importsjob.NewRunner(store, cfg.Imports.Config(), base.Log)
			runner.RegisterProcessor(imports.KindParticipants, application)
			runner.Serve(ctx, base)
			pb.RegisterParticipantImportServiceServer(srv, ports.NewImport(application, runner, cfg.Imports, base.Log))
			importsv1.RegisterImportServiceServer(srv, importsgrpc.New(store, base.Log))
			return nil
		},
	}
}
