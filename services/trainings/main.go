// Command trainings runs the trainings service: capacity-building events for
// professionals and community events, with their participants.
package main

import (
	"context"

	"github.com/spona/spona/pkg/config"
	"github.com/spona/spona/pkg/platform"
	"github.com/spona/spona/services/trainings/service"
)

func main() { platform.Main("trainings", run) }

func run(ctx context.Context) error {
	var cfg service.Config
	if err := config.Load(&cfg); err != nil {
		return err
	}
	return platform.RunService(ctx, service.New(cfg))
}
