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
// subscription of its organisation that took its type at or before the
// event's time ($3): a subscription is sent what happened after it
// subscribed, not what a catch-up of the feed (first start, after
// downtime) applies late; the change feed keeps those. Both times are
// PostgreSQL's clock: the event's is its outbox create_time in its
// service's database, the subscription's is stamped by this database
// (event_types_since, migration 00012; create_time, the process's clock,
// for subscriptions from before it). The subscriptions stay share-locked
// until the transaction ends: one being disabled meanwhile waits, and then
// dead-letters these deliveries too.
const queueDeliveries = `WITH queued AS (
	INSERT INTO deliveries (subscription_id, event_id, event_type, ordering_key, body, traceparent,
		event_time, status, next_attempt_time, retry_start_time, create_time)
	SELECT s.id, $1, n.t, n.k, n.b, $2, $3, 'pending', $4, $4, $4
	FROM unnest($5::uuid[], $6::text[], $7::text[], $8::bytea[]) AS n(o, t, k, b)
	JOIN subscriptions s ON s.organisation_id = n.o AND n.t = ANY (s.event_types) AND s.state = 'active'
		AND coalesce((s.event_types_since ->> n.t)::timestamptz, s.create_time) <= $3
	FOR SHARE OF s
	ON CONFLICT (subscription_id, event_id) DO NOTHING
	RETURNING 1)
SELECT pg_notify($9, '') FROM (SELECT 1 FROM queued LIMIT 1) AS any_queued`

// recordChanges takes the aggregate's next sequence number ($1, $2; the
// row stays locked until the consumer's transaction ends) and appends the
// event's change-feed entries with it in their data (under key $8),
// ignoring those already there; it returns the number.
const recordChanges = `WITH seq AS (
	INSERT INTO aggregate_sequences AS s (aggregate_type, aggregate_id, last) VALUES ($1, $2, 1)
	ON CONFLICT (aggregate_type, aggregate_id) DO UPDATE SET last = s.last + 1
	RETURNING last),
added AS (
	INSERT INTO changes (organisation_id, event_id, type, event_time, data)
	SELECT x.o, $3, x.t, $4, x.d || jsonb_build_object($8::text, seq.last)
	FROM unnest($5::uuid[], $6::text[], $7::jsonb[]) AS x(o, t, d), seq
	ON CONFLICT (organisation_id, event_id) DO NOTHING)
SELECT last FROM seq`

// Record takes the next sequence number of the event's aggregate and
// appends the event's change-feed entries, numbered, in one round trip
// (which carries what was deferred before it: the previous event's
// deliveries); it returns the number.
func (in *Inbox) Record(ctx context.Context, e domain.Event, notices []domain.Notice) (int64, error) {
	n := len(notices)
	orgs, types, datas := make([]string, n), make([]string, n), make([]string, n)
	for i, x := range notices {
		raw, err := json.Marshal(x.Data)
		if err != nil {
			return 0, err
		}
		orgs[i], types[i], datas[i] = x.OrganisationID, x.Type, string(raw)
	}
	if err := db.Defer(ctx, in.tx, changesLock); err != nil {
		return 0, err
	}
	var seq int64
	err := in.tx.QueryRow(ctx, recordChanges, e.AggregateType, e.AggregateID, e.ID, e.Time, orgs, types, datas, domain.SequenceKey).Scan(&seq)
	return seq, db.Error(err)
}

// Queue queues the event's deliveries (ignored when already there); on the
// consumer's pipelined transaction the statement goes with the next one or
// the commit, costing no round trip of its own.
func (in *Inbox) Queue(ctx context.Context, e domain.Event, notices []domain.Notice, bodies [][]byte, now time.Time) error {
	n := len(notices)
	orgs, types, keys := make([]string, n), make([]string, n), make([]string, n)
	for i, x := range notices {
		orgs[i], types[i], keys[i] = x.OrganisationID, x.Type, x.OrderingKey
	}
	return db.Defer(ctx, in.tx, queueDeliveries, e.ID, e.Traceparent, e.Time, now, orgs, types, keys, bodies, NotifyChannel)
}

// Listen delivers a wake-up on the returned channel whenever deliveries are
// queued (NOTIFY on NotifyChannel, heard at commit), until ctx ends. It
// holds one connection of its own beside the pool and reconnects after a
// failure.
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
	// Its own connection beside the pool (as the feeds' LISTEN
	// connections are): held for the process's life, a pool connection
	// would be taken from the calls and the dispatcher.
	conn, err := db.OwnConn(ctx, p.pool)
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+NotifyChannel); err != nil {
		return err
	}
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		signal()
	}
}
