package domain

import (
	"fmt"
	"testing"

	"github.com/spona/spona/pkg/date"
)

// jmbgCheck computes the check digit of the first 12 digits, independently
// of CheckJMBG (weights 7..2 repeated), for building test numbers.
func jmbgCheck(p string) string {
	w := []int{7, 6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2}
	s := 0
	for i, c := range p {
		s += w[i] * int(c-'0')
	}
	k := 11 - s%11
	if k >= 10 {
		k = 0
	}
	return p + fmt.Sprint(k)
}

func TestCheckJMBG(t *testing.T) {
	valid := map[string]date.Date{
		jmbgCheck("010199071000"): {Year: 1990, Month: 1, Day: 1},
		jmbgCheck("311201071012"): {Year: 2010, Month: 12, Day: 31},
		jmbgCheck("290200017001"): {Year: 2000, Month: 2, Day: 29},
		"0101006500006":           {Year: 2006, Month: 1, Day: 1},
	}
	for s, want := range valid {
		got, err := CheckJMBG(s)
		if err != nil || got != want {
			t.Errorf("CheckJMBG(%s) = %v, %v; want %v", s, got, err, want)
		}
	}
	good := jmbgCheck("010199071000")
	bad := []string{
		"", "123", "01011990710000", "01011990710a0",
		good[:12] + fmt.Sprint((int(good[12]-'0')+1)%10), // wrong check digit
		jmbgCheck("300299071000"),                        // 30 February
		jmbgCheck("011399071000"),                        // month 13
		jmbgCheck("290299971000"),                        // 1999 is not a leap year
	}
	for _, s := range bad {
		if _, err := CheckJMBG(s); err == nil {
			t.Errorf("CheckJMBG(%q) accepted", s)
		}
	}
}

func TestCheckOIB(t *testing.T) {
	for _, s := range []string{"69435151530", "94577403194", "12345678903"} {
		if err := CheckOIB(s); err != nil {
			t.Errorf("CheckOIB(%s): %v", s, err)
		}
	}
	for _, s := range []string{"", "6943515153", "69435151531", "6943515153x", "694351515300", "12345678901"} {
		if err := CheckOIB(s); err == nil {
			t.Errorf("CheckOIB(%q) accepted", s)
		}
	}
}

func FuzzIDNumbers(f *testing.F) {
	for _, s := range []string{"0101006500006", "69435151530", "", "9999999999999", "00000000000", "３"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if born, err := CheckJMBG(s); err == nil {
			if len(s) != 13 || born.IsZero() || born.Year < 1800 || born.Year > 2799 {
				t.Fatalf("CheckJMBG(%q) accepted with birth date %v", s, born)
			}
			// Changing the check digit must break it.
			alt := s[:12] + string(rune('0'+(s[12]-'0'+1)%10))
			if _, err := CheckJMBG(alt); err == nil {
				t.Fatalf("CheckJMBG accepts both %s and %s", s, alt)
			}
		}
		if err := CheckOIB(s); err == nil {
			if len(s) != 11 {
				t.Fatalf("CheckOIB(%q) accepted", s)
			}
			alt := s[:10] + string(rune('0'+(s[10]-'0'+1)%10))
			if CheckOIB(alt) == nil {
				t.Fatalf("CheckOIB accepts both %s and %s", s, alt)
			}
		}
	})
}
