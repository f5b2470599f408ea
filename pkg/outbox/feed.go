package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	eventsv1 "github.com/spona/spona/gen/go/spona/events/v1"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/logging"
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
	wake *news
}

// NewFeed returns the feed of the outbox in pool's schema.
func NewFeed(pool *pgxpool.Pool, o FeedOptions) *Feed {
	if o.Retention <= 0 {
		o.Retention = 7 * 24 * time.Hour
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
	return &Feed{pool: pool, o: o, wake: newNews()}
}

// Register serves the feed on srv.
func (f *Feed) Register(srv *grpc.Server) { eventsv1.RegisterEventFeedServiceServer(srv, f) }

// Run gives newly committed events their positions (at once for this
// process's writes, every PollEvery for other writers') and listens for new
// positions (to wake WatchEvents), until ctx ends. Pruning is the caller's
// to schedule: platform.Base.ServeEvents runs PruneExpired every minute.
func (f *Feed) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { f.listen(ctx) })
	wg.Go(func() { f.sequencer(ctx) })
	wg.Wait()
}

// PruneExpired prunes the events older than the feed's retention (see
// Prune).
func (f *Feed) PruneExpired(ctx context.Context) error {
	_, err := f.Prune(ctx, time.Now().Add(-f.o.Retention))
	return err
}

// listen holds a connection LISTENing on the feed's channel and wakes the
// watchers at every notification; it reconnects after a failure.
func (f *Feed) listen(ctx context.Context) {
	channel := pgx.Identifier{"spona_outbox_" + f.o.Name}.Sanitize()
	delay := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := func() error {
			conn, err := db.OwnConn(ctx, f.pool)
			if err != nil {
				return err
			}
			defer conn.Close(context.Background())
			if _, err := conn.Exec(ctx, "LISTEN "+channel); err != nil {
				return err
			}
			f.wake.fire(nil) // anything committed while not listening
			delay = 100 * time.Millisecond
			for {
				n, err := conn.WaitForNotification(ctx)
				if err != nil {
					return err
				}
				f.wake.fire(notifiedTypes(n.Payload))
			}
		}()
		if ctx.Err() != nil {
			return
		}
		f.o.Log.WarnContext(ctx, "outbox listener lost; polling until it is back", logging.Err(err))
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
// Only a prefix of the feed can go: positions follow commit order, not
// creation times, so the prefix ends at the newest event created before
// cutoff, or before the first event in it created after cutoff (an event
// that committed while an older one was still open).
func (f *Feed) Prune(ctx context.Context, cutoff time.Time) (int64, error) {
	if _, err := f.sequence(ctx); err != nil { // events that nobody read yet
		return 0, err
	}
	var through *int64
	err := f.pool.QueryRow(ctx, `WITH newest AS (
			SELECT pos FROM outbox WHERE create_time < $1 AND pos IS NOT NULL ORDER BY create_time DESC LIMIT 1)
		SELECT LEAST((SELECT pos FROM newest),
			(SELECT min(pos) - 1 FROM outbox WHERE pos <= (SELECT pos FROM newest) AND create_time >= $1))`, cutoff).Scan(&through)
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
		tag, err := f.pool.Exec(ctx, `DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE pos <= $1 ORDER BY pos LIMIT 5000)`, *through)
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
	feed    uuid.UUID
	pruned  int64 // positions up to here are gone
	high    int64 // highest position handed out: all up to it are visible
	pending bool  // committed events are waiting for their positions
}

// stateSQL reads the feed's state (see state).
const stateSQL = `SELECT f.feed_id, f.pruned_through, GREATEST(f.pruned_through, f.sequenced_through),
		EXISTS (SELECT 1 FROM outbox WHERE pos IS NULL)
	FROM outbox_feed f`

func (s *state) scan(row pgx.Row) error {
	return row.Scan(&s.feed, &s.pruned, &s.high, &s.pending)
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
	if c.pos > s.high {
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

// page reads up to size events after the cursor. With stamp, a page that
// would end before committed events that have no position yet stamps them
// first (so a commit is in the next read, without waiting for Run).
func (f *Feed) page(ctx context.Context, after string, size int, types []string, stamp bool) (*eventsv1.ListEventsResponse, error) {
	s, rows, poss, err := f.read(ctx, after, size, types)
	if err == nil && stamp && s.pending && len(rows) < size {
		if _, err = f.sequence(ctx); err == nil {
			s, rows, poss, err = f.read(ctx, after, size, types)
		}
	}
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
		ev.Cursor = cursor{s.feed, poss[i]}.String()
		last = poss[i]
	}
	// A short page is everything up to the high-water mark: no position
	// below it can still appear (see sequence).
	if len(rows) < size {
		last = max(last, s.high)
	}
	resp.NextCursor = cursor{s.feed, last}.String()
	return resp, nil
}

// read reads up to size positioned events after the cursor, in one
// snapshot and one round trip: the events after the cursor's position are
// read with the feed's state, and the caller checks the cursor against that
// state afterwards (dropping the events if it does not hold).
func (f *Feed) read(ctx context.Context, after string, size int, types []string) (s state, rows []*eventsv1.Event, poss []int64, err error) {
	var hint int64 // the cursor's position, checked by the caller
	if c, err := decodeCursor(after); err == nil {
		hint = c.pos
	}
	err = db.InSnapshot(ctx, f.pool, func(tx *db.Pipe) error {
		tx.QueueRow(stateSQL, nil, s.scan)
		tx.QueueRows(`SELECT pos, event_id, type, aggregate_type, aggregate_id, organisation_ids, data,
			traceparent, create_time
		FROM outbox WHERE pos > GREATEST($1, (SELECT pruned_through FROM outbox_feed))
			AND (cardinality($2::text[]) = 0 OR type = ANY ($2::text[]))
		ORDER BY pos LIMIT $3`, []any{hint, db.Strings(types), size}, func(r pgx.Rows) error {
			for r.Next() {
				var (
					pos     int64
					ev      eventsv1.Event
					data    []byte
					created time.Time
				)
				if err := r.Scan(&pos, &ev.Id, &ev.Type, &ev.AggregateType, &ev.AggregateId, &ev.OrganisationIds,
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
				rows, poss = append(rows, &ev), append(poss, pos)
			}
			return r.Err()
		})
		return nil
	})
	return s, rows, poss, err
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
	return f.page(ctx, req.GetAfter(), size, req.GetTypes(), true)
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
	// Woken by a notification, the feed's sequencers are at work: the
	// stream reads what they stamped and leaves the rest to them. At the
	// start and after a quiet PollEvery it stamps what it finds.
	stamp := true
	for {
		woken, gen := f.wake.wait() // before reading, so no commit is missed
		resp, err := f.page(ctx, after, MaxPageSize, req.GetTypes(), stamp)
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
		// Wakes about types this stream filters out are let pass: it reads
		// them, and moves its cursor past them, at the next PollEvery.
		poll := time.NewTimer(f.o.PollEvery)
		stamp = true
	wait:
		for {
			select {
			case <-ctx.Done():
				poll.Stop()
				return nil
			case <-woken:
				if f.wake.since(gen, req.GetTypes()) {
					stamp = false
					break wait
				}
				woken, _ = f.wake.wait()
			case <-poll.C:
				break wait
			}
		}
		poll.Stop()
	}
}
