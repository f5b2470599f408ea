package app

import (
	"testing"
	"time"

	"github.com/spona/spona/pkg/date"
)

// Today is the calendar day of the report time zone (Belgrade by
// default), not UTC's: at 23:30 UTC on 31 December it is already
// 1 January there.
func TestTodayInReportZone(t *testing.T) {
	t.Parallel()
	a := New(nil, nil, nil)
	a.now = func() time.Time { return time.Date(2025, 12, 31, 23, 30, 0, 0, time.UTC) }
	if got, want := a.today(), (date.Date{Year: 2026, Month: time.January, Day: 1}); got != want {
		t.Errorf("today = %v, want %v", got, want)
	}
	a.SetReportZone(time.UTC)
	if got, want := a.today(), (date.Date{Year: 2025, Month: time.December, Day: 31}); got != want {
		t.Errorf("today in UTC = %v, want %v", got, want)
	}
}
