// Package app holds the referral and directory use cases.
package app

import (
	"context"
	"time"

	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/services/referrals/internal/domain"
)

// Repository stores the directory and referrals. Referral reads take the
// viewing organisation and return only referrals it sent, or received and
// that were sent to it (not drafts).
type Repository interface {
	CreateOrganisation(ctx context.Context, o *domain.Organisation, createdBy, requestID string) (*domain.Organisation, error)
	GetOrganisation(ctx context.Context, id string) (*domain.Organisation, error)
	ListOrganisations(ctx context.Context, f domain.OrganisationFilter, p pagination.Page) ([]*domain.Organisation, error)
	CreateReferral(ctx context.Context, r *domain.Referral, actorClient, requestID string) (*domain.Referral, error)
	GetReferral(ctx context.Context, viewer, id string) (*domain.Referral, error)
	ListReferrals(ctx context.Context, viewer string, f domain.ReferralFilter, p pagination.Page) ([]*domain.Referral, error)
	CountReferrals(ctx context.Context, q aggregate.Query) (aggregate.Aggregate, error)
}

// Beneficiaries is what referrals need from the beneficiaries service.
type Beneficiaries interface {
	// CheckVisible returns nil when the calling organisation can see the
	// beneficiary, an errs.NotFound error otherwise.
	CheckVisible(ctx context.Context, beneficiaryID string) error
}

// App is the referrals application.
type App struct {
	repo          Repository
	beneficiaries Beneficiaries
	now           func() time.Time
}

// New returns the application.
func New(repo Repository, b Beneficiaries) *App {
	return &App{repo: repo, beneficiaries: b, now: time.Now}
}

// CreateOrganisation adds an organisation to the directory.
func (a *App) CreateOrganisation(ctx context.Context, p auth.Principal, o *domain.Organisation, requestID string) (*domain.Organisation, error) {
	o.Normalize()
	if err := o.Validate(); err != nil {
		return nil, err
	}
	o.ID = ids.New()
	return a.repo.CreateOrganisation(ctx, o, p.OrganisationID, requestID)
}

// GetOrganisation returns a directory entry.
func (a *App) GetOrganisation(ctx context.Context, id string) (*domain.Organisation, error) {
	if err := ids.Check("id", id); err != nil {
		return nil, err
	}
	return a.repo.GetOrganisation(ctx, ids.Normalize(id))
}

// ListOrganisations lists the directory in creation order, newest first.
func (a *App) ListOrganisations(ctx context.Context, f domain.OrganisationFilter, size int32, token string) ([]*domain.Organisation, string, error) {
	if err := f.Validate(); err != nil {
		return nil, "", err
	}
	page, err := pagination.Parse(size, token, pagination.Fingerprint(f.Kind, f.Country))
	if err != nil {
		return nil, "", err
	}
	rows, err := a.repo.ListOrganisations(ctx, f, page)
	if err != nil {
		return nil, "", err
	}
	rows, next := pagination.Next(page, rows, func(o *domain.Organisation) string { return o.ID })
	return rows, next, nil
}

// CreateReferral drafts a referral of a beneficiary the caller can see to
// another organisation in the directory.
func (a *App) CreateReferral(ctx context.Context, p auth.Principal, r *domain.Referral, requestID string) (*domain.Referral, error) {
	if err := r.Validate(p.OrganisationID); err != nil {
		return nil, err
	}
	r.Prepare(p.OrganisationID, a.now())
	if _, err := a.repo.GetOrganisation(ctx, r.ToOrganisationID); err != nil {
		return nil, err
	}
	if err := a.beneficiaries.CheckVisible(ctx, r.BeneficiaryID); err != nil {
		return nil, err
	}
	return a.repo.CreateReferral(ctx, r, p.ClientID, requestID)
}

// GetReferral returns a referral the caller sent or received.
func (a *App) GetReferral(ctx context.Context, p auth.Principal, id string) (*domain.Referral, error) {
	if err := ids.Check("id", id); err != nil {
		return nil, err
	}
	return a.repo.GetReferral(ctx, p.OrganisationID, ids.Normalize(id))
}

// ListReferrals lists referrals the caller sent or received, newest first.
func (a *App) ListReferrals(ctx context.Context, p auth.Principal, f domain.ReferralFilter, size int32, token string) ([]*domain.Referral, string, error) {
	if err := f.Validate(); err != nil {
		return nil, "", err
	}
	page, err := pagination.Parse(size, token, pagination.Fingerprint(f.Direction, f.Status))
	if err != nil {
		return nil, "", err
	}
	rows, err := a.repo.ListReferrals(ctx, p.OrganisationID, f, page)
	if err != nil {
		return nil, "", err
	}
	rows, next := pagination.Next(page, rows, func(r *domain.Referral) string { return r.ID })
	return rows, next, nil
}

// CountReferrals counts referrals under a project; counts only, no personal data.
func (a *App) CountReferrals(ctx context.Context, q aggregate.Query) (aggregate.Aggregate, error) {
	return a.repo.CountReferrals(ctx, q)
}
