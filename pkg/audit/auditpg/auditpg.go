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
//	    purpose folded by pkg/translit's Fold, which NamedSQL matches)
package auditpg

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/audit"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/pkg/translit"
)

// Insert returns the data-modifying WITH queries name and name_purpose
// (with name_erased and name_blanked, which they use) that append the
// audit records of one call that the query sel selects
// (actor_organisation_id, actor_client_id, owner_organisation_id,
// beneficiary_id, action, fields, resource) and, when the call declared a
// purpose and sel selected a record, the purpose, with the actor's
// organisation: purpose and call are SQL expressions of the purpose as
// PurposeArg gives it (text[]) and the call's id (uuid, NULL when it
// declared none: CallArg). A call's later records find its purpose stored
// and leave it as it is (blanked, if an erasure did).
//
// A call that declared a purpose locks the rows of the persons it
// recorded (the schema's beneficiaries table, FOR KEY SHARE, in id order)
// until its transaction ends, and a call that finds one of them erased
// stores its purpose blank (or blanks it, stored by its earlier records),
// as her erasure blanks the purposes of the calls it sees: an erasure
// locks her row (FOR UPDATE) before it looks, so a call that locked it
// first has committed by then and is seen, and one that comes second
// waits for the erasure's commit and then reads her row as the erasure
// left it (READ COMMITTED reads a row it locks at its latest version).
// Without a purpose nothing is locked: there is nothing to blank.
func Insert(name, sel, purpose, call string) string {
	return name + ` AS (INSERT INTO audit_events (actor_organisation_id, actor_client_id, owner_organisation_id,
			beneficiary_id, action, fields, resource, purpose_id)
		SELECT s.*, ` + call + `::uuid FROM (` + sel + `) s RETURNING actor_organisation_id, beneficiary_id),
	` + name + `_erased AS (SELECT COALESCE(bool_or(l.erase_time IS NOT NULL), false) AS erased FROM (SELECT b.erase_time FROM beneficiaries b
		WHERE b.id IN (SELECT beneficiary_id FROM ` + name + `) ORDER BY b.id FOR KEY SHARE OF b) l),
	` + name + `_blanked AS (SELECT audit_events_forget_purposes('{}', '{}', ARRAY[` + call + `::uuid])
		WHERE ` + call + `::uuid IS NOT NULL AND (SELECT erased FROM ` + name + `_erased)),
	` + name + `_purpose AS (INSERT INTO audit_purposes (id, purpose, folded, organisation_id)
		SELECT ` + call + `::uuid, (` + purpose + `)[1], (` + purpose + `)[2], (SELECT actor_organisation_id FROM ` + name + ` LIMIT 1)
		WHERE ` + call + `::uuid IS NOT NULL AND EXISTS (SELECT 1 FROM ` + name + `) AND NOT EXISTS (SELECT 1 FROM ` + name + `_blanked)
		ON CONFLICT (id) DO NOTHING)`
}

// Naming is a person as a purpose may name her, for an erasure to find
// the purposes of calls that did not read her (a search before she was
// registered stores its purpose with the others it found): her values as
// stored, folded here (pkg/translit's Fold, as the purposes' folded text
// was), so that the database only compares, whatever its locale. Only
// what names one person is looked for, since a purpose blanked by mistake
// is lost for good:
//   - a name of two words or more (given and family name, in either
//     order; a name in another script), as whole words: "Ana Kovač" is
//     not found in "Ivana Kovačević", and a name of one word alone (a
//     given name without a family name: Ali, Nada, Vera, which are also
//     everyday words) is not looked for;
//   - a document number of at least MinNumber characters, whatever the
//     case, white space and punctuation ("PX 7Q4-K9M2");
//   - a phone of at least MinPhoneDigits digits, by its last
//     MinPhoneDigits (with or without the country code, any separators);
//   - an e-mail address whole, whatever its case ("ana.kovac@x.org" is
//     not found in "ivana.kovac@x.org").
type Naming struct {
	Names, Numbers, Phones, Emails []string
}

const (
	// MinNumber is how many characters (folded, without spaces) a
	// document number needs to be looked for.
	MinNumber = 6
	// MinPhoneDigits is how many digits a phone needs to be looked for,
	// and how many of its last digits are.
	MinPhoneDigits = 8
)

// Patterns returns the LIKE patterns NamedSQL matches: words, on the
// folded purpose padded with a space either side, and unspaced, on the
// folded purpose without its spaces. Both are empty when n has nothing
// specific enough to look for.
func (n Naming) Patterns() (words, unspaced []string) {
	for _, s := range slices.Concat(n.Names, n.Emails) {
		// A name of one word folds without a space; an e-mail address
		// has at least two words (its @).
		if f := translit.Fold(s); strings.Contains(f, " ") {
			words = append(words, "% "+likeEscape(f)+" %")
		}
	}
	for _, s := range n.Numbers {
		if f := strings.ReplaceAll(translit.Fold(s), " ", ""); utf8.RuneCountInString(f) >= MinNumber {
			unspaced = append(unspaced, "%"+likeEscape(f)+"%")
		}
	}
	for _, s := range n.Phones {
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, s)
		if len(digits) >= MinPhoneDigits {
			unspaced = append(unspaced, "%"+digits[len(digits)-MinPhoneDigits:]+"%")
		}
	}
	slices.Sort(words)
	slices.Sort(unspaced)
	return slices.Compact(words), slices.Compact(unspaced)
}

// NamedSQL selects the ids of the stored purposes, not blank, of the calls
// of the organisations orgs (an SQL uuid[] expression) whose folded text
// matches one of the patterns words or unspaced (SQL text[] expressions of
// Naming.Patterns). It reads every such purpose of the organisations (by
// their index) and compares its folded text; it folds nothing.
func NamedSQL(orgs, words, unspaced string) string {
	return `SELECT p.id FROM audit_purposes p
		WHERE p.organisation_id = ANY (` + orgs + `) AND p.purpose <> '' AND ` + Names("p.folded", words, unspaced)
}

// Names is the condition that the folded text folded (an SQL text
// expression, folded by pkg/translit's Fold) matches one of the patterns
// words or unspaced (SQL text[] expressions of Naming.Patterns): that it
// names the person, as NamedSQL finds a purpose that does.
func Names(folded, words, unspaced string) string {
	return `(' ' || ` + folded + ` || ' ' LIKE ANY (` + words + `) OR replace(` + folded + `, ' ', '') LIKE ANY (` + unspaced + `))`
}

// likeEscape escapes LIKE's special characters in s.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

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
