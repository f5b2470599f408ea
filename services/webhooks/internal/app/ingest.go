package app

import (
	"context"

	"github.com/spona/spona/services/webhooks/internal/domain"
)

// Apply turns one event of a service's feed into change-feed entries for
// the organisations it concerns and deliveries to their subscriptions of
// its type. It is idempotent: applying an event again adds nothing.
func (a *App) Apply(ctx context.Context, in Inbox, e domain.Event) error {
	notices := domain.Route(e)
	if len(notices) == 0 {
		return nil
	}
	bodies := make([][]byte, len(notices))
	for i, n := range notices {
		var err error
		if bodies[i], err = domain.Body(n, e.ID, e.Time); err != nil {
			return err
		}
	}
	return in.Add(ctx, e, notices, bodies, a.now())
}
