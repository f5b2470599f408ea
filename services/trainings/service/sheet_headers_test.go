package service_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	importsv1 "github.com/spona/spona/gen/go/spona/imports/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/sheet"
	"github.com/spona/spona/pkg/testkit/importtest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"github.com/xuri/excelize/v2"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc/codes"
)

// signInXLSX is an XLSX sign-in sheet of rows (the first its header); a
// time.Time cell is a serial in format numFmt (20: h:mm, 22: date and
// time), anything else text.
func signInXLSX(t testing.TB, numFmt int, rows ...[]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	style, err := f.NewStyle(&excelize.Style{NumFmt: numFmt})
	if err != nil {
		t.Fatal(err)
	}
	for r, row := range rows {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
			if err := f.SetCellValue("Sheet1", cell, v); err != nil {
				t.Fatal(err)
			}
			if _, ok := v.(time.Time); ok {
				if err := f.SetCellStyle("Sheet1", cell, cell, style); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestSignInHeadersAsASpreadsheetShowsThem: a sign-in sheet's headers are
// read as the spreadsheet shows them. A non-breaking space (as a web page
// or word processor pasted into the sheet writes "6.\u00a05."), a
// zero-width space, a header's trailing space and a č written as c and a
// combining caron name the columns they show; before, the session columns
// were unknown and the sheet was refused (BAD_HEADER, "not a known
// column"). A date and time with a time zone ("2024-05-06T11:00:00Z", as a
// program writes 13:00 in Belgrade in UTC) is refused saying what it is
// in that zone and in the region and what to write; before, it was "not a
// known column". An attendance cell holding a time (08:30) is a problem
// quoting 08:30, not 08:29:59 (the XLSX library truncated serials to the
// second below).
func TestSignInHeadersAsASpreadsheetShowsThem(t *testing.T) {
	d := sheetDays(t)
	ops := importsv1.NewImportServiceClient(d.conn)
	upload := func(data []byte) (*importsv1.Import, error) {
		t.Helper()
		op, err := d.imp.ImportParticipants(d.ctx, &pb.ImportParticipantsRequest{EventId: d.event.GetId(),
			File: &httpbody.HttpBody{ContentType: sheet.MediaXLSX, Data: data}})
		if err != nil {
			return nil, err
		}
		return importtest.Done(t, d.ctx, ops, op), nil
	}

	data := signInXLSX(t, 22,
		[]any{"Ime", "Prezime", "Sektor", "E-pos\u030cta", "2024-05-06\u00a009:00", "\u200b2024-05-06 13:00 ", "7.\u00a05."},
		[]any{"Ana", "Kovač", "zdravstvo", "ana@example.org", "", "da", "da"},
		[]any{"Marko", "Ilić", "zdravstvo", "", "da", "", ""})
	imp, err := upload(data)
	if err != nil {
		t.Fatalf("a sheet with spaces of other kinds in its headers: %v %v", err, statustest.Descriptions(err))
	}
	if imp.GetCounts().GetCreated() != 2 || len(imp.GetColumns()) != 7 || imp.GetColumns()[3].GetField() != "email" {
		t.Fatalf("a sheet with spaces of other kinds in its headers: %v, columns %v", imp.GetCounts(), imp.GetColumns())
	}
	got := d.present(t, nil)
	if len(got) != 3 || got["Ana 13:00"] == "" || got["Ana Tuesday"] == "" || got["Marko 09:00"] == "" {
		t.Errorf("present marks: %v, want Ana at 13:00 and on Tuesday, Marko at 09:00", keys(got))
	}

	// A header with a time zone: refused, saying what it is.
	for _, h := range []string{"2024-05-06T11:00:00Z", "2024-05-06T11:00:00.000Z (potpis)"} {
		_, err = upload(signInXLSX(t, 22, []any{"Ime", "Prezime", "Sektor", h}, []any{"Ana", "Kovač", "zdravstvo", "da"}))
		want := `column D "` + h + `" is a date and time with a time zone (UTC): 2024-05-06 11:00 in that zone and 2024-05-06 13:00 in Belgrade, Sarajevo and Zagreb`
		if statustest.Code(err) != codes.InvalidArgument || statustest.Reason(err) != "BAD_HEADER" ||
			!strings.HasPrefix(statustest.Descriptions(err)["header.D"], want) || !strings.Contains(statustest.Descriptions(err)["header.D"], "(such as 2024-05-06 or 2024-05-06 13:00)") {
			t.Errorf("a sheet headed %q: %v %v, want BAD_HEADER, header.D: %s…", h, err, statustest.Descriptions(err), want)
		}
	}

	// A time (h:mm) where a mark goes: its problem quotes 08:30.
	imp, err = upload(signInXLSX(t, 20, []any{"Ime", "Prezime", "Sektor", "7.5."},
		[]any{"Ivana", "Perić", "zdravstvo", time.Date(2024, 5, 6, 8, 30, 0, 0, time.UTC)}))
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, p := range imp.GetProblems() {
		msgs = append(msgs, p.GetColumn()+itoa(int(p.GetRow()))+": "+p.GetMessage())
	}
	if len(msgs) != 1 || !strings.Contains(msgs[0], "08:30:00") || strings.Contains(msgs[0], "08:29:59") {
		t.Errorf("a time where a mark goes: problems %q, want one quoting 08:30:00", msgs)
	}
}
