package adapters

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/services/webhooks/internal/app"
	"github.com/spona/spona/services/webhooks/internal/domain"
)

// Inbox writes what an event leads to in the transaction of the feed
// consumer that applies it.
type Inbox struct{ tx pgx.Tx }

// NewInbox returns the inbox of tx.
func NewInbox(tx pgx.Tx) *Inbox { return &Inbox{tx: tx} }

var _ app.Inbox = (*Inbox)(nil)

// Subscribers returns the active subscriptions of the organisations (ids
// and event types only). They stay share-locked until the transaction
// ends: a subscription being disabled meanwhile waits, and then
// dead-letters the deliveries queued here too.
func (in *Inbox) Subscribers(ctx context.Context, organisationIDs []string) ([]*domain.Subscription, error) {
	rows, err := in.tx.Query(ctx, `SELECT id, organisation_id, event_types FROM subscriptions
		WHERE organisation_id = ANY($1::uuid[]) AND state = 'active' FOR SHARE`, organisationIDs)
	return collect(rows, err, func(r pgx.Row) (*domain.Subscription, error) {
		var s domain.Subscription
		err := r.Scan(&s.ID, &s.OrganisationID, &s.EventTypes)
		return &s, err
	})
}

// changesLock orders the change feed's appends (with hashtext of the table
// as second key): positions follow commit order, so a reader that saw
// position n has seen every committed change before it.
const changesLock = `SELECT pg_advisory_xact_lock(1397774155, hashtext('webhooks.changes')) -- 'SPWK'`

// Add appends the event's change-feed entries and deliveries (both ignored
// when already there) and notifies the dispatchers, in one round trip.
func (in *Inbox) Add(ctx context.Context, e domain.Event, notices []domain.Notice, deliveries []*domain.Delivery) error {
	b := &pgx.Batch{}
	if len(notices) > 0 {
		n := len(notices)
		orgs, types, datas := make([]string, n), make([]string, n), make([]string, n)
		for i, x := range notices {
			raw, err := json.Marshal(x.Data)
			if err != nil {
				return err
			}
			orgs[i], types[i], datas[i] = x.OrganisationID, x.Type, string(raw)
		}
		b.Queue(changesLock)
		b.Queue(`INSERT INTO changes (organisation_id, event_id, type, event_time, data)
			SELECT o, $1, t, $2, d FROM unnest($3::uuid[], $4::text[], $5::jsonb[]) AS x(o, t, d)
			ON CONFLICT (organisation_id, event_id) DO NOTHING`, e.ID, e.Time, orgs, types, datas)
	}
	if len(deliveries) > 0 {
		n := len(deliveries)
		dids, subs, types, keys := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		bodies := make([][]byte, n)
		for i, d := range deliveries {
			dids[i], subs[i], types[i], keys[i], bodies[i] = d.ID, d.SubscriptionID, d.EventType, d.OrderingKey, d.Body
		}
		now := deliveries[0].CreateTime
		b.Queue(`INSERT INTO deliveries (id, subscription_id, event_id, event_type, ordering_key, body, traceparent,
				event_time, status, next_attempt_time, retry_start_time, create_time)
			SELECT i, s, $1, t, k, body, $2, $3, 'pending', $4, $4, $4
			FROM unnest($5::uuid[], $6::uuid[], $7::text[], $8::text[], $9::bytea[]) WITH ORDINALITY AS x(i, s, t, k, body, n)
			ORDER BY n
			ON CONFLICT (subscription_id, event_id) DO NOTHING`,
			e.ID, e.Traceparent, e.Time, now, dids, subs, types, keys, bodies)
		b.Queue(`SELECT pg_notify($1, '')`, NotifyChannel)
	}
	if b.Len() == 0 {
		return nil
	}
	return db.Error(in.tx.SendBatch(ctx, b).Close())
}

// Listen delivers a wake-up on the returned channel whenever deliveries are
// queued (NOTIFY on NotifyChannel, heard at commit), until ctx ends. It
// holds one connection of the pool and reconnects after a failure.
func (p *Postgres) Listen(ctx context.Context, onError func(error)) <-chan struct{} {
	wake := make(chan struct{}, 1)
	signal := func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	go func() {
		for ctx.Err() == nil {
			err := p.listen(ctx, signal)
			if ctx.Err() != nil {
				return
			}
			onError(err)
			signal() // something may have been missed while not listening
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
		}
	}()
	return wake
}

func (p *Postgres) listen(ctx context.Context, signal func()) error {
	conn, err := p.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN "+NotifyChannel); err != nil {
		return err
	}
	defer func() {
		// The connection goes back to the pool: stop listening on it.
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		if _, err := conn.Exec(uctx, "UNLISTEN *"); err != nil {
			conn.Conn().Close(uctx)
		}
	}()
	for {
		if _, err := conn.Conn().WaitForNotification(ctx); err != nil {
			return err
		}
		signal()
	}
}
