package domain

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
)

// TestAssistanceDate: an assistance's day is required, not after today
// (the report time zone's day: tomorrow has not come) and not before date.MinYear (a typing mistake that
// would also leave counts by age without a reference year).
func TestAssistanceDate(t *testing.T) {
	t.Parallel()
	today := date.Date{Year: 2026, Month: 12, Day: 5}
	for _, tc := range []struct {
		day  date.Date
		fail bool
	}{
		{today, false}, {today.AddDays(-1), false}, {date.Date{Year: 1900, Month: 1, Day: 1}, false},
		{date.Date{}, true}, {today.AddDays(1), true}, {today.AddDays(2), true}, {date.Date{Year: 1899, Month: 12, Day: 31}, true}, {date.Date{Year: 0, Month: 1, Day: 1}, true},
	} {
		a := Assistance{Type: AssistanceTypes[0], Date: tc.day}
		err := a.Validate(today)
		var e *errs.Error
		got := errors.As(err, &e) && slices.ContainsFunc(e.Violations, func(v errs.FieldViolation) bool { return v.Field == "assistance.date" })
		if got != tc.fail {
			t.Errorf("%v: violation of assistance.date %v, want %v (%v)", tc.day, got, tc.fail, err)
		}
	}
}

func TestCorrectsVoided(t *testing.T) {
	t.Parallel()
	voided := func(id, reason string, minute int) *Assistance {
		return &Assistance{ID: id, VoidTime: time.Date(2026, 1, 2, 3, minute, 5, 0, time.UTC), VoidReason: reason}
	}
	live := func(id string) *Assistance { return &Assistance{ID: id} }
	for _, c := range []struct {
		name     string
		recorded []*Assistance
		want     string
	}{
		{"corrects a wrong-details void", []*Assistance{voided("a", "wrong_details", 1), live("m")}, "a"},
		{"a correction's details wrong again", []*Assistance{voided("a", "wrong_details", 1), voided("b", "wrong_details", 2), live("m")}, "b"},
		{"the last void is a duplicate", []*Assistance{voided("a", "wrong_details", 1), voided("b", "duplicate", 2), live("m")}, ""},
		{"the correction was not delivered", []*Assistance{voided("b", "not_delivered", 4), voided("a", "wrong_details", 1), live("m")}, ""},
		{"an earlier duplicate", []*Assistance{voided("b", "duplicate", 1), voided("a", "wrong_details", 2), live("m")}, "a"},
		{"nothing voided", []*Assistance{live("m")}, ""},
		{"voided for another reason", []*Assistance{voided("a", "not_delivered", 1), live("m")}, ""},
		{"wrong person voided", []*Assistance{voided("a", "wrong_beneficiary", 1), live("m")}, ""},
		{"another live record", []*Assistance{voided("a", "wrong_details", 1), live("b"), live("m")}, ""},
	} {
		got, ok := CorrectsVoided(c.recorded, "m")
		if got != c.want || ok != (c.want != "") {
			t.Errorf("%s: %q %v, want %q", c.name, got, ok, c.want)
		}
	}
}
