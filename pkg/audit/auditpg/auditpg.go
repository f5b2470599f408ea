// Package auditpg stores audit records in the audit_events table of the
// schema on the connection's search path (the beneficiaries schema), and
// the purposes their calls declared in audit_purposes, once per call:
// append-only tables (their triggers refuse UPDATE, DELETE and TRUNCATE;
// erasure blanks purposes through a function of the table's owner).
//
//	audit_events (id bigint identity, time timestamptz, actor_organisation_id uuid,
//	    actor_client_id text, owner_organisation_id uuid, beneficiary_id uuid,
//	    action text, fields text[], purpose text (records from before
//	    audit_purposes only), resource text, purpose_id uuid)
//	audit_purposes (id uuid: the call's id, purpose text, organisation_id
//	    uuid: the organisation whose call declared it, folded text: the
//	    purpose folded by pkg/translit's Fold, which Naming matches)
//
// and the schema's translit_fold(text), Fold in SQL, which folds what
// Naming looks for (and the purposes stored before folded was).
package auditpg

import (
	"context"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/audit"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/pkg/translit"
)

// Insert returns two data-modifying WITH queries, name and name_purpose,
// that append the audit records of one call that the query sel selects
// (actor_organisation_id, actor_client_id, owner_organisation_id,
// beneficiary_id, action, fields, resource) and, when the call declared a
// purpose and sel selected a record, the purpose, with the actor's
// organisation: purpose and call are SQL expressions of the purpose as
// PurposeArg gives it (text[]) and the call's id (uuid, NULL when it
// declared none: CallArg). A call's later records find its purpose stored
// and leave it as it is (blanked, if an erasure did).
func Insert(name, sel, purpose, call string) string {
	return name + ` AS (INSERT INTO audit_events (actor_organisation_id, actor_client_id, owner_organisation_id,
			beneficiary_id, action, fields, resource, purpose_id)
		SELECT s.*, ` + call + `::uuid FROM (` + sel + `) s RETURNING actor_organisation_id),
	` + name + `_purpose AS (INSERT INTO audit_purposes (id, purpose, folded, organisation_id)
		SELECT ` + call + `::uuid, (` + purpose + `)[1], (` + purpose + `)[2], (SELECT actor_organisation_id FROM ` + name + ` LIMIT 1)
		WHERE ` + call + `::uuid IS NOT NULL AND EXISTS (SELECT 1 FROM ` + name + `) ON CONFLICT (id) DO NOTHING)`
}

// Naming is a person as a purpose may name her, for an erasure to find
// the purposes of calls that did not read her (a search before she was
// registered stores its purpose with the others it found): each field is
// an SQL text[] expression of values as stored.
type Naming struct {
	// Organisations (uuid[]) whose calls' purposes are looked at.
	Organisations string
	// Names: each a name as written (given and family name, in either
	// order; a name in another script), found in the purpose when it
	// contains them folded (translit_fold), as a word when the name is
	// one word (Ana, not in "analiza").
	Names string
	// Numbers: document numbers, found whatever the case, white space and
	// punctuation.
	Numbers string
	// Phones: found by their last 8 digits (all when fewer), so a number
	// written with or without the country code, or with other
	// separators, is found.
	Phones string
	// Emails: found whatever their case.
	Emails string
}

// SQL selects the ids of the stored purposes, not blank, of the calls of
// the organisations that name the person. It reads every such purpose of
// the organisations (by their index), and matches its folded text: the
// names as they are, the numbers, phones and e-mails without its spaces
// (folded too, so that "PX 7Q4-K9M2", "064/777-1234" and an e-mail in
// capitals are found).
func (n Naming) SQL() string {
	return `SELECT p.id FROM audit_purposes p, (SELECT
			ARRAY(SELECT DISTINCT ` + likeAny(`CASE WHEN strpos(f, ' ') = 0 THEN ' ' || f || ' ' ELSE f END`) + `
				FROM unnest(` + n.Names + `) x, translit_fold(x) f WHERE f <> '') AS names,
			ARRAY(SELECT DISTINCT ` + likeAny(`f`) + ` FROM (
				SELECT ` + unspaced(`translit_fold(x)`) + ` FROM unnest(` + n.Numbers + `) x
				UNION ALL SELECT right(regexp_replace(x, '[^0-9]+', '', 'g'), 8) FROM unnest(` + n.Phones + `) x
				UNION ALL SELECT ` + unspaced(`translit_fold(x)`) + ` FROM unnest(` + n.Emails + `) x) t(f) WHERE f <> '') AS unspaced) n,
		LATERAL (SELECT COALESCE(p.folded, translit_fold(p.purpose)) AS f) f
		WHERE p.organisation_id = ANY (` + n.Organisations + `) AND p.purpose <> ''
			AND (' ' || f.f || ' ' LIKE ANY (n.names) OR ` + unspaced("f.f") + ` LIKE ANY (n.unspaced))`
}

// likeAny is a LIKE pattern matching any text containing the text x (SQL).
func likeAny(x string) string {
	return `'%' || replace(replace(replace(` + x + `, '\', '\\'), '%', '\%'), '_', '\_') || '%'`
}

// unspaced is the folded text x (SQL) without its spaces.
func unspaced(x string) string { return `replace(` + x + `, ' ', '')` }

// PurposeArg is the argument for Insert's purpose: the purpose and its
// folded text.
func PurposeArg(purpose string) []string { return []string{purpose, translit.Fold(purpose)} }

// CallArg is the argument for Insert's call: the id (Actor.PurposeCall),
// or NULL for "" (no purpose declared).
func CallArg(call string) any {
	if call == "" {
		return nil
	}
	return call
}

// appendSQL appends the records of one call, with their owners $3 and
// beneficiaries $4 (uuid[]).
var appendSQL = `WITH ` + Insert("a", `SELECT $1::uuid, $2::text, o, b, $5::text, $6::text[], $8::text
	FROM unnest($3::uuid[], $4::uuid[]) AS t(o, b)`, "$7::text[]", "$9") + ` SELECT`

// Append inserts records, in the transaction q belongs to when it is one
// (queued in a pipelined one: they go with its next statement or its
// commit, which fails if they do). Records that share everything but the
// beneficiary and owner (one call's rows) go in one statement. A record
// with a purpose but no call (an Actor built by hand) is given one, shared
// by the records of this statement.
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
		switch {
		case head.Purpose == "":
			head.Call = ""
		case head.Call == "":
			head.Call = ids.New()
		}
		if err := db.Defer(ctx, q, appendSQL,
			head.ActorOrganisationID, head.ActorClientID, owners, bens, head.Action, db.Strings(head.Fields),
			PurposeArg(head.Purpose), head.Resource, CallArg(head.Call)); err != nil {
			return err
		}
		recs = recs[n:]
	}
	return nil
}

func sameHead(a, b audit.Record) bool {
	return a.ActorOrganisationID == b.ActorOrganisationID && a.ActorClientID == b.ActorClientID &&
		a.Action == b.Action && a.Purpose == b.Purpose && a.Call == b.Call && a.Resource == b.Resource &&
		slices.Equal(a.Fields, b.Fields)
}

// List returns the records of owner's beneficiaries (one, or all for ""),
// newest first, optionally only those by actor, after page.After (an id).
func List(ctx context.Context, q db.Querier, owner, beneficiaryID, actor string, page pagination.Page) ([]audit.Record, error) {
	rows, err := q.Query(ctx, `SELECT e.id, e.time, e.actor_organisation_id, e.actor_client_id, e.owner_organisation_id,
			e.beneficiary_id, e.action, e.fields, COALESCE(p.purpose, e.purpose), e.resource
		FROM audit_events e LEFT JOIN audit_purposes p ON p.id = e.purpose_id
		WHERE e.owner_organisation_id = $1 AND ($2 = '' OR e.beneficiary_id = $2::uuid) AND ($3 = '' OR e.actor_organisation_id = $3::uuid)
			AND ($4 = '' OR e.id < $4::bigint)
		ORDER BY e.id DESC LIMIT $5`, owner, beneficiaryID, actor, page.After, page.Limit())
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
