// Package auditpg stores audit records in the audit_events table of the
// schema on the connection's search path (the beneficiaries schema): an
// append-only table (its triggers refuse UPDATE, DELETE and TRUNCATE).
//
//	audit_events (id bigint identity, time timestamptz, actor_organisation_id uuid,
//	    actor_client_id text, owner_organisation_id uuid, beneficiary_id uuid,
//	    action text, fields text[], purpose text, resource text)
package auditpg

import (
	"context"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/audit"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/pagination"
)

// Append inserts records, in the transaction q belongs to when it is one
// (queued in a pipelined one: they go with its next statement or its
// commit, which fails if they do). Records that share everything but the
// beneficiary and owner (one call's rows) go in one statement.
func Append(ctx context.Context, q db.Querier, recs []audit.Record) error {
	for len(recs) > 0 {
		head := recs[0]
		n := 1
		for n < len(recs) && sameHead(recs[n], head) {
			n++
		}
		owners, bens := make([]string, n), make([]string, n)
		for i, r := range recs[:n] {
			owners[i], bens[i] = r.OwnerOrganisationID, r.BeneficiaryID
		}
		if err := db.Defer(ctx, q, `INSERT INTO audit_events
			(actor_organisation_id, actor_client_id, owner_organisation_id, beneficiary_id, action, fields, purpose, resource)
			SELECT $1, $2, o, b, $5, $6, $7, $8 FROM unnest($3::uuid[], $4::uuid[]) AS t(o, b)`,
			head.ActorOrganisationID, head.ActorClientID, owners, bens, head.Action, db.Strings(head.Fields),
			head.Purpose, head.Resource); err != nil {
			return err
		}
		recs = recs[n:]
	}
	return nil
}

func sameHead(a, b audit.Record) bool {
	return a.ActorOrganisationID == b.ActorOrganisationID && a.ActorClientID == b.ActorClientID &&
		a.Action == b.Action && a.Purpose == b.Purpose && a.Resource == b.Resource && slices.Equal(a.Fields, b.Fields)
}

// List returns the records of owner's beneficiaries (one, or all for ""),
// newest first, optionally only those by actor, after page.After (an id).
func List(ctx context.Context, q db.Querier, owner, beneficiaryID, actor string, page pagination.Page) ([]audit.Record, error) {
	rows, err := q.Query(ctx, `SELECT id, time, actor_organisation_id, actor_client_id, owner_organisation_id,
			beneficiary_id, action, fields, purpose, resource
		FROM audit_events
		WHERE owner_organisation_id = $1 AND ($2 = '' OR beneficiary_id = $2::uuid) AND ($3 = '' OR actor_organisation_id = $3::uuid)
			AND ($4 = '' OR id < $4::bigint)
		ORDER BY id DESC LIMIT $5`, owner, beneficiaryID, actor, page.After, page.Limit())
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (audit.Record, error) {
		var e audit.Record
		err := r.Scan(&e.ID, &e.Time, &e.ActorOrganisationID, &e.ActorClientID, &e.OwnerOrganisationID,
			&e.BeneficiaryID, &e.Action, &e.Fields, &e.Purpose, &e.Resource)
		return e, err
	})
	return out, db.Error(err)
}
