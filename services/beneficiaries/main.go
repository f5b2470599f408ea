// Command beneficiaries runs the beneficiaries service: persons, households,
// consents, assistance records and access grants.
package main

import (
	"context"

	"github.com/spona/spona/pkg/config"
	"github.com/spona/spona/pkg/platform"
	"github.com/spona/spona/services/beneficiaries/service"
)

func main() { platform.Main("beneficiaries", run) }

func run(ctx context.Context) error {
	var cfg service.Config
	if err := config.Load(&cfg); err != nil {
		return err
	}
	return platform.RunService(ctx, service.New(cfg))
}
