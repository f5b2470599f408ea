// Package service is the composition root of the reporting process.
package service

import (
	"context"

	pb "github.com/spona/spona/gen/go/spona/reporting/v1"
	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/platform"
	"github.com/spona/spona/services/reporting/internal/adapters"
	"github.com/spona/spona/services/reporting/internal/app"
	"github.com/spona/spona/services/reporting/internal/ports"
	"github.com/spona/spona/services/reporting/migrations"
	"google.golang.org/grpc"
)

// Config is the whole configuration of the process.
type Config struct {
	platform.Config
	platform.GRPCConfig
	BeneficiariesAddr string `env:"BENEFICIARIES_ADDR" hostport:"true" required:"true" help:"gRPC address of the beneficiaries service"`
	ReferralsAddr     string `env:"REFERRALS_ADDR" hostport:"true" required:"true" help:"gRPC address of the referrals service"`
	TrainingsAddr     string `env:"TRAININGS_ADDR" hostport:"true" required:"true" help:"gRPC address of the trainings service"`
	ReportTimeZone    string `env:"REPORT_TIME_ZONE" default:"Europe/Belgrade" zone:"true" help:"IANA time zone whose calendar day is today: the day a project's dates and an IATI export's actual dates are checked against"`
}

// New describes the reporting service for platform.RunService.
func New(cfg Config) platform.Service {
	return platform.Service{
		Name:        "reporting",
		Config:      cfg,
		Platform:    cfg.Config,
		GRPCAddr:    cfg.GRPCAddr,
		MaxCallTime: cfg.MaxCallTime,
		Migrations:  migrations.FS,
		Register: func(ctx context.Context, base *platform.Base, srv *grpc.Server) error {
			beneficiaries, err := base.Dial("beneficiaries", cfg.BeneficiariesAddr)
			if err != nil {
				return err
			}
			referrals, err := base.Dial("referrals", cfg.ReferralsAddr)
			if err != nil {
				return err
			}
			trainings, err := base.Dial("trainings", cfg.TrainingsAddr)
			if err != nil {
				return err
			}
			zone, err := aggregate.LoadZone(cfg.ReportTimeZone)
			if err != nil {
				return err
			}
			application := app.New(
				adapters.NewPostgres(base.Pool),
				adapters.NewSourcesGRPC(beneficiaries, trainings, referrals),
				adapters.NewDirectoryGRPC(referrals),
			)
			application.SetReportZone(zone)
			base.ServeEvents(ctx, srv, cfg.EventRetention)
			pb.RegisterReportingServiceServer(srv, ports.NewGRPC(application))
			pb.RegisterProjectParticipationServiceServer(srv, ports.NewParticipation(application))
			return nil
		},
	}
}
