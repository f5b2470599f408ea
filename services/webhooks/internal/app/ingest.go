package app

import (
	"context"
	"slices"

	"github.com/spona/spona/pkg/ids"
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
	orgs := make([]string, len(notices))
	for i, n := range notices {
		orgs[i] = n.OrganisationID
	}
	subs, err := in.Subscribers(ctx, orgs)
	if err != nil {
		return err
	}
	now := a.now()
	var deliveries []*domain.Delivery
	for _, n := range notices {
		var body []byte
		for _, s := range subs {
			if s.OrganisationID != n.OrganisationID || !slices.Contains(s.EventTypes, n.Type) {
				continue
			}
			if body == nil {
				if body, err = domain.Body(n, e.Time); err != nil {
					return err
				}
			}
			deliveries = append(deliveries, &domain.Delivery{
				ID: ids.New(), SubscriptionID: s.ID, EventID: e.ID, EventType: n.Type,
				OrderingKey: n.OrderingKey, Body: body, Traceparent: e.Traceparent, EventTime: e.Time,
				Status: domain.DeliveryPending, NextAttempt: now, RetryStart: now, CreateTime: now,
			})
		}
	}
	return in.Add(ctx, e, notices, deliveries)
}
