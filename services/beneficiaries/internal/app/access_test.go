package app

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/testkit/statustest"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
)

// Use-case tests of sharing a person with other organisations: grants
// under a live referral_sharing consent, their revocation by the owner or
// the grantee, the withdrawal and expiry of the consent ending them, and
// the access check, against a small fake of the PersonStore, ConsentStore,
// GrantStore, AuditStore and Outbox (the PostgreSQL scenario tests in
// service/ stay).

const (
	other     = "0190c000-0000-7000-8000-00000000000d" // a second grantee
	consentID = "0190c000-0000-7000-8000-0000000000c1"
	source    = "referrals/0190c000-0000-7000-8000-0000000000f1"
)

var clock = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// sharing fakes what the sharing use cases use; anything else panics on
// the nil embedded interface. One person, registered by owner.
type sharing struct {
	journal
	person   domain.Beneficiary
	consents []domain.Consent
	grants   []domain.Grant
	applied  []string // consents whose expiry was applied
}

// InTx is one transaction: on error, nothing it wrote stays.
func (s *sharing) InTx(_ context.Context, fn func(Repository) error) error {
	before := *s
	before.consents, before.grants, before.applied = slices.Clone(s.consents), slices.Clone(s.grants), slices.Clone(s.applied)
	before.audit, before.emitted = slices.Clone(s.audit), slices.Clone(s.emitted)
	if err := fn(s); err != nil {
		*s = before
		return err
	}
	return nil
}

func (s *sharing) consent(id string) *domain.Consent {
	for i := range s.consents {
		if s.consents[i].ID == id {
			return &s.consents[i]
		}
	}
	return nil
}

func (s *sharing) live(g domain.Grant) bool {
	c := s.consent(g.ConsentID)
	return g.RevokeTime.IsZero() && (g.ExpireTime.IsZero() || g.ExpireTime.After(clock)) && c != nil && c.LiveAt(clock)
}

func (s *sharing) LockBeneficiary(ctx context.Context, viewer, id string, lock Lock) (*domain.Beneficiary, error) {
	s.lock(id, lock)
	return s.GetBeneficiary(ctx, viewer, id)
}

func (s *sharing) GetBeneficiary(_ context.Context, viewer, id string) (*domain.Beneficiary, error) {
	b := s.person
	if id != b.ID {
		return nil, errs.NotFound("beneficiary", id)
	}
	if viewer == b.OrganisationID {
		b.Access = domain.AccessOwner
		return &b, nil
	}
	for _, g := range s.grants {
		if g.GranteeOrganisationID == viewer && s.live(g) {
			b.Access = domain.AccessGranted
			return &b, nil
		}
	}
	return nil, errs.NotFound("beneficiary", id)
}

func (s *sharing) LiveConsent(_ context.Context, beneficiaryID, purpose string) (*domain.Consent, error) {
	for _, c := range s.consents {
		if c.BeneficiaryID == beneficiaryID && c.Purpose == purpose && c.LiveAt(clock) {
			return &c, nil
		}
	}
	return nil, nil
}

func (s *sharing) UpsertGrant(_ context.Context, g *domain.Grant) (*domain.Grant, bool, error) {
	for i, x := range s.grants {
		if x.BeneficiaryID == g.BeneficiaryID && x.GranteeOrganisationID == g.GranteeOrganisationID && x.SourceID == g.SourceID {
			wasLive := s.live(x)
			x.RevokeTime, x.ExpireTime, x.Reason, x.ConsentID = time.Time{}, g.ExpireTime, g.Reason, g.ConsentID
			s.grants[i] = x
			return &x, !wasLive, nil
		}
	}
	out := *g
	out.CreateTime = clock
	s.grants = append(s.grants, out)
	return &out, true, nil
}

func (s *sharing) RevokeGrants(_ context.Context, beneficiaryID, sourceID, grantee string) ([]*domain.Grant, int, error) {
	var revoked []*domain.Grant
	matched := 0
	for i, g := range s.grants {
		if g.BeneficiaryID != beneficiaryID || g.SourceID != sourceID || (grantee != "" && g.GranteeOrganisationID != grantee) {
			continue
		}
		matched++
		if g.RevokeTime.IsZero() {
			s.grants[i].RevokeTime = clock
			out := s.grants[i]
			revoked = append(revoked, &out)
		}
	}
	return revoked, matched, nil
}

func (s *sharing) RevokeConsentGrants(_ context.Context, id string) ([]*domain.Grant, error) {
	var revoked []*domain.Grant
	for i, g := range s.grants {
		if g.ConsentID == id && g.RevokeTime.IsZero() {
			s.grants[i].RevokeTime = clock
			out := s.grants[i]
			revoked = append(revoked, &out)
		}
	}
	return revoked, nil
}

func (s *sharing) WithdrawConsent(_ context.Context, beneficiaryID, id, reason string) (*domain.Consent, error) {
	c := s.consent(id)
	switch {
	case c == nil || c.BeneficiaryID != beneficiaryID:
		return nil, errs.NotFound("consent", id)
	case !c.WithdrawTime.IsZero():
		return nil, errs.FailedPrecondition("CONSENT_WITHDRAWN", "consent %s is already withdrawn", id)
	}
	c.WithdrawTime, c.WithdrawReason = clock, reason
	out := *c
	return &out, nil
}

func (s *sharing) SourceGrant(_ context.Context, beneficiaryID, grantee, sourceID string) (*domain.Grant, *domain.Consent, error) {
	for _, g := range s.grants {
		if g.BeneficiaryID == beneficiaryID && g.GranteeOrganisationID == grantee && g.SourceID == sourceID {
			return &g, s.consent(g.ConsentID), nil
		}
	}
	return nil, nil, errs.NotFound("beneficiary", beneficiaryID)
}

func (s *sharing) ClaimExpiredConsents(_ context.Context, limit int) ([]*domain.Consent, error) {
	var out []*domain.Consent
	for _, c := range s.consents {
		if len(out) < limit && !c.ExpireTime.IsZero() && !c.ExpireTime.After(clock) && !slices.Contains(s.applied, c.ID) {
			s.applied = append(s.applied, c.ID)
			out = append(out, &c)
		}
	}
	return out, nil
}

// world is a person registered by owner with a live referral_sharing
// consent expiring in 30 days, shared with grantee for source under it,
// then changed by setup (when not nil).
func world(setup func(*sharing)) *sharing {
	s := &sharing{
		person: domain.Beneficiary{ID: personID, OrganisationID: owner, GivenName: "Amina", Version: 1},
		consents: []domain.Consent{{ID: consentID, BeneficiaryID: personID, OrganisationID: owner, Purpose: domain.PurposeReferralSharing,
			GivenBy: "self", GivenTime: clock.AddDate(0, -1, 0), ExpireTime: clock.AddDate(0, 0, 30)}},
		grants: []domain.Grant{{ID: "g1", BeneficiaryID: personID, GranteeOrganisationID: grantee, GrantedBy: owner, SourceID: source,
			ConsentID: consentID, CreateTime: clock.AddDate(0, 0, -7)}},
	}
	if setup != nil {
		setup(s)
	}
	return s
}

func sharingApp(s *sharing) *App {
	a := New(s, nil, nil)
	a.now = func() time.Time { return clock }
	return a
}

func actor(org string) Actor {
	return Actor{Principal: auth.Principal{OrganisationID: org, ClientID: "client"}}
}

func TestGrantAccessUseCase(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		by      string
		to      string
		expire  time.Time
		setup   func(*sharing)
		kind    errs.Kind
		reason  string
		field   string    // violation
		expires time.Time // of the grant stored
		events  []string
	}{
		{name: "the owner shares under the live consent", by: owner, to: other, expires: clock.AddDate(0, 0, 30),
			events: []string{events.AccessGranted}},
		{name: "a grant ends with its consent at the latest", by: owner, to: other, expire: clock.AddDate(1, 0, 0), expires: clock.AddDate(0, 0, 30),
			events: []string{events.AccessGranted}},
		{name: "a grant may end earlier", by: owner, to: other, expire: clock.AddDate(0, 0, 3), expires: clock.AddDate(0, 0, 3),
			events: []string{events.AccessGranted}},
		{name: "a live grant given again is recorded, not announced", by: owner, to: grantee, expires: clock.AddDate(0, 0, 30)},
		{name: "no consent, no sharing", by: owner, to: other, setup: func(s *sharing) { s.consents = nil },
			kind: errs.KindFailedPrecondition, reason: "CONSENT_REQUIRED"},
		{name: "a withdrawn consent shares nothing", by: owner, to: other, setup: func(s *sharing) { s.consents[0].WithdrawTime = clock.Add(-time.Hour) },
			kind: errs.KindFailedPrecondition, reason: "CONSENT_REQUIRED"},
		{name: "another purpose does not count", by: owner, to: other, setup: func(s *sharing) { s.consents[0].Purpose = "photo" },
			kind: errs.KindFailedPrecondition, reason: "CONSENT_REQUIRED"},
		{name: "a grantee does not share onwards", by: grantee, to: other, kind: errs.KindPermissionDenied},
		{name: "a stranger sees no such person", by: stranger, to: other, kind: errs.KindNotFound},
		{name: "not to oneself", by: owner, to: owner, kind: errs.KindInvalidArgument, field: "grantee_organisation_id"},
		{name: "an erased person is shared with nobody", by: owner, to: other, setup: func(s *sharing) { s.person.EraseTime = clock.Add(-time.Hour) },
			kind: errs.KindFailedPrecondition, reason: "BENEFICIARY_ERASED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := world(tt.setup)
			grantsBefore := len(s.grants)
			g, err := sharingApp(s).GrantAccess(context.Background(), actor(tt.by), &domain.Grant{BeneficiaryID: personID,
				GranteeOrganisationID: tt.to, SourceID: source, ExpireTime: tt.expire})
			if tt.kind != 0 {
				statustest.WantError(t, err, tt.kind, tt.reason, violationsOf(tt.field))
				if len(s.grants) != grantsBefore || len(s.audit) != 0 || len(s.emitted) != 0 {
					t.Errorf("a refused grant left traces: grants %v, audit %v, events %v", s.grants, s.audit, s.emitted)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if g.ConsentID != consentID || g.GrantedBy != owner || !g.ExpireTime.Equal(tt.expires) {
				t.Errorf("grant %+v, want under %s by %s until %v", g, consentID, owner, tt.expires)
			}
			if _, err := s.GetBeneficiary(context.Background(), tt.to, personID); err != nil {
				t.Errorf("the grantee does not see the person: %v", err)
			}
			if !slices.Equal(actions(s.audit), []string{domain.ActionAccessGrant}) || s.audit[0].BeneficiaryID != personID {
				t.Errorf("audit %v, want one %s", actions(s.audit), domain.ActionAccessGrant)
			}
			if !slices.Equal(types(s.emitted), tt.events) {
				t.Errorf("events %v, want %v", types(s.emitted), tt.events)
			}
			if len(s.emitted) > 0 && !slices.Equal(s.emitted[0].OrganisationIDs, []string{owner, tt.to}) {
				t.Errorf("the event concerns %v, want the owner and the grantee", s.emitted[0].OrganisationIDs)
			}
		})
	}
}

func TestRevokeAccessUseCase(t *testing.T) {
	t.Parallel()
	// Both grantees hold a grant for source; grantee's own may have ended.
	tests := []struct {
		name     string
		by       string
		setup    func(*sharing)
		kind     errs.Kind
		revoked  int
		stillSee []string // organisations that see the person after
		audit    []string
	}{
		{name: "the owner ends every grant for the source", by: owner, revoked: 2, audit: []string{domain.ActionAccessRevoke}},
		{name: "a grantee ends its own only, unaudited", by: grantee, revoked: 1, stillSee: []string{other}},
		{name: "a grantee whose grant ended already", by: grantee, setup: func(s *sharing) { s.grants[0].RevokeTime = clock.Add(-time.Hour) },
			revoked: 0, stillSee: []string{other}},
		{name: "a stranger holds nothing to revoke", by: stranger, kind: errs.KindNotFound, stillSee: []string{grantee, other}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := world(nil)
			s.grants = append(s.grants, domain.Grant{ID: "g2", BeneficiaryID: personID, GranteeOrganisationID: other, GrantedBy: owner,
				SourceID: source, ConsentID: consentID})
			if tt.setup != nil {
				tt.setup(s)
			}
			n, err := sharingApp(s).RevokeAccess(context.Background(), actor(tt.by), personID, source)
			if tt.kind != 0 {
				statustest.WantError(t, err, tt.kind, "", nil)
			} else if err != nil {
				t.Fatal(err)
			}
			if n != tt.revoked {
				t.Errorf("revoked %d, want %d", n, tt.revoked)
			}
			for _, org := range []string{grantee, other} {
				_, err := s.GetBeneficiary(context.Background(), org, personID)
				if sees := err == nil; sees != slices.Contains(tt.stillSee, org) {
					t.Errorf("%s sees the person: %v, want %v", org, sees, !sees)
				}
			}
			if !slices.Equal(actions(s.audit), tt.audit) {
				t.Errorf("audit %v, want %v", actions(s.audit), tt.audit)
			}
			if len(s.emitted) != tt.revoked {
				t.Errorf("%d events, want one %s per revoked grant", len(s.emitted), events.AccessRevoked)
			}
			for _, e := range s.emitted {
				if e.Type != events.AccessRevoked || e.OrganisationIDs[0] != owner {
					t.Errorf("event %s to %v, want %s to the owner first", e.Type, e.OrganisationIDs, events.AccessRevoked)
				}
			}
		})
	}
}

func TestWithdrawConsentUseCase(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		by     string
		setup  func(*sharing)
		kind   errs.Kind
		reason string
		audit  []string
		events []string
	}{
		{name: "withdrawing ends every grant under the consent at once", by: owner,
			audit:  []string{domain.ActionConsentWithdraw, domain.ActionAccessRevoke},
			events: []string{events.AccessRevoked, events.AccessRevoked, events.ConsentWithdrawn}},
		{name: "a consent nobody was shared under", by: owner, setup: func(s *sharing) { s.grants = nil },
			audit: []string{domain.ActionConsentWithdraw}, events: []string{events.ConsentWithdrawn}},
		{name: "once only", by: owner, setup: func(s *sharing) { s.consents[0].WithdrawTime = clock.Add(-time.Hour) },
			kind: errs.KindFailedPrecondition, reason: "CONSENT_WITHDRAWN"},
		{name: "a grantee cannot withdraw it", by: grantee, kind: errs.KindPermissionDenied},
		{name: "a stranger sees no such person", by: stranger, kind: errs.KindNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := world(nil)
			s.grants = append(s.grants, domain.Grant{ID: "g2", BeneficiaryID: personID, GranteeOrganisationID: other, GrantedBy: owner,
				SourceID: "referrals/2", ConsentID: consentID})
			if tt.setup != nil {
				tt.setup(s)
			}
			shared := len(s.grants)
			c, err := sharingApp(s).WithdrawConsent(context.Background(), actor(tt.by), personID, consentID, "asked by the person")
			if tt.kind != 0 {
				statustest.WantError(t, err, tt.kind, tt.reason, nil)
				if len(s.audit) != 0 || len(s.emitted) != 0 {
					t.Errorf("a refused withdrawal left traces: audit %v, events %v", s.audit, s.emitted)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.WithdrawTime.IsZero() || c.WithdrawReason != "asked by the person" {
				t.Errorf("consent %+v not withdrawn", c)
			}
			for _, org := range []string{grantee, other} {
				if _, err := s.GetBeneficiary(context.Background(), org, personID); err == nil {
					t.Errorf("%s still sees the person", org)
				}
			}
			if !slices.Equal(actions(s.audit), tt.audit) {
				t.Errorf("audit %v, want %v", actions(s.audit), tt.audit)
			}
			if !slices.Equal(types(s.emitted), tt.events) {
				t.Errorf("events %v, want %v", types(s.emitted), tt.events)
			}
			// The withdrawal tells the organisations whose access it ended.
			if last := s.emitted[len(s.emitted)-1]; len(last.OrganisationIDs) != 1+shared {
				t.Errorf("%s concerns %v, want the owner and %d grantees", last.Type, last.OrganisationIDs, shared)
			}
		})
	}
}

func TestCheckAccessUseCase(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		by     string
		source string
		setup  func(*sharing)
		kind   errs.Kind
		reason string
		want   domain.AccessCheck
		audit  bool
	}{
		{name: "the owner", by: owner, want: domain.AccessCheck{Access: domain.AccessOwner}, audit: true},
		{name: "a grantee through the source's grant", by: grantee, source: source,
			want: domain.AccessCheck{Access: domain.AccessGranted, ConsentID: consentID}, audit: true},
		{name: "a grantee without naming the source", by: grantee, want: domain.AccessCheck{Access: domain.AccessGranted}, audit: true},
		{name: "the consent was withdrawn", by: grantee, source: source, setup: func(s *sharing) { s.consents[0].WithdrawTime = clock.Add(-time.Hour) },
			want: domain.AccessCheck{EndedReason: domain.EndedConsentWithdrawn, ConsentID: consentID}},
		{name: "the consent expired", by: grantee, source: source, setup: func(s *sharing) { s.consents[0].ExpireTime = clock.Add(-time.Hour) },
			want: domain.AccessCheck{EndedReason: domain.EndedConsentExpired, ConsentID: consentID}},
		{name: "the grant was revoked", by: grantee, source: source, setup: func(s *sharing) { s.grants[0].RevokeTime = clock.Add(-time.Hour) },
			want: domain.AccessCheck{EndedReason: domain.EndedGrantRevoked, ConsentID: consentID}},
		{name: "the grant expired", by: grantee, source: source, setup: func(s *sharing) { s.grants[0].ExpireTime = clock.Add(-time.Hour) },
			want: domain.AccessCheck{EndedReason: domain.EndedGrantExpired, ConsentID: consentID}},
		{name: "an ended grant without a source is no access", by: grantee, setup: func(s *sharing) { s.grants[0].RevokeTime = clock.Add(-time.Hour) },
			kind: errs.KindNotFound},
		{name: "a stranger sees no such person", by: stranger, source: source, kind: errs.KindNotFound},
		{name: "a merged person", by: owner, setup: func(s *sharing) { s.person.MergedInto = "0190c000-0000-7000-8000-000000000002" },
			kind: errs.KindFailedPrecondition, reason: "BENEFICIARY_MERGED"},
		{name: "an erased person", by: grantee, source: source, setup: func(s *sharing) { s.person.EraseTime = clock.Add(-time.Hour) },
			kind: errs.KindFailedPrecondition, reason: "BENEFICIARY_ERASED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := world(tt.setup)
			got, err := sharingApp(s).CheckAccess(context.Background(), actor(tt.by), personID, tt.source)
			if tt.kind != 0 {
				statustest.WantError(t, err, tt.kind, tt.reason, nil)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			// Only a check that finds access reads the person.
			if audited := slices.Equal(actions(s.audit), []string{domain.ActionAccessCheck}); audited != tt.audit || (!tt.audit && len(s.audit) != 0) {
				t.Errorf("audit %v, want a check recorded: %v", actions(s.audit), tt.audit)
			}
		})
	}
}

// An expiry ends the grants made under the consent, once across runs, in
// the owner's audit log as the service's own doing.
func TestApplyExpiriesUseCase(t *testing.T) {
	t.Parallel()
	s := world(nil)
	s.consents[0].ExpireTime = clock.Add(-time.Minute)
	s.consents = append(s.consents, domain.Consent{ID: "c2", BeneficiaryID: personID, OrganisationID: owner, Purpose: "photo",
		GivenBy: "self", GivenTime: clock.AddDate(0, -1, 0), ExpireTime: clock.AddDate(0, 0, 1)})
	a := sharingApp(s)
	n, err := a.ApplyExpiries(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("applied %d (%v), want the one expired consent", n, err)
	}
	if s.grants[0].RevokeTime.IsZero() {
		t.Error("the grant under the expired consent is still live")
	}
	if !slices.Equal(actions(s.audit), []string{domain.ActionConsentExpire}) || s.audit[0].ActorClientID != systemClientID ||
		s.audit[0].ActorOrganisationID != owner {
		t.Errorf("audit %+v, want one %s by %s for the owner", s.audit, domain.ActionConsentExpire, systemClientID)
	}
	if want := []string{events.AccessRevoked, events.ConsentExpired}; !slices.Equal(types(s.emitted), want) {
		t.Errorf("events %v, want %v", types(s.emitted), want)
	}
	if n, err := a.ApplyExpiries(context.Background()); err != nil || n != 0 || len(s.emitted) != 2 {
		t.Errorf("a second run applied %d (%v), events %v: an expiry applies once", n, err, types(s.emitted))
	}
}
