// Package adapters implements the trainings repository on PostgreSQL.
package adapters

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/services/trainings/internal/app"
	"github.com/spona/spona/services/trainings/internal/domain"
)

// Postgres is the repository.
type Postgres struct{ pool *pgxpool.Pool }

// NewPostgres returns the repository on pool.
func NewPostgres(pool *pgxpool.Pool) *Postgres { return &Postgres{pool: pool} }

var _ app.Repository = (*Postgres)(nil)

const eventCols = `e.id, e.organiser_organisation_id, COALESCE(e.project_id::text, ''), e.type, e.title,
	e.start_date, e.end_date, e.municipality, e.country, e.audience,
	(SELECT count(*) FROM participants pa WHERE pa.event_id = e.id)::int, e.create_time`

func scanEvent(row pgx.Row) (*domain.TrainingEvent, error) {
	var e domain.TrainingEvent
	var start time.Time
	var end *time.Time
	err := row.Scan(&e.ID, &e.OrganiserOrganisationID, &e.ProjectID, &e.Type, &e.Title,
		&start, &end, &e.Municipality, &e.Country, &e.Audience, &e.ParticipantCount, &e.CreateTime)
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
			start_date, end_date, municipality, country, audience, request_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (organiser_organisation_id, request_id) DO NOTHING
		RETURNING `+eventCols,
		[]any{e.ID, e.OrganiserOrganisationID, db.Null(e.ProjectID), e.Type, e.Title,
			e.StartDate.Time(), e.EndDate.Ptr(), e.Municipality, e.Country, e.Audience, db.Null(requestID)},
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

// ListTrainingEvents returns up to page.Limit() events viewer organises after
// page.After, newest first.
func (p *Postgres) ListTrainingEvents(ctx context.Context, viewer string, f domain.EventFilter, page pagination.Page) ([]*domain.TrainingEvent, error) {
	rows, err := p.pool.Query(ctx, `SELECT `+eventCols+` FROM training_events e
		WHERE e.organiser_organisation_id = $1
			AND ($2::uuid IS NULL OR e.id < $2)
			AND ($3::uuid IS NULL OR e.project_id = $3)
			AND ($4::text IS NULL OR e.type = $4)
		ORDER BY e.id DESC LIMIT $5`,
		viewer, db.Null(page.After), db.Null(f.ProjectID), db.Null(f.Type), page.Limit())
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.TrainingEvent, error) { return scanEvent(r) })
	return out, db.Error(err)
}

const participantCols = `pa.id, pa.event_id, COALESCE(pa.beneficiary_id::text, ''), COALESCE(pa.professional_id::text, ''),
	pr.given_name, pr.family_name, pr.email, pr.organisation_id::text, pr.organisation_name, pr.sector, pr.sex, pa.create_time`

// participantsFrom is the source of participantCols, given a relation pa of
// participant rows.
const participantsFrom = ` pa LEFT JOIN professionals pr ON pr.id = pa.professional_id`

func scanParticipant(row pgx.Row) (*domain.Participant, error) {
	var x domain.Participant
	var given, family, email, orgID, orgName, sector, sex *string
	err := row.Scan(&x.ID, &x.EventID, &x.BeneficiaryID, &x.ProfessionalID,
		&given, &family, &email, &orgID, &orgName, &sector, &sex, &x.CreateTime)
	if err != nil {
		return nil, err
	}
	if x.ProfessionalID != "" {
		s := func(p *string) string {
			if p == nil {
				return ""
			}
			return *p
		}
		x.Professional = &domain.Professional{GivenName: s(given), FamilyName: s(family), Email: s(email),
			OrganisationID: s(orgID), OrganisationName: s(orgName), Sector: s(sector), Sex: s(sex)}
	}
	return &x, nil
}

const participantByRequest = `SELECT ` + participantCols + ` FROM participants` + participantsFrom + `
	WHERE pa.event_id = $1 AND pa.request_id = $2`

// CreateParticipant registers x at its event in one transaction: a
// professional is first matched to (or becomes) a professional of organiser.
// A repeated request id returns the first registration and changes nothing.
func (p *Postgres) CreateParticipant(ctx context.Context, organiser string, x *domain.Participant, requestID string) (*domain.Participant, error) {
	var out *domain.Participant
	err := db.InTx(ctx, p.pool, func(tx pgx.Tx) error {
		if requestID != "" {
			first, err := scanParticipant(tx.QueryRow(ctx, participantByRequest, x.EventID, requestID))
			if err == nil {
				out = first
				return nil
			}
			if !errors.Is(err, pgx.ErrNoRows) {
				return db.Error(err)
			}
		}
		var professionalID *string
		if x.Professional != nil {
			id, err := findOrCreateProfessional(ctx, tx, organiser, x.Professional)
			if err != nil {
				return err
			}
			professionalID = &id
		}
		var err error
		out, err = db.CreateOnce(ctx, tx, scanParticipant, `
			WITH pa AS (
				INSERT INTO participants (id, event_id, professional_id, beneficiary_id, request_id)
				VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (event_id, request_id) DO NOTHING
				RETURNING *)
			SELECT `+participantCols+` FROM`+participantsFrom,
			[]any{x.ID, x.EventID, professionalID, db.Null(x.BeneficiaryID), db.Null(requestID)},
			participantByRequest, x.EventID, requestID)
		return alreadyRegistered(err, x.EventID)
	})
	return out, err
}

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
// known e-mail and sex when the new registration lacks them) and returns its
// id. The unique indexes behind the arbiters make concurrent registrations of
// one person end on one row.
func upsertProfessional(conflict string) string {
	return `INSERT INTO professionals AS p (id, organiser_organisation_id, given_name, family_name, email,
			organisation_id, organisation_name, sector, sex, given_key, family_key, organisation_key)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT ` + conflict + ` DO UPDATE SET
			given_name = excluded.given_name,
			family_name = excluded.family_name,
			email = COALESCE(excluded.email, p.email),
			organisation_id = excluded.organisation_id,
			organisation_name = excluded.organisation_name,
			sector = excluded.sector,
			sex = CASE WHEN excluded.sex = 'unknown' THEN p.sex ELSE excluded.sex END,
			given_key = excluded.given_key,
			family_key = excluded.family_key,
			organisation_key = excluded.organisation_key,
			update_time = now()
		RETURNING p.id`
}

var (
	upsertByEmail = upsertProfessional(`(organiser_organisation_id, email) WHERE email IS NOT NULL`)
	upsertByName  = upsertProfessional(`(organiser_organisation_id, family_key, given_key, organisation_key) WHERE email IS NULL`)
	upsertByID    = upsertProfessional(`(id)`)
)

// findOrCreateProfessional returns the id of the professional of organiser
// that pr is: the one with the same e-mail when pr has one; otherwise one
// with the same normalised names and organisation (preferring one recorded
// without e-mail, then the oldest). Failing that, pr becomes a new one.
func findOrCreateProfessional(ctx context.Context, tx pgx.Tx, organiser string, pr *domain.Professional) (string, error) {
	key := pr.MatchKey()
	id := ids.New()
	upsert := upsertByEmail
	if pr.Email == "" {
		upsert = upsertByName
		err := tx.QueryRow(ctx, `SELECT id FROM professionals
			WHERE organiser_organisation_id = $1 AND family_key = $2 AND given_key = $3 AND organisation_key = $4
			ORDER BY email IS NULL DESC, id LIMIT 1`, organiser, key.Family, key.Given, key.Organisation).Scan(&id)
		switch {
		case err == nil:
			upsert = upsertByID
		case !errors.Is(err, pgx.ErrNoRows):
			return "", db.Error(err)
		}
	}
	err := tx.QueryRow(ctx, upsert, id, organiser, pr.GivenName, pr.FamilyName, db.Null(pr.Email),
		db.Null(pr.OrganisationID), pr.OrganisationName, pr.Sector, pr.Sex,
		key.Given, key.Family, key.Organisation).Scan(&id)
	return id, db.Error(err)
}

// ListParticipants lists the participants of an event, newest first. The
// caller has checked the event is visible.
func (p *Postgres) ListParticipants(ctx context.Context, eventID string, page pagination.Page) ([]*domain.Participant, error) {
	rows, err := p.pool.Query(ctx, `SELECT `+participantCols+` FROM participants`+participantsFrom+`
		WHERE pa.event_id = $1 AND ($2::uuid IS NULL OR pa.id < $2)
		ORDER BY pa.id DESC LIMIT $3`, eventID, db.Null(page.After), page.Limit())
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.Participant, error) { return scanParticipant(r) })
	return out, db.Error(err)
}

var trainedDims = aggregate.Dimensions{
	"sector":     "pr.sector",
	"sex":        "pr.sex",
	"event_type": "e.type",
}

// CountTrainedProfessionals counts unique professionals who took part in
// events of the project that started in the period, across all organisers,
// grouped as asked.
func (p *Postgres) CountTrainedProfessionals(ctx context.Context, q aggregate.Query) (aggregate.Aggregate, error) {
	if err := trainedDims.Check("group_by", q.GroupBy); err != nil {
		return aggregate.Aggregate{}, err
	}
	sel, group := trainedDims.Select(q.GroupBy)
	rows, err := p.pool.Query(ctx, `SELECT `+sel+`count(DISTINCT pa.professional_id)
		FROM participants pa
		JOIN professionals pr ON pr.id = pa.professional_id
		JOIN training_events e ON e.id = pa.event_id
		WHERE e.project_id = $1
			AND ($2::date IS NULL OR e.start_date >= $2)
			AND ($3::date IS NULL OR e.start_date <= $3)`+group,
		q.ProjectID, q.From.Ptr(), q.To.Ptr())
	if err != nil {
		return aggregate.Aggregate{}, db.Error(err)
	}
	defer rows.Close()
	agg, err := aggregate.Collect(rows, q.GroupBy)
	return agg, db.Error(err)
}
