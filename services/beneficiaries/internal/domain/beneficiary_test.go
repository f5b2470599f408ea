package domain

import (
	"testing"

	"github.com/spona/spona/pkg/date"
)

// TestSameRequest: a retried create matches the record its request id
// made when every field the create gives is still what it gave, whatever
// an update filled in since; a field it gives that differs (another
// person, or a field an update changed) does not match.
func TestSameRequest(t *testing.T) {
	t.Parallel()
	asked := func() *Beneficiary {
		b := &Beneficiary{GivenName: "Amina", FamilyName: "Haddad", BirthDate: date.Date{Year: 1990, Month: 1, Day: 1}}
		b.Normalize()
		return b
	}
	for _, tc := range []struct {
		name   string
		change func(kept *Beneficiary)
		same   bool
	}{
		{"unchanged", func(*Beneficiary) {}, true},
		{"notes filled in since", func(k *Beneficiary) { k.Notes = "moved to Subotica centre" }, true},
		{"phone, legal status and languages filled in since", func(k *Beneficiary) {
			k.Phone, k.LegalStatus, k.Languages = "+381 64 123 4567", "asylum_seeker", []string{"ar"}
		}, true},
		{"family name changed since", func(k *Beneficiary) { k.FamilyName = "Hadad" }, false},
		{"birth date changed since", func(k *Beneficiary) { k.BirthDate, k.BirthYear = date.Date{Year: 1990, Month: 1, Day: 2}, 1990 }, false},
		{"another person", func(k *Beneficiary) { k.GivenName, k.FamilyName = "Lejla", "Hodžić" }, false},
		{"sex set since", func(k *Beneficiary) { k.Sex = "female" }, false},
	} {
		kept := asked()
		tc.change(kept)
		if got := kept.SameRequest(asked()); got != tc.same {
			t.Errorf("%s: SameRequest = %v, want %v", tc.name, got, tc.same)
		}
	}
}
