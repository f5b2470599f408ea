package app

import (
	"context"
	"time"

	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/etag"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/pkg/validate"
	"github.com/spona/spona/services/webhooks/internal/domain"
)

// CreateSubscription subscribes an endpoint of the caller's organisation,
// active unless asked disabled (an endpoint set up before its receiver is
// ready). The result carries the secret: the only time it is shown, with
// rotation. A retry of the create (its request id again) carries it too,
// until the secret is first rotated.
func (a *App) CreateSubscription(ctx context.Context, p auth.Principal, s *domain.Subscription, requestID string) (*domain.Subscription, error) {
	if s.State == "" {
		s.State = domain.StateActive
	}
	s.Normalize()
	if err := s.Validate(a.opts.AllowPrivateTargets); err != nil {
		return nil, err
	}
	if err := a.targets.Check(ctx, s.URL); err != nil {
		return nil, err
	}
	s.ID, s.OrganisationID, s.Secret = ids.New(), p.OrganisationID, domain.NewSecret()
	now := a.now()
	s.CreateTime, s.UpdateTime = now, now
	if s.State == domain.StateDisabled {
		s.Disable(domain.DisabledByOrganisationCode, domain.DisabledByOrganisation, now)
	}
	out, err := a.repo.CreateSubscription(ctx, s, requestID)
	if err != nil {
		return nil, err
	}
	if out.ID != s.ID && !out.SameRequest(s) {
		return nil, errs.RequestIDReused("create webhook " + out.ID + " with another url, event types or description")
	}
	if out.ID != s.ID && len(out.Replaced) > 0 {
		// A retry of the create after the webhook's secret was rotated:
		// the secret now current is the rotation's, shown only in its
		// answer, never to a replay of the create.
		return redacted(out), nil
	}
	return out, nil
}

// GetSubscription returns one of the caller's subscriptions, without its secret.
func (a *App) GetSubscription(ctx context.Context, p auth.Principal, id string) (*domain.Subscription, error) {
	s, err := a.subscription(ctx, p, "id", id)
	if err != nil {
		return nil, err
	}
	return redacted(s), nil
}

func (a *App) subscription(ctx context.Context, p auth.Principal, field, id string) (*domain.Subscription, error) {
	if err := ids.Check(field, id); err != nil {
		return nil, err
	}
	return a.repo.GetSubscription(ctx, p.OrganisationID, ids.Normalize(id))
}

// ListSubscriptions lists the caller's subscriptions, newest first.
func (a *App) ListSubscriptions(ctx context.Context, p auth.Principal, size int32, token string) ([]*domain.Subscription, string, error) {
	page, err := pagination.Parse(size, token, pagination.UUIDKey, p.OrganisationID, pagination.Fingerprint("webhooks"))
	if err != nil {
		return nil, "", err
	}
	rows, err := a.repo.ListSubscriptions(ctx, p.OrganisationID, page)
	if err != nil {
		return nil, "", err
	}
	rows, next := pagination.Next(page, rows, func(s *domain.Subscription) string { return s.ID })
	for i, s := range rows {
		rows[i] = redacted(s)
	}
	return rows, next, nil
}

// UpdateSubscription changes the fields in paths of the caller's
// subscription patch.ID, if tag is the etag of the stored version.
func (a *App) UpdateSubscription(ctx context.Context, p auth.Principal, patch *domain.Subscription, tag string, paths []string) (*domain.Subscription, error) {
	s, err := a.subscription(ctx, p, "webhook.id", patch.ID)
	if err != nil {
		return nil, err
	}
	oldURL := s.URL
	if _, err := s.Apply(patch, paths, a.now()); err != nil {
		return nil, err
	}
	s.Normalize()
	if err := s.Validate(a.opts.AllowPrivateTargets); err != nil {
		return nil, err
	}
	if err := etag.Require("webhook.etag", tag, s.Version); err != nil {
		return nil, err
	}
	if s.URL != oldURL {
		if err := a.targets.Check(ctx, s.URL); err != nil {
			return nil, err
		}
	}
	s.UpdateTime = a.now()
	out, err := a.repo.UpdateSubscription(ctx, s)
	if err != nil {
		return nil, err
	}
	return redacted(out), nil
}

// DeleteSubscription deletes one of the caller's subscriptions and its
// deliveries.
func (a *App) DeleteSubscription(ctx context.Context, p auth.Principal, id string) error {
	if err := ids.Check("id", id); err != nil {
		return err
	}
	return a.repo.DeleteSubscription(ctx, p.OrganisationID, ids.Normalize(id))
}

// rotateTries bounds the reads and writes of one rotation racing other
// changes of its subscription.
const rotateTries = 3

// RotateSecret gives the subscription a new secret (returned, shown once);
// the old one keeps signing for domain.SecretOverlap. A retry of the last
// rotation (its requestID again) returns the secret that rotation made.
// A rotation takes no etag: when the subscription changed between its read
// and its write (another rotation, the dispatcher disabling it), it is made
// again on the subscription as it now is, rather than refused with a 409
// asking for an etag the caller cannot send.
func (a *App) RotateSecret(ctx context.Context, p auth.Principal, id, requestID string) (*domain.Subscription, error) {
	for try := 1; ; try++ {
		s, err := a.subscription(ctx, p, "id", id)
		if err != nil {
			return nil, err
		}
		now := a.now()
		if s.RotatedFor(requestID, now) {
			s.Replaced = expiriesOnly(s.Replaced)
			return s, nil
		}
		s.Rotate(domain.NewSecret(), requestID, now)
		s.UpdateTime = now
		out, err := a.repo.UpdateSubscription(ctx, s)
		if errs.KindOf(err) == errs.KindAborted && try < rotateTries {
			continue
		}
		if err != nil {
			return nil, err
		}
		out.Replaced = expiriesOnly(out.Replaced)
		return out, nil
	}
}

// ListDeliveries lists the deliveries of one of the caller's subscriptions,
// newest first.
func (a *App) ListDeliveries(ctx context.Context, p auth.Principal, subscriptionID, status string, size int32, token string) ([]*domain.Delivery, string, error) {
	var v errs.Violations
	validate.OneOf(&v, "status", status, domain.DeliveryStatuses, false)
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	// The token first: another organisation's is refused as such, before
	// the subscription is looked for.
	page, err := pagination.Parse(size, token, pagination.UUIDKey, p.OrganisationID, pagination.Fingerprint(ids.Normalize(subscriptionID), status))
	if err != nil {
		return nil, "", err
	}
	s, err := a.subscription(ctx, p, "webhook_id", subscriptionID)
	if err != nil {
		return nil, "", err
	}
	rows, err := a.repo.ListDeliveries(ctx, s.ID, status, page)
	if err != nil {
		return nil, "", err
	}
	rows, next := pagination.Next(page, rows, func(d *domain.Delivery) string { return d.ID })
	return rows, next, nil
}

// Redeliver queues a delivery of one of the caller's subscriptions again:
// same webhook-id and body, a new retry window.
func (a *App) Redeliver(ctx context.Context, p auth.Principal, subscriptionID, deliveryID string) (*domain.Delivery, error) {
	s, err := a.subscription(ctx, p, "webhook_id", subscriptionID)
	if err != nil {
		return nil, err
	}
	if err := ids.Check("delivery_id", deliveryID); err != nil {
		return nil, err
	}
	if s.State != domain.StateActive {
		return nil, errs.FailedPrecondition("WEBHOOK_DISABLED", "webhook %q is disabled (%s); enable it (state ACTIVE) first", s.ID, s.DisabledReason)
	}
	d, err := a.repo.GetDelivery(ctx, s.ID, ids.Normalize(deliveryID))
	if err != nil {
		return nil, err
	}
	d.Redeliver(a.now())
	queued, err := a.repo.Requeue(ctx, d)
	if err != nil {
		return nil, err
	}
	if !queued {
		e := errs.New(errs.KindAborted, "delivery %q is being attempted right now; if that attempt fails (see the delivery log once it ends), redeliver it then", d.ID)
		e.Reason = ReasonDeliveryInProgress
		return nil, e
	}
	return d, nil
}

// ReasonDeliveryInProgress is the reason of the Aborted error (409) of a
// :redeliver of a delivery a dispatcher is attempting at that moment.
const ReasonDeliveryInProgress = "DELIVERY_IN_PROGRESS"

// RedeliverLimit is the most deliveries one bulk redelivery queues again.
const RedeliverLimit = 500

// RedeliverFailed queues again the failed deliveries (dead-lettered, or
// waiting for a retry after a failure) of one of the caller's
// subscriptions created from start up to end (now when zero), of the
// event types it still has: at most RedeliverLimit, oldest first; more
// says others remain. A delivery queued again is not failed until it
// fails again, so a repeated call queues nothing twice.
func (a *App) RedeliverFailed(ctx context.Context, p auth.Principal, subscriptionID string, start, end time.Time) (queued int, more bool, err error) {
	s, err := a.subscription(ctx, p, "id", subscriptionID)
	if err != nil {
		return 0, false, err
	}
	now := a.now()
	if end.IsZero() {
		end = now
	}
	var v errs.Violations
	switch {
	case start.IsZero():
		v.Add("start_time", "is required: the delivery log's create_time from which failed deliveries are sent again")
	case !end.After(start):
		v.Add("end_time", "must be after start_time (%s)", start.UTC().Format(time.RFC3339Nano))
	}
	if err := v.Err(); err != nil {
		return 0, false, err
	}
	if s.State != domain.StateActive {
		return 0, false, errs.FailedPrecondition("WEBHOOK_DISABLED", "webhook %q is disabled (%s); enable it (state ACTIVE) first", s.ID, s.DisabledReason)
	}
	return a.repo.RequeueFailed(ctx, FailedWindow{SubscriptionID: s.ID, Types: s.EventTypes, From: start, To: end, Now: now,
		Limit: RedeliverLimit})
}

// redacted is s without its secrets, as it is shown but at creation and
// rotation.
func redacted(s *domain.Subscription) *domain.Subscription {
	c := *s
	c.Secret, c.Replaced = "", expiriesOnly(s.Replaced)
	return &c
}

// expiriesOnly is a copy of replaced without the secrets: an answer shows
// when the previous secret stops signing, never a replaced secret.
func expiriesOnly(replaced []domain.ReplacedSecret) []domain.ReplacedSecret {
	if len(replaced) == 0 {
		return nil
	}
	out := make([]domain.ReplacedSecret, len(replaced))
	for i, r := range replaced {
		out[i] = domain.ReplacedSecret{Expires: r.Expires}
	}
	return out
}
