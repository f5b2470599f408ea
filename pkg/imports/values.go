package imports

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spona/spona/pkg/date"
)

var (
	isoDate = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})(?:T[0-9:.]+Z?|` + midnight + `)?$`)
	dotDate = regexp.MustCompile(`^(\d{1,2})\.\s*(\d{1,2})\.\s*(\d{4})\.?(?:` + midnight + `)?$`)
	slashes = regexp.MustCompile(`^(\d{1,2})/(\d{1,2})/(\d{4})(?:` + midnight + `)?$`)
)

// midnight is the time a date-time cell of a date alone has, as a CSV
// saved from it ("12.4.1990. 0:00") or a database's export ("1990-04-12
// 00:00:00") writes it.
const midnight = `\s+0?0:00(?::00)?`

// ParseDate reads a date as people write it in the region and as
// spreadsheets store it: 2017-03-02, 2.3.2017., 02.03.2017, 2. 3. 2017.,
// 02/03/2017 (day first), and 2017-03-02T00:00:00Z; any of them may end
// with midnight (2.3.2017. 0:00, 2017-03-02 00:00:00).
func ParseDate(s string) (date.Date, error) {
	s = strings.TrimSpace(s)
	var y, m, d string
	slashed := false
	if p := isoDate.FindStringSubmatch(s); p != nil {
		y, m, d = p[1], p[2], p[3]
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
	return date.Of(t), nil
}

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
