package adapters

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/imports"
	"github.com/spona/spona/pkg/imports/importsjob"
	"github.com/spona/spona/pkg/outbox"
	"github.com/spona/spona/services/trainings/internal/app"
	"github.com/spona/spona/services/trainings/internal/domain"
)

// ImportRows returns staged rows of an import after row after.
func (p *Postgres) ImportRows(ctx context.Context, importID string, after, limit int) ([]*imports.StagedRow, error) {
	return importsjob.Rows(ctx, p.pool, importID, after, limit)
}

// ProfessionalsSharing returns organiser's professionals sharing an e-mail
// or names and organisation with one of who, with their registration at
// the event.
func (p *Postgres) ProfessionalsSharing(ctx context.Context, organiser, eventID string, who []domain.Identity) ([]app.RegisteredRecord, error) {
	var emails, given, family, org []string
	for _, w := range who {
		if w.Email != "" {
			emails = append(emails, w.Email)
		}
		given, family, org = append(given, w.Name.Given), append(family, w.Name.Family), append(org, w.Name.Organisation)
	}
	rows, err := p.pool.Query(ctx, `WITH pr AS (
			SELECT * FROM professionals WHERE organiser_organisation_id = $1 AND email = ANY ($3::text[])
			UNION
			SELECT * FROM professionals WHERE organiser_organisation_id = $1 AND (family_key, given_key, organisation_key) IN
				(SELECT * FROM unnest($4::text[], $5::text[], $6::text[])))
		SELECT `+professionalCols+`, COALESCE(pa.id::text, '') FROM pr
		LEFT JOIN participants pa ON pa.professional_id = pr.id AND pa.event_id = $2`,
		organiser, eventID, emails, family, given, org)
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (app.RegisteredRecord, error) {
		var x app.RegisteredRecord
		err := r.Scan(&x.ID, &x.Organiser, &x.Email, &x.Name.Given, &x.Name.Family, &x.Name.Organisation, &x.PersonKey, &x.ParticipantID)
		return x, err
	})
	return out, db.Error(err)
}

// EarlierRowsSharing pairs the staged rows in (after, upTo] with the earlier
// rows of the import that share their e-mail (match_key) or names and
// organisation (name_key).
func (p *Postgres) EarlierRowsSharing(ctx context.Context, importID string, after, upTo int) ([]app.StagedPair, error) {
	rows, err := p.pool.Query(ctx, `SELECT r.row_no, o.row_no, o.match_key, o.name_key FROM import_rows r
			JOIN import_rows o ON o.import_id = r.import_id AND o.match_key = r.match_key AND o.row_no < r.row_no
			WHERE r.import_id = $1 AND r.row_no > $2 AND r.row_no <= $3 AND r.match_key <> ''
		UNION
		SELECT r.row_no, o.row_no, o.match_key, o.name_key FROM import_rows r
			JOIN import_rows o ON o.import_id = r.import_id AND o.name_key = r.name_key AND o.row_no < r.row_no
			WHERE r.import_id = $1 AND r.row_no > $2 AND r.row_no <= $3 AND r.name_key <> ''`, importID, after, upTo)
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (app.StagedPair, error) {
		var x app.StagedPair
		err := r.Scan(&x.Row, &x.Earlier, &x.EarlierEmail, &x.EarlierNames)
		return x, err
	})
	return out, db.Error(err)
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
	return createParticipantIn(ctx, w.tx, organiser, x, "", false)
}

// KeepParticipants locks (FOR KEY SHARE, in id order) the event's
// participants among ids, and returns the others.
func (w importTx) KeepParticipants(ctx context.Context, eventID string, ids []string) ([]string, error) {
	var gone []string
	err := w.tx.QueryRow(ctx, `WITH kept AS (SELECT COALESCE(array_agg(k.id), '{}') AS ids FROM (SELECT id FROM participants
			WHERE id = ANY ($1::uuid[]) AND event_id = $2 ORDER BY id FOR KEY SHARE) k)
		SELECT COALESCE(array_agg(n::text ORDER BY n), '{}') FROM unnest($1::uuid[]) n, kept WHERE n <> ALL (kept.ids)`,
		ids, eventID).Scan(&gone)
	return gone, db.Error(err)
}

// Sessions returns the event's sessions in programme order, locked FOR
// KEY SHARE (in id order) against their deletion.
func (w importTx) Sessions(ctx context.Context, eventID string) ([]*domain.Session, error) {
	rows, err := w.tx.Query(ctx, `SELECT `+sessionCols+` FROM (SELECT * FROM sessions WHERE event_id = $1 ORDER BY id FOR KEY SHARE) s
		ORDER BY s.date, COALESCE(s.start_time, '00:00'), s.id`, eventID)
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.Session, error) { return scanSession(r) })
	return out, db.Error(err)
}

func (w importTx) RecordMarks(ctx context.Context, participantID string, marks map[string]bool) ([]string, int, error) {
	sessions := make([]string, 0, len(marks))
	present := make([]bool, 0, len(marks))
	for s, p := range marks {
		sessions, present = append(sessions, s), append(present, p)
	}
	// The sessions whose mark is new or changed, and how they moved the
	// sessions attended: old (the statement's snapshot) holds the marks as
	// they were before it.
	var changed []string
	var moved int
	err := w.tx.QueryRow(ctx, `WITH old AS (SELECT session_id, present FROM attendance
			WHERE participant_id = $1 AND session_id = ANY ($2::uuid[])),
		up AS (INSERT INTO attendance (session_id, participant_id, present)
			SELECT m.session_id, $1, m.present FROM unnest($2::uuid[], $3::bool[]) m(session_id, present) ORDER BY m.session_id
			ON CONFLICT (session_id, participant_id) DO UPDATE SET present = excluded.present,
				update_time = CASE WHEN attendance.present = excluded.present THEN attendance.update_time ELSE now() END
			RETURNING session_id, present)
		SELECT COALESCE(array_agg(up.session_id::text), '{}'),
			COALESCE(sum(up.present::int - COALESCE(old.present, false)::int), 0)::int
		FROM up LEFT JOIN old USING (session_id)
		WHERE old.present IS DISTINCT FROM up.present`,
		participantID, sessions, present).Scan(&changed, &moved)
	return changed, moved, db.Error(err)
}

func (w importTx) Completions(ctx context.Context, eventID string) ([]domain.Completion, error) {
	return completions(ctx, w.tx, eventID)
}

func (w importTx) LockProject(ctx context.Context, id string) (string, error) {
	return lockProject(ctx, w.tx, id)
}

func (w importTx) LockCompletion(ctx context.Context, eventID string) error {
	return lockCompletion(ctx, w.tx, eventID)
}

func (w importTx) SetImportOutcomes(ctx context.Context, importID string, outs []imports.Outcome) error {
	return importsjob.SetOutcomes(ctx, w.tx, importID, outs)
}

func (w importTx) Emit(ctx context.Context, evs ...events.Event) error {
	return outbox.Write(ctx, w.tx, evs...)
}

func (w importTx) FinishImport(ctx context.Context, importID string, c imports.Counts) error {
	return importsjob.Finish(ctx, w.tx, importID, c)
}
