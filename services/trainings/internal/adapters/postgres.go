// Package adapters implements the trainings repository on PostgreSQL and the
// organisation directory over gRPC.
package adapters

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/etag"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/outbox"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/services/trainings/internal/app"
	"github.com/spona/spona/services/trainings/internal/domain"
)

// Postgres is the repository.
type Postgres struct{ pool *pgxpool.Pool }

// NewPostgres returns the repository on pool.
func NewPostgres(pool *pgxpool.Pool) *Postgres { return &Postgres{pool: pool} }

var _ app.Repository = (*Postgres)(nil)

// InTx runs fn in a transaction carried by its ctx (joining one ctx
// already carries); methods that write through db.InTx or db.Conn join it.
func (p *Postgres) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return db.InTx(ctx, p.pool, func(tx pgx.Tx) error { return fn(db.WithTx(ctx, tx)) })
}

// Emit writes events to the outbox in the transaction of ctx.
func (p *Postgres) Emit(ctx context.Context, evs ...events.Event) error {
	tx, ok := db.TxFrom(ctx)
	if !ok {
		return errors.New("trainings: events emitted outside a transaction")
	}
	return outbox.Write(ctx, tx, evs...)
}

// RedactBeneficiary replaces the certificate numbers of erased
// beneficiaries' participations, which a paper certificate links to the
// person, by a number that links to nothing ("ERASED-<participant id>"; a
// certificate stays issued, so it is not issued again), and marks their
// participations so that a certificate issued later gets such a number too.
func (p *Postgres) RedactBeneficiary(ctx context.Context, beneficiaryIDs []string) error {
	// One round trip of three statements, each seeing what committed
	// before it started: the erasure lock of each beneficiary (in a fixed
	// order), so the registrations under way commit first and later ones
	// wait; the record of the erasure, which those check; the redaction.
	tx, ok := db.TxFrom(ctx)
	if !ok {
		return errors.New("trainings: RedactBeneficiary needs the caller's transaction")
	}
	b := &pgx.Batch{}
	b.Queue(lockErasures, beneficiaryIDs)
	b.Queue(`INSERT INTO erased_beneficiaries (beneficiary_id) SELECT DISTINCT unnest($1::uuid[]) ON CONFLICT DO NOTHING`, beneficiaryIDs)
	b.Queue(`UPDATE participants SET beneficiary_erased = true,
			certificate_number = CASE WHEN certificate_number IS NULL THEN NULL ELSE 'ERASED-' || id::text END,
			`+db.ForgetRequestID("request_id")+`
		WHERE beneficiary_id = ANY ($1::uuid[]) AND NOT beneficiary_erased`,
		beneficiaryIDs)
	return db.Error(tx.SendBatch(ctx, b).Close())
}

// MoveBeneficiary makes from's participations to's (MoveParticipations)
// and returns the participations it combined, in event order.
func (p *Postgres) MoveBeneficiary(ctx context.Context, from, to string) ([]domain.Combined, error) {
	q := db.Conn(ctx, p.pool)
	for _, s := range MoveParticipations("beneficiary_id") {
		var args []any
		if strings.Contains(s, "$1") {
			args = []any{from, to}
		}
		if _, err := q.Exec(ctx, s, args...); err != nil {
			return nil, db.Error(err)
		}
	}
	rows, err := q.Query(ctx, `SELECT event::text, dup::text, keep::text, number IS NOT NULL FROM merge_pairs ORDER BY event, dup`)
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[domain.Combined])
	return out, db.Error(err)
}

// SharedEvents implements app.Maintenance: it first takes the erasure
// lock of both beneficiaries (erasureLock, exclusive, in id order, as
// RedactBeneficiary does), in a statement of its own, so registrations of
// either under way commit before it reads and later ones wait for the
// merge's commit.
func (p *Postgres) SharedEvents(ctx context.Context, from, to string) ([]*domain.TrainingEvent, error) {
	q := db.Conn(ctx, p.pool)
	if err := db.Defer(ctx, q, lockErasures, []string{from, to}); err != nil {
		return nil, err
	}
	// FOR KEY SHARE, as LockProject: the events' projects, which the
	// merge's events name, as they are when it commits.
	rows, err := q.Query(ctx, `SELECT `+eventCols+` FROM training_events e
		WHERE e.id IN (SELECT d.event_id FROM participants d JOIN participants k ON k.event_id = d.event_id
			WHERE d.beneficiary_id = $1 AND k.beneficiary_id = $2)
		ORDER BY e.id FOR KEY SHARE OF e`, from, to)
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.TrainingEvent, error) { return scanEvent(r) })
	return out, db.Error(err)
}

// MoveParticipations returns the statements, run in order in one
// transaction, that make the participations of one person ($1) those of
// another ($2), both identified by column (beneficiary_id or
// professional_id); the statements without $1 take no arguments. Where
// both took part in one event, the survivor's participation keeps the
// attendance marks of either (present if present in either), the test
// scores and a certificate of either, and $1's goes.
func MoveParticipations(column string) []string {
	return []string{
		// Pairs of participations of one event.
		`CREATE TEMP TABLE IF NOT EXISTS merge_pairs (dup uuid, keep uuid, number text, event uuid) ON COMMIT DELETE ROWS`,
		`DELETE FROM merge_pairs`,
		`INSERT INTO merge_pairs (dup, keep, event) SELECT d.id, k.id, d.event_id FROM participants d JOIN participants k ON k.event_id = d.event_id
			WHERE d.` + column + ` = $1 AND k.` + column + ` = $2`,
		`INSERT INTO attendance (session_id, participant_id, present, update_time)
			SELECT a.session_id, m.keep, a.present, a.update_time FROM attendance a JOIN merge_pairs m ON m.dup = a.participant_id
			ON CONFLICT (session_id, participant_id) DO UPDATE SET present = attendance.present OR excluded.present`,
		`UPDATE participants k SET pre_test_score = COALESCE(k.pre_test_score, d.pre_test_score),
				post_test_score = COALESCE(k.post_test_score, d.post_test_score),
				certificate_issue_time = COALESCE(k.certificate_issue_time, d.certificate_issue_time)
			FROM merge_pairs m JOIN participants d ON d.id = m.dup WHERE k.id = m.keep`,
		// A certificate moves only where the survivor has none (numbers are unique).
		`UPDATE merge_pairs m SET number = d.certificate_number FROM participants d, participants k
			WHERE d.id = m.dup AND k.id = m.keep AND k.certificate_number IS NULL`,
		`UPDATE participants SET certificate_number = NULL WHERE id IN (SELECT dup FROM merge_pairs WHERE number IS NOT NULL)`,
		`UPDATE participants k SET certificate_number = m.number FROM merge_pairs m WHERE k.id = m.keep AND m.number IS NOT NULL`,
		`DELETE FROM attendance WHERE participant_id IN (SELECT dup FROM merge_pairs)`,
		`DELETE FROM participants WHERE id IN (SELECT dup FROM merge_pairs)`,
		`UPDATE participants SET ` + column + ` = $2 WHERE ` + column + ` = $1`,
	}
}

const eventCols = `e.id, e.organiser_organisation_id, COALESCE(e.project_id::text, ''), e.type, e.title,
	e.start_date, e.end_date, e.municipality, e.country, e.audience, e.location, e.topics, e.language,
	e.completion_threshold_percent,
	(SELECT count(*) FROM participants pa WHERE pa.event_id = e.id)::int,
	(SELECT count(*) FROM sessions s WHERE s.event_id = e.id)::int,
	e.version, e.create_time, e.update_time`

func scanEvent(row pgx.Row) (*domain.TrainingEvent, error) {
	var e domain.TrainingEvent
	var start time.Time
	var end *time.Time
	err := row.Scan(&e.ID, &e.OrganiserOrganisationID, &e.ProjectID, &e.Type, &e.Title,
		&start, &end, &e.Municipality, &e.Country, &e.Audience, &e.Location, &e.Topics, &e.Language,
		&e.CompletionThreshold, &e.ParticipantCount, &e.SessionCount, &e.Version, &e.CreateTime, &e.UpdateTime)
	if err != nil {
		return nil, err
	}
	e.StartDate = date.Of(start)
	e.EndDate = date.FromPtr(end)
	return &e, nil
}

// CreateTrainingEvent inserts e; a repeated request id returns the first row.
func (p *Postgres) CreateTrainingEvent(ctx context.Context, e *domain.TrainingEvent, requestID string) (*domain.TrainingEvent, error) {
	return db.CreateOnce(ctx, p.pool, scanEvent, `
		INSERT INTO training_events AS e (id, organiser_organisation_id, project_id, type, title,
			start_date, end_date, municipality, country, audience, location, topics, language,
			completion_threshold_percent, request_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		ON CONFLICT (organiser_organisation_id, request_id) DO NOTHING
		RETURNING `+eventCols,
		[]any{e.ID, e.OrganiserOrganisationID, db.Null(e.ProjectID), e.Type, e.Title,
			e.StartDate.Time(), e.EndDate.Ptr(), e.Municipality, e.Country, e.Audience, e.Location,
			db.Strings(e.Topics), e.Language, e.CompletionThreshold, db.Null(requestID)},
		`SELECT `+eventCols+` FROM training_events e WHERE e.organiser_organisation_id = $1 AND e.request_id = $2`,
		e.OrganiserOrganisationID, requestID)
}

// GetTrainingEvent returns the event if viewer organises it.
func (p *Postgres) GetTrainingEvent(ctx context.Context, viewer, id string) (*domain.TrainingEvent, error) {
	e, err := scanEvent(p.pool.QueryRow(ctx, `SELECT `+eventCols+` FROM training_events e
		WHERE e.id = $1 AND e.organiser_organisation_id = $2`, id, viewer))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.NotFound("training event", id)
	}
	return e, db.Error(err)
}

// eventLocks are the row locks of app.EventLock: against an update (FOR
// SHARE, which a session's create takes); for an update keeping the
// project (FOR NO KEY UPDATE: the id stays, so neither a registration's
// foreign key check nor LockProject waits); for a move to another project
// (FOR UPDATE, which waits for LockProject's FOR KEY SHARE, and they for
// it).
var eventLocks = map[app.EventLock]string{
	app.LockAgainstUpdate: " FOR SHARE OF e",
	app.LockForUpdate:     " FOR NO KEY UPDATE OF e",
	app.LockForMove:       " FOR UPDATE OF e",
}

// LockTrainingEvent returns the event if viewer organises it, locked to
// the end of the transaction of ctx (eventLocks).
func (p *Postgres) LockTrainingEvent(ctx context.Context, viewer, id string, lock app.EventLock) (*domain.TrainingEvent, error) {
	e, err := scanEvent(db.Conn(ctx, p.pool).QueryRow(ctx, `SELECT `+eventCols+` FROM training_events e
		WHERE e.id = $1 AND e.organiser_organisation_id = $2`+eventLocks[lock], id, viewer))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.NotFound("training event", id)
	}
	return e, db.Error(err)
}

// LockProject implements app.EventStore, in the transaction of ctx: FOR
// KEY SHARE, the lock a registration's foreign key check takes anyway,
// which only a move (FOR UPDATE) waits for. Waiting for a move, it reads
// the event as the move left it.
func (p *Postgres) LockProject(ctx context.Context, id string) (string, error) {
	tx, ok := db.TxFrom(ctx)
	if !ok {
		return "", errors.New("trainings: project locked outside a transaction")
	}
	return lockProject(ctx, tx, id)
}

func lockProject(ctx context.Context, q db.Querier, id string) (string, error) {
	var project string
	err := q.QueryRow(ctx, `SELECT COALESCE(project_id::text, '') FROM training_events WHERE id = $1 FOR KEY SHARE`, id).Scan(&project)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", errs.NotFound("training event", id)
	}
	return project, db.Error(err)
}

// ListTrainingEvents returns up to page.Limit() events viewer organises after
// page.After, newest first.
func (p *Postgres) ListTrainingEvents(ctx context.Context, viewer string, f domain.EventFilter, page pagination.Page) ([]*domain.TrainingEvent, error) {
	rows, err := p.pool.Query(ctx, `SELECT `+eventCols+` FROM training_events e
		WHERE e.organiser_organisation_id = $1
			AND ($2::uuid IS NULL OR e.id < $2)
			AND ($3::uuid IS NULL OR e.project_id = $3)
			AND ($4::text IS NULL OR e.type = $4)
			AND ($5::date IS NULL OR e.start_date >= $5)
			AND ($6::date IS NULL OR e.start_date <= $6)
		ORDER BY e.id DESC LIMIT $7`,
		viewer, db.Null(page.After), db.Null(f.ProjectID), db.Null(f.Type), f.From.Ptr(), f.To.Ptr(), page.Limit())
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.TrainingEvent, error) { return scanEvent(r) })
	return out, db.Error(err)
}

// UpdateTrainingEvent stores e if the stored version is still version.
func (p *Postgres) UpdateTrainingEvent(ctx context.Context, e *domain.TrainingEvent, version int64) (*domain.TrainingEvent, error) {
	out, err := scanEvent(db.Conn(ctx, p.pool).QueryRow(ctx, `UPDATE training_events e SET
			project_id = $3, type = $4, title = $5, start_date = $6, end_date = $7, municipality = $8,
			country = $9, audience = $10, location = $11, topics = $12, language = $13,
			completion_threshold_percent = $14, version = e.version + 1, update_time = now()
		WHERE e.id = $1 AND e.organiser_organisation_id = $2 AND e.version = $15
		RETURNING `+eventCols,
		e.ID, e.OrganiserOrganisationID, db.Null(e.ProjectID), e.Type, e.Title, e.StartDate.Time(), e.EndDate.Ptr(),
		e.Municipality, e.Country, e.Audience, e.Location, db.Strings(e.Topics), e.Language, e.CompletionThreshold, version))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, etag.Mismatch()
	}
	return out, db.Error(err)
}

// DeleteSession deletes a session of the event with its attendance marks,
// which it returns. It locks the session first: a writer of marks holding
// it (a sign-in sheet's import) commits first, and one coming later finds
// it gone, rather than each waiting for what the other holds.
func (p *Postgres) DeleteSession(ctx context.Context, eventID, id string) ([]domain.Mark, error) {
	var marks []domain.Mark
	err := db.InTx(ctx, p.pool, func(tx pgx.Tx) error {
		var ok bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM sessions WHERE id = $1 AND event_id = $2 FOR UPDATE)`,
			id, eventID).Scan(&ok); err != nil {
			return db.Error(err)
		}
		if !ok {
			return errs.NotFound("session", id)
		}
		rows, err := tx.Query(ctx, `WITH gone AS (DELETE FROM attendance a USING sessions s
				WHERE a.session_id = s.id AND s.id = $1 AND s.event_id = $2 RETURNING a.participant_id, a.present)
			SELECT `+markCols+` FROM gone a JOIN participants pa ON pa.id = a.participant_id ORDER BY a.participant_id`, id, eventID)
		if err != nil {
			return db.Error(err)
		}
		if marks, err = collectMarks(rows); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM sessions WHERE id = $1 AND event_id = $2`, id, eventID)
		if err != nil {
			return db.Error(err)
		}
		if tag.RowsAffected() == 0 {
			return errs.NotFound("session", id)
		}
		return nil
	})
	return marks, err
}

// markCols are the columns of a mark (domain.Mark) from attendance a and
// its participant pa.
const markCols = `a.participant_id::text, a.present, COALESCE(pa.beneficiary_id::text, ''), pa.beneficiary_erased`

func collectMarks(rows pgx.Rows) ([]domain.Mark, error) {
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Mark, error) {
		var m domain.Mark
		err := r.Scan(&m.ParticipantID, &m.Present, &m.BeneficiaryID, &m.BeneficiaryErased)
		return m, err
	})
	return out, db.Error(err)
}

// SessionDates returns the first and last session days of the event.
func (p *Postgres) SessionDates(ctx context.Context, eventID string) (first, last date.Date, err error) {
	var lo, hi *time.Time
	err = db.Conn(ctx, p.pool).QueryRow(ctx, `SELECT min(date), max(date) FROM sessions WHERE event_id = $1`, eventID).Scan(&lo, &hi)
	return date.FromPtr(lo), date.FromPtr(hi), db.Error(err)
}

// CertificatesIssued counts the certificates issued to the event's
// participants.
func (p *Postgres) CertificatesIssued(ctx context.Context, eventID string) (int, error) {
	var n int
	err := db.Conn(ctx, p.pool).QueryRow(ctx, `SELECT count(*) FROM participants WHERE event_id = $1 AND certificate_number IS NOT NULL`, eventID).Scan(&n)
	return n, db.Error(err)
}

const sessionCols = `s.id, s.event_id, s.date, COALESCE(to_char(s.start_time, 'HH24:MI'), ''),
	COALESCE(to_char(s.end_time, 'HH24:MI'), ''), s.topic, s.trainer, s.create_time, s.version, s.update_time`

// GetSession returns a session of the event.
func (p *Postgres) GetSession(ctx context.Context, eventID, id string) (*domain.Session, error) {
	s, err := scanSession(p.pool.QueryRow(ctx, `SELECT `+sessionCols+` FROM sessions s WHERE s.id = $1 AND s.event_id = $2`, id, eventID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.NotFound("session", id)
	}
	return s, db.Error(err)
}

// LockSession returns a session of the event locked FOR SHARE to the end
// of the transaction of ctx: its correction (an UPDATE) waits.
func (p *Postgres) LockSession(ctx context.Context, eventID, id string) (*domain.Session, error) {
	s, err := scanSession(db.Conn(ctx, p.pool).QueryRow(ctx, `SELECT `+sessionCols+` FROM sessions s
		WHERE s.id = $1 AND s.event_id = $2 FOR SHARE OF s`, id, eventID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.NotFound("session", id)
	}
	return s, db.Error(err)
}

func scanSession(row pgx.Row) (*domain.Session, error) { return scanSessionWith(row) }

// scanSessionWith reads sessionCols, then the columns after them into
// more.
func scanSessionWith(row pgx.Row, more ...any) (*domain.Session, error) {
	var s domain.Session
	var d time.Time
	if err := row.Scan(append([]any{&s.ID, &s.EventID, &d, &s.StartTime, &s.EndTime, &s.Topic, &s.Trainer, &s.CreateTime, &s.Version, &s.UpdateTime}, more...)...); err != nil {
		return nil, err
	}
	s.Date = date.Of(d)
	return &s, nil
}

// CreateSession inserts s; a repeated request id returns the first row.
func (p *Postgres) CreateSession(ctx context.Context, s *domain.Session, requestID string) (*domain.Session, error) {
	return db.CreateOnce(ctx, db.Conn(ctx, p.pool), scanSession, `
		INSERT INTO sessions AS s (id, event_id, date, start_time, end_time, topic, trainer, request_id)
		VALUES ($1, $2, $3, $4::time, $5::time, $6, $7, $8)
		ON CONFLICT (event_id, request_id) DO NOTHING
		RETURNING `+sessionCols,
		[]any{s.ID, s.EventID, s.Date.Time(), db.Null(s.StartTime), db.Null(s.EndTime), s.Topic, s.Trainer, db.Null(requestID)},
		`SELECT `+sessionCols+` FROM sessions s WHERE s.event_id = $1 AND s.request_id = $2`, s.EventID, requestID)
}

// UpdateSession stores s, a session of its event, if the stored version
// is still version; otherwise it fails with etag.Mismatch (NotFound when
// the session is gone). Its attendance marks stay. One statement: the
// update, or else the session as stored (whether it exists), read in the
// statement's snapshot, so a refusal costs no second round trip.
func (p *Postgres) UpdateSession(ctx context.Context, s *domain.Session, version int64) (*domain.Session, error) {
	var stored bool
	out, err := scanSessionWith(db.Conn(ctx, p.pool).QueryRow(ctx, `WITH up AS (UPDATE sessions s SET
				date = $3, start_time = $4::time, end_time = $5::time, topic = $6, trainer = $7,
				version = s.version + 1, update_time = now()
			WHERE s.id = $1 AND s.event_id = $2 AND s.version = $8
			RETURNING `+sessionCols+`)
		SELECT *, true FROM up
		UNION ALL
		SELECT `+sessionCols+`, false FROM sessions s WHERE s.id = $1 AND s.event_id = $2 AND NOT EXISTS (SELECT 1 FROM up)`,
		s.ID, s.EventID, s.Date.Time(), db.Null(s.StartTime), db.Null(s.EndTime), s.Topic, s.Trainer, version), &stored)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, errs.NotFound("session", s.ID)
	case err != nil:
		return nil, db.Error(err)
	case !stored:
		return nil, etag.Mismatch()
	}
	return out, nil
}

// PresentAt counts the participants marked present at a session of the
// event.
func (p *Postgres) PresentAt(ctx context.Context, eventID, id string) (int, error) {
	var n int
	err := db.Conn(ctx, p.pool).QueryRow(ctx, `SELECT count(*) FROM attendance a JOIN sessions s ON s.id = a.session_id
		WHERE a.session_id = $1 AND s.event_id = $2 AND a.present`, id, eventID).Scan(&n)
	return n, db.Error(err)
}

// ListSessions lists an event's sessions in programme order after page.After.
func (p *Postgres) ListSessions(ctx context.Context, eventID string, page pagination.Page) ([]*domain.Session, error) {
	var after struct {
		date  *time.Time
		start *string
		id    *string
	}
	if page.After != "" {
		d, start, id, _ := domain.ParseSessionKey(page.After) // checked by pagination.Parse
		after.date, after.start, after.id = d.Ptr(), &start, &id
	}
	rows, err := p.pool.Query(ctx, `SELECT `+sessionCols+` FROM sessions s
		WHERE s.event_id = $1
			AND ($2::date IS NULL OR (s.date, COALESCE(s.start_time, '00:00'), s.id) > ($2, $3::time, $4::uuid))
		ORDER BY s.date, COALESCE(s.start_time, '00:00'), s.id LIMIT $5`,
		eventID, after.date, after.start, after.id, page.Limit())
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.Session, error) { return scanSession(r) })
	return out, db.Error(err)
}

// participantCols reads a participant from pa (participants), pr
// (professionals, left-joined) and e (its event, for the threshold).
const participantCols = `pa.id, pa.event_id, COALESCE(pa.beneficiary_id::text, ''), COALESCE(pa.professional_id::text, ''),
	pr.given_name, pr.family_name, pr.email, pa.organisation_id::text, pa.organisation_name, pa.sector, pr.sex, pr.position,
	pa.organisation_kind, pa.pre_test_score, pa.post_test_score,
	(SELECT count(*) FROM attendance a WHERE a.participant_id = pa.id AND a.present)::int,
	(SELECT count(*) FROM sessions s WHERE s.event_id = pa.event_id)::int,
	e.completion_threshold_percent,
	pa.certificate_number, pa.certificate_issue_time, pa.create_time, pa.beneficiary_erased`

// participantsFrom is the source of participantCols, given a relation pa of
// participant rows.
const participantsFrom = ` pa LEFT JOIN professionals pr ON pr.id = pa.professional_id
	JOIN training_events e ON e.id = pa.event_id`

func scanParticipant(row pgx.Row) (*domain.Participant, error) {
	var x domain.Participant
	var given, family, email, orgID, sex, position *string
	var orgName, sector string
	var certificateNumber *string
	err := row.Scan(&x.ID, &x.EventID, &x.BeneficiaryID, &x.ProfessionalID,
		&given, &family, &email, &orgID, &orgName, &sector, &sex, &position,
		&x.OrganisationKind, &x.PreTestScore, &x.PostTestScore,
		&x.Attendance.Attended, &x.Attendance.Sessions, &x.CompletionThreshold,
		&certificateNumber, &x.CertificateIssueTime, &x.CreateTime, &x.BeneficiaryErased)
	if err != nil {
		return nil, err
	}
	s := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	x.CertificateNumber = s(certificateNumber)
	if x.ProfessionalID != "" {
		x.Professional = &domain.Professional{GivenName: s(given), FamilyName: s(family), Email: s(email),
			OrganisationID: s(orgID), OrganisationName: orgName, Sector: sector, Sex: s(sex), Position: s(position)}
	}
	return &x, nil
}

var participantByRequest = `SELECT ` + participantCols + ` FROM participants` + participantsFrom + `
	WHERE pa.event_id = $1 AND ` + db.RequestIDIs("pa.request_id", "$2")

// CreateParticipant registers x at its event in one transaction: a
// professional is first matched to (or becomes) a professional of organiser.
// A repeated request id returns the first registration and changes nothing.
func (p *Postgres) CreateParticipant(ctx context.Context, organiser string, x *domain.Participant, requestID string) (*domain.Participant, error) {
	var out *domain.Participant
	err := db.InTx(ctx, p.pool, func(tx pgx.Tx) error {
		var err error
		out, err = createParticipantIn(ctx, tx, organiser, x, requestID, true)
		return err
	})
	return out, err
}

// createParticipantIn registers x in tx (the API's create and each row of
// an import); lock as for findOrCreateProfessional.
func createParticipantIn(ctx context.Context, tx pgx.Tx, organiser string, x *domain.Participant, requestID string, lock bool) (*domain.Participant, error) {
	if requestID != "" {
		first, err := scanParticipant(tx.QueryRow(ctx, participantByRequest, x.EventID, requestID))
		if err == nil {
			return first, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return nil, db.Error(err)
		}
	}
	var professionalID, orgID *string
	var orgName, orgKey, sector string
	gaveEmail, sex := false, (*string)(nil)
	if pr := x.Professional; pr != nil {
		id, err := findOrCreateProfessional(ctx, tx, organiser, pr, lock)
		if err != nil {
			return nil, err
		}
		professionalID, orgID, orgName, orgKey, sector = &id, db.Null(pr.OrganisationID), pr.OrganisationName, pr.OrganisationKey(), pr.Sector
		gaveEmail, sex = pr.Email != "", &pr.Sex
	}
	if x.BeneficiaryID != "" {
		// In a statement of its own, queued with the insert: the insert's
		// snapshot is taken once the lock is held, so it sees an erasure
		// applied while this waited (RedactBeneficiary).
		if err := db.Defer(ctx, tx, `SELECT pg_advisory_xact_lock_shared(`+erasureLock+`)`, x.BeneficiaryID); err != nil {
			return nil, err
		}
	}
	out, err := db.CreateOnce(ctx, tx, scanParticipant, `
		WITH pa AS (
			INSERT INTO participants (id, event_id, professional_id, beneficiary_id, request_id,
				organisation_id, organisation_name, organisation_key, organisation_kind, sector, gave_email, sex)
			SELECT $1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::text, $6::uuid, $7::text, $8::text, $9::text, $10::text, $11::boolean, $12::text
			WHERE NOT EXISTS (SELECT 1 FROM erased_beneficiaries WHERE beneficiary_id = $4::uuid)
			ON CONFLICT (event_id, request_id) DO NOTHING
			RETURNING *)
		SELECT `+participantCols+` FROM`+participantsFrom,
		[]any{x.ID, x.EventID, professionalID, db.Null(x.BeneficiaryID), db.RequestKey(requestID),
			orgID, orgName, orgKey, x.OrganisationKind, sector, gaveEmail, sex},
		participantByRequest, x.EventID, requestID)
	if errors.Is(err, pgx.ErrNoRows) {
		// Nothing inserted, and no registration made with the request id:
		// the beneficiary was erased since the beneficiaries service said
		// they could be registered.
		return nil, errs.FailedPrecondition(ReasonBeneficiaryErased, "beneficiary %s was erased", x.BeneficiaryID)
	}
	return out, alreadyRegistered(err, x.EventID)
}

// ReasonBeneficiaryErased is the ErrorInfo reason of a registration of a
// beneficiary erased while it was under way, the beneficiaries service's
// reason for one erased before.
const ReasonBeneficiaryErased = "BENEFICIARY_ERASED"

// erasureLock is the advisory lock of registering beneficiary $1 (shared)
// and of applying their erasure (RedactBeneficiary, exclusive): either the
// registration commits first and the erasure reaches it, or the erasure
// was applied first and the registration is refused.
const erasureLock = `1397772357, hashtext($1::uuid::text)` // 'SPPE'

// lockErasures takes the erasure locks of beneficiaries $1 (uuid[])
// exclusively, in id order: an erasure's, and a merge's of both records
// (SharedEvents), so registrations of them wait.
var lockErasures = `SELECT pg_advisory_xact_lock(` + strings.ReplaceAll(erasureLock, "$1", "x") + `)
	FROM (SELECT DISTINCT x FROM unnest($1::uuid[]) x ORDER BY 1) s`

// alreadyRegistered words the unique violation of a person registered twice
// at one event.
func alreadyRegistered(err error, eventID string) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.ConstraintName {
		case "participants_professional_key":
			return errs.Wrap(errs.KindAlreadyExists, err, fmt.Sprintf("the professional is already registered at training event %q", eventID))
		case "participants_beneficiary_key":
			return errs.Wrap(errs.KindAlreadyExists, err, fmt.Sprintf("the beneficiary is already registered at training event %q", eventID))
		}
	}
	return err
}

// upsertProfessional inserts a professional or, on a conflict with the given
// arbiter, updates the existing one to the latest registration (keeping a
// known e-mail, sex and position when the new registration lacks them) and
// returns its id, with the person key findOrCreateProfessional worked out.
func upsertProfessional(conflict string) string {
	return `INSERT INTO professionals AS p (id, organiser_organisation_id, given_name, family_name, email,
			organisation_id, organisation_name, sector, sex, given_key, family_key, organisation_key, position, person_key)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		ON CONFLICT ` + conflict + ` DO UPDATE SET
			given_name = excluded.given_name,
			family_name = excluded.family_name,
			email = COALESCE(excluded.email, p.email),
			organisation_id = excluded.organisation_id,
			organisation_name = excluded.organisation_name,
			sector = excluded.sector,
			sex = CASE WHEN excluded.sex = 'unknown' THEN p.sex ELSE excluded.sex END,
			position = CASE WHEN excluded.position = '' THEN p.position ELSE excluded.position END,
			given_key = excluded.given_key,
			family_key = excluded.family_key,
			organisation_key = excluded.organisation_key,
			person_key = excluded.person_key,
			update_time = now()
		RETURNING p.id`
}

var (
	upsertByEmail = upsertProfessional(`(organiser_organisation_id, email) WHERE email IS NOT NULL`)
	upsertByName  = upsertProfessional(`(organiser_organisation_id, family_key, given_key, organisation_key) WHERE email IS NULL`)
	upsertByID    = upsertProfessional(`(id)`)
)

// professionalLock is the first key of the advisory locks registrations
// of one professional take ('SPPR').
const professionalLock = 1397772370

// findOrCreateProfessional returns the id of the professional of organiser
// that pr is, the record domain.Identity.RecordFor chooses among the
// organiser's records sharing pr's e-mail or names and organisation
// (updated to pr), or a new one; then it sets the person keys of every
// record with the names and organisation involved.
//
// With lock, registrations sharing the names and organisation or the
// e-mail wait for each other (advisory locks, two at most, taken in
// order), so concurrent ones see each other's records. An import does
// without: it registers all its rows in one transaction and would hold a
// lock per row. Without the lock, the unique indexes still end concurrent
// registrations with the same e-mail (or the same names, both without one)
// on one record; a registration with an e-mail and one without, committed
// at the same moment, may each miss the other, and are counted as two
// until the next registration of those names sets the keys again.
func findOrCreateProfessional(ctx context.Context, tx pgx.Tx, organiser string, pr *domain.Professional, lock bool) (string, error) {
	who := pr.Identity()
	// One round trip: the locks, then every organiser's records with pr's
	// names and organisation (which decide the person keys) and
	// organiser's record with pr's e-mail.
	batch := &pgx.Batch{}
	if lock {
		keys := []string{"n:" + who.Name.String()}
		if who.Email != "" {
			keys = append(keys, "e:"+who.Email)
		}
		batch.Queue(`SELECT pg_advisory_xact_lock($1::int, hashtext(k)) FROM unnest($2::text[]) AS k ORDER BY k`, professionalLock, keys)
	}
	var records []domain.Record
	batch.Queue(`SELECT `+professionalCols+` FROM professionals pr
		WHERE (family_key, given_key, organisation_key) = ($1, $2, $3) OR (organiser_organisation_id = $4 AND email = $5)`,
		who.Name.Family, who.Name.Given, who.Name.Organisation, organiser, who.Email).Query(func(rows pgx.Rows) error {
		var err error
		records, err = collectRecords(rows)
		return err
	})
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return "", db.Error(err)
	}
	var own []domain.Record
	for _, r := range records {
		if r.Organiser == organiser {
			own = append(own, r)
		}
	}
	// The record as it will be, and the person keys of its names then.
	after := domain.Record{ID: ids.New(), Organiser: organiser, Identity: who}
	upsert := upsertByEmail
	rec, found := who.RecordFor(own)
	switch {
	case found:
		after.ID, upsert = rec.ID, upsertByID
		if after.Email == "" {
			after.Email = rec.Email
		}
	case who.Email == "":
		upsert = upsertByName
	}
	hood := []domain.Record{after}
	for _, r := range records {
		if r.ID != after.ID && r.Name == who.Name {
			hood = append(hood, r)
		}
	}
	keys := domain.PersonKeys(hood)
	var id string
	err := tx.QueryRow(ctx, upsert, after.ID, organiser, pr.GivenName, pr.FamilyName, db.Null(pr.Email),
		db.Null(pr.OrganisationID), pr.OrganisationName, pr.Sector, pr.Sex,
		who.Name.Given, who.Name.Family, who.Name.Organisation, pr.Position, keys[after.ID]).Scan(&id)
	if err != nil {
		return "", db.Error(err)
	}
	if id != after.ID {
		// A concurrent registration made the record first: key its names
		// afresh.
		return id, setPersonKeys(ctx, tx, who.Name)
	}
	if err := storePersonKeys(ctx, tx, hood[1:], keys); err != nil {
		return "", err
	}
	if found && rec.Name != who.Name {
		// The record's former names lost it.
		return id, setPersonKeys(ctx, tx, rec.Name)
	}
	return id, nil
}

// professionalCols are what collectRecords reads from pr.
const professionalCols = `pr.id::text, pr.organiser_organisation_id::text, COALESCE(pr.email, ''),
	pr.given_key, pr.family_key, pr.organisation_key, pr.person_key`

func collectRecords(rows pgx.Rows) ([]domain.Record, error) {
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Record, error) {
		var x domain.Record
		err := r.Scan(&x.ID, &x.Organiser, &x.Email, &x.Name.Given, &x.Name.Family, &x.Name.Organisation, &x.PersonKey)
		return x, err
	})
	return out, db.Error(err)
}

// setPersonKeys gives every professional (of any organiser) with the
// names and organisation name the person key domain.PersonKeys gives it.
func setPersonKeys(ctx context.Context, tx pgx.Tx, name domain.MatchKey) error {
	rows, err := tx.Query(ctx, `SELECT `+professionalCols+` FROM professionals pr
		WHERE (family_key, given_key, organisation_key) = ($1, $2, $3)`, name.Family, name.Given, name.Organisation)
	if err != nil {
		return db.Error(err)
	}
	records, err := collectRecords(rows)
	if err != nil {
		return err
	}
	return storePersonKeys(ctx, tx, records, domain.PersonKeys(records))
}

// storePersonKeys stores the keys of the records whose key changed.
func storePersonKeys(ctx context.Context, tx pgx.Tx, records []domain.Record, keys map[string]string) error {
	var changed, to []string
	for _, r := range records {
		if k := keys[r.ID]; k != r.PersonKey {
			changed, to = append(changed, r.ID), append(to, k)
		}
	}
	if len(changed) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `UPDATE professionals p SET person_key = x.key
		FROM unnest($1::uuid[], $2::text[]) AS x (id, key) WHERE p.id = x.id`, changed, to)
	return db.Error(err)
}

// GetParticipant returns a participant of the event.
func (p *Postgres) GetParticipant(ctx context.Context, eventID, id string) (*domain.Participant, error) {
	x, err := scanParticipant(p.pool.QueryRow(ctx, `SELECT `+participantCols+` FROM participants`+participantsFrom+`
		WHERE pa.event_id = $1 AND pa.id = $2`, eventID, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.NotFound("participant", id)
	}
	return x, db.Error(err)
}

// DeleteParticipant deletes an uncertified participant of the event with its
// attendance marks; the professional stays, as other events may name them.
func (p *Postgres) DeleteParticipant(ctx context.Context, eventID, id string) error {
	return db.InTx(ctx, p.pool, func(tx pgx.Tx) error {
		var certificate *string
		err := tx.QueryRow(ctx, `SELECT certificate_number FROM participants WHERE id = $1 AND event_id = $2 FOR UPDATE`,
			id, eventID).Scan(&certificate)
		if errors.Is(err, pgx.ErrNoRows) {
			return errs.NotFound("participant", id)
		}
		if err != nil {
			return db.Error(err)
		}
		if certificate != nil {
			return errs.FailedPrecondition("CERTIFICATE_ISSUED", "participant %s holds certificate %s and cannot be deleted", id, *certificate)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM attendance WHERE participant_id = $1`, id); err != nil {
			return db.Error(err)
		}
		_, err = tx.Exec(ctx, `DELETE FROM participants WHERE id = $1`, id)
		return db.Error(err)
	})
}

// ForgetProfessional deletes professional id unless a participation names
// it, then sets the person keys of the records with its names. A record
// still registered somewhere takes the sex its remaining registrations
// gave (the latest known, as registering sets it; kept as it is while a
// registration from before migration 00013 names it), and loses its
// e-mail when no registration naming it gave one (the deleted
// registration brought it: a mistyped address that took over the record
// of a professional registered without one), unless the organiser has
// another record of its names without an e-mail, and is keyed afresh.
// Neither is a registration: the record's update_time stays. It takes the advisory locks a registration
// of its names or e-mail takes, and the record's row, so a registration
// matching the record either commits first (and the record stays) or
// finds it gone (an import's then makes it anew).
func (p *Postgres) ForgetProfessional(ctx context.Context, id string) error {
	return db.InTx(ctx, p.pool, func(tx pgx.Tx) error {
		var r domain.Record
		err := tx.QueryRow(ctx, `SELECT `+professionalCols+` FROM professionals pr WHERE pr.id = $1`, id).Scan(
			&r.ID, &r.Organiser, &r.Email, &r.Name.Given, &r.Name.Family, &r.Name.Organisation, &r.PersonKey)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return db.Error(err)
		}
		keys := []string{"n:" + r.Name.String()}
		if r.Email != "" {
			keys = append(keys, "e:"+r.Email)
		}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1::int, hashtext(k)) FROM unnest($2::text[]) AS k ORDER BY k`,
			professionalLock, keys); err != nil {
			return db.Error(err)
		}
		// An import registers without those locks: its upsert of the
		// record holds the row until it commits, and the check below (a
		// statement after this one) then sees its registration.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM professionals WHERE id = $1 FOR UPDATE`, id); err != nil {
			return db.Error(err)
		}
		tag, err := tx.Exec(ctx, `DELETE FROM professionals pr WHERE pr.id = $1
			AND NOT EXISTS (SELECT 1 FROM participants pa WHERE pa.professional_id = pr.id)`, id)
		if err != nil {
			return db.Error(err)
		}
		if tag.RowsAffected() == 1 {
			return setPersonKeys(ctx, tx, r.Name)
		}
		// Still registered: the sex its registrations gave, and the e-mail
		// only if one of them gave it.
		if _, err := tx.Exec(ctx, `UPDATE professionals pr SET sex = COALESCE((SELECT pa.sex FROM participants pa
				WHERE pa.professional_id = pr.id AND pa.sex <> 'unknown' ORDER BY pa.create_time DESC, pa.id DESC LIMIT 1), 'unknown')
			WHERE pr.id = $1 AND NOT EXISTS (SELECT 1 FROM participants pa WHERE pa.professional_id = pr.id AND pa.sex IS NULL)`,
			id); err != nil {
			return db.Error(err)
		}
		var kept domain.MatchKey
		err = tx.QueryRow(ctx, `UPDATE professionals pr SET email = NULL
			WHERE pr.id = $1 AND pr.email IS NOT NULL
				AND NOT EXISTS (SELECT 1 FROM participants pa WHERE pa.professional_id = pr.id AND pa.gave_email)
				AND NOT EXISTS (SELECT 1 FROM professionals o WHERE o.organiser_organisation_id = pr.organiser_organisation_id
					AND o.email IS NULL AND (o.family_key, o.given_key, o.organisation_key) = (pr.family_key, pr.given_key, pr.organisation_key))
			RETURNING pr.given_key, pr.family_key, pr.organisation_key`, id).Scan(&kept.Given, &kept.Family, &kept.Organisation)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return db.Error(err)
		}
		return setPersonKeys(ctx, tx, kept)
	})
}

// ListParticipants lists the participants of an event, newest first.
func (p *Postgres) ListParticipants(ctx context.Context, eventID string, page pagination.Page) ([]*domain.Participant, error) {
	rows, err := p.pool.Query(ctx, `SELECT `+participantCols+` FROM participants`+participantsFrom+`
		WHERE pa.event_id = $1 AND ($2::uuid IS NULL OR pa.id < $2)
		ORDER BY pa.id DESC LIMIT $3`, eventID, db.Null(page.After), page.Limit())
	if err != nil {
		return nil, db.Error(err)
	}
	return collectParticipants(rows)
}

func collectParticipants(rows pgx.Rows) ([]*domain.Participant, error) {
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.Participant, error) { return scanParticipant(r) })
	return out, db.Error(err)
}

// RecordAttendance upserts marks in the transaction of ctx, for a session
// of the event that transaction holds (LockSession: it is not deleted
// before the marks commit). Every participant must belong to the event.
func (p *Postgres) RecordAttendance(ctx context.Context, eventID, sessionID string, marks []domain.Mark) ([]domain.Mark, error) {
	var out []domain.Mark
	err := db.InTx(ctx, p.pool, func(tx pgx.Tx) error {
		// The participants are kept from being deleted until the marks
		// commit (FOR KEY SHARE): a deletion committed first is found
		// here, not by the marks' foreign keys.
		participantIDs := make([]string, len(marks))
		present := make([]bool, len(marks))
		for i, m := range marks {
			participantIDs[i], present[i] = m.ParticipantID, m.Present
		}
		var unknown []string
		if err := tx.QueryRow(ctx, `WITH kept AS (SELECT COALESCE(array_agg(k.id), '{}') AS ids FROM (SELECT id FROM participants
				WHERE id = ANY ($1::uuid[]) AND event_id = $2 ORDER BY id FOR KEY SHARE) k)
			SELECT COALESCE(array_agg(m.id ORDER BY m.i), '{}') FROM unnest($1::uuid[]) WITH ORDINALITY m(id, i), kept
			WHERE m.id <> ALL (kept.ids)`,
			participantIDs, eventID).Scan(&unknown); err != nil {
			return db.Error(err)
		}
		if len(unknown) > 0 {
			var v errs.Violations
			for i, id := range participantIDs {
				for _, u := range unknown {
					if id == u {
						v.Add(fmt.Sprintf("marks[%d].participant_id", i), "is not a participant of training event %s", eventID)
					}
				}
			}
			return v.Err()
		}
		// The rows in participant order, whatever the request's: two
		// writers of one session's marks then wait for each other rather
		// than each holding a row the other needs (a deadlock).
		// The marks new or changed: old (the statement's snapshot) holds
		// the marks as they were before it.
		var changed []string
		var was []bool // present before, each of changed
		if err := tx.QueryRow(ctx, `WITH old AS (SELECT participant_id, present FROM attendance
				WHERE session_id = $1 AND participant_id = ANY ($2::uuid[])),
			up AS (INSERT INTO attendance (session_id, participant_id, present)
				SELECT $1, m.id, m.present FROM unnest($2::uuid[], $3::bool[]) m(id, present) ORDER BY m.id
				ON CONFLICT (session_id, participant_id) DO UPDATE SET present = excluded.present,
					update_time = CASE WHEN attendance.present = excluded.present THEN attendance.update_time ELSE now() END
				RETURNING participant_id, present)
			SELECT COALESCE(array_agg(up.participant_id::text), '{}'), COALESCE(array_agg(COALESCE(old.present, false)), '{}')
			FROM up LEFT JOIN old USING (participant_id)
			WHERE old.present IS DISTINCT FROM up.present`,
			sessionID, participantIDs, present).Scan(&changed, &was); err != nil {
			return db.Error(err)
		}
		rows, err := tx.Query(ctx, `SELECT `+markCols+` FROM attendance a JOIN participants pa ON pa.id = a.participant_id
			WHERE a.session_id = $1 ORDER BY a.participant_id`, sessionID)
		if err != nil {
			return db.Error(err)
		}
		if out, err = collectMarks(rows); err != nil {
			return err
		}
		wasPresent := make(map[string]bool, len(changed))
		for i, id := range changed {
			wasPresent[id] = was[i]
		}
		for i := range out {
			w, ok := wasPresent[out[i].ParticipantID]
			out[i].Changed, out[i].WasPresent = ok, w || !ok && out[i].Present
		}
		return nil
	})
	return out, err
}

// RecordTestScores sets the given scores of a participant of the event.
func (p *Postgres) RecordTestScores(ctx context.Context, eventID, participantID string, pre, post *int) (*domain.Participant, error) {
	x, err := scanParticipant(db.Conn(ctx, p.pool).QueryRow(ctx, `WITH pa AS (
			UPDATE participants SET pre_test_score = COALESCE($3, pre_test_score), post_test_score = COALESCE($4, post_test_score)
			WHERE event_id = $1 AND id = $2 RETURNING *)
		SELECT `+participantCols+` FROM`+participantsFrom, eventID, participantID, pre, post))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.NotFound("participant", participantID)
	}
	return x, db.Error(err)
}

// lockCompletion takes, for the transaction of q, the lock of the event's
// completion (app.CompletionStore): a transaction-scoped advisory lock,
// which neither a registration's foreign key check nor :issueCertificates
// waits for. It is queued on a pipelined transaction, so it goes with the
// statement that follows it, which runs once it is held.
func lockCompletion(ctx context.Context, q db.Querier, eventID string) error {
	return db.Defer(ctx, q, `SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || ' completion ' || $1::text, 0))`, eventID)
}

// completions locks the event's completion and reads whether each of its
// participants completes it (completedSQL), in participant order, with
// the attendance it was read from.
func completions(ctx context.Context, q db.Querier, eventID string) ([]domain.Completion, error) {
	if err := lockCompletion(ctx, q, eventID); err != nil {
		return nil, err
	}
	// completedSQL read for the whole event in one pass: its sessions
	// counted once, and the present marks of each participant read by the
	// sessions' keys (attendance_pkey) and grouped, rather than one
	// participant at a time (attendance_participant_idx: a heap page per
	// mark) or completedSQL's subqueries per participant.
	rows, err := q.Query(ctx, `WITH n AS MATERIALIZED (SELECT (SELECT count(*) FROM sessions WHERE event_id = $1)::int AS n,
				(SELECT completion_threshold_percent FROM training_events WHERE id = $1) AS threshold),
			p AS (SELECT a.participant_id, count(*)::int AS c FROM attendance a
				WHERE a.session_id IN (SELECT id FROM sessions WHERE event_id = $1) AND a.present
				GROUP BY a.participant_id)
		SELECT pa.id::text, COALESCE(pa.beneficiary_id::text, ''), COALESCE(pa.professional_id::text, ''),
			n.n > 0 AND COALESCE(p.c, 0) * 100 >= n.threshold * n.n, COALESCE(p.c, 0), n.n, n.threshold
		FROM participants pa CROSS JOIN n LEFT JOIN p ON p.participant_id = pa.id
		WHERE pa.event_id = $1 ORDER BY pa.id`, eventID)
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[domain.Completion])
	return out, db.Error(err)
}

// Completions implements app.CompletionStore, in the transaction of ctx.
func (p *Postgres) Completions(ctx context.Context, eventID string) ([]domain.Completion, error) {
	tx, ok := db.TxFrom(ctx)
	if !ok {
		return nil, errors.New("trainings: completions read outside a transaction")
	}
	return completions(ctx, tx, eventID)
}

// LockCompletion implements app.CompletionStore, in the transaction of ctx.
func (p *Postgres) LockCompletion(ctx context.Context, eventID string) error {
	tx, ok := db.TxFrom(ctx)
	if !ok {
		return errors.New("trainings: completion locked outside a transaction")
	}
	return lockCompletion(ctx, tx, eventID)
}

// CompletedSQL is completedSQL, for the Go migrations that merge records.
const CompletedSQL = completedSQL

// completedSQL is true for a participant pa whose attendance reaches the
// completion threshold of its event e (which has at least one session).
const completedSQL = `(SELECT count(*) FILTER (WHERE a.present) * 100 >= e.completion_threshold_percent * (SELECT count(*) FROM sessions s WHERE s.event_id = e.id)
		AND EXISTS (SELECT 1 FROM sessions s WHERE s.event_id = e.id)
	FROM attendance a WHERE a.participant_id = pa.id)`

// DueCertificates implements app.Repository.
func (p *Postgres) DueCertificates(ctx context.Context, eventID string) ([]app.ParticipantRead, error) {
	rows, err := db.Conn(ctx, p.pool).Query(ctx, `SELECT pa.beneficiary_id::text, pa.event_id::text, pa.id::text
		FROM participants pa JOIN training_events e ON e.id = pa.event_id
		WHERE pa.event_id = $1 AND pa.beneficiary_id IS NOT NULL AND NOT pa.beneficiary_erased
			AND pa.certificate_number IS NULL AND `+completedSQL+`
		ORDER BY pa.id`, eventID)
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[app.ParticipantRead])
	return out, db.Error(err)
}

// IssueCertificates numbers a certificate for every participant of the
// event who completed it and has none. Numbers come from a sequence
// ("TR-<year>-<000001>", more digits past 999999), so they are unique
// across events; an erased beneficiary's is "ERASED-<participant id>",
// which links to nothing; the event row is locked so concurrent calls do
// not both certify one participant (FOR NO KEY UPDATE, which a
// registration's foreign key check does not wait for; numbering is not a
// key update of the participant either, migration 00017, so new marks do
// not wait). It returns the project the event is tagged with, read under
// that lock (a move, FOR UPDATE, waits for it), which the certificates
// count under.
func (p *Postgres) IssueCertificates(ctx context.Context, eventID string, skip []string) (string, []*domain.Participant, []string, error) {
	if skip == nil {
		skip = []string{}
	}
	var out []*domain.Participant
	var issued []string
	var project string
	err := db.InTx(ctx, p.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT COALESCE(project_id::text, '') FROM training_events WHERE id = $1 FOR NO KEY UPDATE`,
			eventID).Scan(&project); err != nil {
			return db.Error(err)
		}
		// Each participant certified now takes the next number (n, in the
		// order of their ids), written with six digits at least: lpad alone
		// would cut the millionth to six and number two certificates alike.
		rows, err := tx.Query(ctx, `UPDATE participants pa
			SET certificate_number = CASE WHEN pa.beneficiary_erased THEN 'ERASED-' || pa.id::text
					ELSE 'TR-' || to_char(e.start_date, 'YYYY') || '-' || lpad(due.n, greatest(6, length(due.n)), '0') END,
				certificate_issue_time = now()
			FROM training_events e, (SELECT pa.id, nextval('certificate_number_seq')::text AS n
				FROM participants pa JOIN training_events e ON e.id = pa.event_id
				WHERE pa.event_id = $1 AND pa.certificate_number IS NULL AND pa.id <> ALL ($2::uuid[]) AND `+completedSQL+`
				ORDER BY pa.id) due
			WHERE e.id = pa.event_id AND pa.id = due.id
			RETURNING pa.id::text`, eventID, skip)
		if err != nil {
			return db.Error(err)
		}
		if issued, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return db.Error(err)
		}
		rows, err = tx.Query(ctx, `SELECT `+participantCols+` FROM participants`+participantsFrom+`
			WHERE pa.event_id = $1 AND pa.certificate_number IS NOT NULL
			ORDER BY length(pa.certificate_number), pa.certificate_number`, eventID) // by number, not as text
		if err != nil {
			return db.Error(err)
		}
		out, err = collectParticipants(rows)
		return err
	})
	return project, out, issued, err
}
