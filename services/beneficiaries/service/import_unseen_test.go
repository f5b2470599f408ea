package service_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	importsv1 "github.com/spona/spona/gen/go/spona/imports/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/sheet"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/xuri/excelize/v2"
	"google.golang.org/genproto/googleapis/api/httpbody"
)

// problemsOf lists an import's problems as "row column: message".
func problemsOf(imp *importsv1.Import) []string {
	var out []string
	for _, p := range imp.GetProblems() {
		out = append(out, fmt.Sprintf("%d %s: %s", p.GetRow(), p.GetColumn(), p.GetMessage()))
	}
	return out
}

// TestImportReportsCellsWithoutHeader: text in a column whose header cell
// is empty (a header merged over two columns names only the first; a
// remark typed past the last header) is a problem of its cell, saying
// what to do, and its row is not written; before, it was dropped without
// a word and the row imported without it.
func TestImportReportsCellsWithoutHeader(t *testing.T) {
	c := startImports(t)
	ctx := servicetest.As(t, ids.New())
	csv := "ime;prezime;;napomena\r\nAna;Petrović;;\r\nMarko;Marković;x;\r\nLejla;Hodžić;;dolazi utorkom;zvati majku 064 111 2222\r\n"
	f := excelize.NewFile()
	for i, row := range [][]any{{"Ime", "Prezime", "Telefon"}, {"Ana", "Petrović", "064 123 4567", "065 765 4321"}, {"Marko", "Marković", "064 222 3333"}} {
		if err := f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &row); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.MergeCell("Sheet1", "C1", "D1"); err != nil { // "Telefon" over C:D
		t.Fatal(err)
	}
	var xlsx bytes.Buffer
	if err := f.Write(&xlsx); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, media string
		data        []byte
		want        map[string]string // "row column" → the cell's text
		valid       int32
	}{
		{"CSV", sheet.MediaCSV, []byte(csv), map[string]string{"3 C": "x", "4 E": "zvati majku 064 111 2222"}, 1},
		{"merged header", sheet.MediaXLSX, xlsx.Bytes(), map[string]string{"2 D": "065 765 4321"}, 1},
	} {
		imp := imported(t, ctx, c, &pb.ImportBeneficiariesRequest{ValidateOnly: true, File: &httpbody.HttpBody{ContentType: tc.media, Data: tc.data}})
		got := map[string]string{}
		for _, p := range imp.GetProblems() {
			col := p.GetColumn()
			got[fmt.Sprintf("%d %s", p.GetRow(), col)] = p.GetValue()
			if p.GetField() != "" || !strings.Contains(p.GetMessage(), "column "+col+" has no header") || !strings.Contains(p.GetMessage(), col+"1") {
				t.Errorf("%s: problem %v, want one naming column %s as without a header and its cell %s1", tc.name, p, col, col)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) || imp.GetCounts().GetValid() != tc.valid {
			t.Errorf("%s: problems %q, %d valid rows; want the cells %v, %d valid", tc.name, problemsOf(imp), imp.GetCounts().GetValid(), tc.want, tc.valid)
		}
	}
}

// TestImportReportsHiddenRows: a row hidden in the worksheet (by hand or
// by a filter) is not imported and is reported as hidden, a problem of
// the whole row: an all-or-nothing import refuses the file saying so, one
// with on_error=skip writes the rows shown; before, hidden rows were
// imported with the others, rows the social worker who hid them meant out.
func TestImportReportsHiddenRows(t *testing.T) {
	c := startImports(t)
	ctx := servicetest.As(t, ids.New())
	f := excelize.NewFile()
	for i, row := range [][]any{{"ime", "prezime"}, {"Ana", "Petrović"}, {"Stara", "Osoba"}, {"Marko", "Marković"}, {"Druga", "Stara"}} {
		if err := f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &row); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range []int{3, 5} {
		if err := f.SetRowVisible("Sheet1", r, false); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	file := &httpbody.HttpBody{ContentType: sheet.MediaXLSX, Data: buf.Bytes()}
	dry := imported(t, ctx, c, &pb.ImportBeneficiariesRequest{ValidateOnly: true, File: file})
	ps := dry.GetProblems()
	if dry.GetCounts().GetValid() != 2 || dry.GetCounts().GetInvalid() != 2 || len(ps) != 2 || ps[0].GetRow() != 3 || ps[1].GetRow() != 5 ||
		ps[0].GetColumn() != "" || !strings.Contains(ps[0].GetMessage(), "hidden") {
		t.Fatalf("dry run: %v, problems %q; want rows 3 and 5 reported hidden, 2 valid", dry.GetCounts(), problemsOf(dry))
	}
	all := imported(t, ctx, c, &pb.ImportBeneficiariesRequest{File: file})
	if all.GetState() != importsv1.ImportState_IMPORT_STATE_FAILED || all.GetCounts().GetCreated() != 0 {
		t.Errorf("all or nothing: %v %v, want failed with nothing created", all.GetState(), all.GetCounts())
	}
	skip := imported(t, ctx, c, &pb.ImportBeneficiariesRequest{OnError: "skip", File: file})
	if skip.GetCounts().GetCreated() != 2 || len(skip.GetProblems()) != 2 {
		t.Errorf("on_error=skip: %v, problems %q; want the 2 rows shown created, the hidden 2 reported", skip.GetCounts(), problemsOf(skip))
	}
}

// TestImportReportsHiddenColumns: a cell holding text in a column hidden
// in the worksheet (hidden by hand, or a template's helper column) is not
// imported and is reported as hidden, a problem of that cell and of no
// other kind (its phone is not checked), as a hidden row is; the row is
// not written: an all-or-nothing import refuses the file saying so, one
// with on_error=skip writes the rows with nothing in the hidden column.
// A hidden column's header refused as unknown says it is hidden. Before,
// hidden columns were imported as if shown: phones the sender could not
// see were stored.
func TestImportReportsHiddenColumns(t *testing.T) {
	c := startImports(t)
	ctx := servicetest.As(t, ids.New())
	workbook := func(rows [][]any, hide string) []byte {
		t.Helper()
		f := excelize.NewFile()
		for i, row := range rows {
			if err := f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &row); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.SetColVisible("Sheet1", hide, false); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := f.Write(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	file := &httpbody.HttpBody{ContentType: sheet.MediaXLSX, Data: workbook([][]any{{"ime", "prezime", "telefon", "opština"},
		{"Ana", "Petrović", "064 123 4567", "Šid"}, {"Marko", "Marković", "", "Šid"}, {"Lejla", "Hodžić", "nepoznat", "Šid"}}, "C")}
	dry := imported(t, ctx, c, &pb.ImportBeneficiariesRequest{ValidateOnly: true, File: file})
	got := map[string]string{}
	for _, p := range dry.GetProblems() {
		got[fmt.Sprintf("%d %s", p.GetRow(), p.GetColumn())] = p.GetValue()
		if p.GetField() != "phone" || !strings.Contains(p.GetMessage(), "column C is hidden") {
			t.Errorf("dry run: problem %v, want the phone cell reported as in a hidden column C", p)
		}
	}
	if want := map[string]string{"2 C": "064 123 4567", "4 C": "nepoznat"}; fmt.Sprint(got) != fmt.Sprint(want) || dry.GetCounts().GetValid() != 1 {
		t.Fatalf("dry run: %v, problems %q; want %v reported hidden, 1 valid", dry.GetCounts(), problemsOf(dry), want)
	}
	all := imported(t, ctx, c, &pb.ImportBeneficiariesRequest{File: file})
	if all.GetState() != importsv1.ImportState_IMPORT_STATE_FAILED || all.GetCounts().GetCreated() != 0 {
		t.Errorf("all or nothing: %v %v, want failed with nothing created", all.GetState(), all.GetCounts())
	}
	skip := imported(t, ctx, c, &pb.ImportBeneficiariesRequest{OnError: "skip", File: file})
	if skip.GetCounts().GetCreated() != 1 || len(skip.GetProblems()) != 2 {
		t.Errorf("on_error=skip: %v, problems %q; want the row with nothing hidden created, 2 cells reported", skip.GetCounts(), problemsOf(skip))
	}
	list, err := c.ben.ListBeneficiaries(ctx, &pb.ListBeneficiariesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if bs := list.GetBeneficiaries(); len(bs) != 1 || bs[0].GetGivenName() != "Marko" || bs[0].GetPhone() != "" {
		t.Errorf("stored %v, want Marko alone, without a phone", bs)
	}
	// A helper column the template hides, with a header no field has.
	helper := &httpbody.HttpBody{ContentType: sheet.MediaXLSX, Data: workbook([][]any{{"ime", "prezime", "pomoćna"}, {"Ana", "Petrović", "A-17"}}, "C")}
	_, err = upload(ctx, c.imp, &pb.ImportBeneficiariesRequest{ValidateOnly: true, File: helper})
	if !strings.Contains(violationTexts(err), `header.C: column C "pomoćna" is not a known column (the column is hidden in the worksheet`) {
		t.Errorf("hidden unknown header: %v\n%s; want header.C refused as unknown and hidden", err, violationTexts(err))
	}
}
