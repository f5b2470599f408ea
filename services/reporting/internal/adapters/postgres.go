// Package adapters implements what the reporting application needs: the
// project repository on PostgreSQL and the other services' aggregates over
// gRPC.
package adapters

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/services/reporting/internal/app"
	"github.com/spona/spona/services/reporting/internal/domain"
)

// Postgres is the repository.
type Postgres struct{ pool *pgxpool.Pool }

// NewPostgres returns the repository on pool.
func NewPostgres(pool *pgxpool.Pool) *Postgres { return &Postgres{pool: pool} }

var _ app.Repository = (*Postgres)(nil)

// The amount travels as text both ways so it stays exact.
const projectCols = `id, code, title, description, implementing_organisation_id, planned_start_date, planned_end_date,
	COALESCE(budget_amount::text, ''), COALESCE(budget_currency, ''), funder, create_time`

func scanProject(row pgx.Row) (*domain.Project, error) {
	var p domain.Project
	var start, end time.Time
	err := row.Scan(&p.ID, &p.Code, &p.Title, &p.Description, &p.ImplementingOrganisationID, &start, &end,
		&p.Budget.Amount, &p.Budget.Currency, &p.Funder, &p.CreateTime)
	if err != nil {
		return nil, err
	}
	p.PlannedStart, p.PlannedEnd = date.Of(start), date.Of(end)
	return &p, nil
}

// CreateProject inserts p; a repeated request id returns the first row.
func (p *Postgres) CreateProject(ctx context.Context, pr *domain.Project, requestID string) (*domain.Project, error) {
	return db.CreateOnce(ctx, p.pool, scanProject, `
		INSERT INTO projects (id, implementing_organisation_id, code, title, description,
			planned_start_date, planned_end_date, budget_amount, budget_currency, funder, request_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, CAST($8::text AS numeric(18, 2)), $9, $10, $11)
		ON CONFLICT (implementing_organisation_id, request_id) DO NOTHING
		RETURNING `+projectCols,
		[]any{pr.ID, pr.ImplementingOrganisationID, pr.Code, pr.Title, pr.Description,
			pr.PlannedStart.Time(), pr.PlannedEnd.Time(), db.Null(pr.Budget.Amount), db.Null(pr.Budget.Currency),
			pr.Funder, db.Null(requestID)},
		`SELECT `+projectCols+` FROM projects WHERE implementing_organisation_id = $1 AND request_id = $2`,
		pr.ImplementingOrganisationID, requestID)
}

// GetProject returns the project if viewer implements it.
func (p *Postgres) GetProject(ctx context.Context, viewer, id string) (*domain.Project, error) {
	pr, err := scanProject(p.pool.QueryRow(ctx, `SELECT `+projectCols+` FROM projects
		WHERE implementing_organisation_id = $1 AND id = $2`, viewer, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.NotFound("project", id)
	}
	return pr, db.Error(err)
}

// ListProjects returns up to page.Limit() of viewer's projects after
// page.After, newest first.
func (p *Postgres) ListProjects(ctx context.Context, viewer string, page pagination.Page) ([]*domain.Project, error) {
	after := page.After
	if after == "" {
		after = "ffffffff-ffff-ffff-ffff-ffffffffffff"
	}
	rows, err := p.pool.Query(ctx, `SELECT `+projectCols+` FROM projects
		WHERE implementing_organisation_id = $1 AND id < $2::uuid ORDER BY id DESC LIMIT $3`, viewer, after, page.Limit())
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.Project, error) { return scanProject(r) })
	return out, db.Error(err)
}
