package adapters

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/services/beneficiaries/internal/app"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
)

// ImportDuplicatesLateral is the first way imports found duplicates (two
// lateral queries per chunk: a trigram index probe per row against the
// organisation's beneficiaries, and a KNN scan per row over the file's
// earlier rows), kept as the benchmark's baseline.
func ImportDuplicatesLateral(ctx context.Context, q db.Querier, org, importID string, after, upTo int) (map[int][]domain.Candidate, map[int][]app.RowCandidate, error) {
	rows, err := q.Query(ctx, LateralExistingSQL, org, importID, after, upTo)
	if err != nil {
		return nil, nil, db.Error(err)
	}
	existing := map[int][]domain.Candidate{}
	var row int
	var c domain.Candidate
	var id string
	_, err = pgx.ForEachRow(rows, []any{&row, &id, &c.NameScore, &c.BirthScore, &c.NationalityScore}, func() error {
		x := c
		x.Beneficiary = &domain.Beneficiary{ID: id}
		x.Combine()
		existing[row] = append(existing[row], x)
		return nil
	})
	if err != nil {
		return nil, nil, db.Error(err)
	}
	rows, err = q.Query(ctx, LateralWithinSQL, importID, after, upTo)
	if err != nil {
		return nil, nil, db.Error(err)
	}
	within := map[int][]app.RowCandidate{}
	var other int
	_, err = pgx.ForEachRow(rows, []any{&row, &other, &c.NameScore, &c.BirthScore, &c.NationalityScore}, func() error {
		x := c
		x.Combine()
		within[row] = append(within[row], app.RowCandidate{Row: other, Candidate: x})
		return nil
	})
	return existing, within, db.Error(err)
}

// The baseline's statements.
var (
	LateralExistingSQL = `SELECT r.row_no, c.id, c.name_score, c.birth_score, c.nationality_score
		FROM import_rows r CROSS JOIN LATERAL (
			SELECT b.id, ` + scoreSQL("b", "r.name_key", "r.birth_date", "r.birth_year", "r.nationality") + `
			FROM beneficiaries b
			WHERE b.organisation_id = $1 AND ` + current + ` AND b.name_key IN ` + similarKeys("r.name_key") + `
			ORDER BY 2 DESC, b.id DESC LIMIT 10) AS c(id, name_score, birth_score, nationality_score)
		WHERE r.import_id = $2 AND r.row_no > $3 AND r.row_no <= $4 AND r.name_key <> ''`
	LateralWithinSQL = `SELECT r.row_no, o.row_no, o.name_score, o.birth_score, o.nationality_score
		FROM import_rows r CROSS JOIN LATERAL (
			SELECT o.row_no, ` + scoreSQL("o", "r.name_key", "r.birth_date", "r.birth_year", "r.nationality") + `
			FROM import_rows o
			WHERE o.import_id = r.import_id AND o.row_no < r.row_no AND o.name_key % r.name_key AND o.name_key <> ''
			ORDER BY o.name_key <-> r.name_key LIMIT 10) AS o(row_no, name_score, birth_score, nationality_score)
		WHERE r.import_id = $1 AND r.row_no > $2 AND r.row_no <= $3 AND r.name_key <> ''
		ORDER BY 1, 2`
)

// The parts of the search's SQL, for BenchmarkSearch's baseline.
const (
	BeneficiaryCols = beneficiaryCols
	Visible         = visible
	Current         = current
)

// SearchAuditedSQL is the statement SearchBeneficiaries sends.
var SearchAuditedSQL = searchAuditedSQL

// SearchAuditedBeforeSQL is that statement as it was before purposes were
// stored once per call (migration 00018): the purpose $11 copied into
// every record.
const SearchAuditedBeforeSQL = searchPage + `,
	audited AS (INSERT INTO audit_events (actor_organisation_id, actor_client_id, owner_organisation_id, beneficiary_id, action, fields, purpose)
		SELECT $6, $7, b.organisation_id, b.id, $8, CASE WHEN b.organisation_id = $1 THEN $9::text[] ELSE $10::text[] END, $11
		FROM (SELECT page.id FROM page ORDER BY page.score DESC, page.id DESC LIMIT $12) s JOIN beneficiaries b ON b.id = s.id)` + searchRows

// ReadAuditedSQL is the statement ReadAudited sends.
var ReadAuditedSQL = readAuditedSQL
