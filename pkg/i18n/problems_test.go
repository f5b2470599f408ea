package i18n

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/spona/spona/pkg/imports"
	"github.com/spona/spona/pkg/validate"
)

// problemAdd finds where the services add a problem to a sheet row
// (imports.RowProblems.Add): the format follows the cells and the field.
var problemAdd = regexp.MustCompile(`\.Add\((?:\w+\.)?[Cc]ells, [^,]+, `)

// verbs are a format's verbs and what a sample problem puts in them.
var verbs = strings.NewReplacer("%q", `"x"`, "%s", "x", "%d", "2", "%v", "x")

// TestEveryProblemHasText: every problem an import reports, those the
// shared code makes (dates, numbers, yes/no marks, a column without a
// header, a hidden row or column, a formula's error) and every format the services add to a row,
// reads in each language as its own text, not the English message; and
// the texts differ from English but in English.
func TestEveryProblemHasText(t *testing.T) {
	var msgs []string
	for _, s := range []string{"nešto", "31.2.1990.", "1990-04-11T22:00:00Z", "1990-04-11T25:99:99Z"} {
		_, err := imports.ParseDate(s)
		msgs = append(msgs, err.Error())
	}
	_, err := imports.ParseInt("19x0")
	msgs = append(msgs, err.Error())
	_, _, err = imports.ParseYesNo("možda")
	msgs = append(msgs, err.Error())
	_, err = imports.ParseCountry("Jugoslavija")
	msgs = append(msgs, err.Error())
	_, err = imports.ParseLanguage("klingonski")
	msgs = append(msgs, err.Error())
	hidden := func(i int) bool { return i == 1 }
	for _, p := range append(imports.Unheaded(imports.Mapping{Fields: []string{"given_name"}}, 2, []string{"Ana", "napomena"}), imports.HiddenRow(3),
		imports.HiddenCells(imports.Mapping{Fields: []string{"given_name", "phone"}}, 4, []string{"Ana", "064 123 4567"}, nil, hidden)[0],
		imports.FormulaErrors(imports.Mapping{Fields: []string{"given_name", "municipality"}}, 5, []string{"Ana", "#N/A"}, nil)[0],
		imports.SwappableDates(imports.Mapping{Fields: []string{"given_name", "birth_date"}}, map[string]bool{"birth_date": true},
			imports.MonthFirst{Cell: "B3", Value: "2/13/1990"}, 6, []string{"Ana", "4/12/1990"}, nil)[0]) {
		msgs = append(msgs, p.Message)
	}
	// A date header read two ways: a problem of its cell in row 1 (as its
	// violation reads when the sheet is refused for another header), and
	// of each cell under it.
	days := func(h string) (string, bool) {
		d, err := imports.ParseDate(h)
		return "attendance." + d.String(), err == nil && (d.String() == "2024-12-04" || d.String() == "2024-04-12")
	}
	m, err := imports.MatchHeader([]string{"ime", "4/12/2024"}, []imports.Column{{Field: "given_name", Names: []string{"ime"}}}, days)
	if err != nil || len(m.Unread) != 1 {
		t.Fatalf("a date header read two ways: %v %v", m.Unread, err)
	}
	msgs = append(msgs, m.Unread[1].Message, m.Unread[1].Message+HiddenHeader, imports.UnreadCells(m, 2, []string{"Ana", "x"}, nil)[0].Message)
	msgs = append(msgs, validate.PhoneLostPrefix, "the text of this cell was removed when the person the row may name was erased")
	found := 0
	root := filepath.Join("..", "..", "services")
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, loc := range problemAdd.FindAllStringIndex(string(src), -1) {
			format, ok := literal(string(src[loc[1]:]))
			if !ok {
				t.Errorf("%s: a problem's format is not a string literal", path)
				continue
			}
			found++
			if format != "%s" && format != "%v" { // a violation's description, an error of imports' own
				msgs = append(msgs, verbs.Replace(format))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 8 {
		t.Fatalf("found %d problem formats in the services: the pattern no longer finds them", found)
	}
	for _, m := range msgs {
		for _, l := range Languages[1:] {
			if got := Problem(m, l); got == m || got == Problem(m, "en") {
				t.Errorf("%q in %s: %q, not a text of its own", m, l, got)
			}
		}
	}
}

// literal reads the string literal at the start of src, made of one or
// more literals joined with +.
func literal(src string) (string, bool) {
	var b strings.Builder
	for {
		q, err := strconv.QuotedPrefix(src)
		if err != nil {
			return "", false
		}
		s, _ := strconv.Unquote(q)
		b.WriteString(s)
		src = strings.TrimLeft(src[len(q):], " \t")
		if !strings.HasPrefix(src, "+") {
			return b.String(), true
		}
		src = strings.TrimLeft(src[1:], " \t\r\n")
	}
}
