package service_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
	"github.com/xuri/excelize/v2"
)

// TestImportDateTimeCells: over the gateway, a beneficiaries register
// whose dates are date-times. An XLSX date-time cell (a serial, shown as
// 12.04.1990 22:30) is the date it shows; the same date and time typed as
// text (in an XLSX text cell or a CSV cell) with a zone, as JavaScript's
// toISOString writes a local midnight ("1990-04-11T22:00:00Z", 12 April in
// Belgrade), is a problem of its cell naming the day in UTC and in
// Belgrade, Sarajevo and Zagreb (localized); an impossible time
// ("T25:99:99Z") is not a date; midnight is the date. Before, every such
// text cell was read as the date before its T, silently (a birth a day
// early), and the import report had no problem. An OpenDocument
// spreadsheet LibreOffice saved of the same workbook reads as it does
// (before r23 it was refused).
func TestImportDateTimeCells(t *testing.T) {
	s := edgetest.Start(t, nil)
	a := resttest.New(s.URL, s.CreateKey(t, "datetime-imports", "Date Time NGO").Key)
	rows := [][]any{
		{"Ana", "Petrović", "ženski", time.Date(1990, 4, 12, 22, 30, 0, 0, time.UTC)}, // a date-time serial
		{"Sara", "Ilić", "ženski", "1990-04-11T22:00:00Z"},
		{"Lejla", "Hodžić", "ženski", "1990-04-11T25:99:99Z"},
		{"Marko", "Marković", "muški", "1990-04-12T00:00:00.000Z"},
	}
	f := excelize.NewFile()
	defer f.Close()
	dateTime, err := f.NewStyle(&excelize.Style{NumFmt: 22})
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetRow("Sheet1", "A1", &[]any{"ime", "prezime", "pol", "datum rođenja"}))
	var csv strings.Builder
	csv.WriteString("ime;prezime;pol;datum rođenja\r\n")
	for i, r := range rows {
		cell := fmt.Sprintf("A%d", i+2)
		must(f.SetSheetRow("Sheet1", cell, &r))
		text := fmt.Sprint(r[3])
		if at, ok := r[3].(time.Time); ok {
			text = at.Format("2006-01-02") // the date the cell shows
		}
		fmt.Fprintf(&csv, "%s;%s;%s;%s\r\n", r[0], r[1], r[2], text)
	}
	must(f.SetCellStyle("Sheet1", "D2", "D5", dateTime)) // text cells in a date-time format too
	var xlsx bytes.Buffer
	must(f.Write(&xlsx))

	type problem struct {
		Row              int    `json:"row"`
		Column           string `json:"column"`
		Message          string `json:"message"`
		LocalizedMessage string `json:"localized_message"`
	}
	for _, up := range []struct {
		name, contentType string
		data              []byte
	}{{"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsx.Bytes()}, {"csv", "text/csv", []byte(csv.String())},
		// The same workbook saved by LibreOffice as .ods (testdata/ods):
		// Ana's cell is a date-typed cell (office:date-value
		// 1990-04-12T22:30:00), the others text cells.
		{"ods", "application/vnd.oasis.opendocument.spreadsheet", odsFixture(t, "datetime-register.ods")}} {
		t.Run(up.name, func(t *testing.T) {
			op := a.Do(t, "POST", "/v1/beneficiaries:import?validate_only=true", up.data, "Content-Type", up.contentType, "Accept-Language", "hr").Must(t, 200)
			imp, _ := op.Body["response"].(map[string]any)
			if op.Body["done"] != true || imp == nil {
				t.Fatalf("upload: %s", op.Raw)
			}
			b, _ := json.Marshal(imp["problems"])
			var ps []problem
			if err := json.Unmarshal(b, &ps); err != nil {
				t.Fatal(err)
			}
			got := map[string]problem{}
			for _, p := range ps {
				got[fmt.Sprintf("%s%d", p.Column, p.Row)] = p
			}
			want := map[string][2]string{ // cell → words of its message, in English and Croatian
				"D3": {"it is 1990-04-11 in that zone and 1990-04-12 in Belgrade, Sarajevo and Zagreb", "u toj zoni to je 1990-04-11, a u Beogradu, Sarajevu i Zagrebu 1990-04-12"},
				"D4": {`"1990-04-11T25:99:99Z" is not a date`, "nije datum"},
			}
			if len(got) != len(want) {
				t.Errorf("problems %+v, want at %v only", ps, want)
			}
			for cell, words := range want {
				if p := got[cell]; !strings.Contains(p.Message, words[0]) || !strings.Contains(p.LocalizedMessage, words[1]) {
					t.Errorf("%s: problem %+v, want one saying %q (hr: %q)", cell, p, words[0], words[1])
				}
			}
			if counts, _ := imp["counts"].(map[string]any); counts["rows"] != 4.0 || counts["valid"] != 2.0 || counts["invalid"] != 2.0 {
				t.Errorf("counts %v, want 4 rows, 2 valid (Ana: the date shown; Marko: midnight), 2 invalid", counts)
			}
		})
	}

	// Written: Ana's birth is the date her cell shows.
	op := a.Do(t, "POST", "/v1/beneficiaries:import?on_error=skip", xlsx.Bytes(), "Content-Type",
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet").Must(t, 200)
	if imp, _ := op.Body["response"].(map[string]any); imp == nil || imp["state"] != "IMPORT_STATE_SUCCEEDED" {
		t.Fatalf("on_error=skip: %s", op.Raw)
	}
	list := a.Do(t, "GET", "/v1/beneficiaries?page_size=10", nil).Must(t, 200)
	births := map[string]any{}
	for _, b := range list.Body["beneficiaries"].([]any) {
		bm := b.(map[string]any)
		births[fmt.Sprint(bm["given_name"])] = bm["birth_date"]
	}
	if len(births) != 2 || fmt.Sprint(births["Ana"]) != "1990-04-12" || fmt.Sprint(births["Marko"]) != "1990-04-12" {
		t.Errorf("written births %v, want Ana and Marko born 1990-04-12", births)
	}
}
