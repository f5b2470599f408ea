package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	eventsv1 "github.com/spona/spona/gen/go/spona/events/v1"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/grpcx"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Page sizes of ListEvents.
const (
	DefaultPageSize = 100
	MaxPageSize     = 1000
)

// FeedOptions configures a Feed.
type FeedOptions struct {
	// Name of the feed: the service, whose schema holds the outbox.
	Name string
	// Retention is how long events are kept (EVENT_RETENTION); 0 keeps
	// them for 7 days.
	Retention time.Duration
	// PruneEvery is how often old events are deleted; 0 is a minute.
	PruneEvery time.Duration
	// PollEvery is how often a caught-up WatchEvents looks for new events
	// when no notification came (the listener connection is down, say); 0 is
	// two seconds.
	PollEvery time.Duration
	// CheckpointEvery is how often a caught-up WatchEvents whose types
	// filter left events out sends a checkpoint; 0 is ten seconds.
	CheckpointEvery time.Duration
	Log             *slog.Logger
}

// Feed serves a service's outbox as spona.events.v1.EventFeedService.
type Feed struct {
	eventsv1.UnimplementedEventFeedServiceServer
	pool *pgxpool.Pool
	o    FeedOptions
	wake *signal
}

// NewFeed returns the feed of the outbox in pool's schema.
func NewFeed(pool *pgxpool.Pool, o FeedOptions) *Feed {
	if o.Retention <= 0 {
		o.Retention = 7 * 24 * time.Hour
	}
	if o.PruneEvery <= 0 {
		o.PruneEvery = time.Minute
	}
	if o.PollEvery <= 0 {
		o.PollEvery = 2 * time.Second
	}
	if o.CheckpointEvery <= 0 {
		o.CheckpointEvery = 10 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &Feed{pool: pool, o: o, wake: newSignal()}
}

// Register serves the feed on srv.
func (f *Feed) Register(srv *grpc.Server) { eventsv1.RegisterEventFeedServiceServer(srv, f) }

// Run listens for new events (to wake WatchEvents) and prunes events older
// than the retention, until ctx ends.
func (f *Feed) Run(ctx context.Context) {
	done := make(chan struct{})
	go func() { defer close(done); f.listen(ctx) }()
	t := time.NewTicker(f.o.PruneEvery)
	defer t.Stop()
	for {
		if _, err := f.Prune(ctx, time.Now().Add(-f.o.Retention)); err != nil && ctx.Err() == nil {
			f.o.Log.WarnContext(ctx, "pruning the outbox", slog.String("error", err.Error()))
		}
		select {
		case <-ctx.Done():
			<-done
			return
		case <-t.C:
		}
	}
}

// listen holds a connection LISTENing on the feed's channel and wakes the
// watchers at every notification; it reconnects after a failure.
func (f *Feed) listen(ctx context.Context) {
	channel := pgx.Identifier{"spona_outbox_" + f.o.Name}.Sanitize()
	delay := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := func() error {
			conn, err := pgx.ConnectConfig(ctx, f.pool.Config().ConnConfig.Copy())
			if err != nil {
				return err
			}
			defer conn.Close(context.Background())
			if _, err := conn.Exec(ctx, "LISTEN "+channel); err != nil {
				return err
			}
			f.wake.fire() // anything committed while not listening
			delay = 100 * time.Millisecond
			for {
				if _, err := conn.WaitForNotification(ctx); err != nil {
					return err
				}
				f.wake.fire()
			}
		}()
		if ctx.Err() != nil {
			return
		}
		f.o.Log.WarnContext(ctx, "outbox listener lost; polling until it is back", slog.String("error", err.Error()))
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(delay*2, 5*time.Second)
	}
}

// Prune deletes the events created before cutoff and records the position
// they reached: cursors before it are then OUT_OF_RANGE. It returns how
// many events it deleted.
//
// Positions follow commit order and creation times are taken under the
// outbox lock, so the events before cutoff are a prefix of the feed.
func (f *Feed) Prune(ctx context.Context, cutoff time.Time) (int64, error) {
	var through *int64
	err := f.pool.QueryRow(ctx, `SELECT max(id) FROM (SELECT id FROM outbox WHERE create_time < $1
		ORDER BY create_time DESC LIMIT 1) x`, cutoff).Scan(&through)
	if err != nil || through == nil {
		return 0, db.Error(err)
	}
	// Readers refuse cursors before the new mark from now on; the rows go
	// in batches afterwards.
	if _, err := f.pool.Exec(ctx, `UPDATE outbox_feed SET pruned_through = GREATEST(pruned_through, $1)`, *through); err != nil {
		return 0, db.Error(err)
	}
	var total int64
	for {
		tag, err := f.pool.Exec(ctx, `DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE id <= $1 ORDER BY id LIMIT 5000)`, *through)
		if err != nil {
			return total, db.Error(err)
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < 5000 {
			return total, nil
		}
	}
}

// state is what a read needs to know about the feed, in its snapshot.
type state struct {
	feed     uuid.UUID
	pruned   int64 // positions up to here are gone
	assigned int64 // highest position ever handed to a writer
	high     int64 // highest committed position visible
}

// stateSQL reads the feed's state (see state).
const stateSQL = `SELECT f.feed_id, f.pruned_through,
		COALESCE(pg_sequence_last_value(pg_get_serial_sequence('outbox', 'id')::regclass), 0),
		GREATEST(f.pruned_through, COALESCE((SELECT max(id) FROM outbox), 0))
	FROM outbox_feed f`

func (s *state) scan(row pgx.Row) error {
	return row.Scan(&s.feed, &s.pruned, &s.assigned, &s.high)
}

func (f *Feed) badRequest(field, msg string) error {
	st := status.New(codes.InvalidArgument, field+": "+msg)
	br := &errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: field, Description: msg}}}
	if d, err := st.WithDetails(br); err == nil {
		st = d
	}
	return st.Err()
}

// ReasonCursorExpired is the ErrorInfo reason of an OUT_OF_RANGE cursor; its
// metadata "oldest_cursor" is the oldest cursor still available.
const ReasonCursorExpired = "CURSOR_EXPIRED"

// resolve checks a cursor against the feed's state.
func (f *Feed) resolve(s state, after string) (int64, error) {
	if after == "" {
		return s.pruned, nil
	}
	c, err := parseCursor(after, s.feed)
	if err != nil {
		return 0, f.badRequest("after", err.Error())
	}
	if c.pos > s.assigned {
		return 0, f.badRequest("after", errFromFuture.Error())
	}
	if c.pos < s.pruned {
		oldest := cursor{s.feed, s.pruned}.String()
		st := status.New(codes.OutOfRange, fmt.Sprintf(
			"after: cursor is older than the feed's retention; the oldest cursor available is %q", oldest))
		if d, err := st.WithDetails(&errdetails.ErrorInfo{Reason: ReasonCursorExpired, Domain: grpcx.ErrorDomain,
			Metadata: map[string]string{"oldest_cursor": oldest}}); err == nil {
			st = d
		}
		return 0, st.Err()
	}
	return c.pos, nil
}

func (f *Feed) checkTypes(types []string) error {
	for i, t := range types {
		if _, ok := events.Types[t]; !ok {
			return f.badRequest(fmt.Sprintf("types[%d]", i), fmt.Sprintf("unknown event type %q", t))
		}
	}
	return nil
}

// page reads up to size events after the cursor, in one snapshot and one
// round trip: the events after the cursor's position are read with the
// feed's state, and the cursor is checked against that state afterwards
// (the events are dropped if it does not hold).
func (f *Feed) page(ctx context.Context, after string, size int, types []string) (*eventsv1.ListEventsResponse, error) {
	var hint int64 // the cursor's position, checked below
	if c, err := decodeCursor(after); err == nil {
		hint = c.pos
	}
	var s state
	var rows []*eventsv1.Event
	var ids []int64
	err := func() error {
		tx, err := db.BeginPipe(ctx, f.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback(ctx) }() // after Commit: nothing
		tx.QueueRow(stateSQL, nil, s.scan)
		tx.QueueRows(`SELECT id, event_id, type, aggregate_type, aggregate_id, organisation_ids, data,
				traceparent, create_time
			FROM outbox WHERE id > GREATEST($1, (SELECT pruned_through FROM outbox_feed))
				AND (cardinality($2::text[]) = 0 OR type = ANY ($2::text[]))
			ORDER BY id LIMIT $3`, []any{hint, db.Strings(types), size}, func(r pgx.Rows) error {
			for r.Next() {
				var (
					id      int64
					ev      eventsv1.Event
					data    []byte
					created time.Time
				)
				if err := r.Scan(&id, &ev.Id, &ev.Type, &ev.AggregateType, &ev.AggregateId, &ev.OrganisationIds,
					&data, &ev.Traceparent, &created); err != nil {
					return err
				}
				var m map[string]any
				if err := json.Unmarshal(data, &m); err != nil {
					return err
				}
				st, err := structpb.NewStruct(m)
				if err != nil {
					return err
				}
				ev.Data, ev.CreateTime = st, timestamppb.New(created)
				rows, ids = append(rows, &ev), append(ids, id)
			}
			return r.Err()
		})
		return tx.Commit(ctx)
	}()
	if err != nil {
		return nil, grpcx.ToStatus(ctx, f.o.Log, db.Error(err))
	}
	pos, err := f.resolve(s, after)
	if err != nil {
		return nil, err
	}
	resp := &eventsv1.ListEventsResponse{Events: rows}
	last := pos
	for i, ev := range rows {
		ev.Cursor = cursor{s.feed, ids[i]}.String()
		last = ids[i]
	}
	// A short page is everything committed up to the high-water mark: no
	// position below it can still commit (see the package doc).
	if len(rows) < size {
		last = max(last, s.high)
	}
	resp.NextCursor = cursor{s.feed, last}.String()
	return resp, nil
}

// ListEvents implements EventFeedService.
func (f *Feed) ListEvents(ctx context.Context, req *eventsv1.ListEventsRequest) (*eventsv1.ListEventsResponse, error) {
	size := int(req.GetPageSize())
	switch {
	case size < 0:
		return nil, f.badRequest("page_size", "must not be negative")
	case size == 0:
		size = DefaultPageSize
	case size > MaxPageSize:
		size = MaxPageSize
	}
	if err := f.checkTypes(req.GetTypes()); err != nil {
		return nil, err
	}
	return f.page(ctx, req.GetAfter(), size, req.GetTypes())
}

// WatchEvents implements EventFeedService: it sends the events after the
// cursor, then every new one as it commits, until the caller goes away.
func (f *Feed) WatchEvents(req *eventsv1.WatchEventsRequest, stream grpc.ServerStreamingServer[eventsv1.WatchEventsResponse]) error {
	ctx := stream.Context()
	if err := f.checkTypes(req.GetTypes()); err != nil {
		return err
	}
	after, sent := req.GetAfter(), req.GetAfter()
	var lastCheckpoint time.Time
	for {
		woken := f.wake.wait() // before reading, so no commit is missed
		resp, err := f.page(ctx, after, MaxPageSize, req.GetTypes())
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		for _, ev := range resp.Events {
			if err := stream.Send(&eventsv1.WatchEventsResponse{Event: ev, Cursor: ev.Cursor}); err != nil {
				return err
			}
			sent = ev.Cursor
		}
		after = resp.NextCursor
		if len(resp.Events) == MaxPageSize {
			continue
		}
		if after != sent && time.Since(lastCheckpoint) >= f.o.CheckpointEvery {
			if err := stream.Send(&eventsv1.WatchEventsResponse{Cursor: after}); err != nil {
				return err
			}
			sent, lastCheckpoint = after, time.Now()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-woken:
		case <-time.After(f.o.PollEvery):
		}
	}
}
