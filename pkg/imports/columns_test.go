package imports

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/spona/spona/pkg/errs"
)

// TestMatchHeaderHint: a header with a hint for the person filling the
// sheet in brackets, as registers' own templates have them ("Pol (M/Ž)",
// "Datum rođenja (dd.mm.gggg.)", "Telefon [mobilni]"), is the column the
// text before the hint names; before, each was refused as "not a known
// column". A hint does not make an unknown header known, and a header a
// column names with its brackets still matches as a whole.
func TestMatchHeaderHint(t *testing.T) {
	cols := []Column{
		{Field: "given_name", Names: []string{"ime"}, Required: true},
		{Field: "sex", Names: []string{"pol", "spol"}},
		{Field: "birth_date", Names: []string{"datum rođenja"}},
		{Field: "phone", Names: []string{"telefon"}},
		{Field: "note", Names: []string{"napomena (interna)"}},
	}
	m, err := MatchHeader([]string{"Ime", "Pol (M/Ž)", " Datum rođenja (dd.mm.gggg.) ", "Telefon [mobilni]", "Napomena (interna)"}, cols, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(m.Fields, ","); got != "given_name,sex,birth_date,phone,note" {
		t.Errorf("fields %s", got)
	}
	if _, err := MatchHeader([]string{"Ime", "Adresa (ulica i broj)"}, cols, nil); err == nil || !strings.Contains(err.Error(), `column B "Adresa (ulica i broj)" is not a known column`) {
		t.Errorf("unknown header with a hint: %v", err)
	}
	if _, err := MatchHeader([]string{"Ime", "(M/Ž)"}, cols, nil); err == nil {
		t.Errorf("a hint alone matched a column")
	}
	if _, err := MatchHeader([]string{"Ime", "Ime (arapski)"}, cols, nil); err == nil || !strings.Contains(err.Error(), "repeats column A") {
		t.Errorf("a second name column with a hint: %v", err)
	}
	// A dynamic column (a session) is asked first, with the whole header.
	m, err = MatchHeader([]string{"Ime", "Sesija 1 (12.4.)"}, cols, func(h string) (string, bool) { return "session:" + h, strings.HasPrefix(h, "Sesija") })
	if err != nil || m.Fields[1] != "session:Sesija 1 (12.4.)" {
		t.Errorf("dynamic: %v %v", m.Fields, err)
	}
}

// TestMatchHeaderHintOfADynamicColumn: a header with a hint that dynamic
// does not claim whole ("6.5. (potpis)") is asked again without the hint,
// as a fixed column's is; before, only the fixed columns were, so the
// sign-in sheet's day column was unknown and the sheet refused.
func TestMatchHeaderHintOfADynamicColumn(t *testing.T) {
	cols := []Column{{Field: "given_name", Names: []string{"ime"}, Required: true}}
	day := func(h string) (string, bool) { return "session:" + h, h == "6.5." }
	m, err := MatchHeader([]string{"Ime", "6.5. (potpis)"}, cols, day)
	if err != nil || m.Fields[1] != "session:6.5." {
		t.Errorf("a day column with a hint: %v %v", m.Fields, err)
	}
	if _, err := MatchHeader([]string{"Ime", "8.5. (potpis)"}, cols, day); err == nil {
		t.Errorf("a hint made an unknown day column known")
	}
}

// TestFormulaErrors: a cell of a named column holding a spreadsheet's
// error value (Excel's, LibreOffice's Err:nnn) has that problem alone,
// its others dropped; a value that only looks alike, a blank cell and a
// cell under no header are left to the other checks.
func TestFormulaErrors(t *testing.T) {
	m := Mapping{Fields: []string{"given_name", "family_name", "municipality", "phone", "notes", ""}}
	cells := []string{"Ana", " #N/A ", "#DIV/0!", "Err:502", "#1 u redu", "#REF!"}
	other := []Problem{{Row: 2, Column: "D", Field: "phone", Message: "must be a phone number"}, {Row: 2, Column: "F", Message: "column F has no header"}}
	var got []string
	for _, p := range FormulaErrors(m, 2, cells, other) {
		got = append(got, p.Column+" "+p.Field+" "+p.Value+" "+strings.SplitN(p.Message, ",", 2)[0])
	}
	want := []string{"B family_name #N/A the cell holds #N/A", "C municipality #DIV/0! the cell holds #DIV/0!", "D phone Err:502 the cell holds Err:502", "F   column F has no header"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestMatchHeaderSlashedDates: a dynamic column's header that is a date
// with slashes is read day first only when that cannot store marks at the
// wrong day: 4/12/2024 (4 December or 12 April) is no column when the
// import has a column for both days, or when another header shows the row
// writes dates month first (2/13/2024, read as the one day it can be):
// a problem of its cell in row 1 naming both readings (Mapping.Unread),
// and a violation of the refusal when another header refuses the sheet.
// A date that reads the same either way (5/5/2024), one of a row that
// shows it writes day first (13/5/2024), or one whose other reading names
// no column, is read as before. Before r19, each such header refused the
// whole sheet; before r18, 4/12/2024 named the 4 December column whatever
// the file meant.
func TestMatchHeaderSlashedDates(t *testing.T) {
	cols := []Column{{Field: "given_name", Names: []string{"ime"}, Required: true}}
	days := map[string]bool{"2024-12-04": true, "2024-04-12": true, "2024-05-05": true, "2024-06-07 13:00": true, "2024-07-06 13:00": true, "2024-02-13": true}
	day := func(h string) (string, bool) {
		if d, err := ParseDate(strings.Fields(h)[0]); err == nil {
			h = strings.Join(append([]string{d.String()}, strings.Fields(h)[1:]...), " ")
		}
		return "session:" + h, days[h]
	}
	for _, c := range []struct {
		header []string
		want   string // the field of column B, or the refusal's words
	}{
		{[]string{"Ime", "4/12/2024"}, "2024-12-04 (day first) or 2024-04-12 (month first), and the import has a column for either"},
		{[]string{"Ime", "6/7/2024 13:00"}, "write the day meant as year-month-day (2024-07-06 13:00 or 2024-06-07 13:00)"},
		{[]string{"Ime", "4/12/2024 (potpis)"}, "and the import has a column for either"},
		{[]string{"Ime", "2/13/2024"}, "session:2024-02-13"}, // only read month first: that day (r18 item 2)
		{[]string{"Ime", "5/5/2024"}, "session:2024-05-05"},
		{[]string{"Ime", "12/4/2024"}, "and the import has a column for either"},
	} {
		m, err := MatchHeader(c.header, cols, day)
		if strings.HasPrefix(c.want, "session:") {
			if err != nil || m.Fields[1] != c.want || len(m.Unread) != 0 {
				t.Errorf("%q: %v %v %v, want %s", c.header, m.Fields, m.Unread, err, c.want)
			}
			continue
		}
		if p := m.Unread[1]; err != nil || m.Fields[1] != "" || p.Row != 1 || p.Column != "B" || p.Value != c.header[1] || !strings.Contains(p.Message, c.want) {
			t.Errorf("%q: %v %+v %v, want no field and a problem of B1: %s", c.header, m.Fields, m.Unread, err, c.want)
		}
		// Refused for another header: it is one more violation.
		if _, err := MatchHeader(append(c.header, "Telefon"), cols, day); err == nil || !strings.Contains(violations(err), c.want) {
			t.Errorf("%q with an unknown column: %v, want refused: %s", c.header, err, c.want)
		}
	}
	// A row that shows it writes day first (13/5/2024) is read day first.
	days["2024-05-13"] = true
	if m, err := MatchHeader([]string{"Ime", "4/12/2024", "13/5/2024"}, cols, day); err != nil || m.Fields[1] != "session:2024-12-04" {
		t.Errorf("a row writing day first: %v %v", m.Fields, violations(err))
	}
	// Only the month-first reading names a column: refused, saying so
	// (before: "is not a known column").
	delete(days, "2024-12-04")
	if m, err := MatchHeader([]string{"Ime", "4/12/2024"}, cols, day); err != nil || !strings.Contains(m.Unread[1].Message,
		"is read day first as 2024-12-04, which is no column; read month first, as a spreadsheet in English (United States) writes dates, it would be 2024-04-12: if that is the day meant, write it as 2024-04-12") {
		t.Errorf("a header naming a column only month first: %+v %v", m.Unread, violations(err))
	}
	days["2024-12-04"] = true
	// Only the day-first reading names a column: read as before, unless
	// the row shows it writes month first.
	delete(days, "2024-04-12")
	if m, err := MatchHeader([]string{"Ime", "4/12/2024"}, cols, day); err != nil || m.Fields[1] != "session:2024-12-04" {
		t.Errorf("a day-first row: %v %v", m.Fields, err)
	}
	m, err := MatchHeader([]string{"Ime", "4/12/2024", "2/13/2024"}, cols, day)
	if err != nil || !strings.Contains(m.Unread[1].Message, `may be 2024-12-04 (day first) or 2024-04-12 (month first): the header row writes dates with slashes month first (column C "2/13/2024"`) {
		t.Errorf("a month-first row: %+v %v", m.Unread, violations(err))
	}
}

// TestUnreadCells: under a header read two ways, each cell holding text
// has one problem naming its header's two readings and the header cell to
// correct, replacing the cell's others (Unheaded's); blank cells and other
// columns' cells are left alone.
func TestUnreadCells(t *testing.T) {
	m := Mapping{Fields: []string{"given_name", "", ""}, Unread: map[int]Problem{1: {Row: 1, Column: "B", Value: "4/12/2024 (potpis)"}}}
	cells := []string{"Ana", " x ", "napomena"}
	got := UnreadCells(m, 3, cells, Unheaded(m, 3, cells))
	if len(got) != 2 || got[0].Column != "B" || got[0].Row != 3 || got[0].Value != "x" || got[0].Message != `the header of column B, "4/12/2024 (potpis)", `+
		`may be 2024-12-04 (day first) or 2024-04-12 (month first), so this cell is put at neither (see the problem of row 1): `+
		`write the day meant in cell B1 as year-month-day (2024-12-04 or 2024-04-12)` || got[1].Column != "C" {
		t.Errorf("problems: %+v", got)
	}
	if got := UnreadCells(m, 4, []string{"Ana", "  ", "napomena"}, nil); len(got) != 0 {
		t.Errorf("a blank cell: %+v", got)
	}
}

// TestUnreadCellsLongHeader: a header read two ways whose hint makes it
// longer than a problem's value keeps (100 bytes: "4/12/2024 (potpis
// sudionika ...)", as a sign-in sheet heads a session) still names its two
// days in the problems of the cells under it. Before, UnreadCells read the
// days again from the problem's value, cut before the hint's closing
// bracket, which reads as no date: the cells' problems named no day
// ("may be  (day first) or  (month first)", "write the day meant ... ( or )").
func TestUnreadCellsLongHeader(t *testing.T) {
	cols := []Column{{Field: "given_name", Names: []string{"ime"}, Required: true}}
	header := "4/12/2024 (potpis sudionika radionice o zaštiti djece bez pratnje, Subotica, prijepodnevni dio, sala 2)"
	if len(header) <= maxValue {
		t.Fatalf("the header is %d bytes, want more than %d", len(header), maxValue)
	}
	day := func(h string) (string, bool) { // the sessions of 4 December and 12 April
		d, err := ParseDate(h)
		return "session:" + d.String(), err == nil && (d.String() == "2024-12-04" || d.String() == "2024-04-12")
	}
	m, err := MatchHeader([]string{"Ime", header}, cols, day)
	if p, ok := m.Unread[1]; err != nil || !ok || !strings.Contains(p.Message, "may be 2024-12-04 (day first) or 2024-04-12 (month first)") {
		t.Fatalf("header: %+v %v, want a problem of B1 naming both days", m.Unread, err)
	}
	got := UnreadCells(m, 2, []string{"Ana", "x"}, nil)
	if len(got) != 1 || !strings.Contains(got[0].Message, "may be 2024-12-04 (day first) or 2024-04-12 (month first)") ||
		!strings.Contains(got[0].Message, "(2024-12-04 or 2024-04-12)") {
		t.Errorf("the cell under it: %+v, want its problem naming 2024-12-04 and 2024-04-12", got)
	}
}

// violations is the field violations of a refusal, as text.
func violations(err error) string {
	var e *errs.Error
	if !errors.As(err, &e) {
		return fmt.Sprint(err)
	}
	return fmt.Sprint(e.Violations)
}

// TestHeadersAsShown: a header matches as a spreadsheet shows it, whatever
// kind of space, invisible character, dash or Unicode form it is written
// in; before, a session column headed "6.\u00a05." (a non-breaking space)
// or "2024\u201305\u201306" was not a known column.
func TestHeadersAsShown(t *testing.T) {
	cols := []Column{{Field: "given_name", Names: []string{"ime"}}, {Field: "email", Names: []string{"e-pošta"}}}
	dynamic := func(h string) (string, bool) {
		switch h {
		case "6. 5.", "2024-05-06 13:00", "2024-05-07":
			return "session:" + h, true
		}
		return "", false
	}
	for _, tc := range []struct{ header, field string }{
		{"6.\u00a05.", "session:6. 5."},
		{" 6.\u202f5.\u200b", "session:6. 5."},
		{"\ufeff2024-05-06\u00a0\u00a013:00", "session:2024-05-06 13:00"},
		{"2024\u201305\u201306 13:00", "session:2024-05-06 13:00"},
		{"2024-05-07\u00a0(utorak)", "session:2024-05-07"},
		{"\uff12\uff10\uff12\uff14-05-07", "session:2024-05-07"},
		{"E-pos\u030cta", "email"},
		{"E\u2011po\u00adšta", "email"},
	} {
		m, err := MatchHeader([]string{"Ime", tc.header}, cols, dynamic)
		if err != nil || m.Fields[1] != tc.field || m.Headers[1] != strings.TrimSpace(tc.header) {
			t.Errorf("header %q: fields %q, headers %q, %v; want %s, the header as written", tc.header, m.Fields, m.Headers, err, tc.field)
		}
	}
	// A date and time with a zone: what it is, and what to write.
	_, err := MatchHeader([]string{"Ime", "2024-05-06T22:30:00-02:00"}, cols, dynamic)
	want := `column B "2024-05-06T22:30:00-02:00" is a date and time with a time zone (UTC-02:00): 2024-05-06 22:30 in that zone and 2024-05-07 02:30 in Belgrade, Sarajevo and Zagreb`
	if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "not a known column") {
		t.Errorf("a zoned header: %v, want %s", err, want)
	}
	// Without columns of days, it is an unknown column as any other.
	if _, err := MatchHeader([]string{"Ime", "2024-05-06T22:30:00Z"}, cols, nil); err == nil || !strings.Contains(err.Error(), "is not a known column") {
		t.Errorf("a zoned header without dynamic columns: %v", err)
	}
}
