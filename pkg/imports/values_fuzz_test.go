package imports

import (
	"fmt"
	"testing"
	"time"
)

// FuzzParseDate: a date cell in any of its forms (ISO, day-first with dots
// or slashes, with or without zeros and spaces) reads as the calendar day
// it names, and only as a day of the calendar; whatever reads as a day
// reads back from its ISO form as the same day.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2017-03-02", "2.3.2017.", "02.03.2017", "2. 3. 2017.", "02/03/2017", "2017-03-02T00:00:00Z",
		"29.2.2023.", "31/04/2020", "0000-01-01", "2017-3-2T99:99", " 1.1.1900 ", "١٢.٣.٢٠١٧"} {
		f.Add(s, 2017, 3, 2)
	}
	f.Fuzz(func(t *testing.T, s string, y, m, d int) {
		if got, err := ParseDate(s); err == nil {
			if got.IsZero() || got.Time().Year() != got.Year || int(got.Time().Month()) != int(got.Month) || got.Time().Day() != got.Day {
				t.Fatalf("ParseDate(%q) = %+v, not a day of the calendar", s, got)
			}
			if back, err := ParseDate(got.String()); err != nil || back != got {
				t.Fatalf("ParseDate(%q) = %s, whose ISO form reads as %v %v", s, got, back, err)
			}
		}
		day := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
		if y < 1 || y > 9999 || day.Year() != y || int(day.Month()) != m || day.Day() != d {
			return
		}
		for _, form := range []string{"%04[1]d-%02[2]d-%02[3]d", "%04[1]d-%[2]d-%[3]dT00:00:00Z", "%[3]d.%[2]d.%04[1]d.",
			"%02[3]d.%02[2]d.%04[1]d", "%[3]d. %[2]d. %04[1]d.", "%02[3]d/%02[2]d/%04[1]d"} {
			cell := fmt.Sprintf(form, y, m, d)
			got, err := ParseDate(cell)
			if err != nil || got.Year != y || int(got.Month) != m || got.Day != d {
				t.Fatalf("ParseDate(%q) = %+v %v, want %04d-%02d-%02d", cell, got, err, y, m, d)
			}
		}
	})
}
