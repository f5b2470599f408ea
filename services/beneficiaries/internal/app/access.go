package app

import (
	"context"

	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
)

// visible returns the beneficiary id (normalised) as the caller sees it,
// NotFound when it may not see it at all.
func (a *App) visible(ctx context.Context, r Repository, p auth.Principal, field, id string) (*domain.Beneficiary, error) {
	if err := ids.Check(field, id); err != nil {
		return nil, err
	}
	return r.GetBeneficiary(ctx, p.OrganisationID, ids.Normalize(id))
}

// owned returns the beneficiary when the caller's organisation registered
// it: NotFound when it cannot see it, PermissionDenied when it sees it only
// through an access grant.
func (a *App) owned(ctx context.Context, r Repository, p auth.Principal, field, id string) (*domain.Beneficiary, error) {
	b, err := a.visible(ctx, r, p, field, id)
	if err != nil {
		return nil, err
	}
	if b.Access != domain.AccessOwner {
		return nil, errs.PermissionDenied("only the registering organisation may do this")
	}
	return b, nil
}

// CreateConsent records a consent for a beneficiary the caller registered.
func (a *App) CreateConsent(ctx context.Context, p auth.Principal, beneficiaryID string, c *domain.Consent, requestID string) (*domain.Consent, error) {
	now := a.now()
	c.Normalize(now)
	if err := c.Validate(now); err != nil {
		return nil, err
	}
	var out *domain.Consent
	err := a.repo.InTx(ctx, func(r Repository) error {
		b, err := a.owned(ctx, r, p, "beneficiary_id", beneficiaryID)
		if err != nil {
			return err
		}
		c.ID, c.BeneficiaryID, c.OrganisationID = ids.New(), b.ID, p.OrganisationID
		out, err = r.CreateConsent(ctx, c, requestID)
		return err
	})
	return out, err
}

// ListConsents lists the consents of a beneficiary the caller registered.
func (a *App) ListConsents(ctx context.Context, p auth.Principal, beneficiaryID string, size int32, token string) ([]*domain.Consent, string, error) {
	page, err := pagination.Parse(size, token, pagination.Fingerprint("consents", ids.Normalize(beneficiaryID)))
	if err != nil {
		return nil, "", err
	}
	var rows []*domain.Consent
	err = a.repo.InTx(ctx, func(r Repository) error {
		b, err := a.owned(ctx, r, p, "beneficiary_id", beneficiaryID)
		if err != nil {
			return err
		}
		rows, err = r.ListConsents(ctx, b.ID, page)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	rows, next := pagination.Next(page, rows, func(c *domain.Consent) string { return c.ID })
	return rows, next, nil
}

// WithdrawConsent withdraws a consent of a beneficiary the caller registered.
func (a *App) WithdrawConsent(ctx context.Context, p auth.Principal, beneficiaryID, id, reason string) (*domain.Consent, error) {
	if err := ids.Check("id", id); err != nil {
		return nil, err
	}
	if err := domain.ValidateWithdrawReason(reason); err != nil {
		return nil, err
	}
	var out *domain.Consent
	err := a.repo.InTx(ctx, func(r Repository) error {
		b, err := a.owned(ctx, r, p, "beneficiary_id", beneficiaryID)
		if err != nil {
			return err
		}
		out, err = r.WithdrawConsent(ctx, b.ID, ids.Normalize(id), reason)
		return err
	})
	return out, err
}

// CheckConsent returns the live consent for a purpose of a beneficiary the
// caller can see, nil when there is none.
func (a *App) CheckConsent(ctx context.Context, p auth.Principal, beneficiaryID, purpose string) (*domain.Consent, error) {
	var v errs.Violations
	if purpose == "" {
		v.Add("purpose", "is required")
	} else if !contains(domain.ConsentPurposes, purpose) {
		v.Add("purpose", "unknown value %q", purpose)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out *domain.Consent
	err := a.repo.InTx(ctx, func(r Repository) error {
		b, err := a.visible(ctx, r, p, "beneficiary_id", beneficiaryID)
		if err != nil {
			return err
		}
		out, err = r.LiveConsent(ctx, b.ID, purpose)
		return err
	})
	return out, err
}

// GrantAccess lets another organisation see a reduced view of a beneficiary
// the caller registered, while a referral-sharing consent is live.
func (a *App) GrantAccess(ctx context.Context, p auth.Principal, g *domain.Grant) (*domain.Grant, error) {
	var v errs.Violations
	if g.GranteeOrganisationID == "" {
		v.Add("grantee_organisation_id", "is required")
	} else if g.GranteeOrganisationID = ids.Normalize(g.GranteeOrganisationID); !ids.Valid(g.GranteeOrganisationID) {
		v.Add("grantee_organisation_id", "must be a UUID")
	} else if g.GranteeOrganisationID == p.OrganisationID {
		v.Add("grantee_organisation_id", "is the caller's own organisation")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := g.Validate(a.now()); err != nil {
		return nil, err
	}
	var out *domain.Grant
	err := a.repo.InTx(ctx, func(r Repository) error {
		b, err := a.owned(ctx, r, p, "beneficiary_id", g.BeneficiaryID)
		if err != nil {
			return err
		}
		c, err := r.LiveConsent(ctx, b.ID, domain.PurposeReferralSharing)
		if err != nil {
			return err
		}
		if c == nil {
			return errs.FailedPrecondition("CONSENT_REQUIRED", "beneficiary %s has no live referral_sharing consent", b.ID)
		}
		g.ID, g.BeneficiaryID, g.GrantedBy = ids.New(), b.ID, p.OrganisationID
		out, err = r.UpsertGrant(ctx, g)
		return err
	})
	return out, err
}

// RevokeAccess ends the grants of a beneficiary made for source. The
// registering organisation ends them all; a grantee only its own.
func (a *App) RevokeAccess(ctx context.Context, p auth.Principal, beneficiaryID, sourceID string) (int, error) {
	if err := ids.Check("beneficiary_id", beneficiaryID); err != nil {
		return 0, err
	}
	if err := (&domain.Grant{SourceID: sourceID}).Validate(a.now()); err != nil {
		return 0, err
	}
	id := ids.Normalize(beneficiaryID)
	var revoked int
	err := a.repo.InTx(ctx, func(r Repository) error {
		b, err := r.GetBeneficiary(ctx, p.OrganisationID, id)
		if err != nil && errs.KindOf(err) != errs.KindNotFound {
			return err
		}
		if err == nil && b.Access == domain.AccessOwner {
			revoked, _, err = r.RevokeGrants(ctx, id, sourceID, "")
			return err
		}
		// A grantee (even one whose grant already ended) revokes its own.
		n, matched, err := r.RevokeGrants(ctx, id, sourceID, p.OrganisationID)
		if err != nil {
			return err
		}
		if matched == 0 {
			return errs.NotFound("beneficiary", id)
		}
		revoked = n
		return nil
	})
	return revoked, err
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
