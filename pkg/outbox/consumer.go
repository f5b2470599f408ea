package outbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	eventsv1 "github.com/spona/spona/gen/go/spona/events/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/logging"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// Handler applies one event in the consumer's transaction tx (which also
// stores the consumer's cursor); ctx carries tx too (db.WithTx), so use
// cases run through db.InTx and db.Conn join it. It must be idempotent: after a crash
// between the feed and the commit, the event comes again. An error rolls the
// batch back; the events before the failed one are then applied without
// it, and the consumer retries from the failed one after a pause.
type Handler func(ctx context.Context, tx pgx.Tx, ev *eventsv1.Event) error

// ConsumerOptions configures a Consumer.
type ConsumerOptions struct {
	// Name identifies the consumer: its cursor row in outbox_cursors and
	// its leadership lock. Replicas of one service share it.
	Name string
	// Pool is the consumer's own database (its schema holds outbox_cursors).
	Pool *pgxpool.Pool
	// Feed is the producing service's EventFeedService, over a connection
	// that issues this process's principals (grpcx.NewClient).
	Feed eventsv1.EventFeedServiceClient
	// Process names the consuming process in its principal: the consumer
	// reads as auth.InternalPrincipal(Process), with events.read.
	Process string
	// Types limits the events received (all when empty).
	Types []string
	// Handle applies an event.
	Handle Handler
	// Batch is the most events applied in one transaction; 0 is 100.
	Batch int
	// Retry is the pause after a failure and the interval at which a
	// replica that is not the leader tries to become it; 0 is two seconds.
	Retry time.Duration
	// Lease is how long the leader may go without a sign of life (it
	// shows one on its lock's connection every Lease/4) before another
	// replica ends its session and takes the lead: a leader whose host
	// froze or fell off the network keeps its connection, and its lock,
	// open on the server for as long as TCP lets it (hours). 0 is 30
	// seconds.
	Lease time.Duration
	Log   *slog.Logger
}

// Consumer applies the events of another service's feed, in order, exactly
// once per commit of its own database:
//
//   - its cursor lives in its own schema (outbox_cursors), updated in the
//     transaction that applies the events, so an event is applied and
//     recorded together or not at all;
//   - it resumes from that cursor after a restart or an outage (catch-up);
//   - among replicas, one leads (a session advisory lock keyed by Name) and
//     the others wait to take over; each batch also locks the cursor row and
//     checks it is where the leader left it, so even two leaders (a lock
//     lost with its connection) never apply an event twice;
//   - a leader shows a sign of life on its lock's connection every
//     Lease/4; one silent for Lease (frozen, or cut off with its
//     connection still open on the server) has its session ended by
//     another replica, which then leads; a transaction of its left open
//     (the cursor row locked) ends once idle for Lease.
type Consumer struct {
	o       ConsumerOptions
	applied metric.Int64Counter
	lag     metric.Float64Histogram
}

// NewConsumer returns a consumer; Run starts it.
func NewConsumer(o ConsumerOptions) (*Consumer, error) {
	if o.Name == "" || o.Pool == nil || o.Feed == nil || o.Handle == nil {
		return nil, errors.New("outbox: consumer needs a name, a pool, a feed client and a handler")
	}
	if o.Batch <= 0 {
		o.Batch = 100
	}
	if o.Retry <= 0 {
		o.Retry = 2 * time.Second
	}
	if o.Lease <= 0 {
		o.Lease = 30 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Process == "" {
		o.Process = o.Name
	}
	c := &Consumer{o: o}
	m := otel.Meter("github.com/spona/spona/pkg/outbox")
	var err error
	if c.applied, err = m.Int64Counter("outbox.consumer.applied", metric.WithUnit("{event}"),
		metric.WithDescription("Events applied by a consumer.")); err != nil {
		return nil, err
	}
	if c.lag, err = m.Float64Histogram("outbox.consumer.lag", metric.WithUnit("s"),
		metric.WithDescription("Time from an event's commit in its service to its application by a consumer."),
		metric.WithExplicitBucketBoundaries(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)); err != nil {
		return nil, err
	}
	// The consumer's count is exported from the start, at 0, as the
	// webhooks' attempts are: a rate or an alert on it reads 0 until the
	// first event, not "no data". The lag histogram has no series until
	// its first event (the SDK exports no empty histogram).
	c.applied.Add(context.Background(), 0, metric.WithAttributes(attribute.String("consumer", o.Name)))
	return c, nil
}

// Run consumes until ctx ends. After a failure it waits Retry, doubling
// while failures repeat (at most 8 x Retry); a replica that is not the
// leader tries every Retry.
func (c *Consumer) Run(ctx context.Context) {
	failures := 0
	// The leadership lock's connection is the consumer's own, beside the
	// pool (as a feed's LISTEN connection is): held for the process's
	// life, it would otherwise take a pool connection per consumer from
	// the calls (and with a small pool, all of them). It is opened again
	// after a failure.
	var conn *pgx.Conn
	defer func() { closeConn(conn) }()
	for ctx.Err() == nil {
		var led bool
		var err error
		if conn == nil || conn.IsClosed() {
			conn, err = db.OwnConn(ctx, c.o.Pool)
			if err != nil {
				conn, err = nil, db.Error(err)
			}
		}
		if conn != nil {
			if led, err = c.leadOnce(ctx, conn); err != nil {
				closeConn(conn)
				conn = nil
			}
		}
		if ctx.Err() != nil {
			return
		}
		wait := c.o.Retry
		switch {
		case err != nil:
			c.o.Log.WarnContext(ctx, "event consumer stopped; retrying", slog.String("consumer", c.o.Name), logging.Err(err))
			wait <<= min(failures, 3)
			failures++
		case led:
			failures = 0
			continue
		default:
			failures = 0
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// closeConn closes conn (if any), taking its session's locks with it,
// within five seconds.
func closeConn(conn *pgx.Conn) {
	if conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = conn.Close(ctx)
}

// leadOnce becomes the leader if no replica is (or the leader has been
// silent for Lease), and consumes until an error. led is false when
// another replica leads.
func (c *Consumer) leadOnce(ctx context.Context, conn *pgx.Conn) (led bool, err error) {
	var got bool
	// Advisory locks are database-wide: the key names the schema too, as
	// several services' consumers of one feed share the name.
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(`+leaderKey+`)`, c.o.Name).Scan(&got); err != nil {
		return false, db.Error(err)
	}
	if !got {
		ended, err := c.endSilentLeader(ctx, conn)
		if err != nil || !ended {
			return false, err
		}
		if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(`+leaderKey+`)`, c.o.Name).Scan(&got); err != nil || !got {
			return false, db.Error(err)
		}
	}
	defer func() {
		uctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, uerr := conn.Exec(uctx, `SELECT pg_advisory_unlock(`+leaderKey+`)`, c.o.Name); uerr != nil {
			// The connection is suspect: close it so the lock goes with it
			// (Run opens another).
			_ = conn.Close(uctx)
		}
	}()
	// Signs of life on the lock's connection while consuming: a replica
	// that finds this session silent for Lease ends it. A sign that fails
	// (the session was ended, the server is gone) stops consuming.
	cctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := make(chan struct{})
	beats := make(chan struct{})
	go func() {
		defer close(beats)
		t := time.NewTicker(c.o.Lease / 4)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			if _, err := conn.Exec(cctx, `SELECT 1`); err != nil {
				cancel(fmt.Errorf("leader's connection: %w", err))
				return
			}
		}
	}()
	err = c.consume(cctx)
	close(stop)
	<-beats
	if cause := context.Cause(cctx); err == nil && ctx.Err() == nil && cause != nil {
		err = cause
	}
	return true, err
}

// endSilentLeader ends the session holding the consumer's leadership lock
// when it has been idle for Lease (its leader shows a sign of life every
// Lease/4), and reports whether it did. A replica may end a session of its
// own role (pg_terminate_backend; the replicas of a service share it).
func (c *Consumer) endSilentLeader(ctx context.Context, conn *pgx.Conn) (bool, error) {
	var ended int
	err := conn.QueryRow(ctx, `WITH k AS (SELECT `+leaderKey+` AS key)
		SELECT count(*) FILTER (WHERE pg_terminate_backend(a.pid, 5000))
		FROM k, pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
			AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
			AND l.classid = ((k.key >> 32) & 4294967295)::oid AND l.objid = (k.key & 4294967295)::oid
			AND a.state = 'idle' AND a.state_change < now() - $2::interval`,
		c.o.Name, c.o.Lease.String()).Scan(&ended)
	if err != nil {
		return false, db.Error(err)
	}
	if ended > 0 {
		c.o.Log.WarnContext(ctx, "event consumer's leader silent; its session ended, taking the lead",
			slog.String("consumer", c.o.Name), slog.Duration("silent_for_more_than", c.o.Lease))
	}
	return ended > 0, nil
}

// Cursor returns the consumer's stored cursor ("" before the first event).
func (c *Consumer) Cursor(ctx context.Context) (string, error) {
	var cur string
	err := c.o.Pool.QueryRow(ctx, `SELECT cursor FROM outbox_cursors WHERE consumer = $1`, c.o.Name).Scan(&cur)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return cur, db.Error(err)
}

// leaderKey is the advisory lock key of consumer $1 in the connection's schema.
const leaderKey = `hashtextextended('spona-consumer:' || current_schema() || ':' || $1, 0)`

// errFenced means the stored cursor is not where this leader left it.
var errFenced = errors.New("cursor moved under the consumer (another leader?); restarting from the stored cursor")

func (c *Consumer) consume(ctx context.Context) error {
	if _, err := c.o.Pool.Exec(ctx, `INSERT INTO outbox_cursors (consumer) VALUES ($1) ON CONFLICT DO NOTHING`, c.o.Name); err != nil {
		return db.Error(err)
	}
	cur, err := c.Cursor(ctx)
	if err != nil {
		return err
	}
	sctx, cancel := context.WithCancel(auth.WithPrincipal(ctx, auth.InternalPrincipal(c.o.Process)))
	defer cancel()
	stream, err := c.o.Feed.WatchEvents(sctx, &eventsv1.WatchEventsRequest{After: cur, Types: c.o.Types})
	if err != nil {
		return err
	}
	// A receiver goroutine fills a buffer so that events that have arrived
	// are applied together.
	type item struct {
		msg *eventsv1.WatchEventsResponse
		err error
	}
	in := make(chan item, c.o.Batch)
	go func() {
		defer close(in)
		for {
			msg, err := stream.Recv()
			select {
			case in <- item{msg, err}:
			case <-sctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	for {
		var it item
		var ok bool
		select {
		case <-ctx.Done():
			return nil
		case it, ok = <-in:
		}
		var batch []*eventsv1.WatchEventsResponse
		for ok && it.err == nil {
			batch = append(batch, it.msg)
			if len(batch) == c.o.Batch {
				break
			}
			select {
			case it, ok = <-in:
			default:
				it, ok = item{}, false
			}
		}
		if len(batch) > 0 {
			if cur, err = c.apply(ctx, cur, batch); err != nil {
				return err
			}
		}
		switch {
		case it.err != nil && errors.Is(it.err, io.EOF):
			return errors.New("feed closed the stream")
		case it.err != nil:
			return it.err
		case len(batch) == 0:
			return errors.New("feed stream ended")
		}
	}
}

// apply applies batch after cursor from, in one transaction that checks and
// moves the stored cursor; it returns the new cursor. When an event fails,
// the events before it in the batch are applied on their own before the
// error is returned: an event that cannot be applied (yet) holds back only
// the events after it.
func (c *Consumer) apply(ctx context.Context, from string, batch []*eventsv1.WatchEventsResponse) (string, error) {
	to, err := c.applyBatch(ctx, from, batch)
	var failed *handlerError
	if errors.As(err, &failed) && failed.at > 0 {
		if before, perr := c.applyBatch(ctx, from, batch[:failed.at]); perr == nil {
			return before, err
		}
	}
	return to, err
}

// handlerError is the handler's error for the event at batch index at.
type handlerError struct {
	at  int
	err error
}

func (e *handlerError) Error() string { return e.err.Error() }
func (e *handlerError) Unwrap() error { return e.err }

// applyBatch applies batch after cursor from, in one transaction that
// checks and moves the stored cursor; it returns the new cursor.
func (c *Consumer) applyBatch(ctx context.Context, from string, batch []*eventsv1.WatchEventsResponse) (string, error) {
	to := from
	var evs []*eventsv1.Event
	err := db.InTx(ctx, c.o.Pool, func(tx pgx.Tx) error {
		// The transaction holds the cursor row: were this process to freeze
		// (or its host to fall off the network) with it open, the replica
		// taking the lead would wait for that row as long as the server
		// keeps the session. The server ends the transaction once it has
		// been idle for Lease instead (its statements run back to back).
		var stored string
		if err := tx.QueryRow(ctx, `SELECT cursor FROM outbox_cursors,
				set_config('idle_in_transaction_session_timeout', $2, true)
			WHERE consumer = $1 FOR UPDATE OF outbox_cursors`, c.o.Name, strconv.FormatInt(c.o.Lease.Milliseconds(), 10)).Scan(&stored); err != nil {
			return db.Error(err)
		}
		if stored != from {
			return errFenced
		}
		for i, m := range batch {
			if ev := m.GetEvent(); ev != nil {
				if err := c.o.Handle(db.WithTx(ctx, tx), tx, ev); err != nil {
					return &handlerError{at: i, err: fmt.Errorf("applying %s %s: %w", ev.GetType(), ev.GetId(), err)}
				}
				evs = append(evs, ev)
			}
			if m.GetCursor() != "" {
				to = m.GetCursor()
			}
		}
		// Queued: it goes with the COMMIT.
		return db.Defer(ctx, tx, `UPDATE outbox_cursors SET cursor = $2, update_time = now() WHERE consumer = $1`, c.o.Name, to)
	})
	if err != nil {
		return from, err
	}
	now := time.Now()
	attrs := metric.WithAttributes(attribute.String("consumer", c.o.Name))
	for _, ev := range evs {
		c.applied.Add(ctx, 1, attrs)
		if t := ev.GetCreateTime(); t != nil {
			c.lag.Record(ctx, now.Sub(t.AsTime()).Seconds(), attrs)
		}
	}
	return to, nil
}

// Str returns the string data value key of ev ("" when absent).
func Str(ev *eventsv1.Event, key string) string {
	return ev.GetData().GetFields()[key].GetStringValue()
}

// Strs returns the list of strings data value key of ev.
func Strs(ev *eventsv1.Event, key string) []string {
	var out []string
	for _, v := range ev.GetData().GetFields()[key].GetListValue().GetValues() {
		out = append(out, v.GetStringValue())
	}
	return out
}
