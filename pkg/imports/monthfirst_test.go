package imports

import (
	"strings"
	"testing"
)

// TestMonthFirst: only a date column's date with slashes that is a day
// only month first shows a file writes them month first; then its dates
// with slashes that read as two days are problems (one per cell, in place
// of the cell's others), while one the same either way, an ISO or dotted
// date, and a slashed text in a column that holds no dates are not.
func TestMonthFirst(t *testing.T) {
	m := Mapping{Fields: []string{"given_name", "birth_date", "notes", "legal_status_since"}}
	dates := DateFields([]Column{{Field: "given_name"}, {Field: "birth_date", Date: true}, {Field: "legal_status_since", Date: true}})
	for _, cells := range [][]string{{"Ana", "4/12/1990"}, {"Ana", "13/2/1990"}, {"2/13/1990", "1990-02-13", "2/13/1990"}, {"Ana", "31/2/1990"}} {
		if mf, ok := FindMonthFirst(m, dates, 2, cells); ok {
			t.Errorf("%q: month first (%v)", cells, mf)
		}
	}
	mf, ok := FindMonthFirst(m, dates, 7, []string{"Ana", "1.2.1990.", "", " 12/31/2017 0:00"})
	if !ok || mf != (MonthFirst{Cell: "D7", Value: "12/31/2017 0:00"}) {
		t.Fatalf("FindMonthFirst: %v %v, want D7 12/31/2017 0:00", mf, ok)
	}
	own := Problem{Row: 3, Column: "B", Field: "birth_date", Message: "is after today"}
	got := SwappableDates(m, dates, mf, 3, []string{"Ana", "4/12/2030", "1/2/2000", "5/5/2020"}, []Problem{own})
	if len(got) != 1 || got[0].Column != "B" || !strings.HasPrefix(got[0].Message, `"4/12/2030" may be 2030-12-04 (day first) or 2030-04-12 (month first)`) ||
		!strings.Contains(got[0].Message, "cell D7 holds 12/31/2017 0:00") {
		t.Errorf("SwappableDates: %+v", got)
	}
	if got := SwappableDates(m, dates, mf, 3, []string{"Ana", "12.4.1990.", "1/2/2000", "5/5/2020"}, nil); len(got) != 0 {
		t.Errorf("SwappableDates of unswappable cells: %+v", got)
	}
}
