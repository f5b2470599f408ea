// Package adapters implements the referrals repository on PostgreSQL and the
// gRPC client of the beneficiaries service.
package adapters

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/services/referrals/internal/app"
	"github.com/spona/spona/services/referrals/internal/domain"
)

// Postgres is the repository.
type Postgres struct{ pool *pgxpool.Pool }

// NewPostgres returns the repository on pool.
func NewPostgres(pool *pgxpool.Pool) *Postgres { return &Postgres{pool: pool} }

var _ app.Repository = (*Postgres)(nil)

// where builds a WHERE clause from conditions with ? placeholders.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, v any) {
	w.args = append(w.args, v)
	w.conds = append(w.conds, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(w.args))))
}

func (w *where) sql(limit int) (string, []any) {
	clause := ""
	if len(w.conds) > 0 {
		clause = " WHERE " + strings.Join(w.conds, " AND ")
	}
	args := append(w.args, limit)
	return clause + " ORDER BY id DESC LIMIT $" + strconv.Itoa(len(args)), args
}

const organisationCols = `id, name, localized_names, kind, municipality, country, email, website, create_time`

func scanOrganisation(row pgx.Row) (*domain.Organisation, error) {
	var o domain.Organisation
	err := row.Scan(&o.ID, &o.Name, &o.LocalizedNames, &o.Kind, &o.Municipality, &o.Country, &o.Email, &o.Website, &o.CreateTime)
	if err != nil {
		return nil, err
	}
	return &o, nil
}

// CreateOrganisation inserts o; a repeated request id returns the first row.
func (p *Postgres) CreateOrganisation(ctx context.Context, o *domain.Organisation, createdBy, requestID string) (*domain.Organisation, error) {
	names := o.LocalizedNames
	if names == nil {
		names = map[string]string{}
	}
	return db.CreateOnce(ctx, p.pool, scanOrganisation, `
		INSERT INTO organisations (id, name, localized_names, kind, municipality, country, email, website, created_by, request_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (created_by, request_id) DO NOTHING
		RETURNING `+organisationCols,
		[]any{o.ID, o.Name, names, o.Kind, o.Municipality, o.Country, o.Email, o.Website, createdBy, db.Null(requestID)},
		`SELECT `+organisationCols+` FROM organisations WHERE created_by = $1 AND request_id = $2`, createdBy, requestID)
}

// GetOrganisation returns a directory entry.
func (p *Postgres) GetOrganisation(ctx context.Context, id string) (*domain.Organisation, error) {
	o, err := scanOrganisation(p.pool.QueryRow(ctx, `SELECT `+organisationCols+` FROM organisations WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.NotFound("organisation", id)
	}
	return o, db.Error(err)
}

// ListOrganisations lists directory entries after page.After.
func (p *Postgres) ListOrganisations(ctx context.Context, f domain.OrganisationFilter, page pagination.Page) ([]*domain.Organisation, error) {
	var w where
	if page.After != "" {
		w.add("id < ?::uuid", page.After)
	}
	if f.Kind != "" {
		w.add("kind = ?", f.Kind)
	}
	if f.Country != "" {
		w.add("country = ?", f.Country)
	}
	clause, args := w.sql(page.Limit())
	rows, err := p.pool.Query(ctx, `SELECT `+organisationCols+` FROM organisations`+clause, args...)
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.Organisation, error) { return scanOrganisation(r) })
	return out, db.Error(err)
}

const referralCols = `id, beneficiary_id, from_organisation_id, to_organisation_id, COALESCE(to_service_id::text, ''),
	category, reason, urgency, status, due_time, COALESCE(consent_id::text, ''), COALESCE(project_id::text, ''),
	create_time, update_time, version`

// visible: the viewer $1 sent the referral, or received it once it was sent.
const visible = `(from_organisation_id = $1 OR (to_organisation_id = $1 AND status <> 'draft'))`

func scanReferral(row pgx.Row) (*domain.Referral, error) {
	var r domain.Referral
	err := row.Scan(&r.ID, &r.BeneficiaryID, &r.FromOrganisationID, &r.ToOrganisationID, &r.ToServiceID,
		&r.Category, &r.Reason, &r.Urgency, &r.Status, &r.DueTime, &r.ConsentID, &r.ProjectID, &r.CreateTime, &r.UpdateTime, &r.Version)
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// CreateReferral inserts a draft referral and its first event.
func (p *Postgres) CreateReferral(ctx context.Context, r *domain.Referral, actorClient, requestID string) (*domain.Referral, error) {
	var out *domain.Referral
	err := db.InTx(ctx, p.pool, func(tx pgx.Tx) error {
		var err error
		out, err = db.CreateOnce(ctx, tx, scanReferral, `
			INSERT INTO referrals (id, beneficiary_id, from_organisation_id, to_organisation_id, to_service_id,
				category, reason, urgency, status, due_time, consent_id, project_id, request_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
			ON CONFLICT (from_organisation_id, request_id) DO NOTHING
			RETURNING `+referralCols,
			[]any{r.ID, r.BeneficiaryID, r.FromOrganisationID, r.ToOrganisationID, db.Null(r.ToServiceID),
				r.Category, r.Reason, r.Urgency, r.Status, r.DueTime, db.Null(r.ConsentID), db.Null(r.ProjectID), db.Null(requestID)},
			`SELECT `+referralCols+` FROM referrals WHERE from_organisation_id = $1 AND request_id = $2`,
			r.FromOrganisationID, requestID)
		if err != nil || out.ID != r.ID {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO referral_events (referral_id, from_status, to_status, organisation_id, client_id)
			VALUES ($1, NULL, $2, $3, $4)`, r.ID, r.Status, r.FromOrganisationID, actorClient)
		return db.Error(err)
	})
	return out, err
}

// GetReferral returns a referral visible to viewer.
func (p *Postgres) GetReferral(ctx context.Context, viewer, id string) (*domain.Referral, error) {
	r, err := scanReferral(p.pool.QueryRow(ctx, `SELECT `+referralCols+` FROM referrals WHERE id = $2 AND `+visible, viewer, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.NotFound("referral", id)
	}
	return r, db.Error(err)
}

// ListReferrals lists referrals visible to viewer, newest first.
func (p *Postgres) ListReferrals(ctx context.Context, viewer string, f domain.ReferralFilter, page pagination.Page) ([]*domain.Referral, error) {
	var w where
	switch f.Direction {
	case domain.Outgoing:
		w.add("from_organisation_id = ?", viewer)
	case domain.Incoming:
		w.add("to_organisation_id = ? AND status <> 'draft'", viewer)
	default:
		w.add(strings.ReplaceAll(visible, "$1", "?"), viewer)
	}
	if page.After != "" {
		w.add("id < ?::uuid", page.After)
	}
	if f.Status != "" {
		w.add("status = ?", f.Status)
	}
	clause, args := w.sql(page.Limit())
	rows, err := p.pool.Query(ctx, `SELECT `+referralCols+` FROM referrals`+clause, args...)
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.Referral, error) { return scanReferral(r) })
	return out, db.Error(err)
}

var referralDims = aggregate.Dimensions{
	"status":   "status",
	"category": "category",
	"urgency":  "urgency",
}

// CountReferrals counts referrals (not drafts) made under the project in the
// period, grouped as asked.
func (p *Postgres) CountReferrals(ctx context.Context, q aggregate.Query) (aggregate.Aggregate, error) {
	if err := referralDims.Check("group_by", q.GroupBy); err != nil {
		return aggregate.Aggregate{}, err
	}
	sel, group := referralDims.Select(q.GroupBy)
	rows, err := p.pool.Query(ctx, `SELECT `+sel+`count(*) FROM referrals
		WHERE project_id = $1 AND status <> 'draft'
			AND ($2::date IS NULL OR create_time >= $2::date)
			AND ($3::date IS NULL OR create_time < $3::date + 1)`+group, q.ProjectID, q.From.Ptr(), q.To.Ptr())
	if err != nil {
		return aggregate.Aggregate{}, db.Error(err)
	}
	defer rows.Close()
	agg, err := aggregate.Collect(rows, q.GroupBy)
	return agg, db.Error(err)
}
