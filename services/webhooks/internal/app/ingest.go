package app

import (
	"context"

	"github.com/spona/spona/services/webhooks/internal/domain"
)

// Apply turns one event of a service's feed into change-feed entries for
// the organisations it concerns and deliveries to their subscriptions of
// its type, numbered within the event's aggregate (domain.SequenceKey). It
// is idempotent: applying an event again adds no entry and no delivery
// (it would take the next number, unused: the consumer applies an event in
// the transaction that moves its cursor past it, so never twice).
func (a *App) Apply(ctx context.Context, in Inbox, e domain.Event) error {
	notices := domain.Route(e)
	if len(notices) == 0 {
		return nil
	}
	seq, err := in.Record(ctx, e, notices)
	if err != nil {
		return err
	}
	domain.Number(notices, seq)
	bodies := make([][]byte, len(notices))
	for i, n := range notices {
		var err error
		if bodies[i], err = domain.Body(n, e.ID, e.Time); err != nil {
			return err
		}
	}
	return in.Queue(ctx, e, notices, bodies, a.now())
}
