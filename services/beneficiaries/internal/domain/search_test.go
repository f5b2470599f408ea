package domain

import (
	"testing"
	"time"

	"github.com/spona/spona/pkg/date"
)

// TestBirthConflicts: known births that contradict each other (two
// different dates, years more than one apart) conflict; anything unknown,
// the same date or year, or years one apart does not.
func TestBirthConflicts(t *testing.T) {
	d := func(y, m, dd int) date.Date { return date.Date{Year: y, Month: time.Month(m), Day: dd} }
	for _, c := range []struct {
		aDate date.Date
		aYear int
		bDate date.Date
		bYear int
		want  bool
	}{
		{d(1985, 1, 10), 1985, d(1985, 1, 10), 1985, false},
		{d(1985, 1, 10), 1985, d(1985, 1, 11), 1985, true},
		{d(1985, 1, 10), 1985, date.Date{}, 1986, false},
		{date.Date{}, 1985, date.Date{}, 1987, true},
		{d(1992, 1, 10), 0, date.Date{}, 1985, true},
		{date.Date{}, 0, d(1992, 1, 10), 1992, false},
		{date.Date{}, 1985, date.Date{}, 0, false},
	} {
		if got := BirthConflicts(c.aDate, c.aYear, c.bDate, c.bYear); got != c.want {
			t.Errorf("BirthConflicts(%v, %d, %v, %d) = %v, want %v", c.aDate, c.aYear, c.bDate, c.bYear, got, c.want)
		}
		if got := BirthConflicts(c.bDate, c.bYear, c.aDate, c.aYear); got != c.want {
			t.Errorf("BirthConflicts(%v, %d, %v, %d) = %v, want %v (swapped)", c.bDate, c.bYear, c.aDate, c.aYear, got, c.want)
		}
	}
}
