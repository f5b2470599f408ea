package app

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/etag"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/testkit/statustest"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
)

// Use-case tests of UpdateBeneficiary: who may change a record, the etag,
// the mask, the legal-status history, the audit record and the event,
// against a small fake of the repository methods it uses (the PostgreSQL
// scenario tests in service/ stay).

const (
	owner    = "0190c000-0000-7000-8000-00000000000a"
	grantee  = "0190c000-0000-7000-8000-00000000000b"
	stranger = "0190c000-0000-7000-8000-00000000000c"
	personID = "0190c000-0000-7000-8000-000000000001"
)

// people fakes the part of the Repository an update uses; anything else
// panics on the nil embedded interface. The transaction is the fake itself:
// what a refused update wrote is discarded by the test's checks on saved.
type people struct {
	journal
	row     domain.Beneficiary
	erased  bool
	saved   int
	history []domain.LegalStatusChange
}

func (p *people) InTx(_ context.Context, fn func(Repository) error) error {
	// One transaction: on error, nothing it wrote stays.
	before := *p
	if err := fn(p); err != nil {
		*p = before
		return err
	}
	return nil
}

func (p *people) LockBeneficiary(ctx context.Context, viewer, id string, lock Lock) (*domain.Beneficiary, error) {
	p.lock(id, lock)
	return p.GetBeneficiary(ctx, viewer, id)
}

func (p *people) GetBeneficiary(_ context.Context, viewer, id string) (*domain.Beneficiary, error) {
	b := p.row
	switch {
	case id != b.ID || (viewer != owner && viewer != grantee):
		return nil, errs.NotFound("beneficiary", id)
	case viewer == owner:
		b.Access = domain.AccessOwner
	default:
		b.Access = domain.AccessGranted
	}
	if p.erased {
		b.EraseTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return &b, nil
}

func (p *people) UpdateBeneficiary(_ context.Context, b *domain.Beneficiary, version int64) (*domain.Beneficiary, error) {
	if version != p.row.Version {
		return nil, etag.Mismatch()
	}
	p.row = *b
	p.row.Version++
	p.saved++
	out := p.row
	return &out, nil
}

func (p *people) ChangeLegalStatus(_ context.Context, _ string, c domain.LegalStatusChange) error {
	p.history = append(p.history, c)
	return nil
}

func (p *people) LoadDetails(context.Context, *domain.Beneficiary) error { return nil }

func TestUpdateBeneficiaryUseCase(t *testing.T) {
	t.Parallel()
	current := etag.Of(7)
	tests := []struct {
		name       string
		by         string
		erased     bool
		patch      domain.Beneficiary
		tag        string
		paths      []string
		kind       errs.Kind // 0: no error
		reason     string
		violations []string
		changed    []string // fields audited and in the event
		history    string   // legal status appended to the history
		cleared    bool     // an entry of no status appended, since today
		stored     func(*domain.Beneficiary)
	}{
		{name: "owner corrects the name", by: owner, patch: domain.Beneficiary{GivenName: "Amira"}, tag: current, paths: []string{"given_name"},
			changed: []string{"given_name"}},
		{name: "only masked fields change", by: owner, patch: domain.Beneficiary{GivenName: "Amira", Notes: "ignored"}, tag: current,
			paths: []string{"given_name"}, changed: []string{"given_name"}},
		{name: "a new legal status goes to the history", by: owner, patch: domain.Beneficiary{LegalStatus: "refugee"}, tag: current,
			paths: []string{"legal_status"}, changed: []string{"legal_status"}, history: "refugee"},
		{name: "clearing the legal status ends it today", by: owner, patch: domain.Beneficiary{}, tag: current,
			paths: []string{"legal_status"}, changed: []string{"legal_status"}, cleared: true},
		{name: "a legal status from before the birth year", by: owner, patch: domain.Beneficiary{LegalStatusSince: date.Date{Year: 1985, Month: 1, Day: 1}},
			tag: current, paths: []string{"legal_status_since"}, kind: errs.KindInvalidArgument, violations: []string{"beneficiary.legal_status_since"}},
		{name: "a legal status from before the birth date", by: owner, stored: func(b *domain.Beneficiary) { b.BirthDate = date.Date{Year: 1990, Month: 6, Day: 1} },
			patch: domain.Beneficiary{LegalStatus: "refugee", LegalStatusSince: date.Date{Year: 1990, Month: 5, Day: 31}}, tag: current,
			paths: []string{"legal_status", "legal_status_since"}, kind: errs.KindInvalidArgument, violations: []string{"beneficiary.legal_status_since"}},
		{name: "a birth after the legal status began", by: owner, stored: func(b *domain.Beneficiary) { b.LegalStatusSince = date.Date{Year: 2010, Month: 1, Day: 1} },
			patch: domain.Beneficiary{BirthYear: 2011}, tag: current, paths: []string{"birth_year"},
			kind: errs.KindInvalidArgument, violations: []string{"beneficiary.legal_status_since"}},
		{name: "a stored legal status from before the birth stays while the name changes", by: owner,
			stored: func(b *domain.Beneficiary) { b.LegalStatusSince = date.Date{Year: 1980, Month: 1, Day: 1} },
			patch:  domain.Beneficiary{GivenName: "Amira"}, tag: current, paths: []string{"given_name"}, changed: []string{"given_name"}},
		{name: "a nationality no country has", by: owner, patch: domain.Beneficiary{Nationality: "XX"}, tag: current, paths: []string{"nationality"},
			kind: errs.KindInvalidArgument, violations: []string{"beneficiary.nationality"}},
		{name: "a country of residence no country has", by: owner, patch: domain.Beneficiary{Country: "uk"}, tag: current, paths: []string{"country"},
			kind: errs.KindInvalidArgument, violations: []string{"beneficiary.country"}},
		{name: "Kosovo", by: owner, patch: domain.Beneficiary{Nationality: "xk"}, tag: current, paths: []string{"nationality"}, changed: []string{"nationality"}},
		{name: "a stored code no country has stays while the name changes", by: owner,
			stored: func(b *domain.Beneficiary) { b.Nationality, b.Country = "UK", "ZZ" },
			patch:  domain.Beneficiary{GivenName: "Amira"}, tag: current, paths: []string{"given_name"}, changed: []string{"given_name"}},
		{name: "a stored nationality no country has is refused when resent", by: owner,
			stored: func(b *domain.Beneficiary) { b.Nationality = "YU" },
			patch:  domain.Beneficiary{Nationality: "YU"}, tag: current, paths: []string{"nationality"},
			kind: errs.KindInvalidArgument, violations: []string{"beneficiary.nationality"}},
		{name: "a stored country no country has is refused when resent with the name", by: owner,
			stored: func(b *domain.Beneficiary) { b.Country = "YU" },
			patch:  domain.Beneficiary{GivenName: "Amira", Country: "YU"}, tag: current, paths: []string{"given_name", "country"},
			kind: errs.KindInvalidArgument, violations: []string{"beneficiary.country"}},
		{name: "a phone that lost its 0", by: owner, patch: domain.Beneficiary{Phone: "641234567"}, tag: current, paths: []string{"phone"},
			kind: errs.KindInvalidArgument, violations: []string{"beneficiary.phone"}},
		{name: "a stored phone that lost its 0 stays while the name changes", by: owner,
			stored: func(b *domain.Beneficiary) { b.Phone = "641234567" },
			patch:  domain.Beneficiary{GivenName: "Amira"}, tag: current, paths: []string{"given_name"}, changed: []string{"given_name"}},
		{name: "a stored phone that lost its 0 is refused when resent", by: owner,
			stored: func(b *domain.Beneficiary) { b.Phone = "641234567" },
			patch:  domain.Beneficiary{GivenName: "Amira", Phone: "641234567"}, tag: current, paths: []string{"given_name", "phone"},
			kind: errs.KindInvalidArgument, violations: []string{"beneficiary.phone"}},
		{name: "a stored legal status from before the birth is refused when its start is resent", by: owner,
			stored: func(b *domain.Beneficiary) { b.LegalStatusSince = date.Date{Year: 1980, Month: 1, Day: 1} },
			patch:  domain.Beneficiary{LegalStatus: "asylum_seeker", LegalStatusSince: date.Date{Year: 1980, Month: 1, Day: 1}}, tag: current,
			paths: []string{"legal_status", "legal_status_since"}, kind: errs.KindInvalidArgument, violations: []string{"beneficiary.legal_status_since"}},
		{name: "a stored legal status from before the birth is refused when the birth is resent", by: owner,
			stored: func(b *domain.Beneficiary) { b.LegalStatusSince = date.Date{Year: 1980, Month: 1, Day: 1} },
			patch:  domain.Beneficiary{BirthYear: 1990}, tag: current, paths: []string{"birth_year"},
			kind: errs.KindInvalidArgument, violations: []string{"beneficiary.legal_status_since"}},
		{name: "a grantee may read but not change", by: grantee, patch: domain.Beneficiary{GivenName: "X"}, tag: current, paths: []string{"given_name"},
			kind: errs.KindPermissionDenied},
		{name: "a stranger sees no such person", by: stranger, patch: domain.Beneficiary{GivenName: "X"}, tag: current, paths: []string{"given_name"},
			kind: errs.KindNotFound},
		{name: "an erased record stays erased", by: owner, erased: true, patch: domain.Beneficiary{GivenName: "X"}, tag: current, paths: []string{"given_name"},
			kind: errs.KindFailedPrecondition, reason: "BENEFICIARY_ERASED"},
		{name: "no etag", by: owner, patch: domain.Beneficiary{GivenName: "X"}, paths: []string{"given_name"},
			kind: errs.KindAborted, reason: etag.ReasonRequired, violations: []string{"beneficiary.etag"}},
		{name: "stale etag", by: owner, patch: domain.Beneficiary{GivenName: "X"}, tag: etag.Of(6), paths: []string{"given_name"},
			kind: errs.KindAborted, reason: etag.ReasonMismatch},
		{name: "a bad change is invalid whatever its etag", by: owner, patch: domain.Beneficiary{Email: "not-an-email"}, paths: []string{"email"},
			kind: errs.KindInvalidArgument, violations: []string{"beneficiary.email"}},
		{name: "read-only path", by: owner, tag: current, paths: []string{"legal_status", "organisation_id"},
			kind: errs.KindInvalidArgument, violations: []string{"update_mask.paths[1]"}},
		{name: "mask naming nothing", by: owner, tag: current, paths: []string{"etag"},
			kind: errs.KindInvalidArgument, violations: []string{"update_mask"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store := &people{erased: tt.erased, row: domain.Beneficiary{ID: personID, OrganisationID: owner, GivenName: "Amina", FamilyName: "Hasanović",
				Sex: "female", BirthYear: 1990, Nationality: "SY", LegalStatus: "asylum_seeker", Version: 7}}
			if tt.stored != nil {
				tt.stored(&store.row)
			}
			a := New(store, nil, nil)
			a.today = func() date.Date { return date.Of(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)) }
			act := Actor{Principal: auth.Principal{OrganisationID: tt.by, ClientID: "client"}}
			patch := tt.patch

			out, err := a.UpdateBeneficiary(context.Background(), act, personID, tt.tag, &patch, tt.paths)

			if tt.kind != 0 {
				statustest.WantError(t, err, tt.kind, tt.reason, tt.violations)
				if store.saved != 0 || len(store.audit) != 0 || len(store.emitted) != 0 || len(store.history) != 0 || store.row.GivenName != "Amina" {
					t.Errorf("a refused update left traces: saved %d, audit %v, events %v, history %v", store.saved, store.audit, store.emitted, store.history)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if store.saved != 1 || out.Version != 8 || out.Etag() != etag.Of(8) {
				t.Errorf("saved %d times, version %d", store.saved, out.Version)
			}
			if out.Notes != "" || out.FamilyName != "Hasanović" {
				t.Errorf("fields outside the mask changed: %+v", out)
			}
			if len(store.audit) != 1 || store.audit[0].Action != domain.ActionUpdate || !slices.Equal(store.audit[0].Fields, tt.changed) ||
				store.audit[0].ActorOrganisationID != owner || store.audit[0].BeneficiaryID != personID {
				t.Errorf("audit %+v, want one %s of %v", store.audit, domain.ActionUpdate, tt.changed)
			}
			var fields []string
			if len(store.emitted) == 1 {
				fields, _ = store.emitted[0].Data["fields"].([]string)
			}
			if len(store.emitted) != 1 || store.emitted[0].Type != events.BeneficiaryUpdated || !slices.Equal(fields, tt.changed) {
				t.Errorf("events %+v, want one %s naming %v", store.emitted, events.BeneficiaryUpdated, tt.changed)
			}
			switch {
			case tt.cleared:
				if len(store.history) != 1 || store.history[0].LegalStatus != "" || store.history[0].Since != a.today() ||
					store.history[0].OrganisationID != owner {
					t.Errorf("history %v, want one entry of no status since %s", store.history, a.today())
				}
			case tt.history == "" && len(store.history) != 0:
				t.Errorf("history %v, want none", store.history)
			case tt.history != "" && (len(store.history) != 1 || store.history[0].LegalStatus != tt.history || store.history[0].OrganisationID != owner):
				t.Errorf("history %v, want %s", store.history, tt.history)
			}
		})
	}
}
