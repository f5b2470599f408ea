package adapters

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/imports"
	"github.com/spona/spona/pkg/imports/importsjob"
	"github.com/spona/spona/pkg/intconv"
	"github.com/spona/spona/pkg/outbox"
	"github.com/spona/spona/services/beneficiaries/internal/app"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
)

// scoreSQL computes the parts of a duplicate score of the beneficiary (or
// staged row) aliased other against a person given by SQL expressions: its
// folded name key, birth date, birth year and nationality. FindDuplicates
// and imports score with it, so both find the same duplicates.
func scoreSQL(other, key, birthDate, birthYear, nationality string) string {
	return fmt.Sprintf(`similarity(%[1]s.name_key, %[2]s),
		CASE WHEN %[3]s IS NOT NULL AND %[1]s.birth_date = %[3]s THEN 1.0
			WHEN %[4]s IS NOT NULL AND %[1]s.birth_year = %[4]s THEN 0.8
			WHEN %[4]s IS NOT NULL AND abs(%[1]s.birth_year - %[4]s) = 1 THEN 0.4
			ELSE 0 END,
		CASE WHEN %[5]s <> '' AND %[1]s.nationality = %[5]s THEN 1.0 ELSE 0 END`, other, key, birthDate, birthYear, nationality)
}

// conflictSQL is domain.BirthConflicts of the beneficiary (or staged row)
// aliased other and a person's birth date and year given by SQL
// expressions (a birth year of a date's year when only the date is known).
func conflictSQL(other, birthDate, birthYear string) string {
	return fmt.Sprintf(`CASE WHEN %[2]s IS NOT NULL AND %[1]s.birth_date IS NOT NULL THEN %[1]s.birth_date <> %[2]s
		ELSE COALESCE(abs(COALESCE(%[1]s.birth_year, EXTRACT(year FROM %[1]s.birth_date)::int)
			- COALESCE(%[3]s, EXTRACT(year FROM %[2]s)::int)) > 1, false) END`, other, birthDate, birthYear)
}

// withinRank ranks an earlier row of the file (o: the parts of its score)
// as a duplicate of a row, as domain.Candidate.Combine scores it.
var withinRank = fmt.Sprintf(`(%g * o.name_score + %g * o.birth_score + %g * o.nationality_score)`,
	domain.WeightName, domain.WeightBirth, domain.WeightNationality)

// ImportRows returns staged rows of an import after row after.
func (p *Postgres) ImportRows(ctx context.Context, importID string, after, limit int) ([]*imports.StagedRow, error) {
	return importsjob.Rows(ctx, p.q, importID, after, limit)
}

// ImportDuplicates scores a chunk of staged rows against the
// organisation's current beneficiaries whose names resemble theirs (the 10
// most alike per row) and against the earlier rows of the same import (of
// the MaxDuplicateCandidates nearest by name, the 10 that score best, those
// whose birth conflicts with the row's last: a file may hold more than ten
// namesakes before a row that repeats one of them), in one statement. The chunk's keys are sent as
// arrays, so each row probes the trigram indexes with its own key whatever
// the statistics of the freshly staged rows say.
func (p *Postgres) ImportDuplicates(ctx context.Context, org, importID string, chunk []*imports.StagedRow) (map[int][]domain.Candidate, map[int][]app.RowCandidate, error) {
	var (
		rowNos, births []int32
		keys, nats     []string
		dates          []*time.Time
	)
	for _, r := range chunk {
		if r.NameKey == "" {
			continue
		}
		rowNos, keys, nats = append(rowNos, intconv.Int32(r.Row)), append(keys, r.NameKey), append(nats, r.Nationality)
		births = append(births, intconv.Int32(r.BirthYear))
		dates = append(dates, r.BirthDate.Ptr())
	}
	existing := map[int][]domain.Candidate{}
	within := map[int][]app.RowCandidate{}
	if len(rowNos) == 0 {
		return existing, within, nil
	}
	rows, err := p.q.Query(ctx, `WITH r AS (SELECT u.row_no, u.name_key, u.birth_date, NULLIF(u.birth_year, 0) AS birth_year, u.nationality
			FROM unnest($3::int[], $4::text[], $5::date[], $6::int[], $7::text[]) AS u(row_no, name_key, birth_date, birth_year, nationality))
		SELECT r.row_no, c.id::text, 0, c.name_score, c.birth_score, c.nationality_score, c.conflict
		FROM r CROSS JOIN LATERAL (
			SELECT b.id, `+scoreSQL("b", "r.name_key", "r.birth_date", "r.birth_year", "r.nationality")+`,
				`+conflictSQL("b", "r.birth_date", "r.birth_year")+`
			FROM beneficiaries b
			WHERE b.organisation_id = $1 AND b.name_key IN `+similarKeys("r.name_key")+` AND `+current+`
			ORDER BY 2 DESC, b.id DESC LIMIT `+fmt.Sprint(domain.MaxDuplicateCandidates)+`) AS c(id, name_score, birth_score, nationality_score, conflict)
		UNION ALL
		SELECT r.row_no, '', o.row_no, o.name_score, o.birth_score, o.nationality_score, o.conflict
		FROM r CROSS JOIN LATERAL (
			SELECT o.* FROM (
				SELECT o.row_no, `+scoreSQL("o", "r.name_key", "r.birth_date", "r.birth_year", "r.nationality")+`,
					`+conflictSQL("o", "r.birth_date", "r.birth_year")+`
				FROM import_rows o
				WHERE o.name_key % r.name_key AND o.name_key <> '' AND o.import_id = $2 AND o.row_no < r.row_no
				ORDER BY o.name_key <-> r.name_key, o.row_no LIMIT `+fmt.Sprint(domain.MaxDuplicateCandidates)+`
			) AS o(row_no, name_score, birth_score, nationality_score, conflict)
			ORDER BY o.conflict, `+withinRank+` DESC, o.row_no LIMIT 10) AS o
		ORDER BY 1, 3`, org, importID, rowNos, keys, dates, births, nats)
	if err != nil {
		return nil, nil, db.Error(err)
	}
	var row, other int
	var c domain.Candidate
	var id string
	_, err = pgx.ForEachRow(rows, []any{&row, &id, &other, &c.NameScore, &c.BirthScore, &c.NationalityScore, &c.BirthConflict}, func() error {
		x := c
		x.Combine()
		if id != "" {
			x.Beneficiary = &domain.Beneficiary{ID: id}
			existing[row] = append(existing[row], x)
		} else {
			within[row] = append(within[row], app.RowCandidate{Row: other, Candidate: x})
		}
		return nil
	})
	return existing, within, db.Error(err)
}

// Sexes returns the sex codes of org's records among ids.
func (p *Postgres) Sexes(ctx context.Context, org string, ids []string) (map[string]string, error) {
	return p.textPairs(ctx, `SELECT id::text, sex FROM beneficiaries
		WHERE organisation_id = $1 AND id = ANY ($2::uuid[])`, org, ids)
}

// ExternalIDsTaken returns org's records that have one of externalIDs:
// record id by external id.
func (p *Postgres) ExternalIDsTaken(ctx context.Context, org string, externalIDs []string) (map[string]string, error) {
	return p.textPairs(ctx, `SELECT external_id, id::text FROM beneficiaries
		WHERE organisation_id = $1 AND external_id = ANY ($2::text[])`, org, externalIDs)
}

// textPairs runs sql, which selects two text columns, and returns the
// second by the first.
func (p *Postgres) textPairs(ctx context.Context, sql string, args ...any) (map[string]string, error) {
	rows, err := p.q.Query(ctx, sql, args...)
	if err != nil {
		return nil, db.Error(err)
	}
	out := map[string]string{}
	var key, value string
	_, err = pgx.ForEachRow(rows, []any{&key, &value}, func() error {
		out[key] = value
		return nil
	})
	return out, db.Error(err)
}

// SetImportDuplicates records the probable duplicates of staged rows. An
// import scores its rows against the persons it read when it started, so
// a row may be scored against a person erased since: their erasure could
// not reach it, so what erasure clears of a row scored against them is
// cleared now (importsjob.Forget), after the scores are stored (an erasure
// from now on finds the row by them).
func (p *Postgres) SetImportDuplicates(ctx context.Context, importID string, rows []*imports.StagedRow) error {
	if err := importsjob.SetDuplicates(ctx, p.q, importID, rows); err != nil {
		return err
	}
	var matched []string
	for _, r := range rows {
		for _, m := range r.Matches {
			matched = append(matched, m.ID)
		}
	}
	if len(matched) == 0 {
		return nil
	}
	rs, err := p.q.Query(ctx, `SELECT id::text FROM beneficiaries WHERE id = ANY ($1::uuid[]) AND erase_time IS NOT NULL`, matched)
	if err != nil {
		return db.Error(err)
	}
	erased, err := pgx.CollectRows(rs, pgx.RowTo[string])
	if err != nil || len(erased) == 0 {
		return db.Error(err)
	}
	// The import's purpose goes from the audit log too (its id is its
	// audit records' call): blanked there before the rows it writes store
	// it.
	return importsjob.Forget(ctx, p.q, erased, `SELECT audit_events_forget_purposes('{}', '{}', ARRAY(SELECT id FROM p))`)
}

// SetImportOutcomes records what the import did with rows.
func (p *Postgres) SetImportOutcomes(ctx context.Context, importID string, outs []imports.Outcome) error {
	return importsjob.SetOutcomes(ctx, p.q, importID, outs)
}

// EmitForCreated records tmpl for every record the import created, made
// from its rows with the commit (outbox.WriteEach).
func (p *Postgres) EmitForCreated(ctx context.Context, importID string, tmpl events.Event) error {
	if p.tx == nil {
		return errors.New("beneficiaries: events emitted outside a transaction")
	}
	p.pendingEach = append(p.pendingEach, func(tx pgx.Tx) error {
		return outbox.WriteEach(ctx, tx, tmpl, "beneficiary_id", `SELECT resource_id::text FROM import_rows
			WHERE import_id = $1 AND outcome = 'created' ORDER BY row_no`, importID)
	})
	return nil
}

// FinishImport ends the import as succeeded (in the transaction of its
// writes, inside InTx).
func (p *Postgres) FinishImport(ctx context.Context, importID string, c imports.Counts) error {
	return importsjob.Finish(ctx, p.q, importID, c)
}

// CurrentPersonKeys calls fn with the duplicate keys of the organisation's
// current beneficiaries (at most limit; false when there are more).
func (p *Postgres) CurrentPersonKeys(ctx context.Context, org string, limit int, fn func(domain.PersonKey)) (bool, error) {
	rows, err := p.q.Query(ctx, `SELECT b.id::text, public.show_trgm(b.name_key), b.birth_date, COALESCE(b.birth_year, 0), b.nationality
		FROM beneficiaries b WHERE b.organisation_id = $1 AND `+current+` AND b.name_key <> '' LIMIT $2`, org, limit+1)
	if err != nil {
		return false, db.Error(err)
	}
	n := 0
	var k domain.PersonKey
	var birth *time.Time
	_, err = pgx.ForEachRow(rows, []any{&k.ID, &k.Trigrams, &birth, &k.BirthYear, &k.Nationality}, func() error {
		n++
		if n <= limit {
			k.BirthDate = date.FromPtr(birth)
			fn(k)
		}
		k.Trigrams = nil
		return nil
	})
	return n <= limit, db.Error(err)
}

// NameTrigrams returns the trigrams of each name key, as pg_trgm splits
// them.
func (p *Postgres) NameTrigrams(ctx context.Context, keys []string) ([][]string, error) {
	rows, err := p.q.Query(ctx, `SELECT public.show_trgm(k) FROM unnest($1::text[]) WITH ORDINALITY AS u(k, i) ORDER BY i`, keys)
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[[]string])
	return out, db.Error(err)
}

// CreateImported inserts the rows of an import (ids and organisation set,
// no request id) with their first legal status, by COPY, in the
// transaction (inside InTx only).
func (p *Postgres) CreateImported(ctx context.Context, bs []*domain.Beneficiary, statuses []domain.LegalStatusChange) error {
	if p.tx == nil {
		return errors.New("beneficiaries: imported rows written outside a transaction")
	}
	rows := make([][]any, len(bs))
	for i, b := range bs {
		rows[i] = []any{b.ID, b.OrganisationID, db.Null(b.ExternalID), b.GivenName, b.FamilyName, b.OriginalScriptName,
			b.Sex, b.BirthDate.Ptr(), db.NullInt(b.BirthYear), b.BirthDateEstimated, b.Nationality, db.Strings(b.Languages), b.LegalStatus,
			b.Municipality, b.Country, b.Accommodation, db.Strings(b.Vulnerabilities), b.Phone, b.Email, b.Notes,
			b.LegalStatusSince.Ptr(), b.NameKey(), b.MunicipalityKey()}
	}
	if _, err := p.tx.CopyFrom(ctx, pgx.Identifier{"beneficiaries"}, []string{"id", "organisation_id", "external_id", "given_name",
		"family_name", "original_script_name", "sex", "birth_date", "birth_year", "birth_date_estimated", "nationality", "languages",
		"legal_status", "municipality", "country", "accommodation", "vulnerabilities", "phone", "email", "notes", "legal_status_since",
		"name_key", "municipality_key"}, pgx.CopyFromRows(rows)); err != nil {
		return db.Error(err)
	}
	rows = rows[:0]
	for i, c := range statuses {
		if c.LegalStatus != "" {
			rows = append(rows, []any{ids.New(), bs[i].ID, c.LegalStatus, c.Since.Time(), c.OrganisationID})
		}
	}
	_, err := p.tx.CopyFrom(ctx, pgx.Identifier{"legal_status_history"}, []string{"id", "beneficiary_id", "legal_status", "since", "organisation_id"},
		pgx.CopyFromRows(rows))
	return db.Error(err)
}
