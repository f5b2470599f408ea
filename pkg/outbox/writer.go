package outbox

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/ids"
	"go.opentelemetry.io/otel/propagation"
)

// lockClass is the first key of the transaction-level advisory lock that
// orders a schema's outbox writes (the second is hashtext of the schema),
// so commit order and id order agree; see the package documentation.
const lockClass = 0x5350_4f42 // "SPOB"

// lockSQL takes the outbox lock of the schema the connection writes to.
const lockSQL = `SELECT pg_advisory_xact_lock($1::int, hashtext(current_schema()))`

// insertSQL appends the events (organisation lists as JSON text: unnest of
// a two-dimensional array would flatten them) and notifies the feed's
// listeners, which hear it at commit.
const insertSQL = `WITH ins AS (
	INSERT INTO outbox (event_id, type, aggregate_type, aggregate_id, organisation_ids, data, traceparent)
	SELECT e, t, at, ai, ARRAY(SELECT jsonb_array_elements_text(o)), d, tp
	FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::jsonb[], $7::text[]) AS x(e, t, at, ai, o, d, tp)
	RETURNING id)
SELECT pg_notify('spona_outbox_' || current_schema(), max(id)::text) FROM ins`

// Write appends evs to the outbox of the schema tx writes to (its
// search_path), in tx: the events commit with the change or not at all.
//
// On a pipelined transaction (db.InTx's) both statements are queued, so
// they go with the COMMIT in one round trip; their errors are the commit's.
//
// Call it last in the transaction, right before Commit: it takes the
// schema's outbox lock, held until the transaction ends, so that events get
// their positions in commit order. Anything the transaction did after Write
// would lengthen the time other writers wait, and a row lock taken after it
// could deadlock with a writer holding that row and waiting for the outbox.
func Write(ctx context.Context, tx pgx.Tx, evs ...events.Event) error {
	if len(evs) == 0 {
		return nil
	}
	n := len(evs)
	eventIDs, types, aggTypes, aggIDs := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	orgs, datas, traces := make([]string, n), make([]string, n), make([]string, n)
	tp := traceparent(ctx)
	for i, e := range evs {
		if err := events.Check(e); err != nil {
			return err
		}
		data := e.Data
		if data == nil {
			data = map[string]any{}
		}
		raw, err := json.Marshal(data)
		if err != nil {
			return fmt.Errorf("outbox: encode %s: %w", e.Type, err)
		}
		o, err := json.Marshal(orgList(e.OrganisationIDs))
		if err != nil {
			return err
		}
		eventIDs[i], types[i], aggTypes[i], aggIDs[i] = ids.New(), e.Type, e.AggregateType, e.AggregateID
		orgs[i], datas[i], traces[i] = string(o), string(raw), tp
	}
	if q, ok := tx.(db.Queuer); ok {
		// A pipelined transaction sends both with its COMMIT: the lock is
		// then held for no round trip at all.
		q.Queue(lockSQL, lockClass)
		q.Queue(insertSQL, eventIDs, types, aggTypes, aggIDs, orgs, datas, traces)
		return nil
	}
	b := &pgx.Batch{}
	b.Queue(lockSQL, lockClass)
	b.Queue(insertSQL, eventIDs, types, aggTypes, aggIDs, orgs, datas, traces)
	res := tx.SendBatch(ctx, b)
	if _, err := res.Exec(); err != nil {
		_ = res.Close()
		return db.Error(err)
	}
	if _, err := res.Exec(); err != nil {
		_ = res.Close()
		return db.Error(err)
	}
	return db.Error(res.Close())
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
