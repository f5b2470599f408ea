package aggregate

import (
	"fmt"
	"time"
	// The time zone database in the binary: the images carry none.
	_ "time/tzdata"

	"github.com/spona/spona/pkg/date"
)

// DefaultReportZone is the time zone whose calendar days counts of time
// stamps use unless REPORT_TIME_ZONE names another: the zone of Serbia,
// Bosnia and Herzegovina and Croatia.
const DefaultReportZone = "Europe/Belgrade"

// LoadZone returns the location a REPORT_TIME_ZONE value names (an IANA
// name such as Europe/Sarajevo; "" is DefaultReportZone).
func LoadZone(name string) (*time.Location, error) {
	if name == "" {
		name = DefaultReportZone
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("REPORT_TIME_ZONE %q is not a time zone (an IANA name such as %s): %w", name, DefaultReportZone, err)
	}
	return loc, nil
}

// Instants returns the instants that bound the days of q's period in loc:
// from, the start of From's day, and until, the start of the day after To
// (so a count keeps the time stamps t with from <= t < until); nil for an
// open end. Every count that puts a time stamp (a referral's send time)
// into a period's days goes through it, so that a referral sent at 00:30
// on 1 January in Belgrade counts in January whatever the time zone of the
// database server or session.
func (q Query) Instants(loc *time.Location) (from, until *time.Time) {
	at := func(d date.Date) *time.Time {
		t := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
		return &t
	}
	if !q.From.IsZero() {
		from = at(q.From)
	}
	if !q.To.IsZero() {
		until = at(q.To.AddDays(1))
	}
	return from, until
}

// Today is the day it is at now in loc.
func Today(loc *time.Location, now time.Time) date.Date { return date.Of(now.In(loc)) }
