package outbox

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/logging"
)

// written fires after the commit of every pipelined transaction that wrote
// events in this process (Write): the process's feeds then stamp them.
var written = newSignal()

// sequenceBatch is the most events one stamping transaction positions.
const sequenceBatch = 1000

// lockFeedSQL makes its transaction the feed's only sequencer until it
// ends: positions are handed out, and become visible, one stamping
// transaction after the other.
const lockFeedSQL = `SELECT 1 FROM outbox_feed FOR UPDATE`

// stampSQL gives the oldest committed events without a position (in id
// order) the positions after sequenced_through, moves sequenced_through
// past them and notifies the feed's listeners (heard at commit) with the
// new sequenced_through and the types stamped: "<position> <type>,<type>". Run
// after lockFeedSQL, in its own statement, so its snapshot holds every
// earlier stamping.
const stampSQL = `WITH todo AS (
		SELECT id, row_number() OVER (ORDER BY id) AS n FROM outbox WHERE pos IS NULL ORDER BY id LIMIT $1),
	stamped AS (
		UPDATE outbox o SET pos = f.sequenced_through + todo.n FROM todo, outbox_feed f
		WHERE o.id = todo.id RETURNING o.pos, o.type),
	types AS (SELECT COALESCE(array_agg(DISTINCT type ORDER BY type), '{}') AS list FROM stamped),
	moved AS (
		UPDATE outbox_feed SET sequenced_through = sequenced_through + (SELECT count(*) FROM stamped)
		WHERE EXISTS (SELECT 1 FROM stamped) RETURNING sequenced_through)
	SELECT (SELECT count(*) FROM stamped), (SELECT list FROM types),
		(SELECT pg_notify('spona_outbox_' || current_schema(),
			sequenced_through::text || ' ' || array_to_string((SELECT list FROM types), ',')) FROM moved) IS NOT NULL`

// sequence gives committed events without a position theirs, in one round
// trip: at most sequenceBatch of them; it returns how many.
//
// Why this is commit order where it matters:
//   - a reader's snapshot sees a stamping transaction whole, and stamping
//     transactions commit one after the other, so when a reader sees
//     position p it sees every position below p: the highest visible
//     position is a safe high-water mark, and a cursor never passes a
//     position that may still appear;
//   - events commit before they get a position, so no event can commit
//     behind a position already served;
//   - two transactions changing one aggregate are ordered by the
//     aggregate's row lock and insert their events after it (see Write),
//     so the later one's events have higher ids, and a snapshot that sees
//     the later commit sees the earlier one: stamping in id order gives
//     them positions in commit order.
func (f *Feed) sequence(ctx context.Context) (int64, error) {
	tx, err := db.BeginPipe(ctx, f.pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return 0, db.Error(err)
	}
	defer func() { _ = tx.Rollback(ctx) }() // after Commit: nothing
	var n int64
	var types []string
	var notified bool
	tx.Queue(lockFeedSQL)
	tx.QueueRow(stampSQL, []any{sequenceBatch}, func(r pgx.Row) error { return r.Scan(&n, &types, &notified) })
	if err := tx.Commit(ctx); err != nil {
		return 0, db.Error(err)
	}
	if n > 0 {
		f.wake.fire(types) // this process's watchers need not wait for the notification
	}
	return n, nil
}

// sequencer stamps this process's events as soon as their transactions
// commit, and everybody else's every PollEvery, until ctx ends.
func (f *Feed) sequencer(ctx context.Context) {
	for ctx.Err() == nil {
		woken := written.wait() // before stamping, so no commit is missed
		n, err := f.sequence(ctx)
		if err != nil && ctx.Err() == nil {
			f.o.Log.WarnContext(ctx, "stamping outbox positions", logging.Err(err))
			woken = nil // retry after a pause, not at the next commit
		}
		if err == nil && n == sequenceBatch {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-woken:
			// Let the commits of the next moment join this one's stamp.
			select {
			case <-ctx.Done():
			case <-time.After(stampGather):
			}
		case <-time.After(f.o.PollEvery):
		}
	}
}

// stampGather is how long the sequencer waits after a commit wakes it, so
// that one stamping transaction covers the commits of that moment instead of
// one transaction per commit.
const stampGather = 3 * time.Millisecond

// notifiedTypes returns the event types a stamping notification names
// (stampSQL's payload), nil (any type) for a payload without them.
func notifiedTypes(payload string) []string {
	_, list, ok := strings.Cut(payload, " ")
	if !ok || list == "" {
		return nil
	}
	return strings.Split(list, ",")
}
