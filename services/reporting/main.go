// Command reporting runs the reporting service: donor-funded projects and
// their results, computed live from the other services' aggregates.
package main

import (
	"context"

	"github.com/spona/spona/pkg/config"
	"github.com/spona/spona/pkg/platform"
	"github.com/spona/spona/services/reporting/service"
)

func main() { platform.Main("reporting", run) }

func run(ctx context.Context) error {
	var cfg service.Config
	if err := config.Load(&cfg); err != nil {
		return err
	}
	return platform.RunService(ctx, service.New(cfg))
}
