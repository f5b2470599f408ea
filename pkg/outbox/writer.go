package outbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/ids"
	"go.opentelemetry.io/otel/propagation"
)

// insertSQL appends the events (organisation lists as JSON text: unnest of
// a two-dimensional array would flatten them), without a feed position: the
// feed stamps positions once they have committed (see sequence.go).
const insertSQL = `INSERT INTO outbox (event_id, type, aggregate_type, aggregate_id, organisation_ids, data, traceparent)
	SELECT e, t, at, ai, ARRAY(SELECT jsonb_array_elements_text(o)), d, tp
	FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::jsonb[], $7::text[]) AS x(e, t, at, ai, o, d, tp)`

// Write appends evs to the outbox of the schema tx writes to (its
// search_path), in tx: the events commit with the change or not at all. It
// takes no lock and sends no notification, so event-writing transactions
// do not wait for each other: the feed gives the events their positions in
// commit order after they committed.
//
// On a pipelined transaction (db.InTx's) the insert is queued, so it goes
// with the COMMIT in one round trip; its error is the commit's. After that
// commit the feeds of this process are woken to stamp the events (Feed.Run;
// other writers are found by polling).
//
// Call it after the transaction has locked the aggregates its events are
// about (in practice: last, right before Commit). Two transactions changing
// one aggregate are ordered by that lock, and the feed orders their events
// as they were inserted; an insert made before the lock could put the event
// of the later change first.
func Write(ctx context.Context, tx pgx.Tx, evs ...events.Event) error {
	args, err := insertArgs(ctx, evs)
	if err != nil || args == nil {
		return err
	}
	afterCommit(tx)
	return db.Defer(ctx, tx, insertSQL, args...)
}

// WriteSQL is Write in a database/sql transaction on the pgx driver: a Go
// migration's (goose), which changes data events tell. The feed stamps
// them once the migration has committed.
func WriteSQL(ctx context.Context, tx *sql.Tx, evs ...events.Event) error {
	args, err := insertArgs(ctx, evs)
	if err != nil || args == nil {
		return err
	}
	_, err = tx.ExecContext(ctx, insertSQL, args...)
	return err
}

// insertArgs checks evs and returns insertSQL's arguments for them (nil
// for none).
func insertArgs(ctx context.Context, evs []events.Event) ([]any, error) {
	if len(evs) == 0 {
		return nil, nil
	}
	n := len(evs)
	eventIDs, types, aggTypes, aggIDs := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	orgs, datas, traces := make([]string, n), make([]string, n), make([]string, n)
	tp := traceparent(ctx)
	for i, e := range evs {
		if err := events.Check(e); err != nil {
			return nil, err
		}
		data := e.Data
		if data == nil {
			data = map[string]any{}
		}
		raw, err := json.Marshal(data)
		if err != nil {
			return nil, fmt.Errorf("outbox: encode %s: %w", e.Type, err)
		}
		o, err := json.Marshal(orgList(e.OrganisationIDs))
		if err != nil {
			return nil, err
		}
		eventIDs[i], types[i], aggTypes[i], aggIDs[i] = ids.New(), e.Type, e.AggregateType, e.AggregateID
		orgs[i], datas[i], traces[i] = string(o), string(raw), tp
	}
	return []any{eventIDs, types, aggTypes, aggIDs, orgs, datas, traces}, nil
}

// afterCommit has the process's feeds woken once tx, which wrote events,
// commits (when tx can say so: db.Pipe).
func afterCommit(tx pgx.Tx) {
	if h, ok := tx.(interface{ AfterCommit(func()) }); ok {
		h.AfterCommit(written.fire)
	}
}

// orgList returns the distinct non-empty organisation ids, in order.
func orgList(in []string) []string {
	out := make([]string, 0, len(in))
	seen := map[string]bool{}
	for _, o := range in {
		o = ids.Normalize(o)
		if o != "" && !seen[o] {
			seen[o] = true
			out = append(out, o)
		}
	}
	return out
}

// traceparent returns the W3C traceparent of the span in ctx, "" without one.
func traceparent(ctx context.Context) string {
	c := propagation.MapCarrier{}
	propagation.TraceContext{}.Inject(ctx, c)
	return c["traceparent"]
}
