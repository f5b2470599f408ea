// Package service is the composition root of the beneficiaries process.
package service

import (
	"context"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/platform"
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
}

// New describes the beneficiaries service for platform.RunService.
func New(cfg Config) platform.Service {
	return platform.Service{
		Name:       "beneficiaries",
		Config:     cfg,
		Platform:   cfg.Config,
		GRPCAddr:   cfg.GRPCAddr,
		Migrations: migrations.FS,
		Register: func(ctx context.Context, base *platform.Base, srv *grpc.Server) error {
			application := app.New(adapters.NewPostgres(base.Pool))
			base.ServeEvents(ctx, srv, cfg.EventRetention)
			pb.RegisterBeneficiaryServiceServer(srv, ports.NewGRPC(application))
			pb.RegisterBeneficiaryAccessServiceServer(srv, ports.NewAccess(application))
			return nil
		},
	}
}
