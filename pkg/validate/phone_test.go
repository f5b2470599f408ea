package validate

import (
	"testing"

	"github.com/spona/spona/pkg/errs"
)

// TestPhone: a phone number as people write it is taken; digits alone
// must start with 0 (a number that lost its 0 or + to a spreadsheet or to
// a program keeping phones as integers is refused, saying so).
func TestPhone(t *testing.T) {
	for s, want := range map[string]string{
		"": "", "0641234567": "", "064 123 4567": "", "+381 64 123 4567": "", "00381641234567": "", "011/2345-678": "",
		"+381 (0)11 22 33 444": "", "641234567": PhoneLostPrefix, "381641234567": PhoneLostPrefix,
		"064 123 4567 (majka)": "must be a phone number such as +381 64 123 4567", "12": "must be a phone number such as +381 64 123 4567",
	} {
		var v errs.Violations
		Phone(&v, "phone", s)
		got := ""
		if len(v) > 0 {
			got = v[0].Description
		}
		if got != want {
			t.Errorf("Phone(%q) = %q, want %q", s, got, want)
		}
	}
}
