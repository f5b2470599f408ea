package service_test

import (
	"bytes"
	"testing"
	"time"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/sheet"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/xuri/excelize/v2"
	"google.golang.org/genproto/googleapis/api/httpbody"
)

// TestTemplateKeepsWhatIsTyped: the XLSX register template formats its
// columns as text (the format @), but for the dates, so that a spreadsheet
// program keeps a phone typed 0641234567 and a case number typed 00123 as
// typed instead of turning them into the numbers 641234567 and 123; its
// date columns keep the program's own format, so a date typed there is a
// date cell. Before, no column was formatted: the phone was refused after
// the upload and the case number stored as 123, without a word. The
// template filled in as the program stores such cells imports them as
// typed.
func TestTemplateKeepsWhatIsTyped(t *testing.T) {
	c := startImports(t)
	ctx := servicetest.As(t, ids.New())
	body, err := c.imp.GetBeneficiaryImportTemplate(ctx, &pb.GetBeneficiaryImportTemplateRequest{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(body.GetData()))
	if err != nil {
		t.Fatal(err)
	}
	const s = "beneficiaries"
	header, err := f.GetRows(s)
	if err != nil || len(header) != 1 {
		t.Fatalf("template rows %v, %v; want the header", header, err)
	}
	col := map[string]string{}
	for i, h := range header[0] {
		letter, _ := excelize.ColumnNumberToName(i + 1)
		col[h] = letter
		id, err := f.GetColStyle(s, letter)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		date := h == "birth_date" || h == "legal_status_since"
		if text := st.NumFmt == 49; text == date {
			t.Errorf("column %s %s: number format %d, want text (49) %v", letter, h, st.NumFmt, !date)
		}
	}
	// Filled in as a spreadsheet program stores what is typed: text in
	// the text columns (in their style), a date cell in a date column.
	textStyle, _ := f.GetColStyle(s, col["phone"])
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		t.Fatal(err)
	}
	for cell, v := range map[string]any{"external_id": "00123", "given_name": "Ana", "family_name": "Petrović", "phone": "0641234567",
		"notes": "12.5.", "birth_date": time.Date(1990, 4, 12, 0, 0, 0, 0, time.UTC)} {
		ref := col[cell] + "2"
		if err := f.SetCellValue(s, ref, v); err != nil {
			t.Fatal(err)
		}
		style := textStyle
		if cell == "birth_date" {
			style = dateStyle
		}
		if err := f.SetCellStyle(s, ref, ref, style); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	imp := imported(t, ctx, c, &pb.ImportBeneficiariesRequest{File: &httpbody.HttpBody{ContentType: sheet.MediaXLSX, Data: buf.Bytes()}})
	if imp.GetCounts().GetCreated() != 1 {
		t.Fatalf("import %v, problems %q; want Ana created", imp.GetCounts(), problems(imp))
	}
	list, err := c.ben.ListBeneficiaries(ctx, &pb.ListBeneficiariesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if bs := list.GetBeneficiaries(); len(bs) != 1 || bs[0].GetExternalId() != "00123" || bs[0].GetPhone() != "0641234567" ||
		bs[0].GetNotes() != "12.5." || bs[0].GetBirthDate() != "1990-04-12" {
		t.Errorf("stored %v; want external_id 00123, phone 0641234567, notes 12.5., birth 1990-04-12", bs)
	}
}
