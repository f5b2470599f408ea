package imports

import (
	"strings"
	"testing"
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
