// Package adapters implements the beneficiaries repository on PostgreSQL.
package adapters

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/services/beneficiaries/internal/app"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
)

// Postgres is the repository. Inside InTx, q is the transaction.
type Postgres struct {
	pool *pgxpool.Pool
	q    db.Querier
	inTx bool
}

// NewPostgres returns the repository on pool.
func NewPostgres(pool *pgxpool.Pool) *Postgres { return &Postgres{pool: pool, q: pool} }

// InTx runs fn with a repository whose statements share one transaction,
// committed when fn returns nil. Nested calls join the outer transaction.
func (p *Postgres) InTx(ctx context.Context, fn func(app.Repository) error) error {
	if p.inTx {
		return fn(p)
	}
	return db.InTx(ctx, p.pool, func(tx pgx.Tx) error {
		return fn(&Postgres{pool: p.pool, q: tx, inTx: true})
	})
}

var _ app.Repository = (*Postgres)(nil)

const beneficiaryCols = `id, organisation_id, COALESCE(external_id, ''), given_name, family_name, original_script_name,
	sex, birth_date, COALESCE(birth_year, 0), birth_date_estimated, nationality, languages, legal_status,
	municipality, country, accommodation, vulnerabilities, create_time, update_time, version,
	CASE WHEN b.organisation_id = $1 THEN 'owner' ELSE 'granted' END`

// visible is true for rows of beneficiaries b the organisation $1 may see.
const visible = `(b.organisation_id = $1 OR EXISTS (SELECT 1 FROM access_grants g
	WHERE g.beneficiary_id = b.id AND g.organisation_id = $1 AND g.revoke_time IS NULL
	AND (g.expire_time IS NULL OR g.expire_time > now())))`

func scanBeneficiary(row pgx.Row) (*domain.Beneficiary, error) {
	var b domain.Beneficiary
	var birth *time.Time
	err := row.Scan(&b.ID, &b.OrganisationID, &b.ExternalID, &b.GivenName, &b.FamilyName, &b.OriginalScriptName,
		&b.Sex, &birth, &b.BirthYear, &b.BirthDateEstimated, &b.Nationality, &b.Languages, &b.LegalStatus,
		&b.Municipality, &b.Country, &b.Accommodation, &b.Vulnerabilities, &b.CreateTime, &b.UpdateTime, &b.Version, &b.Access)
	if err != nil {
		return nil, err
	}
	b.BirthDate = date.FromPtr(birth)
	return &b, nil
}

// CreateBeneficiary inserts b; a repeated request id returns the first row.
func (p *Postgres) CreateBeneficiary(ctx context.Context, b *domain.Beneficiary, requestID string) (*domain.Beneficiary, error) {
	return db.CreateOnce(ctx, p.q, scanBeneficiary, `
		INSERT INTO beneficiaries AS b (id, organisation_id, external_id, given_name, family_name, original_script_name,
			sex, birth_date, birth_year, birth_date_estimated, nationality, languages, legal_status,
			municipality, country, accommodation, vulnerabilities, request_id)
		VALUES ($2, $1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
		ON CONFLICT (organisation_id, request_id) DO NOTHING
		RETURNING `+beneficiaryCols,
		[]any{b.OrganisationID, b.ID, db.Null(b.ExternalID), b.GivenName, b.FamilyName, b.OriginalScriptName,
			b.Sex, b.BirthDate.Ptr(), db.NullInt(b.BirthYear), b.BirthDateEstimated, b.Nationality, db.Strings(b.Languages), b.LegalStatus,
			b.Municipality, b.Country, b.Accommodation, db.Strings(b.Vulnerabilities), db.Null(requestID)},
		`SELECT `+beneficiaryCols+` FROM beneficiaries b WHERE organisation_id = $1 AND request_id = $2`,
		b.OrganisationID, requestID)
}

// GetBeneficiary returns the beneficiary if viewer may see it.
func (p *Postgres) GetBeneficiary(ctx context.Context, viewer, id string) (*domain.Beneficiary, error) {
	b, err := scanBeneficiary(p.q.QueryRow(ctx, `SELECT `+beneficiaryCols+` FROM beneficiaries b WHERE b.id = $2 AND `+visible, viewer, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.NotFound("beneficiary", id)
	}
	return b, db.Error(err)
}

// ListBeneficiaries returns up to p.Limit() visible rows after p.After, newest first.
func (p *Postgres) ListBeneficiaries(ctx context.Context, viewer string, f domain.ListFilter, page pagination.Page) ([]*domain.Beneficiary, error) {
	where := []string{visible}
	args := []any{viewer}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if page.After != "" {
		add("b.id < ?::uuid", page.After)
	}
	if f.LegalStatus != "" {
		add("b.legal_status = ?", f.LegalStatus)
	}
	if f.Municipality != "" {
		add("b.municipality = ?", f.Municipality)
	}
	args = append(args, page.Limit())
	rows, err := p.q.Query(ctx, `SELECT `+beneficiaryCols+` FROM beneficiaries b WHERE `+strings.Join(where, " AND ")+
		` ORDER BY b.id DESC LIMIT $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.Beneficiary, error) { return scanBeneficiary(r) })
	return out, db.Error(err)
}

const assistanceCols = `id, beneficiary_id, organisation_id, COALESCE(project_id::text, ''), type, date, notes, create_time`

func scanAssistance(row pgx.Row) (*domain.Assistance, error) {
	var a domain.Assistance
	var d time.Time
	if err := row.Scan(&a.ID, &a.BeneficiaryID, &a.OrganisationID, &a.ProjectID, &a.Type, &d, &a.Notes, &a.CreateTime); err != nil {
		return nil, err
	}
	a.Date = date.Of(d)
	return &a, nil
}

// CreateAssistance inserts a; a repeated request id returns the first row.
func (p *Postgres) CreateAssistance(ctx context.Context, a *domain.Assistance, requestID string) (*domain.Assistance, error) {
	return db.CreateOnce(ctx, p.q, scanAssistance, `
		INSERT INTO assistances (id, beneficiary_id, organisation_id, project_id, type, date, notes, request_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (organisation_id, request_id) DO NOTHING
		RETURNING `+assistanceCols,
		[]any{a.ID, a.BeneficiaryID, a.OrganisationID, db.Null(a.ProjectID), a.Type, a.Date.Time(), a.Notes, db.Null(requestID)},
		`SELECT `+assistanceCols+` FROM assistances WHERE organisation_id = $1 AND request_id = $2`,
		a.OrganisationID, requestID)
}

// ListAssistances lists the assistance of a beneficiary, newest first; only
// that recorded by onlyOrg unless it is empty.
func (p *Postgres) ListAssistances(ctx context.Context, onlyOrg, beneficiaryID string, page pagination.Page) ([]*domain.Assistance, error) {
	after := page.After
	if after == "" {
		after = "ffffffff-ffff-ffff-ffff-ffffffffffff"
	}
	rows, err := p.q.Query(ctx, `SELECT `+assistanceCols+` FROM assistances
		WHERE beneficiary_id = $1 AND id < $2::uuid AND ($4 = '' OR organisation_id = $4::uuid)
		ORDER BY id DESC LIMIT $3`, beneficiaryID, after, page.Limit(), onlyOrg)
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.Assistance, error) { return scanAssistance(r) })
	return out, db.Error(err)
}

var assistedDims = aggregate.Dimensions{
	"sex":             "b.sex::text",
	"age_band":        aggregate.AgeBandSQL("b.birth_date", "b.birth_year", "LEAST(COALESCE($3::date, current_date), current_date)"),
	"legal_status":    "NULLIF(b.legal_status, '')",
	"municipality":    "NULLIF(b.municipality, '')",
	"assistance_type": "a.type::text",
}

// CountAssisted counts unique beneficiaries with assistance under the project
// in the period, grouped as asked.
func (p *Postgres) CountAssisted(ctx context.Context, q aggregate.Query) (aggregate.Aggregate, error) {
	if err := assistedDims.Check("group_by", q.GroupBy); err != nil {
		return aggregate.Aggregate{}, err
	}
	sel, group := assistedDims.Select(q.GroupBy)
	rows, err := p.q.Query(ctx, `SELECT `+sel+`count(DISTINCT a.beneficiary_id)
		FROM assistances a JOIN beneficiaries b ON b.id = a.beneficiary_id
		WHERE a.project_id = $1
			AND ($2::date IS NULL OR a.date >= $2)
			AND ($3::date IS NULL OR a.date <= $3)`+group, q.ProjectID, q.From.Ptr(), q.To.Ptr())
	if err != nil {
		return aggregate.Aggregate{}, db.Error(err)
	}
	defer rows.Close()
	agg, err := aggregate.Collect(rows, q.GroupBy)
	return agg, db.Error(err)
}
