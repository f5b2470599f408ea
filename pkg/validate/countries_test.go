package validate_test

import (
	"slices"
	"testing"

	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/validate"
	"golang.org/x/text/language"
)

// TestCountry: Country accepts the ISO 3166-1 alpha-2 codes assigned to a
// country or territory and XK (Kosovo), and refuses every other pair of
// letters: the user-assigned codes (XX, ZZ), the exceptionally reserved
// ones (UK, EU) and the withdrawn ones (YU, CS). The table is checked
// against the region data of golang.org/x/text (CLDR), which knows every
// assigned code and also the reserved and withdrawn ones: every code
// accepted is a country there, and what CLDR has besides is exactly the
// reserved and withdrawn codes listed here.
func TestCountry(t *testing.T) {
	refused := func(s string) bool {
		var v errs.Violations
		validate.Country(&v, "nationality", s)
		return len(v) > 0
	}
	for _, s := range []string{"", "RS", "BA", "HR", "ME", "MK", "SI", "XK", "AF", "SY", "IQ", "GB", "SS", "PS", "CW"} {
		if refused(s) {
			t.Errorf("Country(%q) refused", s)
		}
	}
	for _, s := range []string{"XX", "ZZ", "AA", "QM", "UK", "EU", "UN", "YU", "CS", "SU", "rs", "R", "RSB", "R1", "ŠR"} {
		if !refused(s) {
			t.Errorf("Country(%q) accepted", s)
		}
	}
	// Reserved (exceptionally or transitionally) or withdrawn codes that
	// CLDR still knows as regions.
	notAssigned := []string{"AC", "AN", "BU", "CP", "CQ", "CS", "CT", "DD", "DG", "DY", "EA", "EZ", "FQ", "FX", "HV", "IC",
		"JT", "MI", "NH", "NQ", "NT", "PC", "PU", "PZ", "RH", "SU", "TA", "TP", "UK", "UN", "VD", "WK", "YD", "YU", "ZR"}
	n := 0
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			s := string([]rune{a, b})
			r, err := language.ParseRegion(s)
			cldr := err == nil && r.IsCountry() && r.String() == s
			switch ours := validate.IsCountry(s); {
			case ours:
				n++
				if !cldr {
					t.Errorf("%s accepted but is no country in CLDR", s)
				}
			case cldr && !slices.Contains(notAssigned, s):
				t.Errorf("%s refused but CLDR has it as a country", s)
			}
		}
	}
	if n != 250 { // 249 assigned and XK
		t.Errorf("%d codes accepted, want 250", n)
	}
}
