package domain

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/spona/spona/pkg/ids"
)

// FuzzReferralValidate: validation never panics, and whatever it accepts is
// storable: valid UTF-8 without NUL, ids that are UUIDs, known codes.
func FuzzReferralValidate(f *testing.F) {
	org := ids.New()
	f.Add(ids.New(), ids.New(), "", "legal", "high", "needs a lawyer", "")
	f.Add("x", org, "y", "nope", "urgent", "\x00", "\xff")
	f.Add(strings.ToUpper(ids.New()), " "+ids.New(), "", "health", "", strings.Repeat("é", 2001), "")
	f.Fuzz(func(t *testing.T, ben, to, svc, category, urgency, reason, notes string) {
		r := &Referral{BeneficiaryID: ben, ToOrganisationID: to, ToServiceID: svc, Category: category, Urgency: urgency, Reason: reason, Notes: notes}
		if err := r.Validate(org); err != nil {
			return
		}
		for _, s := range []string{reason, notes} {
			if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
				t.Fatalf("accepted bad text %q", s)
			}
		}
		if !ids.Valid(ben) || !ids.Valid(to) || (svc != "" && !ids.Valid(svc)) || ids.Normalize(to) == org {
			t.Fatalf("accepted bad ids %q %q %q", ben, to, svc)
		}
		if utf8.RuneCountInString(reason) > 2000 || utf8.RuneCountInString(notes) > 4000 {
			t.Fatal("accepted over-long text")
		}
	})
}

// FuzzOrganisationValidate covers multi-language names and descriptions:
// only the five directory languages are accepted as keys, and every accepted
// value is clean text.
func FuzzOrganisationValidate(f *testing.F) {
	f.Add("Centar za socijalni rad", "sr-Cyrl", "Центар за социјални рад", "ngo", "RS", "sr-Latn", "info@csr.rs", "https://csr.rs")
	f.Add("X", "de", "X", "police", "DE", "english", "not-an-email", "javascript:alert(1)")
	f.Add("", "sr-latn", "", "", "", "", "", "")
	f.Add("N", "hr", "\x00", "ngo", "hr", "sr-Cyrl-RS", "a@b.hr", "http://")
	f.Fuzz(func(t *testing.T, name, lang, localName, kind, country, language, email, website string) {
		o := &Organisation{Name: name, LocalizedNames: map[string]string{lang: localName}, LocalizedDescriptions: map[string]string{lang: localName},
			Kind: kind, Country: country, Languages: []string{language}, Email: email, Website: website}
		o.Normalize()
		if err := o.Validate(NewRegistry(nil)); err != nil {
			return
		}
		checkAccepted(t, lang, o.Name, o.LocalizedNames[lang])
		if o.Country != "" && o.Country != "RS" && o.Country != "BA" && o.Country != "HR" {
			t.Fatalf("accepted country %q", o.Country)
		}
		if o.Website != "" && !strings.HasPrefix(o.Website, "http") {
			t.Fatalf("accepted website %q", o.Website)
		}
	})
}

// FuzzServiceValidate covers services: names, languages, schedules, ages.
func FuzzServiceValidate(f *testing.F) {
	f.Add("Pravna pomoć", "bs", "Правна помоћ", "legal", "fa", "monday", "09:00", "17:00", int32(0), int32(17), "Beograd")
	f.Add("", "xx", "", "nope", "!!", "someday", "25:00", "08:00", int32(-1), int32(500), "")
	f.Fuzz(func(t *testing.T, name, lang, localName, category, language, day, opens, closes string, minAge, maxAge int32, municipality string) {
		s := &Service{Name: name, LocalizedNames: map[string]string{lang: localName}, Category: category, Languages: []string{language},
			Eligibility: Eligibility{MinimumAge: minAge, MaximumAge: maxAge},
			Locations:   []Location{{Municipality: municipality}},
			Schedules:   []Schedule{{Days: []string{day}, OpensAt: opens, ClosesAt: closes}}}
		s.Normalize()
		if err := s.Validate(); err != nil {
			return
		}
		checkAccepted(t, lang, s.Name, s.LocalizedNames[lang])
		if minAge < 0 || maxAge < 0 || minAge > 150 || maxAge > 150 || (maxAge != 0 && maxAge < minAge) {
			t.Fatalf("accepted ages %d-%d", minAge, maxAge)
		}
		if !clock.MatchString(opens) || closes <= opens {
			t.Fatalf("accepted hours %q-%q", opens, closes)
		}
	})
}

func checkAccepted(t *testing.T, lang string, texts ...string) {
	t.Helper()
	known := false
	for _, l := range NameLanguages {
		known = known || l == lang
	}
	if !known {
		t.Fatalf("accepted language tag %q", lang)
	}
	for _, s := range texts {
		if strings.TrimSpace(s) == "" || !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			t.Fatalf("accepted bad text %q", s)
		}
	}
}
