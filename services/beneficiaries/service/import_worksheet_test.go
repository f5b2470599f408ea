package service_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/sheet"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"github.com/xuri/excelize/v2"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc/codes"
)

// TestImportNamesWorksheetRead: a workbook whose first worksheet is not
// the register (instructions before it, or a blank first sheet) is refused
// naming the worksheet that was read and that only the first one is; before,
// the refusal spoke of "the header row (row 1)" or "the sheet" of a sheet
// the user was not looking at.
func TestImportNamesWorksheetRead(t *testing.T) {
	c := startImports(t)
	ctx := servicetest.As(t, ids.New())
	for name, first := range map[string][]any{"instructions": {"Upišite osobe na listu Registar"}, "blank": nil, "blank row 1": {}} {
		f := excelize.NewFile()
		if err := f.SetSheetName("Sheet1", "Uputstvo"); err != nil {
			t.Fatal(err)
		}
		switch {
		case name == "blank row 1":
			if err := f.SetCellValue("Uputstvo", "B3", "Upišite osobe na listu Registar"); err != nil {
				t.Fatal(err)
			}
		case first != nil:
			if err := f.SetSheetRow("Uputstvo", "A1", &first); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.NewSheet("Registar"); err != nil {
			t.Fatal(err)
		}
		for i, row := range [][]any{{"ime", "prezime"}, {"Ana", "Petrović"}} {
			if err := f.SetSheetRow("Registar", fmt.Sprintf("A%d", i+1), &row); err != nil {
				t.Fatal(err)
			}
		}
		var buf bytes.Buffer
		if err := f.Write(&buf); err != nil {
			t.Fatal(err)
		}
		_, err := upload(ctx, c.imp, &pb.ImportBeneficiariesRequest{ValidateOnly: true, File: &httpbody.HttpBody{ContentType: sheet.MediaXLSX, Data: buf.Bytes()}})
		if statustest.Code(err) != codes.InvalidArgument || !strings.Contains(fmt.Sprint(err), `worksheet "Uputstvo"`) ||
			!strings.Contains(fmt.Sprint(err), "only the first") {
			t.Errorf("%s: got %v, want InvalidArgument naming worksheet \"Uputstvo\", and that only the first is read", name, err)
		}
	}
}

// TestImportSkipsHiddenWorksheets: a workbook whose first worksheet is
// hidden (last year's register, hidden before this year's was started
// beside it) imports the worksheet it shows; before, the hidden one was
// read, rows its sender never saw.
func TestImportSkipsHiddenWorksheets(t *testing.T) {
	c := startImports(t)
	ctx := servicetest.As(t, ids.New())
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", "Registar 2025"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.NewSheet("Registar 2026"); err != nil {
		t.Fatal(err)
	}
	for sheetName, rows := range map[string][][]any{
		"Registar 2025": {{"ime", "prezime"}, {"Stara", "Osoba"}, {"Druga", "Stara"}},
		"Registar 2026": {{"ime", "prezime"}, {"Ana", "Petrović"}},
	} {
		for i, row := range rows {
			if err := f.SetSheetRow(sheetName, fmt.Sprintf("A%d", i+1), &row); err != nil {
				t.Fatal(err)
			}
		}
	}
	f.SetActiveSheet(1)
	if err := f.SetSheetVisible("Registar 2025", false); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	imp := imported(t, ctx, c, &pb.ImportBeneficiariesRequest{ValidateOnly: true, File: &httpbody.HttpBody{ContentType: sheet.MediaXLSX, Data: buf.Bytes()}})
	if imp.GetCounts().GetRows() != 1 || imp.GetCounts().GetValid() != 1 {
		t.Fatalf("got %v, want the 1 row of the worksheet shown", imp)
	}
}
