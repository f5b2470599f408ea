package outbox

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/events"
)

// WriteEach appends, in tx, one event per row of query (a SELECT of one
// text column, an aggregate id; args are its parameters $1, $2, …): a copy
// of tmpl whose AggregateID is the id and whose Data[idField] is the id,
// in the query's order. The events are made by PostgreSQL from the rows,
// so a change of many records (an import of 50,000 rows) emits them
// without holding them in memory. Their event ids are random (version 4).
//
// As Write, it waits for nobody, belongs after the locks on the aggregates
// it names (in practice: last in the transaction), and on a pipelined
// transaction is queued for the COMMIT.
func WriteEach(ctx context.Context, tx pgx.Tx, tmpl events.Event, idField, query string, args ...any) error {
	data := map[string]any{}
	for k, v := range tmpl.Data {
		data[k] = v
	}
	// Checked as the events will be: with an id, also in Data.
	probe := tmpl
	probe.AggregateID, probe.Data = "-", map[string]any{idField: "-"}
	for k, v := range data {
		probe.Data[k] = v
	}
	if err := events.Check(probe); err != nil {
		return err
	}
	delete(data, idField)
	raw, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("outbox: encode %s: %w", tmpl.Type, err)
	}
	n := len(args)
	sql := fmt.Sprintf(`INSERT INTO outbox (event_id, type, aggregate_type, aggregate_id, organisation_ids, data, traceparent)
	SELECT gen_random_uuid(), $%[1]d, $%[2]d, x.id, $%[3]d::text[], $%[4]d::jsonb || jsonb_build_object($%[5]d::text, x.id), $%[6]d
	FROM (%[7]s) AS x(id)`,
		n+1, n+2, n+3, n+4, n+5, n+6, query)
	args = append(args[:n:n], tmpl.Type, tmpl.AggregateType, orgList(tmpl.OrganisationIDs), string(raw), idField, traceparent(ctx))
	afterCommit(tx)
	return db.Defer(ctx, tx, sql, args...)
}
