// Package date is a calendar date without time of day or zone, as used for
// birth dates, assistance dates and reporting periods (ISO 8601 YYYY-MM-DD).
package date

import (
	"fmt"
	"time"

	"github.com/spona/spona/pkg/errs"
)

// Date is a calendar day. The zero value means "no date".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// Parse reads YYYY-MM-DD and rejects impossible days such as 2023-02-30.
func Parse(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date in YYYY-MM-DD form", s)
	}
	return Of(t), nil
}

// Of returns the date of t in t's location.
func Of(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// IsZero reports whether d is the zero value.
func (d Date) IsZero() bool { return d == Date{} }

// Time returns midnight UTC of d.
func (d Date) Time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// String returns YYYY-MM-DD, or "" for the zero date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// Before reports whether d is before o.
func (d Date) Before(o Date) bool { return d.Time().Before(o.Time()) }

// After reports whether d is after o.
func (d Date) After(o Date) bool { return d.Time().After(o.Time()) }

// AddYears returns the same day n years later; 29 February becomes 28
// February in a year that has none.
func (d Date) AddYears(n int) Date {
	t := time.Date(d.Year+n, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
	if t.Month() != d.Month { // no such day that year: 29 February
		t = t.AddDate(0, 0, -t.Day())
	}
	return Of(t)
}

// AddDays returns d moved by n days.
func (d Date) AddDays(n int) Date { return Of(d.Time().AddDate(0, 0, n)) }

// Ptr returns nil for the zero date and the time otherwise, for nullable SQL columns.
func (d Date) Ptr() *time.Time {
	if d.IsZero() {
		return nil
	}
	t := d.Time()
	return &t
}

// FromPtr is the inverse of Ptr.
func FromPtr(t *time.Time) Date {
	if t == nil {
		return Date{}
	}
	return Of(*t)
}

// ParseField parses an optional date field of a request, recording a
// violation when it is malformed.
func ParseField(v *errs.Violations, field, s string) Date {
	if s == "" {
		return Date{}
	}
	d, err := Parse(s)
	if err != nil {
		v.Add(field, "must be a date in YYYY-MM-DD form")
	}
	return d
}

// MinYear is the earliest year of a day Spona records (a birth, a legal
// status, an assistance, a training event): earlier is a typing mistake
// (0201 for 2021), and counts by age take the years of these days as ages'
// reference years, which start at 1900.
const MinYear = 1900

// CheckMinYear records a violation of field when d is set and before
// MinYear.
func CheckMinYear(v *errs.Violations, field string, d Date) {
	if !d.IsZero() && d.Year < MinYear {
		v.Add(field, "must be in %d or later", MinYear)
	}
}

// ParseDayField is ParseField for a day Spona records, or a bound of a
// period over such days (a list's filter, an aggregate's period): one
// before MinYear is refused as well (a filter from 0000-01-01 is a typing
// mistake, as a birth in 0201 is, and no day it could match is recorded).
func ParseDayField(v *errs.Violations, field, s string) Date {
	d := ParseField(v, field, s)
	CheckMinYear(v, field, d)
	return d
}
