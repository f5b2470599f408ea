package imports

import (
	"fmt"
	"strings"

	"github.com/spona/spona/pkg/sheet"
)

// MonthFirst is the cell that shows a file writes its dates with slashes
// month first, as a spreadsheet in English (United States) does: a date
// column's 2/13/1990, a day of the calendar only read month first.
type MonthFirst struct {
	// Cell is the cell's address (C7); Value what it holds.
	Cell, Value string
}

// DateFields are the fields of cols that hold dates (Column.Date).
func DateFields(cols []Column) map[string]bool {
	out := map[string]bool{}
	for _, c := range cols {
		if c.Date {
			out[c.Field] = true
		}
	}
	return out
}

// FindMonthFirst returns the first cell of a row, in a column of one of
// dates (DateFields), that holds a date with slashes that is a day of the
// calendar only read month first.
func FindMonthFirst(m Mapping, dates map[string]bool, row int, cells []string) (MonthFirst, bool) {
	for i, c := range cells {
		if i >= len(m.Fields) || !dates[m.Fields[i]] {
			continue
		}
		if dayFirst, monthFirst, ok := slashedReadings(c); ok && dayFirst.IsZero() && !monthFirst.IsZero() {
			return MonthFirst{Cell: fmt.Sprintf("%s%d", sheet.ColumnLetter(i), row), Value: truncate(strings.TrimSpace(c), maxValue)}, true
		}
	}
	return MonthFirst{}, false
}

// SwappableDates are the problems of a row's cells, in a column of one of
// dates, that hold a date with slashes that is one day read day first (as
// the region writes them, and as ParseDate reads them) and another read
// month first (4/12/1990: 4 December or 12 April), in a file that mf
// shows writes them month first: read day first, the day and month would
// be stored swapped without a word. Each is its cell's only problem (any
// other would speak of the day-first reading). A file with no such cell
// (no mf) keeps its dates read day first.
func SwappableDates(m Mapping, dates map[string]bool, mf MonthFirst, row int, cells []string, problems []Problem) []Problem {
	return cellsOwn(m, row, cells, problems, func(i int, c string) string {
		if i >= len(m.Fields) || !dates[m.Fields[i]] {
			return ""
		}
		dayFirst, monthFirst, ok := slashedReadings(c)
		if !ok || dayFirst.IsZero() || monthFirst.IsZero() || dayFirst == monthFirst {
			return ""
		}
		return fmt.Sprintf("%q may be %s (day first) or %s (month first): the file writes dates with slashes month first, as a spreadsheet "+
			"in English (United States) does (cell %s holds %s, a day only read month first), so this one is not read either way; "+
			"write the day meant as year-month-day (%s or %s)", c, dayFirst, monthFirst, mf.Cell, mf.Value, monthFirst, dayFirst)
	})
}
