package adapters

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/imports"
	"github.com/spona/spona/pkg/imports/importsjob"
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

// ImportRows returns staged rows of an import after row after.
func (p *Postgres) ImportRows(ctx context.Context, importID string, after, limit int) ([]*imports.StagedRow, error) {
	return importsjob.Rows(ctx, p.q, importID, after, limit)
}

// ImportDuplicates scores the staged rows in (after, upTo] against the
// organisation's current beneficiaries whose names resemble theirs (at most
// 10 per row) and against the earlier rows of the same import.
func (p *Postgres) ImportDuplicates(ctx context.Context, org, importID string, after, upTo int) (map[int][]domain.Candidate, map[int][]app.RowCandidate, error) {
	rows, err := p.q.Query(ctx, `SELECT r.row_no, c.id, c.name_score, c.birth_score, c.nationality_score
		FROM import_rows r CROSS JOIN LATERAL (
			SELECT b.id, `+scoreSQL("b", "r.name_key", "r.birth_date", "r.birth_year", "r.nationality")+`
			FROM beneficiaries b
			WHERE b.organisation_id = $1 AND `+current+` AND b.name_key % r.name_key
			ORDER BY 2 DESC, b.id DESC LIMIT 10) AS c(id, name_score, birth_score, nationality_score)
		WHERE r.import_id = $2 AND r.row_no > $3 AND r.row_no <= $4 AND r.name_key <> ''`, org, importID, after, upTo)
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
	// Within the file: the 10 earlier rows nearest by name (a KNN scan of
	// the trigram index), scored the same way.
	rows, err = p.q.Query(ctx, `SELECT r.row_no, o.row_no, o.name_score, o.birth_score, o.nationality_score
		FROM import_rows r CROSS JOIN LATERAL (
			SELECT o.row_no, `+scoreSQL("o", "r.name_key", "r.birth_date", "r.birth_year", "r.nationality")+`
			FROM import_rows o
			WHERE o.import_id = r.import_id AND o.row_no < r.row_no AND o.name_key % r.name_key
			ORDER BY o.name_key <-> r.name_key LIMIT 10) AS o(row_no, name_score, birth_score, nationality_score)
		WHERE r.import_id = $1 AND r.row_no > $2 AND r.row_no <= $3 AND r.name_key <> ''
		ORDER BY 1, 2`, importID, after, upTo)
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

// SetImportDuplicates records the probable duplicates of staged rows.
func (p *Postgres) SetImportDuplicates(ctx context.Context, importID string, rows []*imports.StagedRow) error {
	return importsjob.SetDuplicates(ctx, p.q, importID, rows)
}

// SetImportOutcomes records what the import did with rows.
func (p *Postgres) SetImportOutcomes(ctx context.Context, importID string, outs []imports.Outcome) error {
	return importsjob.SetOutcomes(ctx, p.q, importID, outs)
}

// FinishImport ends the import as succeeded (in the transaction of its
// writes, inside InTx).
func (p *Postgres) FinishImport(ctx context.Context, importID string, c imports.Counts) error {
	return importsjob.Finish(ctx, p.q, importID, c)
}
