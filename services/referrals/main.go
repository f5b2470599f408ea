// Command referrals runs the referrals service: the directory of
// organisations and services, and referrals between them.
package main

import (
	"context"

	"github.com/spona/spona/pkg/config"
	"github.com/spona/spona/pkg/platform"
	"github.com/spona/spona/services/referrals/service"
)

func main() { platform.Main("referrals", run) }

func run(ctx context.Context) error {
	var cfg service.Config
	if err := config.Load(&cfg); err != nil {
		return err
	}
	return platform.RunService(ctx, service.New(cfg))
}
