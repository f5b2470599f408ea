package app

import (
	"context"
	"slices"
	"testing"

	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/etag"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
)

// TestWritesLockThePerson: every write about a person reads the person
// through LockBeneficiary, with the lock its kind of write takes (records
// added or changed: LockRecords; the person's own row changed or ended,
// or its documents or household membership, which move its version:
// LockPerson, both rows of a merge in the order of their ids; an erasure
// the survivor, then the records merged into it), so that a
// concurrent erasure either sees the write or refuses it (PostgreSQL
// scenario: TestWritesRacingErasure in service/). Reads lock nothing.
func TestWritesLockThePerson(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	member := func(r *registry) {
		r.households[hhID] = domain.Household{ID: hhID, OrganisationID: owner,
			Members: []domain.HouseholdMember{{BeneficiaryID: personID, Relationship: "head"}}}
	}
	tests := []struct {
		name  string
		setup func(*registry)
		call  func(a *App) error
		want  []string
	}{
		{name: "document", want: []string{personID + " person"}, call: func(a *App) error {
			_, err := a.CreateDocument(ctx, actor(owner), personID, &domain.Document{Type: "passport", Number: "P1", IssuingCountry: "SY"})
			return err
		}},
		{name: "assistance by a grantee", want: []string{personID + " records"}, call: func(a *App) error {
			_, err := a.CreateAssistance(ctx, actor(grantee), personID, &domain.Assistance{Type: "legal_counselling", Date: date.Of(clock)}, "")
			return err
		}},
		{name: "household member added", want: []string{personID + " person"}, call: func(a *App) error {
			_, err := a.AddHouseholdMember(ctx, actor(owner), hhID, domain.HouseholdMember{BeneficiaryID: personID, Relationship: "head"})
			return err
		}},
		{name: "household member removed", setup: member, want: []string{personID + " person"}, call: func(a *App) error {
			_, err := a.RemoveHouseholdMember(ctx, actor(owner), hhID, personID)
			return err
		}},
		{name: "merge", want: []string{personID + " person", personB + " person"}, call: func(a *App) error {
			_, err := a.MergeBeneficiaries(ctx, actor(owner), personID, personB)
			return err
		}},
		{name: "merge the other way", want: []string{personID + " person", personB + " person"}, call: func(a *App) error {
			_, err := a.MergeBeneficiaries(ctx, actor(owner), personB, personID)
			return err
		}},
		{name: "erasure", want: []string{personID + " person"}, call: func(a *App) error {
			_, err := a.EraseBeneficiary(ctx, actor(owner), personID, "")
			return err
		}},
		{name: "erasure of a merged record: the survivor, then it", want: []string{personID + " person", personB + " person"},
			setup: func(r *registry) { r.edit(personB, func(b *domain.Beneficiary) { b.MergedInto = personID }) },
			call: func(a *App) error {
				_, err := a.EraseBeneficiary(ctx, actor(owner), personB, "")
				return err
			}},
		{name: "assistance list", call: func(a *App) error {
			_, _, err := a.ListAssistances(ctx, actor(owner), personID, false, 0, "")
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := people2(tt.setup)
			if err := tt.call(registryApp(r, directory{})); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(r.locks, tt.want) {
				t.Errorf("locks %q, want %q", r.locks, tt.want)
			}
		})
	}
	t.Run("update", func(t *testing.T) {
		t.Parallel()
		p := &people{row: domain.Beneficiary{ID: personID, OrganisationID: owner, GivenName: "Amina", Version: 7}}
		if _, err := New(p, nil, nil).UpdateBeneficiary(ctx, actor(owner), personID, etag.Of(7), &domain.Beneficiary{GivenName: "Ana"},
			[]string{"given_name"}); err != nil {
			t.Fatal(err)
		}
		if want := []string{personID + " person"}; !slices.Equal(p.locks, want) {
			t.Errorf("locks %q, want %q", p.locks, want)
		}
	})
	for name, call := range map[string]func(*App) error{
		"consent withdrawn": func(a *App) error {
			_, err := a.WithdrawConsent(ctx, actor(owner), personID, consentID, "asked by the person")
			return err
		},
		"access granted": func(a *App) error {
			_, err := a.GrantAccess(ctx, actor(owner), &domain.Grant{BeneficiaryID: personID, GranteeOrganisationID: other, SourceID: source})
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := world(nil)
			if err := call(sharingApp(s)); err != nil {
				t.Fatal(err)
			}
			if want := []string{personID + " records"}; !slices.Equal(s.locks, want) {
				t.Errorf("locks %q, want %q", s.locks, want)
			}
		})
	}
}
