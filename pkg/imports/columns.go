// Package imports is the shared machinery of spreadsheet imports: matching
// a header row to a resource's fields in English and in Serbian, Bosnian and
// Croatian (either script), reading coded values, dates and yes/no cells the
// way people type them, the import record with its problems and duplicates,
// and the runner that carries an import to its end as a long-running
// operation, across client disconnects and process restarts.
//
// What a row means, how its duplicates are found and how it is written
// belong to the service that imports (its Processor).
package imports

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/sheet"
	"github.com/spona/spona/pkg/translit"
	"github.com/spona/spona/pkg/validate"
	"golang.org/x/text/unicode/norm"
)

// Column is a field a sheet may have.
type Column struct {
	// Field is the resource's JSON field name, e.g. "birth_date".
	Field string
	// Names are other headers meaning the field, in any script and with or
	// without diacritics: "datum rođenja", "датум рођења".
	Names []string
	// Required columns must be present.
	Required bool
	// Values, for a coded column, lists the accepted values for the
	// template (code and local words).
	Values []string
	// Date columns are left in the spreadsheet's own format in the XLSX
	// template, so a date typed in them is a date cell (read as the date
	// it shows, in the program's local order of day and month); every
	// other column is formatted as text, so what is typed is kept as
	// typed (a phone's leading 0, a case number's zeros).
	Date bool
}

// Mapping is a header row matched to fields.
type Mapping struct {
	// Fields holds, per column index, the field of the column.
	Fields []string
	// Headers holds the header cells as written.
	Headers []string
	// Unread holds, by column index, the problem of a header cell naming
	// a date with slashes that reads as two days (4/5/2024: 4 May or
	// 5 April) where either may be a column (dynamicHeader): the column
	// is no field (it is not guessed at), its header is this problem of
	// row 1, and each of its cells holding text one of its own
	// (UnreadCells), so the rest of the sheet is still read and checked.
	Unread map[int]Problem
}

// Index returns the column index of field, or -1.
func (m Mapping) Index(field string) int {
	for i, f := range m.Fields {
		if f == field {
			return i
		}
	}
	return -1
}

// Cell returns the trimmed cell of field in cells ("" when absent).
func (m Mapping) Cell(cells []string, field string) string {
	if i := m.Index(field); i >= 0 && i < len(cells) {
		return strings.TrimSpace(cells[i])
	}
	return ""
}

// HeaderKey folds a header for matching: case, script, diacritics, spaces,
// underscores and punctuation do not matter ("Datum rođenja",
// "датум_рођења" and "DATUM RODJENJA" are one key).
func HeaderKey(s string) string {
	return strings.ReplaceAll(translit.Fold(s), " ", "")
}

// HeaderText is a header cell as it reads, for matching it: what a
// spreadsheet shows alike is one text. Spaces of any kind (a
// non-breaking space, as a word processor or a web page pasted into the
// sheet writes between "6." and "5.", or the narrow one of French
// dates) are one space and none at either end; invisible format
// characters (a zero-width space, a byte order mark, a soft hyphen, a
// left-to-right mark) are dropped (validate.WithoutFormat); dashes of any kind ("2024–05–06") are
// a hyphen; and letters are in one Unicode form (NFKC: a č typed as c
// and a combining caron is the č of one code point, as is a full-width
// digit its digit).
func HeaderText(s string) string {
	s = norm.NFKC.String(validate.WithoutFormat(s))
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case unicode.Is(unicode.Pd, r) || r == '\u2212': // a dash, or a minus sign
			r = '-'
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// MatchHeader matches a header row to columns. dynamic, when not nil, may
// claim a header no column names (e.g. a session's attendance column) by
// returning its field; a header ending in a hint in brackets that neither
// a column nor dynamic claims whole is the text before the hint, for
// either. Unknown, duplicate and missing required columns are
// reported with their column letters as one InvalidArgument error
// (BAD_HEADER). A date header read two ways (dynamicHeader) is no
// field and is returned in Mapping.Unread: a problem of its cell, not a
// refusal of the sheet, unless the row has another problem (then it is
// one more violation of the refusal, so that all are told at once).
func MatchHeader(header []string, cols []Column, dynamic func(header string) (string, bool)) (Mapping, error) {
	byKey := map[string]string{}
	for _, c := range cols {
		byKey[HeaderKey(c.Field)] = c.Field
		for _, n := range c.Names {
			byKey[HeaderKey(n)] = c.Field
		}
	}
	m := Mapping{Fields: make([]string, len(header)), Headers: make([]string, len(header))}
	var v errs.Violations
	seen := map[string]int{}
	var unknown []string
	var monthFirst string
	dayFirst := false
	if dynamic != nil {
		monthFirst, dayFirst = slashedWitnesses(header)
	}
	for i, written := range header {
		m.Headers[i] = strings.TrimSpace(written)
		h := HeaderText(written)
		if h == "" {
			continue
		}
		field, ok := byKey[HeaderKey(h)]
		var why string
		if !ok && dynamic != nil {
			field, ok, why = dynamicHeader(h, dynamic, monthFirst, dayFirst)
		}
		if !ok && why == "" {
			// "Pol (M/Ž)": a hint for whoever fills the sheet in.
			if p := hint.FindStringSubmatch(h); p != nil {
				field, ok = byKey[HeaderKey(p[1])]
				if !ok && dynamic != nil {
					// "Sesija 1 (12.4.)", "6.5. (potpis)".
					field, ok, why = dynamicHeader(p[1], dynamic, monthFirst, dayFirst)
				}
			}
		}
		letter := sheet.ColumnLetter(i)
		if !ok {
			if why != "" {
				msg := fmt.Sprintf("column %s %q %s", letter, m.Headers[i], why)
				v.Add("header."+letter, "%s", msg)
				if m.Unread == nil {
					m.Unread = map[int]Problem{}
				}
				m.Unread[i] = Problem{Row: 1, Column: letter, Value: truncate(m.Headers[i], maxValue), Message: msg}
				continue
			}
			if dynamic != nil {
				// A zoned header ends at its zone, so one with a hint
				// ("2024-05-06T11:00:00Z (potpis)") is zoned before it.
				zh := h
				if p := hint.FindStringSubmatch(h); p != nil {
					zh = p[1]
				}
				if why, zoned := zonedHeader(zh); zoned {
					v.Add("header."+letter, "column %s %q %s", letter, m.Headers[i], why)
					continue
				}
			}
			unknown = append(unknown, letter)
			v.Add("header."+letter, "column %s %q is not a known column", letter, m.Headers[i])
			continue
		}
		if j, dup := seen[field]; dup {
			v.Add("header."+letter, "column %s %q repeats column %s %q (both are %s)", letter, m.Headers[i], sheet.ColumnLetter(j), m.Headers[j], field)
			continue
		}
		seen[field] = i
		m.Fields[i] = field
	}
	for _, c := range cols {
		if _, ok := seen[c.Field]; c.Required && !ok {
			v.Add("header", "the required column %s (%s) is missing", c.Field, strings.Join(c.Names, ", "))
		}
	}
	if len(unknown) > 0 {
		v.Add("header", "known columns: %s", strings.Join(knownNames(cols), ", "))
	}
	if len(v) == len(m.Unread) {
		// Only dates read two ways: problems of their cells.
		return m, nil
	}
	if err := v.Err(); err != nil {
		var e *errs.Error
		if !errors.As(err, &e) {
			return m, err
		}
		e.Reason, e.Message = "BAD_HEADER", "the header row (row 1) does not match the import's columns"
		return m, e
	}
	return m, nil
}

// slashedHeader is a header naming a date with slashes, maybe with a
// time after it ("4/12/2024", "4/12/2024 13:00"), as a spreadsheet
// program writes the dates of a header row it saves as CSV.
var slashedHeader = regexp.MustCompile(`^(\d{1,2}/\d{1,2}/\d{4})(\s+\d{1,2}:\d{2})?$`)

// headerReadings reads the date of a header with slashes (slashedHeader)
// day first and month first (slashedReadings), with the rest of the
// header after the date; ok is false for another header.
func headerReadings(h string) (dayFirst, monthFirst date.Date, rest string, ok bool) {
	p := slashedHeader.FindStringSubmatch(HeaderText(h))
	if p == nil {
		return date.Date{}, date.Date{}, "", false
	}
	dayFirst, monthFirst, _ = slashedReadings(p[1])
	return dayFirst, monthFirst, p[2], true
}

// hintedReadings are headerReadings of h, or of h before its hint in
// brackets ("2/13/2024 (potpis)").
func hintedReadings(h string) (dayFirst, monthFirst date.Date, rest string, ok bool) {
	dayFirst, monthFirst, rest, ok = headerReadings(h)
	if q := hint.FindStringSubmatch(HeaderText(h)); !ok && q != nil {
		dayFirst, monthFirst, rest, ok = headerReadings(q[1])
	}
	return dayFirst, monthFirst, rest, ok
}

// UnreadCells are the problems of a row's cells, holding text, in a
// column whose header is a date read two ways (Mapping.Unread): a mark
// there is of one of two sessions, and is not put at either. Each is its
// cell's only problem (Unheaded would say the column has no header); the
// row has a problem, so nothing of it is written, and the row written
// once the header is corrected is whole.
func UnreadCells(m Mapping, row int, cells []string, problems []Problem) []Problem {
	if len(m.Unread) == 0 {
		return problems
	}
	return cellsOwn(m, row, cells, problems, func(i int, _ string) string {
		p, ok := m.Unread[i]
		if !ok {
			return ""
		}
		// The header as written: p.Value is cut at maxValue bytes, which
		// may cut its hint's bracket and leave no date to read.
		h := p.Value
		if i < len(m.Headers) {
			h = m.Headers[i]
		}
		dayFirst, monthFirst, rest, _ := hintedReadings(h)
		return fmt.Sprintf("the header of column %s, %q, may be %s (day first) or %s (month first), so this cell is put at neither "+
			"(see the problem of row 1): write the day meant in cell %s1 as year-month-day (%s%s or %s%s)",
			p.Column, p.Value, dayFirst, monthFirst, p.Column, dayFirst, rest, monthFirst, rest)
	})
}

// slashedWitnesses reads a header row's dates with slashes for the order
// it writes them in: monthFirst names the first header that shows it
// writes them month first, as a spreadsheet in English (United States)
// does (2/13/2024: a day only read month first), as `column E
// "2/13/2024"` ("" when none does); dayFirst tells that a header shows
// it writes them day first (13/5/2024).
func slashedWitnesses(header []string) (monthFirst string, dayFirst bool) {
	for i, h := range header {
		df, mf, _, ok := hintedReadings(h)
		switch {
		case !ok:
		case df.IsZero() && !mf.IsZero() && monthFirst == "":
			monthFirst = fmt.Sprintf("column %s %q", sheet.ColumnLetter(i), strings.TrimSpace(h))
		case mf.IsZero() && !df.IsZero():
			dayFirst = true
		}
	}
	return monthFirst, dayFirst
}

// dynamicHeader asks dynamic for the field of header h. A date with
// slashes is read day first, as the region writes it and ParseDate reads
// it, but not guessed at when it may be another day: one only read month
// first (2/13/2024) is that day, and one that reads as two days (4/12/2024:
// 4 December or 12 April) is no column in a header row that writes its
// dates month first (monthFirst names the header that shows it, as
// SwappableDates does for a file's cells), nor, in a row that does not
// show it writes them day first (dayFirst), when dynamic has a column for
// either day; one that names no column day first but one month first is
// no column either, saying so. why says why such a header is no column
// ("" when dynamic was only asked).
func dynamicHeader(h string, dynamic func(string) (string, bool), monthFirst string, dayFirst bool) (field string, ok bool, why string) {
	euFirst, usFirst, rest, slashed := headerReadings(h)
	switch {
	case !slashed || usFirst.IsZero() || euFirst == usFirst:
	case euFirst.IsZero():
		// Only read month first (5/13/2024): that day, as ParseDate
		// reads a cell.
		f, ok := dynamic(usFirst.String() + rest)
		return f, ok, ""
	case monthFirst != "":
		return "", false, fmt.Sprintf("may be %s (day first) or %s (month first): the header row writes dates with slashes "+
			"month first (%s, a day only read month first), so this one is not read either way; write the day meant as "+
			"year-month-day (%s%s or %s%s)", euFirst, usFirst, monthFirst, usFirst, rest, euFirst, rest)
	default:
		f, ok := dynamic(h)
		g, other := dynamic(usFirst.String() + rest)
		switch {
		case ok && other && f != g && !dayFirst:
			return "", false, fmt.Sprintf("may be %s (day first) or %s (month first), and the import has a column for either; "+
				"write the day meant as year-month-day (%s%s or %s%s)", euFirst, usFirst, euFirst, rest, usFirst, rest)
		case !ok && other:
			return "", false, fmt.Sprintf("is read day first as %s, which is no column; read month first, as a spreadsheet in "+
				"English (United States) writes dates, it would be %s: if that is the day meant, write it as %s%s",
				euFirst, usFirst, usFirst, rest)
		}
		return f, ok, ""
	}
	f, ok := dynamic(h)
	return f, ok, ""
}

// hint is a header ending in a hint in brackets for whoever fills the
// sheet in ("Pol (M/Ž)", "Datum rođenja (dd.mm.gggg.)", "Telefon
// [mobilni]"); its first group is the header before the hint.
var hint = regexp.MustCompile(`^(.*[^\s(\[])\s*(?:\([^()]*\)|\[[^\[\]]*\])$`)

func knownNames(cols []Column) []string {
	var out []string
	for _, c := range cols {
		out = append(out, c.Field)
	}
	sort.Strings(out)
	return out
}

// Words maps what people write in a coded cell to the code: the code
// itself, its enum name and local words in any script. Keys are folded.
type Words map[string]string

// NewWords builds Words from code → local words; each code also matches
// itself and prefix+CODE (the enum name, e.g. LEGAL_STATUS_REFUGEE).
func NewWords(prefix string, local map[string][]string) Words {
	w := Words{}
	for code, names := range local {
		w[HeaderKey(code)] = code
		w[HeaderKey(prefix+code)] = code
		for _, n := range names {
			w[HeaderKey(n)] = code
		}
	}
	return w
}

// Code returns the code of s; ok is false for an unknown word. An empty
// cell is ("", true).
func (w Words) Code(s string) (string, bool) {
	if strings.TrimSpace(s) == "" {
		return "", true
	}
	c, ok := w[HeaderKey(s)]
	return c, ok
}

// Codes lists the codes, sorted.
func (w Words) Codes() []string {
	set := map[string]bool{}
	for _, c := range w {
		set[c] = true
	}
	out := make([]string, 0, len(set))
	for c := range set {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// Problem is one bad cell of a row, or a problem of the whole row when
// Column is empty.
type Problem struct {
	Row     int    `json:"row"`
	Column  string `json:"column,omitempty"`
	Field   string `json:"field,omitempty"`
	Value   string `json:"value,omitempty"`
	Message string `json:"message"`
}

// maxValue bounds the cell text kept with a problem.
const maxValue = 100

// RowProblems collects the problems of one row.
type RowProblems struct {
	Row     int
	Mapping Mapping
	List    []Problem
}

// Add records a problem with the cell of field (or of the row for "").
func (p *RowProblems) Add(cells []string, field, format string, args ...any) {
	pr := Problem{Row: p.Row, Field: field, Message: fmt.Sprintf(format, args...)}
	if i := p.Mapping.Index(field); i >= 0 {
		pr.Column = sheet.ColumnLetter(i)
		if i < len(cells) {
			pr.Value = truncate(strings.TrimSpace(cells[i]), maxValue)
		}
	}
	p.List = append(p.List, pr)
}

// Unheaded are the problems of a row's cells that hold text under a column
// without a header (a header cell left empty, or merged over several
// columns, which names only the first; a remark typed beyond the last
// header): nothing tells what they are, so they cannot be imported, and
// dropping them would lose what the sender wrote. Each names its cell
// (Field is empty: the column has none).
func Unheaded(m Mapping, row int, cells []string) []Problem {
	var out []Problem
	for i, c := range cells {
		if i < len(m.Fields) && m.Fields[i] != "" || strings.TrimSpace(c) == "" {
			continue
		}
		l := sheet.ColumnLetter(i)
		out = append(out, Problem{Row: row, Column: l, Value: truncate(strings.TrimSpace(c), maxValue),
			Message: fmt.Sprintf("column %s has no header in row 1, so this cell cannot be imported: write the field it holds in cell %s1 "+
				"(a header cell merged over several columns names only the first of them), move the text to the column it belongs in "+
				"(a remark to notes), or delete it", l, l)})
	}
	return out
}

// HiddenRow is the problem of a row hidden in its worksheet (by hand, or
// by a filter): the person who hid it meant it out, or forgot it is
// there; either way it is not imported, and the problem says so rather
// than letting it vanish or be imported unseen.
func HiddenRow(row int) Problem {
	return Problem{Row: row, Message: "the row is hidden in the worksheet (hidden by hand or by a filter), so it is not imported: " +
		"to import it, show it again (unhide it, or clear the filter); to leave it out, delete it, or import with on_error=skip"}
}

// HiddenCells are the problems of a row's cells that hold text in a column
// hidden in its worksheet (hidden by hand, or a template's helper column),
// as hidden(i) tells: the sender does not see them, so they are not
// imported, as a hidden row is not; each names its cell and what to do.
// Other problems of those cells (spec.Row's) say nothing the sender can
// see and are dropped, so a cell has this one only; the row has a problem
// either way, so nothing of it is written. Blank hidden cells are not
// problems (a hidden column nobody filled in holds nothing).
func HiddenCells(m Mapping, row int, cells []string, problems []Problem, hidden func(i int) bool) []Problem {
	return cellsOwn(m, row, cells, problems, func(i int, _ string) string {
		if !hidden(i) {
			return ""
		}
		return fmt.Sprintf("column %s is hidden in the worksheet, so this cell is not imported: to import it, show the column again "+
			"(unhide it); to leave it out, delete the column or clear its cells", sheet.ColumnLetter(i))
	})
}

// FormulaErrors are the problems of a row's cells, in columns the header
// named, that hold a spreadsheet's error value (#N/A, #REF!, #VALUE!, ...,
// LibreOffice's Err:502): what the sheet shows for a formula it could not
// calculate, a lookup that found nothing or a reference to a deleted cell,
// and what an XLSX file or a CSV file saved from it holds in place of a
// value. Imported, it would be a person's surname, municipality or note;
// checked as a value, its problem would speak of a phone or a date. Each
// is its cell's only problem.
func FormulaErrors(m Mapping, row int, cells []string, problems []Problem) []Problem {
	return cellsOwn(m, row, cells, problems, func(i int, c string) string {
		if i >= len(m.Fields) || m.Fields[i] == "" || !formulaError.MatchString(c) {
			return ""
		}
		return fmt.Sprintf("the cell holds %s, the error a spreadsheet shows for a formula it could not calculate (a lookup that found "+
			"nothing, a reference to a deleted cell): correct the formula, or type the value in its place", c)
	})
}

// formulaError matches a spreadsheet's error values: Excel's (as an XLSX
// file stores them, t="e", and a CSV file saved from Excel writes them)
// and LibreOffice's Err:nnn.
var formulaError = regexp.MustCompile(`^(?:#NULL!|#DIV/0!|#VALUE!|#REF!|#NAME\?|#NUM!|#N/A|#GETTING_DATA|#SPILL!|#CALC!|#FIELD!|#BLOCKED!|#CONNECT!|#BUSY!|#UNKNOWN!|Err:\d{3})$`)

// cellsOwn gives each non-blank cell that own has a message for (non-empty)
// a problem of its own with that message, replacing the cell's other
// problems: they would speak of a value that is not what the cell means.
func cellsOwn(m Mapping, row int, cells []string, problems []Problem, own func(i int, cell string) string) []Problem {
	var out []Problem
	mine := map[string]bool{}
	for i, c := range cells {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		msg := own(i, c)
		if msg == "" {
			continue
		}
		l := sheet.ColumnLetter(i)
		mine[l] = true
		field := ""
		if i < len(m.Fields) {
			field = m.Fields[i]
		}
		out = append(out, Problem{Row: row, Column: l, Field: field, Value: truncate(c, maxValue), Message: msg})
	}
	if len(out) == 0 {
		return problems
	}
	for _, p := range problems {
		if !mine[p.Column] {
			out = append(out, p)
		}
	}
	return out
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// MappingOf rebuilds the mapping of an import from its columns.
func MappingOf(cols []ColumnInfo) Mapping {
	var m Mapping
	for _, c := range cols {
		i := sheet.ColumnIndex(c.Letter)
		for len(m.Fields) <= i {
			m.Fields, m.Headers = append(m.Fields, ""), append(m.Headers, "")
		}
		if i >= 0 {
			m.Fields[i], m.Headers[i] = c.Field, c.Header
		}
	}
	return m
}
