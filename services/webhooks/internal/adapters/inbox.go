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

// changesLock orders the change feed's appends (with hashtext of the table
// as second key): positions follow commit order, so a reader that saw
// position n has seen every committed change before it.
const changesLock = `SELECT pg_advisory_xact_lock(1397774155, hashtext('webhooks.changes')) -- 'SPWK'`

// queueDeliveries inserts a delivery of each notice's body to every active
// subscription of its organisation to its type. The subscriptions stay
// share-locked until the transaction ends: one being disabled meanwhile
// waits, and then dead-letters these deliveries too.
const queueDeliveries = `WITH queued AS (
	INSERT INTO deliveries (subscription_id, event_id, event_type, ordering_key, body, traceparent,
		event_time, status, next_attempt_time, retry_start_time, create_time)
	SELECT s.id, $1, n.t, n.k, n.b, $2, $3, 'pending', $4, $4, $4
	FROM unnest($5::uuid[], $6::text[], $7::text[], $8::bytea[]) AS n(o, t, k, b)
	JOIN subscriptions s ON s.organisation_id = n.o AND n.t = ANY (s.event_types) AND s.state = 'active'
	FOR SHARE OF s
	ON CONFLICT (subscription_id, event_id) DO NOTHING
	RETURNING 1)
SELECT pg_notify($9, '') FROM (SELECT 1 FROM queued LIMIT 1) AS any_queued`

// Add appends the event's change-feed entries and queues its deliveries
// (both ignored when already there), in one round trip.
func (in *Inbox) Add(ctx context.Context, e domain.Event, notices []domain.Notice, bodies [][]byte, now time.Time) error {
	n := len(notices)
	if n == 0 {
		return nil
	}
	orgs, types, keys, datas := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, x := range notices {
		raw, err := json.Marshal(x.Data)
		if err != nil {
			return err
		}
		orgs[i], types[i], keys[i], datas[i] = x.OrganisationID, x.Type, x.OrderingKey, string(raw)
	}
	b := &pgx.Batch{}
	b.Queue(changesLock)
	b.Queue(`INSERT INTO changes (organisation_id, event_id, type, event_time, data)
		SELECT o, $1, t, $2, d FROM unnest($3::uuid[], $4::text[], $5::jsonb[]) AS x(o, t, d)
		ON CONFLICT (organisation_id, event_id) DO NOTHING`, e.ID, e.Time, orgs, types, datas)
	b.Queue(queueDeliveries, e.ID, e.Traceparent, e.Time, now, orgs, types, keys, bodies, NotifyChannel)
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
