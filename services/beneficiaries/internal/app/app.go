// Package app holds the beneficiaries use cases. It enforces who may see
// what and delegates storage to a Repository.
package app

import (
	"context"
	"time"

	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
)

// Repository stores beneficiaries. Every read takes the viewing organisation
// and returns only what it may see; a record it may not see is reported as
// not found.
type Repository interface {
	// InTx runs fn with a repository whose statements share one transaction.
	InTx(ctx context.Context, fn func(Repository) error) error
	CreateBeneficiary(ctx context.Context, b *domain.Beneficiary, requestID string) (*domain.Beneficiary, error)
	GetBeneficiary(ctx context.Context, viewer, id string) (*domain.Beneficiary, error)
	ListBeneficiaries(ctx context.Context, viewer string, f domain.ListFilter, p pagination.Page) ([]*domain.Beneficiary, error)
	CreateAssistance(ctx context.Context, a *domain.Assistance, requestID string) (*domain.Assistance, error)
	ListAssistances(ctx context.Context, onlyOrg, beneficiaryID string, p pagination.Page) ([]*domain.Assistance, error)
	CountAssisted(ctx context.Context, q aggregate.Query) (aggregate.Aggregate, error)

	CreateConsent(ctx context.Context, c *domain.Consent, requestID string) (*domain.Consent, error)
	GetConsent(ctx context.Context, beneficiaryID, id string) (*domain.Consent, error)
	ListConsents(ctx context.Context, beneficiaryID string, p pagination.Page) ([]*domain.Consent, error)
	WithdrawConsent(ctx context.Context, beneficiaryID, id, reason string) (*domain.Consent, error)
	// LiveConsent returns nil when no consent for the purpose is live.
	LiveConsent(ctx context.Context, beneficiaryID, purpose string) (*domain.Consent, error)
	UpsertGrant(ctx context.Context, g *domain.Grant) (*domain.Grant, error)
	RevokeGrants(ctx context.Context, beneficiaryID, sourceID, grantee string) (revoked, matched int, err error)
}

// App is the beneficiaries application.
type App struct {
	repo  Repository
	today func() date.Date
	now   func() time.Time
}

// New returns the application over repo.
func New(repo Repository) *App {
	return &App{repo: repo, today: date.Today, now: func() time.Time { return time.Now().UTC() }}
}

// Now is the application's clock.
func (a *App) Now() time.Time { return a.now() }

// CreateBeneficiary registers b for the caller's organisation.
func (a *App) CreateBeneficiary(ctx context.Context, p auth.Principal, b *domain.Beneficiary, requestID string) (*domain.Beneficiary, error) {
	b.Normalize()
	if err := b.Validate("beneficiary.", a.today()); err != nil {
		return nil, err
	}
	b.ID = ids.New()
	b.OrganisationID = p.OrganisationID
	return a.repo.CreateBeneficiary(ctx, b, requestID)
}

// GetBeneficiary returns a beneficiary visible to the caller.
func (a *App) GetBeneficiary(ctx context.Context, p auth.Principal, id string) (*domain.Beneficiary, error) {
	if err := ids.Check("id", id); err != nil {
		return nil, err
	}
	b, err := a.repo.GetBeneficiary(ctx, p.OrganisationID, ids.Normalize(id))
	if err != nil {
		return nil, err
	}
	return view(b), nil
}

// view reduces what an organisation holding only an access grant sees.
func view(b *domain.Beneficiary) *domain.Beneficiary {
	if b.Access != domain.AccessOwner {
		b.Reduce()
	}
	return b
}

// ListBeneficiaries lists beneficiaries visible to the caller, newest first.
func (a *App) ListBeneficiaries(ctx context.Context, p auth.Principal, f domain.ListFilter, size int32, token string) ([]*domain.Beneficiary, string, error) {
	if err := f.Validate(); err != nil {
		return nil, "", err
	}
	page, err := pagination.Parse(size, token, pagination.Fingerprint(f.LegalStatus, f.Municipality))
	if err != nil {
		return nil, "", err
	}
	rows, err := a.repo.ListBeneficiaries(ctx, p.OrganisationID, f, page)
	if err != nil {
		return nil, "", err
	}
	rows, next := pagination.Next(page, rows, func(b *domain.Beneficiary) string { return b.ID })
	for _, b := range rows {
		view(b)
	}
	return rows, next, nil
}

// CreateAssistance records assistance the caller delivered to a beneficiary
// it can see.
func (a *App) CreateAssistance(ctx context.Context, p auth.Principal, beneficiaryID string, as *domain.Assistance, requestID string) (*domain.Assistance, error) {
	if err := ids.Check("beneficiary_id", beneficiaryID); err != nil {
		return nil, err
	}
	if err := as.Validate(a.today()); err != nil {
		return nil, err
	}
	if _, err := a.repo.GetBeneficiary(ctx, p.OrganisationID, ids.Normalize(beneficiaryID)); err != nil {
		return nil, err
	}
	as.ID = ids.New()
	as.BeneficiaryID = ids.Normalize(beneficiaryID)
	as.OrganisationID = p.OrganisationID
	as.ProjectID = ids.Normalize(as.ProjectID)
	return a.repo.CreateAssistance(ctx, as, requestID)
}

// ListAssistances lists the assistance of a beneficiary the caller can see.
func (a *App) ListAssistances(ctx context.Context, p auth.Principal, beneficiaryID string, size int32, token string) ([]*domain.Assistance, string, error) {
	if err := ids.Check("beneficiary_id", beneficiaryID); err != nil {
		return nil, "", err
	}
	page, err := pagination.Parse(size, token, pagination.Fingerprint(beneficiaryID))
	if err != nil {
		return nil, "", err
	}
	id := ids.Normalize(beneficiaryID)
	b, err := a.repo.GetBeneficiary(ctx, p.OrganisationID, id)
	if err != nil {
		return nil, "", err
	}
	// A grantee sees only the assistance it recorded itself.
	onlyOrg := ""
	if b.Access != domain.AccessOwner {
		onlyOrg = p.OrganisationID
	}
	rows, err := a.repo.ListAssistances(ctx, onlyOrg, id, page)
	if err != nil {
		return nil, "", err
	}
	rows, next := pagination.Next(page, rows, func(x *domain.Assistance) string { return x.ID })
	return rows, next, nil
}

// AssistedDimensions are the dimensions CountAssisted groups by.
var AssistedDimensions = []string{"sex", "age_band", "legal_status", "municipality", "assistance_type"}

// CountAssisted counts unique beneficiaries assisted under a project. It
// returns counts only, never personal data.
func (a *App) CountAssisted(ctx context.Context, q aggregate.Query) (aggregate.Aggregate, error) {
	return a.repo.CountAssisted(ctx, q)
}
