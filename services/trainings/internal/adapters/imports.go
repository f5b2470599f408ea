package adapters

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/imports"
	"github.com/spona/spona/pkg/imports/importsjob"
	"github.com/spona/spona/services/trainings/internal/app"
	"github.com/spona/spona/services/trainings/internal/domain"
)

// ImportRows returns staged rows of an import after row after.
func (p *Postgres) ImportRows(ctx context.Context, importID string, after, limit int) ([]*imports.StagedRow, error) {
	return importsjob.Rows(ctx, p.pool, importID, after, limit)
}

// ImportDuplicates matches staged rows by person key (professionals'
// person_key: e-mail, else names and organisation) to the event's
// registrations and to earlier rows of the import.
func (p *Postgres) ImportDuplicates(ctx context.Context, organiser, eventID, importID string, after, upTo int) (map[int]string, map[int][]int, error) {
	rows, err := p.pool.Query(ctx, `SELECT r.row_no, pa.id::text FROM import_rows r
		JOIN professionals pr ON pr.organiser_organisation_id = $1 AND pr.person_key = r.match_key
		JOIN participants pa ON pa.professional_id = pr.id AND pa.event_id = $2
		WHERE r.import_id = $3 AND r.row_no > $4 AND r.row_no <= $5 AND r.match_key <> ''`, organiser, eventID, importID, after, upTo)
	if err != nil {
		return nil, nil, db.Error(err)
	}
	existing := map[int]string{}
	var row int
	var id string
	if _, err := pgx.ForEachRow(rows, []any{&row, &id}, func() error { existing[row] = id; return nil }); err != nil {
		return nil, nil, db.Error(err)
	}
	rows, err = p.pool.Query(ctx, `SELECT r.row_no, o.row_no FROM import_rows r
		JOIN import_rows o ON o.import_id = r.import_id AND o.match_key = r.match_key AND o.row_no < r.row_no
		WHERE r.import_id = $1 AND r.row_no > $2 AND r.row_no <= $3 AND r.match_key <> '' ORDER BY 1, 2`, importID, after, upTo)
	if err != nil {
		return nil, nil, db.Error(err)
	}
	within := map[int][]int{}
	var other int
	_, err = pgx.ForEachRow(rows, []any{&row, &other}, func() error { within[row] = append(within[row], other); return nil })
	return existing, within, db.Error(err)
}

// SetImportDuplicates records the probable duplicates of staged rows.
func (p *Postgres) SetImportDuplicates(ctx context.Context, importID string, rows []*imports.StagedRow) error {
	return importsjob.SetDuplicates(ctx, p.pool, importID, rows)
}

// FinishImport ends a dry run as succeeded.
func (p *Postgres) FinishImport(ctx context.Context, importID string, c imports.Counts) error {
	return importsjob.Finish(ctx, p.pool, importID, c)
}

// InImportTx runs fn with a writer in one transaction.
func (p *Postgres) InImportTx(ctx context.Context, fn func(app.ImportWriter) error) error {
	return db.InTx(ctx, p.pool, func(tx pgx.Tx) error { return fn(importTx{tx}) })
}

type importTx struct{ tx pgx.Tx }

func (w importTx) ImportRows(ctx context.Context, importID string, after, limit int) ([]*imports.StagedRow, error) {
	return importsjob.Rows(ctx, w.tx, importID, after, limit)
}

func (w importTx) CreateParticipant(ctx context.Context, organiser string, x *domain.Participant) (*domain.Participant, error) {
	return createParticipantIn(ctx, w.tx, organiser, x, "")
}

func (w importTx) RecordMarks(ctx context.Context, participantID string, marks map[string]bool) error {
	sessions := make([]string, 0, len(marks))
	present := make([]bool, 0, len(marks))
	for s, p := range marks {
		sessions, present = append(sessions, s), append(present, p)
	}
	_, err := w.tx.Exec(ctx, `INSERT INTO attendance (session_id, participant_id, present)
		SELECT m.session_id, $1, m.present FROM unnest($2::uuid[], $3::bool[]) m(session_id, present)
		ON CONFLICT (session_id, participant_id) DO UPDATE SET present = excluded.present,
			update_time = CASE WHEN attendance.present = excluded.present THEN attendance.update_time ELSE now() END`,
		participantID, sessions, present)
	return db.Error(err)
}

func (w importTx) SetImportOutcomes(ctx context.Context, importID string, outs []imports.Outcome) error {
	return importsjob.SetOutcomes(ctx, w.tx, importID, outs)
}

func (w importTx) FinishImport(ctx context.Context, importID string, c imports.Counts) error {
	return importsjob.Finish(ctx, w.tx, importID, c)
}
