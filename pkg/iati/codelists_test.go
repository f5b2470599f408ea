package iati

import (
	"slices"
	"testing"
)

// TestCodelistsSorted: the lists searched by halves are sorted and hold
// each code once.
func TestCodelistsSorted(t *testing.T) {
	for name, list := range map[string][]string{"languages": languages, "Sectors": Sectors} {
		if !slices.IsSorted(list) || len(slices.Compact(slices.Clone(list))) != len(list) {
			t.Errorf("%s is not sorted or holds a code twice", name)
		}
	}
	for _, c := range []struct {
		code string
		is   func(string) bool
		want bool
	}{
		{"15160", IsSector, true}, {"12345", IsSector, false}, {"15100", IsSector, false}, {"15161", IsSector, false},
		{"15161", IsWithdrawnSector, true}, {"sr", IsLanguage, true}, {"xx", IsLanguage, false}, {"sh", IsLanguage, false},
		{"EN", IsLanguage, false}, {"22", IsOrganisationType, true}, {"12", IsOrganisationType, false},
	} {
		if got := c.is(c.code); got != c.want {
			t.Errorf("%q: got %v, want %v", c.code, got, c.want)
		}
	}
}
