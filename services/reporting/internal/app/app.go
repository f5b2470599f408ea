// Package app holds the reporting use cases. It enforces who may see what,
// delegates storage to a Repository and asks the other services for their
// aggregates through the Beneficiaries and Trainings interfaces.
package app

import (
	"context"
	"time"

	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/services/reporting/internal/domain"
	"golang.org/x/sync/errgroup"
)

// Repository stores projects. Every read takes the viewing organisation and
// returns only its own projects; another organisation's project is reported
// as not found.
type Repository interface {
	CreateProject(ctx context.Context, p *domain.Project, requestID string) (*domain.Project, error)
	GetProject(ctx context.Context, viewer, id string) (*domain.Project, error)
	ListProjects(ctx context.Context, viewer string, p pagination.Page) ([]*domain.Project, error)
}

// Beneficiaries is what reporting needs from the beneficiaries service. It
// runs as the caller (the principal travels with ctx). Errors are classified:
// errs.KindUnavailable when the service cannot be reached, internal otherwise.
type Beneficiaries interface {
	// CountAssisted counts unique beneficiaries assisted under the project in
	// the period (both ends inclusive), grouped by the given dimensions.
	CountAssisted(ctx context.Context, projectID string, from, to date.Date, groupBy []string) (aggregate.Aggregate, error)
}

// Trainings is what reporting needs from the trainings service, on the same
// terms as Beneficiaries.
type Trainings interface {
	// CountTrained counts unique professionals trained under the project in
	// the period, grouped by the given dimensions.
	CountTrained(ctx context.Context, projectID string, from, to date.Date, groupBy []string) (aggregate.Aggregate, error)
}

// App is the reporting application.
type App struct {
	repo          Repository
	beneficiaries Beneficiaries
	trainings     Trainings
	now           func() time.Time
}

// New returns the application.
func New(repo Repository, b Beneficiaries, t Trainings) *App {
	return &App{repo: repo, beneficiaries: b, trainings: t, now: time.Now}
}

// CreateProject records a project implemented by the caller's organisation.
func (a *App) CreateProject(ctx context.Context, p auth.Principal, pr *domain.Project, requestID string) (*domain.Project, error) {
	pr.Normalize()
	if err := pr.Validate(); err != nil {
		return nil, err
	}
	pr.ID = ids.New()
	pr.ImplementingOrganisationID = p.OrganisationID
	return a.repo.CreateProject(ctx, pr, requestID)
}

// GetProject returns a project of the caller's organisation.
func (a *App) GetProject(ctx context.Context, p auth.Principal, id string) (*domain.Project, error) {
	if err := ids.Check("id", id); err != nil {
		return nil, err
	}
	return a.repo.GetProject(ctx, p.OrganisationID, ids.Normalize(id))
}

// ListProjects lists the caller's projects, newest first.
func (a *App) ListProjects(ctx context.Context, p auth.Principal, size int32, token string) ([]*domain.Project, string, error) {
	page, err := pagination.Parse(size, token, pagination.Fingerprint())
	if err != nil {
		return nil, "", err
	}
	rows, err := a.repo.ListProjects(ctx, p.OrganisationID, page)
	if err != nil {
		return nil, "", err
	}
	rows, next := pagination.Next(page, rows, func(x *domain.Project) string { return x.ID })
	return rows, next, nil
}

// GetProjectReport computes a project's results for a period, live, from the
// beneficiaries and trainings services. A zero from or to defaults to the
// project's planned start or end.
func (a *App) GetProjectReport(ctx context.Context, p auth.Principal, projectID string, from, to date.Date) (*domain.Report, error) {
	if err := ids.Check("project_id", projectID); err != nil {
		return nil, err
	}
	// The aggregate RPCs run as the caller and need this scope; say so here
	// rather than let the downstream refusal look like our failure.
	if !p.Has(auth.ScopeAggregates) {
		return nil, errs.PermissionDenied("scope %q is required to compute a report", auth.ScopeAggregates)
	}
	pr, err := a.repo.GetProject(ctx, p.OrganisationID, ids.Normalize(projectID))
	if err != nil {
		return nil, err
	}
	if from.IsZero() {
		from = pr.PlannedStart
	}
	if to.IsZero() {
		to = pr.PlannedEnd
	}
	if to.Before(from) {
		var v errs.Violations
		v.Add("end_date", "must not be before start_date (%s); unset dates default to the project's planned dates", from)
		return nil, v.Err()
	}
	r := &domain.Report{ProjectID: pr.ID, From: from, To: to}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		r.BeneficiariesAssisted, err = a.beneficiaries.CountAssisted(gctx, pr.ID, from, to, domain.AssistedGroupBy)
		return err
	})
	g.Go(func() (err error) {
		r.ProfessionalsTrained, err = a.trainings.CountTrained(gctx, pr.ID, from, to, domain.TrainedGroupBy)
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	r.GenerateTime = a.now().UTC()
	return r, nil
}
