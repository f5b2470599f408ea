package imports

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	// The zone database, for the region's zone (the images carry none).
	_ "time/tzdata"

	"github.com/spona/spona/pkg/date"
)

var (
	isoDate = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})(T.*|` + midnight + `)?$`)
	dotDate = regexp.MustCompile(`^(\d{1,2})\.\s*(\d{1,2})\.\s*(\d{4})\.?(?:` + midnight + `)?$`)
	slashes = regexp.MustCompile(`^(\d{1,2})/(\d{1,2})/(\d{4})(?:` + midnight + `)?$`)
)

// midnight is the time a date-time cell of a date alone has, as a CSV
// saved from it ("12.4.1990. 0:00") or a database's export ("1990-04-12
// 00:00:00") writes it.
const midnight = `\s+0?0:00(?::00)?`

// isoTime is the time of an ISO 8601 date-time (after its T): hours and
// minutes, seconds and their fraction, and a zone (Z or an offset).
var isoTime = regexp.MustCompile(`^T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)?$`)

// ParseDate reads a date as people write it in the region and as
// spreadsheets store it: 2017-03-02, 2.3.2017., 02.03.2017, 2. 3. 2017.,
// 02/03/2017 (day first), and 2017-03-02T00:00:00Z; any of them may end
// with midnight (2.3.2017. 0:00, 2017-03-02 00:00:00,
// 2017-03-02T00:00:00.000+01:00). Another time of day is no date: with a
// time zone (2017-03-01T23:00:00Z, a local midnight as JavaScript's
// toISOString writes it in UTC) the day depends on the zone, and is not
// guessed (zoned). An XLSX date cell reads as the date it shows
// whatever its time (pkg/sheet marks serials: ShownDates), never here.
func ParseDate(s string) (date.Date, error) {
	s = strings.TrimSpace(s)
	var y, m, d, clock string
	slashed := false
	if p := isoDate.FindStringSubmatch(s); p != nil {
		y, m, d = p[1], p[2], p[3]
		clock = p[4]
	} else if p := dotDate.FindStringSubmatch(s); p != nil {
		d, m, y = p[1], p[2], p[3]
	} else if p := slashes.FindStringSubmatch(s); p != nil {
		d, m, y, slashed = p[1], p[2], p[3], true
	} else {
		return date.Date{}, fmt.Errorf("%q is not a date; write it as 2017-03-02, 2.3.2017. or 02.03.2017 (day first)", s)
	}
	yi, _ := strconv.Atoi(y)
	mi, _ := strconv.Atoi(m)
	di, _ := strconv.Atoi(d)
	t, ok := calendarDay(yi, mi, di)
	if !ok {
		// A spreadsheet in English (United States) writes 13 February
		// 2/13/1990: a day only read month first is that day, the one
		// the calendar has. Its file's other slashed dates (4/12/1990)
		// would read day first with day and month swapped:
		// SwappableDates makes them problems of such a file.
		if us, ok := calendarDay(yi, di, mi); slashed && ok {
			return date.Of(us), nil
		}
		return date.Date{}, fmt.Errorf("%q is not a day of the calendar", s)
	}
	if strings.HasPrefix(clock, "T") {
		if err := isoMidnight(s, t, clock); err != nil {
			return date.Date{}, err
		}
	}
	return date.Of(t), nil
}

// ShownDates writes each XLSX date serial (serial: sheet.Reader.Serial)
// among cells that is in a date column (dates: DateFields) as the date it
// shows, without its time of day: a date-time cell (1990-04-12 22:30 in a
// date-time format) is the date the sheet shows, where ParseDate refuses
// the same date and time as text. It changes cells in place.
func ShownDates(m Mapping, dates map[string]bool, cells []string, serial func(int) bool) []string {
	for i, f := range m.Fields {
		if i < len(cells) && dates[f] && serial(i) {
			cells[i], _, _ = strings.Cut(cells[i], "T")
		}
	}
	return cells
}

// isoMidnight checks the time of the ISO date-time s, of day day (t:
// from its T): only midnight makes it a date; a time of day with a zone
// is zoned, anything else no date.
func isoMidnight(s string, day time.Time, t string) error {
	of, midnight, zone, ok := clockOf(t)
	notDate := fmt.Errorf("%q is not a date; write it as 2017-03-02, 2.3.2017. or 02.03.2017 (day first)", s)
	switch {
	case !ok:
		return notDate
	case midnight:
		return nil
	case zone == "":
		return notDate // a time of day, as "2017-03-02 13:45" is
	}
	return zoned(s, day.Add(of), zone)
}

// clockOf reads t, the time of an ISO date-time from its T (isoTime): its
// time of day to the second, whether it is midnight to the last digit of
// its fraction, and its zone ("" for none, else Z or an offset); ok is
// false for no time of day (24:00 or 12:60 is none).
func clockOf(t string) (of time.Duration, midnight bool, zone string, ok bool) {
	p := isoTime.FindStringSubmatch(t)
	if p == nil {
		return 0, false, "", false
	}
	h, _ := strconv.Atoi(p[1])
	mi, _ := strconv.Atoi(p[2])
	sec, _ := strconv.Atoi(p[3]) // "" is 0
	if h > 23 || mi > 59 || sec > 59 {
		return 0, false, "", false
	}
	of = time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute + time.Duration(sec)*time.Second
	return of, of == 0 && strings.Trim(p[4], "0") == "", p[5], true
}

// zoned is the problem of s, an ISO date-time whose time of day (at, on
// its day, as UTC) has a zone: the day it is in that zone, and in the
// region's.
func zoned(s string, at time.Time, zone string) error {
	label, here := inRegion(at, zone)
	there := at.Format(time.DateOnly)
	return fmt.Errorf("%q is a time of day with a time zone (%s), not a date: it is %s in that zone and %s in Belgrade, Sarajevo and Zagreb, "+
		"so which day is meant depends on where it was written and is not guessed; write the day meant alone, as year-month-day (such as %s)",
		s, label, there, here.Format(time.DateOnly), here.Format(time.DateOnly))
}

// inRegion is at, a date and time written with zone (Z or an offset)
// and read as if in UTC, in the region's zone, and the zone's label
// ("UTC", "UTC+02:00").
func inRegion(at time.Time, zone string) (label string, here time.Time) {
	label, offset := "UTC", 0
	if zone != "Z" {
		z := zoneColon(zone)
		label = "UTC" + z
		hh, _ := strconv.Atoi(z[1:3])
		mm, _ := strconv.Atoi(z[4:])
		if offset = hh*3600 + mm*60; z[0] == '-' {
			offset = -offset
		}
	}
	return label, at.Add(-time.Duration(offset) * time.Second).In(regionZone)
}

// zonedHeader says why a header naming a date and a time of day in a time
// zone ("2024-05-06T11:00:00Z", as a program writes a moment in UTC, or
// 13:00 in Belgrade) is no column of a sheet whose columns are days and
// times (a sign-in sheet's sessions, which are in no zone): the day and
// time it is in that zone and in the region's, and what to write. zoned is
// false for another header. MatchHeader asks only of a header that names
// no column (a zoned midnight is a date, as ParseDate reads it, and names
// the day's session when it has one).
func zonedHeader(h string) (why string, zoned bool) {
	p := isoDate.FindStringSubmatch(h)
	if p == nil || !strings.HasPrefix(p[4], "T") {
		return "", false
	}
	y, _ := strconv.Atoi(p[1])
	mo, _ := strconv.Atoi(p[2])
	d, _ := strconv.Atoi(p[3])
	day, ok := calendarDay(y, mo, d)
	of, _, zone, timed := clockOf(p[4])
	if !ok || !timed || zone == "" {
		return "", false
	}
	layout := "2006-01-02 15:04"
	if of%time.Minute != 0 {
		layout = "2006-01-02 15:04:05"
	}
	at := day.Add(of)
	label, here := inRegion(at, zone)
	return fmt.Sprintf("is a date and time with a time zone (%s): %s in that zone and %s in Belgrade, Sarajevo and Zagreb, "+
		"so which day and time are meant is not guessed; head the column with the day alone or the day and time without a zone, "+
		"as year-month-day (such as %s or %s)", label, at.Format(layout), here.Format(layout), here.Format(time.DateOnly), here.Format(layout)), true
}

// zoneColon writes an offset with a colon (+0200 is +02:00).
func zoneColon(zone string) string {
	if len(zone) == 5 {
		return zone[:3] + ":" + zone[3:]
	}
	return zone
}

// regionZone is the time zone of Serbia, Bosnia and Herzegovina and
// Croatia (aggregate.DefaultReportZone, which pkg/imports does not
// import: it is pure logic, and aggregate reads the database).
var regionZone = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Belgrade")
	if err != nil { // cannot be: the zone database is in the binary
		return time.UTC
	}
	return loc
}()

// calendarDay is the day y-m-d, if the calendar has it.
func calendarDay(y, m, d int) (time.Time, bool) {
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	return t, t.Year() == y && int(t.Month()) == m && t.Day() == d
}

// slashedReadings reads a date with slashes (a/b/yyyy) both ways: day
// first (b is the month) and month first (a is the month); ok is false
// for a cell that is no date with slashes, and either reading is zero
// when the calendar has no such day.
func slashedReadings(s string) (dayFirst, monthFirst date.Date, ok bool) {
	p := slashes.FindStringSubmatch(strings.TrimSpace(s))
	if p == nil {
		return date.Date{}, date.Date{}, false
	}
	a, _ := strconv.Atoi(p[1])
	b, _ := strconv.Atoi(p[2])
	y, _ := strconv.Atoi(p[3])
	if t, ok := calendarDay(y, b, a); ok {
		dayFirst = date.Of(t)
	}
	if t, ok := calendarDay(y, a, b); ok {
		monthFirst = date.Of(t)
	}
	return dayFirst, monthFirst, true
}

var yesNo = NewWords("", map[string][]string{
	"yes": {"x", "1", "da", "д", "да", "y", "true", "ja", "prisutan", "prisutna", "present"},
	"no":  {"0", "ne", "не", "n", "false", "odsutan", "odsutna", "absent"},
})

// marks are the signs a sign-in sheet marks attendance with, which
// folding (Words) would turn into nothing or into another letter: a
// Cyrillic х (which looks exactly like the Latin x, and folds to h), a
// plus, a tick; and a dash for absent.
var marks = map[string]string{"х": "yes", "Х": "yes", "+": "yes", "✓": "yes", "✔": "yes", "☑": "yes",
	"-": "no", "–": "no", "—": "no"}

// decimalOneZero is 1 or 0 written as a decimal (1.0, 0.00), as a
// program that keeps numbers as decimals writes them.
var decimalOneZero = regexp.MustCompile(`^([01])\.0+$`)

// ParseYesNo reads an attendance or yes/no cell: x (Latin or Cyrillic),
// +, ✓, 1, da, yes (and their Cyrillic spellings) are yes; 0, -, ne, no
// are no (1.0 and 0.0 too). set is false for an empty cell.
func ParseYesNo(s string) (yes, set bool, err error) {
	if m := decimalOneZero.FindStringSubmatch(strings.TrimSpace(s)); m != nil {
		s = m[1]
	}
	code, ok := marks[strings.TrimSpace(s)]
	if !ok {
		code, ok = yesNo.Code(s)
	}
	switch {
	case !ok:
		return false, false, fmt.Errorf("%q is neither yes (x, +, 1, da, yes) nor no (0, -, ne, no)", strings.TrimSpace(s))
	case code == "":
		return false, false, nil
	}
	return code == "yes", true, nil
}

// ParseInt reads a whole number (spreadsheets may store 1990 as "1990.0";
// Serbian, Bosnian and Croatian write a year with a dot: "1990.").
func ParseInt(s string) (int, error) {
	s = strings.TrimSpace(s)
	if t, ok := strings.CutSuffix(s, ".0"); ok {
		s = t
	} else {
		s = strings.TrimSuffix(s, ".")
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number", s)
	}
	return n, nil
}
