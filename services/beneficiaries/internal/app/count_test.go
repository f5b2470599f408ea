package app

import (
	"context"
	"testing"
	"time"

	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/ids"
)

// counting is the fake of CountAssisted: it keeps the day age bands were
// asked as of.
type counting struct {
	journal
	asOf date.Date
}

func (c *counting) CountAssisted(_ context.Context, _ aggregate.Query, _ []string, asOf date.Date) (aggregate.Aggregate, error) {
	c.asOf = asOf
	return aggregate.Aggregate{}, nil
}

// TestCountAssistedAgeAsOf: age bands are as of the period's end, or of
// today in the report time zone when the period has not ended or is open:
// at 23:30 UTC on 31 December it is already 1 January in Belgrade, and a
// person born in 2009 is 18 (UTC's current_date made them 17).
func TestCountAssistedAgeAsOf(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC)
	zone, err := aggregate.LoadZone("Europe/Belgrade")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		to   string
		want string
	}{
		{"open", "", "2027-01-01"},
		{"ends_later", "2027-06-30", "2027-01-01"},
		{"ended", "2026-06-30", "2026-06-30"},
		{"ends_today", "2027-01-01", "2027-01-01"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := &counting{}
			a := New(c, nil, nil)
			a.now = func() time.Time { return now }
			a.SetReportZone(zone)
			q, err := aggregate.Query{ProjectID: ids.New()}, error(nil)
			if tc.to != "" {
				if q.To, err = date.Parse(tc.to); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := a.CountAssisted(context.Background(), q, nil); err != nil {
				t.Fatal(err)
			}
			if got := c.asOf.String(); got != tc.want {
				t.Errorf("age bands as of %s, want %s", got, tc.want)
			}
		})
	}
}
