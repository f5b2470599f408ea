package date

import (
	"testing"

	"github.com/spona/spona/pkg/errs"
)

func TestAddYears(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"2016-11-01", 1, "2017-11-01"},
		{"2024-02-29", 1, "2025-02-28"},
		{"2024-02-29", 4, "2028-02-29"},
		{"2023-12-31", 1, "2024-12-31"},
		{"2025-03-01", -1, "2024-03-01"},
	} {
		d, err := Parse(c.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.AddYears(c.n).String(); got != c.want {
			t.Errorf("%s + %d years = %s, want %s", c.in, c.n, got, c.want)
		}
	}
}

func TestCheckMinYear(t *testing.T) {
	for _, tc := range []struct {
		d    Date
		want bool // a violation
	}{{Date{}, false}, {Date{1900, 1, 1}, false}, {Date{2024, 5, 1}, false}, {Date{1899, 12, 31}, true}, {Date{0, 6, 15}, true}} {
		var v errs.Violations
		CheckMinYear(&v, "day", tc.d)
		if got := v.Err() != nil; got != tc.want {
			t.Errorf("%v: violation %v, want %v", tc.d, got, tc.want)
		}
	}
}
