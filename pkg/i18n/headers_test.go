package i18n

import (
	"errors"
	"strings"
	"testing"

	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/imports"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestEveryHeaderViolationHasText: every field violation of a header row an
// import refuses (BAD_HEADER: an unknown, repeated or missing column, the
// known columns, a date header written month first or read two ways, a
// date and time with a time zone, a refused header in a hidden column, a blank row 1) reads in each language
// as its own text quoting the header, not the fallback "This value is not
// valid." (r18 item 3: before, each was English only).
func TestEveryHeaderViolationHasText(t *testing.T) {
	cols := []imports.Column{{Field: "given_name", Names: []string{"ime"}, Required: true}, {Field: "family_name", Names: []string{"prezime"}, Required: true}}
	sessions := func(days ...string) func(string) (string, bool) {
		return func(h string) (string, bool) {
			d, err := imports.ParseDate(h)
			if err != nil {
				return "", false
			}
			for _, x := range days {
				if d.String() == x {
					return "attendance." + x, true
				}
			}
			return "", false
		}
	}
	var descs []string
	for _, c := range []struct {
		header  []string
		dynamic func(string) (string, bool)
		want    int
	}{
		{[]string{"ime", "Telefon"}, nil, 3},                                                                      // unknown, missing, known columns
		{[]string{"ime", "given_name", "prezime"}, nil, 1},                                                        // repeated
		{[]string{"ime", "prezime", "2/13/2024", "4/12/2024"}, sessions(), 3},                                     // two ways in a month-first row
		{[]string{"ime", "prezime", "4/12/2024", "x"}, sessions("2024-12-04", "2024-04-12"), 3},                   // a column for either (with an unknown one)
		{[]string{"ime", "prezime", "5/7/2024", "x"}, sessions("2024-05-07"), 3},                                  // no column day first, one month first
		{[]string{"ime", "prezime", "2024-05-06T11:00:00Z", "2024-05-06T23:30:15+01:00 (potpis)"}, sessions(), 2}, // with a time zone
	} {
		_, err := imports.MatchHeader(c.header, cols, c.dynamic)
		var e *errs.Error
		if !errors.As(err, &e) || e.Reason != "BAD_HEADER" || len(e.Violations) != c.want {
			t.Fatalf("%q: %v, want %d violations", c.header, err, c.want)
		}
		for _, v := range e.Violations {
			descs = append(descs, v.Description)
		}
	}
	descs = append(descs, `column B "Telefon" is not a known column`+HiddenHeader,
		"row 1 must name the columns, but it is blank (the first row with text is row 3)")
	for _, d := range descs {
		en := violation(d, "en")
		if en == invalidValue["en"] {
			t.Errorf("%q: no text", d)
			continue
		}
		for _, l := range Languages[1:] {
			got := violation(d, l)
			if got == invalidValue[l] || got == en {
				t.Errorf("%q in %s: %q, not a text of its own", d, l, got)
			}
			if strings.HasSuffix(d, HiddenHeader) && (!strings.Contains(got, hiddenHeader[l]) || !strings.HasSuffix(got, ").")) {
				t.Errorf("%q in %s: %q does not say the column is hidden", d, l, got)
			}
			if i := strings.IndexByte(d, '"'); i >= 0 && !strings.Contains(got, d[i:strings.IndexByte(d[i+1:], '"')+i+2]) {
				t.Errorf("%q in %s: %q does not quote the header", d, l, got)
			}
		}
	}
}

// TestRowsInvalidLocalized: an all-or-nothing import that fails for its
// header row alone (a date header read two ways, no mark under it) says
// so in every language; until r22 it said "Some rows have problems", and
// the reader looked for bad rows there were none of. With bad rows too it
// names both; with bad rows alone it is unchanged. The metadata is
// imports.RowsInvalid's, so the keys cannot drift apart.
func TestRowsInvalidLocalized(t *testing.T) {
	localized := func(e *errs.Error, lang string) string {
		st, err := status.New(codes.InvalidArgument, e.Message).WithDetails(&errdetails.ErrorInfo{Reason: e.Reason, Domain: "spona.org", Metadata: e.Metadata})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range Localize(st, lang).Details() {
			if m, ok := d.(*errdetails.LocalizedMessage); ok {
				return m.GetMessage()
			}
		}
		return ""
	}
	header := map[string]string{"en": "The header row (row 1) has problems", "sr-Latn": "Red zaglavlja (prvi red) ima greške",
		"sr-Cyrl": "Ред заглавља (први ред) има грешке", "bs": "Red zaglavlja (prvi red) ima greške", "hr": "Redak zaglavlja (prvi redak) ima pogreške"}
	both := map[string]string{"en": "The header row (row 1) and some rows", "sr-Latn": "Red zaglavlja (prvi red) i neki redovi",
		"sr-Cyrl": "Ред заглавља (први ред) и неки редови", "bs": "Red zaglavlja (prvi red) i neki redovi", "hr": "Redak zaglavlja (prvi redak) i neki retci"}
	rows := map[string]string{"en": "Some rows have problems", "sr-Latn": "Neki redovi imaju greške",
		"sr-Cyrl": "Неки редови имају грешке", "bs": "Neki redovi imaju greške", "hr": "Neki retci imaju pogreške"}
	for _, c := range []struct {
		what    string
		e       *errs.Error
		want    map[string]string
		wantMsg string
	}{
		{"header alone", imports.RowsInvalid(imports.Counts{Rows: 3, Valid: 3}, 1), header,
			"the header row (row 1) has problems (1 of its cells) and none of the 3 rows under it has any"},
		{"header and rows", imports.RowsInvalid(imports.Counts{Rows: 3, Valid: 1, Invalid: 2}, 2), both, "the header row (row 1) and 2 of 3 rows have problems"},
		{"rows alone", imports.RowsInvalid(imports.Counts{Rows: 3, Valid: 1, Invalid: 2}, 0), rows, "2 of 3 rows have problems"},
	} {
		if c.e.Reason != "ROWS_INVALID" || !strings.HasPrefix(c.e.Message, c.wantMsg) {
			t.Errorf("%s: %s %q, want ROWS_INVALID %q", c.what, c.e.Reason, c.e.Message, c.wantMsg)
		}
		for _, l := range Languages {
			if got := localized(c.e, l); !strings.HasPrefix(got, c.want[l]) || !strings.Contains(got, "on_error=skip") {
				t.Errorf("%s (%s): %q, want it to begin %q", c.what, l, got, c.want[l])
			}
		}
	}
}
