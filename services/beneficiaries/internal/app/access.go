package app

import (
	"context"
	"slices"
	"time"

	auditlog "github.com/spona/spona/pkg/audit"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/pkg/validate"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
)

// CreateConsent records a consent for a beneficiary the caller registered.
func (a *App) CreateConsent(ctx context.Context, act Actor, beneficiaryID string, c *domain.Consent, requestID string) (*domain.Consent, error) {
	now := a.now()
	asked := c.GivenTime // before Normalize records one ahead of now as now
	c.Normalize(now)
	if err := c.Validate(now); err != nil {
		return nil, err
	}
	var out *domain.Consent
	err := a.repo.InTx(ctx, func(r Repository) error {
		b, err := writable(ctx, r, act, "beneficiary_id", beneficiaryID, LockRecords)
		if err != nil {
			return err
		}
		c.ID, c.BeneficiaryID, c.OrganisationID = ids.New(), b.ID, act.OrganisationID
		if out, err = r.CreateConsent(ctx, c, requestID); err != nil {
			return err
		}
		if out.ID != c.ID { // a retry of an earlier create
			if !out.SameRequest(c, asked) {
				// Not a retry: another consent (maybe another person's)
				// must not be answered as if this one were recorded.
				out = nil
				return errs.RequestIDReused("record another consent")
			}
			// The retry answers the consent recorded: a read.
			return audit(ctx, r, act, domain.ActionConsentList, []string{"consents"}, b)
		}
		if err := audit(ctx, r, act, domain.ActionConsentCreate, []string{"consents"}, b); err != nil {
			return err
		}
		return r.Emit(ctx, consentEvent(events.ConsentGiven, out))
	})
	return out, err
}

// ListConsents lists the consents of a beneficiary the caller registered.
func (a *App) ListConsents(ctx context.Context, act Actor, beneficiaryID string, size int32, token string) ([]*domain.Consent, string, error) {
	page, err := pagination.Parse(size, token, pagination.UUIDKey, act.OrganisationID, pagination.Fingerprint("consents", ids.Normalize(beneficiaryID)))
	if err != nil {
		return nil, "", err
	}
	var rows []*domain.Consent
	err = a.repo.InTx(ctx, func(r Repository) error {
		b, err := live(ctx, r, act, "beneficiary_id", beneficiaryID)
		if err != nil {
			return err
		}
		if rows, err = r.ListConsents(ctx, b.ID, page); err != nil {
			return err
		}
		return audit(ctx, r, act, domain.ActionConsentList, []string{"consents"}, b)
	})
	if err != nil {
		return nil, "", err
	}
	rows, next := pagination.Next(page, rows, func(c *domain.Consent) string { return c.ID })
	return rows, next, nil
}

// WithdrawConsent withdraws a consent of a beneficiary the caller registered.
func (a *App) WithdrawConsent(ctx context.Context, act Actor, beneficiaryID, id, reason string) (*domain.Consent, error) {
	if err := ids.Check("id", id); err != nil {
		return nil, err
	}
	if err := domain.ValidateWithdrawReason(reason); err != nil {
		return nil, err
	}
	var out *domain.Consent
	err := a.repo.InTx(ctx, func(r Repository) error {
		b, err := writable(ctx, r, act, "beneficiary_id", beneficiaryID, LockRecords)
		if err != nil {
			return err
		}
		if out, err = r.WithdrawConsent(ctx, b.ID, ids.Normalize(id), reason); err != nil {
			return err
		}
		// Every grant made under the consent ends in this transaction:
		// when the call returns, no grantee sees the person any more.
		revoked, err := r.RevokeConsentGrants(ctx, out.ID)
		if err != nil {
			return err
		}
		if err := audit(ctx, r, act, domain.ActionConsentWithdraw, []string{"consents"}, b); err != nil {
			return err
		}
		if len(revoked) > 0 {
			if err := audit(ctx, r, act, domain.ActionAccessRevoke, grantFields(revoked), b); err != nil {
				return err
			}
		}
		if err := emitRevoked(ctx, r, b.OrganisationID, revoked); err != nil {
			return err
		}
		return r.Emit(ctx, consentEndEvent(events.ConsentWithdrawn, out, revoked))
	})
	return out, err
}

// grantFields names revoked grants in an audit record: "access:<source>".
func grantFields(gs []*domain.Grant) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = "access:" + g.SourceID
	}
	return out
}

// CheckConsent returns the live consent for a purpose of a beneficiary the
// caller can see, nil when there is none.
func (a *App) CheckConsent(ctx context.Context, act Actor, beneficiaryID, purpose string) (*domain.Consent, error) {
	var v errs.Violations
	if purpose == "" {
		v.Add("purpose", "is required")
	} else if !slices.Contains(domain.ConsentPurposes, purpose) {
		v.Add("purpose", "unknown value %q", purpose)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out *domain.Consent
	err := a.repo.InTx(ctx, func(r Repository) error {
		b, err := readable(ctx, r, act, "beneficiary_id", beneficiaryID)
		if err != nil {
			return err
		}
		if out, err = r.LiveConsent(ctx, b.ID, purpose); err != nil {
			return err
		}
		return audit(ctx, r, act, domain.ActionConsentCheck, []string{"consents"}, b)
	})
	return out, err
}

// GrantAccess lets another organisation see a reduced view of a beneficiary
// the caller registered, while a referral-sharing consent is live.
func (a *App) GrantAccess(ctx context.Context, act Actor, g *domain.Grant) (*domain.Grant, error) {
	var v errs.Violations
	if g.GranteeOrganisationID == "" {
		v.Add("grantee_organisation_id", "is required")
	} else if g.GranteeOrganisationID = ids.Normalize(g.GranteeOrganisationID); !ids.Valid(g.GranteeOrganisationID) {
		v.Add("grantee_organisation_id", "must be a UUID")
	} else if g.GranteeOrganisationID == act.OrganisationID {
		v.Add("grantee_organisation_id", "is the caller's own organisation")
	}
	if g.ConsentID != "" {
		if g.ConsentID = ids.Normalize(g.ConsentID); !ids.Valid(g.ConsentID) {
			v.Add("consent_id", "must be a UUID")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := g.Validate(a.now()); err != nil {
		return nil, err
	}
	var out *domain.Grant
	err := a.repo.InTx(ctx, func(r Repository) error {
		b, err := writable(ctx, r, act, "beneficiary_id", g.BeneficiaryID, LockRecords)
		if err != nil {
			return err
		}
		c, err := grantConsent(ctx, r, b.ID, g.ConsentID, a.now())
		if err != nil {
			return err
		}
		g.ID, g.BeneficiaryID, g.GrantedBy, g.ConsentID = ids.New(), b.ID, act.OrganisationID, c.ID
		if !c.ExpireTime.IsZero() && (g.ExpireTime.IsZero() || c.ExpireTime.Before(g.ExpireTime)) {
			g.ExpireTime = c.ExpireTime
		}
		var changed bool
		if out, changed, err = r.UpsertGrant(ctx, g); err != nil {
			return err
		}
		if err := audit(ctx, r, act, domain.ActionAccessGrant, []string{"access:" + g.GranteeOrganisationID}, b); err != nil {
			return err
		}
		if !changed {
			return nil
		}
		return r.Emit(ctx, grantEvent(events.AccessGranted, b.OrganisationID, out))
	})
	return out, err
}

// grantConsent returns the referral_sharing consent a grant of beneficiary
// id is made under: the consent named, when it is the person's, for
// referral sharing and live at now (the caller, e.g. a referral, records
// that one, and its withdrawal must end the grant); without a name, the
// live one lasting longest. FAILED_PRECONDITION CONSENT_REQUIRED otherwise.
// The named consent stays locked until the caller's transaction ends: its
// withdrawal waits, then finds (and revokes) the grant made under it.
func grantConsent(ctx context.Context, r Repository, id, named string, now time.Time) (*domain.Consent, error) {
	if named == "" {
		c, err := r.LiveConsent(ctx, id, domain.PurposeReferralSharing)
		if err == nil && c == nil {
			err = errs.FailedPrecondition("CONSENT_REQUIRED", "beneficiary %s has no live referral_sharing consent", id)
		}
		return c, err
	}
	c, err := r.LockConsent(ctx, id, named)
	switch {
	case errs.KindOf(err) == errs.KindNotFound:
		return nil, errs.FailedPrecondition("CONSENT_REQUIRED", "consent %s is not a consent of beneficiary %s", named, id)
	case err != nil:
		return nil, err
	case c.Purpose != domain.PurposeReferralSharing:
		return nil, errs.FailedPrecondition("CONSENT_REQUIRED", "consent %s is not for referral_sharing", named)
	case !c.LiveAt(now):
		return nil, errs.FailedPrecondition("CONSENT_REQUIRED", "consent %s of beneficiary %s is not live (withdrawn, expired or not yet given)", named, id)
	}
	return c, nil
}

// RevokeAccess ends the grants of a beneficiary made for source. The
// registering organisation ends them all; a grantee only its own.
func (a *App) RevokeAccess(ctx context.Context, act Actor, beneficiaryID, sourceID string) (int, error) {
	if err := ids.Check("beneficiary_id", beneficiaryID); err != nil {
		return 0, err
	}
	if err := (&domain.Grant{SourceID: sourceID}).Validate(a.now()); err != nil {
		return 0, err
	}
	id := ids.Normalize(beneficiaryID)
	var revoked int
	err := a.repo.InTx(ctx, func(r Repository) error {
		b, err := r.GetBeneficiary(ctx, act.OrganisationID, id)
		if err != nil && errs.KindOf(err) != errs.KindNotFound {
			return err
		}
		if err == nil && b.Access == domain.AccessOwner {
			grants, _, err := r.RevokeGrants(ctx, id, sourceID, "")
			if err != nil || len(grants) == 0 {
				return err
			}
			revoked = len(grants)
			if err := audit(ctx, r, act, domain.ActionAccessRevoke, []string{"access:" + sourceID}, b); err != nil {
				return err
			}
			return emitRevoked(ctx, r, b.OrganisationID, grants)
		}
		// A grantee (even one whose grant already ended) revokes its own.
		grants, matched, err := r.RevokeGrants(ctx, id, sourceID, act.OrganisationID)
		if err != nil {
			return err
		}
		if matched == 0 {
			return errs.NotFound("beneficiary", id)
		}
		revoked = len(grants)
		// The grantee's own revocation: nothing of the person is read or
		// changed, so no audit; the owner is still told by the event.
		owner := ""
		if len(grants) > 0 {
			owner = grants[0].GrantedBy
		}
		return emitRevoked(ctx, r, owner, grants)
	})
	return revoked, err
}

// consentEvent is an event about consent c.
func consentEvent(typ string, c *domain.Consent) events.Event {
	data := map[string]any{"consent_id": c.ID, "beneficiary_id": c.BeneficiaryID, "purpose": c.Purpose}
	if typ == events.ConsentGiven {
		data["given_by"] = c.GivenBy
		if !c.ExpireTime.IsZero() {
			data["expire_time"] = events.Time(c.ExpireTime)
		}
	}
	return events.Event{Type: typ, AggregateType: events.AggregateConsent, AggregateID: c.ID,
		OrganisationIDs: []string{c.OrganisationID}, Data: data}
}

// consentEndEvent is consent.withdrawn or consent.expired of c: it concerns
// the organisations whose access it ended (revoked) too, so they are told
// (webhooks, change feed).
func consentEndEvent(typ string, c *domain.Consent, revoked []*domain.Grant) events.Event {
	ev := consentEvent(typ, c)
	for _, g := range revoked {
		ev.OrganisationIDs = append(ev.OrganisationIDs, g.GranteeOrganisationID)
	}
	return ev
}

// grantEvent is an event about grant g of owner's beneficiary.
func grantEvent(typ, owner string, g *domain.Grant) events.Event {
	data := map[string]any{"grant_id": g.ID, "beneficiary_id": g.BeneficiaryID,
		"organisation_id": g.GranteeOrganisationID, "source_id": g.SourceID}
	if typ == events.AccessGranted && !g.ExpireTime.IsZero() {
		data["expire_time"] = events.Time(g.ExpireTime)
	}
	return events.Event{Type: typ, AggregateType: events.AggregateAccessGrant, AggregateID: g.ID,
		OrganisationIDs: []string{owner, g.GranteeOrganisationID}, Data: data}
}

func emitRevoked(ctx context.Context, r Outbox, owner string, grants []*domain.Grant) error {
	evs := make([]events.Event, len(grants))
	for i, g := range grants {
		evs[i] = grantEvent(events.AccessRevoked, owner, g)
	}
	return r.Emit(ctx, evs...)
}

// CheckAccess reports how the caller sees a beneficiary now: as its owner,
// or through a live grant (the grant made for sourceID when it is given).
// For the caller's grant for sourceID that ended, it reports why. Nothing
// personal is returned.
func (a *App) CheckAccess(ctx context.Context, act Actor, beneficiaryID, sourceID string) (domain.AccessCheck, error) {
	if err := ids.Check("beneficiary_id", beneficiaryID); err != nil {
		return domain.AccessCheck{}, err
	}
	var v errs.Violations
	validate.Text(&v, "source_id", sourceID, 100, false)
	if err := v.Err(); err != nil {
		return domain.AccessCheck{}, err
	}
	id := ids.Normalize(beneficiaryID)
	var out domain.AccessCheck
	err := a.repo.InTx(ctx, func(r Repository) error {
		b, err := r.GetBeneficiary(ctx, act.OrganisationID, id)
		switch {
		case err == nil && b.MergedInto != "":
			return errs.FailedPrecondition("BENEFICIARY_MERGED", "beneficiary %s was merged into %s", b.ID, b.MergedInto)
		case err == nil && !b.EraseTime.IsZero():
			return errs.FailedPrecondition("BENEFICIARY_ERASED", "beneficiary %s was erased", b.ID)
		case err == nil && (b.Access == domain.AccessOwner || sourceID == ""):
			out.Access = b.Access
			return audit(ctx, r, act, domain.ActionAccessCheck, nil, b)
		case err != nil && (errs.KindOf(err) != errs.KindNotFound || sourceID == ""):
			return err
		}
		// A grantee asks about the grant made for sourceID: of the record
		// id was merged into when it was (the merge moved the grant there),
		// as the referral made for it still names id until the referrals
		// service has applied the merge.
		g, c, err := r.SourceGrant(ctx, id, act.OrganisationID, sourceID)
		if err != nil {
			return err
		}
		out.ConsentID = g.ConsentID
		if out.EndedReason = g.EndedReason(c, a.now()); out.EndedReason != "" {
			return nil
		}
		if b == nil && g.BeneficiaryID != id {
			// The survivor, visible through the grant.
			if b, err = r.GetBeneficiary(ctx, act.OrganisationID, g.BeneficiaryID); err != nil {
				return err
			}
		}
		if b == nil { // the grant is live, so b is visible: a concurrent change
			return errs.NotFound("beneficiary", id)
		}
		out.Access = domain.AccessGranted
		return audit(ctx, r, act, domain.ActionAccessCheck, nil, b)
	})
	return out, err
}

// RecordAccess appends the reads of beneficiaries' data another service
// made for act (its principal: the reader) to the audit log. The owner of
// each beneficiary is looked up here; ids that do not exist are skipped.
func (a *App) RecordAccess(ctx context.Context, act Actor, action string, fields []string, reads []domain.Read) (int, error) {
	if err := domain.ValidateReads(action, fields, reads); err != nil {
		return 0, err
	}
	if err := auditlog.CheckPurpose(act.Purpose); err != nil {
		return 0, err
	}
	benIDs := make([]string, len(reads))
	for i, rd := range reads {
		benIDs[i] = ids.Normalize(rd.BeneficiaryID)
	}
	var n int
	err := a.repo.InTx(ctx, func(r Repository) error {
		owners, err := r.Owners(ctx, benIDs)
		if err != nil {
			return err
		}
		var recs []auditlog.Record
		for i, rd := range reads {
			owner, ok := owners[benIDs[i]]
			if !ok {
				continue
			}
			recs = append(recs, act.Records(action, fields, rd.Resource,
				auditlog.Subject{BeneficiaryID: benIDs[i], OwnerOrganisationID: owner})...)
		}
		n = len(recs)
		return r.AppendAudit(ctx, recs)
	})
	return n, err
}

// systemClientID names the beneficiaries service as the client of what it
// does by itself (a consent's expiry) in the owner's audit log.
const systemClientID = "spona-beneficiaries"

// expiryBatch is how many expired consents one transaction applies.
const expiryBatch = 100

// ApplyExpiries applies the expiry of consents whose expiry time has passed:
// the grants made under each are revoked (they stopped working at the
// expiry time already: a grant is only live while its consent is) and
// consent.expired is written, so the referrals sent under it end too. Each
// consent is claimed once across replicas. It returns how many it applied.
func (a *App) ApplyExpiries(ctx context.Context) (int, error) {
	total := 0
	for {
		var n int
		err := a.repo.InTx(ctx, func(r Repository) error {
			cs, err := r.ClaimExpiredConsents(ctx, expiryBatch)
			if err != nil {
				return err
			}
			n = len(cs)
			for _, c := range cs {
				revoked, err := r.RevokeConsentGrants(ctx, c.ID)
				if err != nil {
					return err
				}
				if len(revoked) > 0 {
					owner := Actor{Principal: auth.Principal{OrganisationID: c.OrganisationID, ClientID: systemClientID}}
					if err := audit(ctx, r, owner, domain.ActionConsentExpire, grantFields(revoked),
						&domain.Beneficiary{ID: c.BeneficiaryID, OrganisationID: c.OrganisationID}); err != nil {
						return err
					}
				}
				if err := emitRevoked(ctx, r, c.OrganisationID, revoked); err != nil {
					return err
				}
				if err := r.Emit(ctx, consentEndEvent(events.ConsentExpired, c, revoked)); err != nil {
					return err
				}
			}
			return nil
		})
		total += n
		if err != nil || n < expiryBatch {
			return total, err
		}
	}
}
