package aggregate

import (
	"testing"
	"time"

	"github.com/spona/spona/pkg/date"
)

func TestInstants(t *testing.T) {
	loc, err := LoadZone("")
	if err != nil {
		t.Fatal(err)
	}
	year := Query{From: date.Date{Year: 2026, Month: 1, Day: 1}, To: date.Date{Year: 2026, Month: 12, Day: 31}}
	from, until := year.Instants(loc)
	// Belgrade is UTC+1 in winter.
	if want := time.Date(2025, 12, 31, 23, 0, 0, 0, time.UTC); !from.Equal(want) {
		t.Errorf("from = %v, want %v", from.UTC(), want)
	}
	if want := time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC); !until.Equal(want) {
		t.Errorf("until = %v, want %v", until.UTC(), want)
	}
	// A referral sent at 00:30 on New Year's Day in Belgrade is in 2026.
	sent := time.Date(2025, 12, 31, 23, 30, 0, 0, time.UTC)
	if sent.Before(*from) || !sent.Before(*until) {
		t.Errorf("%v not in [%v, %v)", sent, from, until)
	}
	// Summer time: a day in July starts at 22:00 UTC the day before.
	july := Query{From: date.Date{Year: 2026, Month: 7, Day: 1}}
	if from, until := july.Instants(loc); until != nil || !from.Equal(time.Date(2026, 6, 30, 22, 0, 0, 0, time.UTC)) {
		t.Errorf("July: %v, %v", from, until)
	}
	if from, until := (Query{}).Instants(loc); from != nil || until != nil {
		t.Errorf("open period: %v, %v", from, until)
	}
	if got := Today(loc, sent); got != (date.Date{Year: 2026, Month: 1, Day: 1}) {
		t.Errorf("Today = %v", got)
	}
	if _, err := LoadZone("Europe/Nowhere"); err == nil {
		t.Error("LoadZone took an unknown zone")
	}
}
