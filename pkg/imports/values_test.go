package imports

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestParseYesNo: the marks people put in an attendance column. A Cyrillic
// х looks exactly like the Latin x (a sheet typed in Cyrillic has it), and
// +, ✓ and a dash are the marks of many paper sign-in sheets; before, they
// were refused ("х" is neither yes (x, ...)).
func TestParseYesNo(t *testing.T) {
	for _, c := range []struct {
		cell     string
		yes, set bool
	}{
		{"x", true, true}, {"X", true, true}, {" 1 ", true, true}, {"da", true, true}, {"Да", true, true}, {"yes", true, true},
		{"х", true, true}, {"Х", true, true}, {"+", true, true}, {"✓", true, true}, {"✔", true, true},
		{"0", false, true}, {"ne", false, true}, {"не", false, true}, {"no", false, true}, {"-", false, true}, {"–", false, true},
		{"", false, false}, {"  ", false, false},
	} {
		yes, set, err := ParseYesNo(c.cell)
		if err != nil || yes != c.yes || set != c.set {
			t.Errorf("ParseYesNo(%q) = %v, %v, %v; want %v, %v", c.cell, yes, set, err, c.yes, c.set)
		}
	}
	for _, cell := range []string{"h", "++", "?", "možda", "xx"} {
		if _, _, err := ParseYesNo(cell); err == nil {
			t.Errorf("ParseYesNo(%q): no error", cell)
		}
	}
}

// TestParseYesNoNumbers: 1 and 0 as a number is written when it went
// through a program that keeps numbers as decimals (a CSV written from a
// table whose attendance column has blanks: 1.0, 0.0) are yes and no, as
// ParseInt takes 1990.0; before, they were refused as neither.
func TestParseYesNoNumbers(t *testing.T) {
	for _, c := range []struct {
		cell string
		yes  bool
	}{{"1.0", true}, {" 1.00 ", true}, {"0.0", false}, {"0.000", false}} {
		cell, yes := c.cell, c.yes
		got, set, err := ParseYesNo(cell)
		if err != nil || !set || got != yes {
			t.Errorf("ParseYesNo(%q) = %v, %v, %v; want %v", cell, got, set, err, yes)
		}
	}
	for _, cell := range []string{"2.0", "1.5", "10", "0.1", "1e0"} {
		if _, _, err := ParseYesNo(cell); err == nil {
			t.Errorf("ParseYesNo(%q): no error", cell)
		}
	}
}

// TestParseDateWithTime: a date with midnight as its time, as a CSV saved
// from a date-time cell ("12.4.1990. 0:00") or exported from a database
// ("1990-04-12 00:00:00") has it, is its day; before, it was refused as
// not a date (only the ISO form with a T was read). Another time of day is
// no date (a session's header may name its start time).
func TestParseDateWithTime(t *testing.T) {
	for _, cell := range []string{"1990-04-12 00:00:00", "1990-04-12 00:00", "1990-04-12T00:00:00Z", "12.4.1990. 0:00",
		"12.04.1990 00:00:00", "12. 4. 1990. 0:00:00", "12/04/1990 00:00"} {
		d, err := ParseDate(cell)
		if err != nil || d.String() != "1990-04-12" {
			t.Errorf("ParseDate(%q) = %v, %v", cell, d, err)
		}
	}
	for _, cell := range []string{"1990-04-12 13:45", "12.4.1990. 23:59", "12/04/1990 08:30", "1990-04-12 25:00",
		"12.4.1990. noon", "12.4.1990 0", "1990-04-12 00:00:00 junk"} {
		if d, err := ParseDate(cell); err == nil {
			t.Errorf("ParseDate(%q) = %v, want an error", cell, d)
		}
	}
}

// TestParseDateTimeOfDay: in text (a CSV cell, an XLSX text cell) an ISO
// date-time is a date only at midnight (in any zone, with or without
// seconds and their fraction). A time of day with a zone (a local midnight
// as JavaScript's toISOString writes it in UTC) is a problem giving the day
// in that zone and in Belgrade, Sarajevo and Zagreb, and an invalid or
// zoneless time of day is no date, as "1990-04-12 13:45" is not. Before,
// ParseDate took any ISO date followed by T and digits, colons and dots as
// that date: "1990-04-11T22:00:00Z", a birth on 12 April in Belgrade, was
// stored as 11 April without a word, and "T25:99:99Z" was read.
func TestParseDateTimeOfDay(t *testing.T) {
	for _, cell := range []string{"1990-04-12T00:00:00Z", "1990-04-12T00:00:00.000Z", "1990-04-12T00:00Z", "1990-04-12T00:00",
		"1990-04-12T00:00:00", "1990-04-12T00:00:00+02:00", "1990-04-12T00:00:00-0500", " 1990-04-12T00:00:00,0Z "} {
		if d, err := ParseDate(cell); err != nil || d.String() != "1990-04-12" {
			t.Errorf("ParseDate(%q) = %v, %v; want 1990-04-12", cell, d, err)
		}
	}
	for cell, days := range map[string][2]string{
		"1990-04-11T22:00:00Z":      {"1990-04-11", "1990-04-12"}, // summer: UTC+2
		"1990-01-11T23:00:00.000Z":  {"1990-01-11", "1990-01-12"}, // winter: UTC+1
		"1990-04-12T10:00Z":         {"1990-04-12", "1990-04-12"},
		"1990-04-12T01:00:00+05:00": {"1990-04-12", "1990-04-11"},
		"1990-04-12T18:30:00-0700":  {"1990-04-12", "1990-04-13"},
	} {
		_, err := ParseDate(cell)
		want := fmt.Sprintf("it is %s in that zone and %s in Belgrade, Sarajevo and Zagreb", days[0], days[1])
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "is a time of day with a time zone") {
			t.Errorf("ParseDate(%q): %v; want a problem saying %q", cell, err, want)
		}
	}
	for _, cell := range []string{"1990-04-11T25:99:99Z", "1990-04-11T24:00:00Z", "1990-04-11T99:99", "1990-04-11T13:45:00",
		"1990-04-11T:::Z", "1990-04-11T1", "1990-04-11T", "1990-04-11T22:00:00+25:00", "1990-04-11T22:00:00Zjunk", "1990-04-11T12:00:60Z"} {
		if _, err := ParseDate(cell); err == nil || !strings.Contains(err.Error(), "is not a date; write it as") {
			t.Errorf("ParseDate(%q): %v; want not a date", cell, err)
		}
	}
	if _, err := ParseDate("1990-02-30T22:00:00Z"); err == nil || !strings.Contains(err.Error(), "not a day of the calendar") {
		t.Errorf("ParseDate(1990-02-30T22:00:00Z): %v; want not a day of the calendar", err)
	}
}

// TestShownDates: an XLSX date serial in a date column reads as the date
// it shows, whatever its time of day; text, and serials in other columns,
// stay as they are.
func TestShownDates(t *testing.T) {
	m := Mapping{Fields: []string{"given_name", "birth_date", "legal_status_since", "notes"}}
	dates := map[string]bool{"birth_date": true, "legal_status_since": true}
	serial := func(i int) bool { return i != 2 }
	got := ShownDates(m, dates, []string{"Ana", "1990-04-12T22:30:00", "1990-04-11T22:00:00Z", "2001-02-03T18:00:00", "extra"}, serial)
	want := []string{"Ana", "1990-04-12", "1990-04-11T22:00:00Z", "2001-02-03T18:00:00", "extra"}
	if !slices.Equal(got, want) {
		t.Errorf("ShownDates = %q, want %q", got, want)
	}
	if d, err := ParseDate(got[1]); err != nil || d.String() != "1990-04-12" {
		t.Errorf("ParseDate(%q) = %v, %v", got[1], d, err)
	}
	if got := ShownDates(m, dates, []string{"Ana"}, serial); !slices.Equal(got, []string{"Ana"}) {
		t.Errorf("a short row: %q", got)
	}
}

// TestParseDateMonthFirst: a date with slashes that only makes sense month
// first ("2/13/1990", as a spreadsheet in English (United States) writes 13
// February) is that day, the only one the calendar has (r18 item 2: before,
// it was a problem asking for it as 1990-02-13, so every such cell of a
// template saved in that locale had to be typed again). Its file's dates
// that read two ways are problems (SwappableDates).
func TestParseDateMonthFirst(t *testing.T) {
	for cell, iso := range map[string]string{"2/13/1990": "1990-02-13", "12/31/2017 0:00": "2017-12-31", "01/20/2001": "2001-01-20"} {
		if d, err := ParseDate(cell); err != nil || d.String() != iso {
			t.Errorf("ParseDate(%q) = %v, %v; want %s", cell, d, err, iso)
		}
	}
	for _, cell := range []string{"31/02/2017", "13/13/2017", "31.02.2017", "2017-02-31"} {
		if _, err := ParseDate(cell); err == nil || strings.Contains(err.Error(), "month first") {
			t.Errorf("ParseDate(%q): %v, want not a day of the calendar", cell, err)
		}
	}
	if d, err := ParseDate("2/1/1990"); err != nil || d.String() != "1990-01-02" {
		t.Errorf("ParseDate(2/1/1990) = %v, %v; want 2 January (day first, as documented)", d, err)
	}
}

// TestParseIntOrdinalDot: a year of birth as Serbian, Bosnian and Croatian
// write years, with a dot ("1990.", "godište 1990."), is the whole number;
// before, "1990." was refused as not a whole number. Other text still is.
func TestParseIntOrdinalDot(t *testing.T) {
	for _, c := range []struct {
		cell string
		want int
	}{{"1990", 1990}, {"1990.", 1990}, {" 1990. ", 1990}, {"1990.0", 1990}, {"2004.", 2004}} {
		if n, err := ParseInt(c.cell); err != nil || n != c.want {
			t.Errorf("ParseInt(%q) = %d, %v; want %d", c.cell, n, err, c.want)
		}
	}
	for _, cell := range []string{"1990..", "19.90", ".", "1990.5", "abc", "1990 g"} {
		if n, err := ParseInt(cell); err == nil {
			t.Errorf("ParseInt(%q) = %d, no error", cell, n)
		}
	}
}
