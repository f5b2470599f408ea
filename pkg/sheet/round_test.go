package sheet

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
)

// TestXLSXSerialsToTheNearestSecond: a time typed in a spreadsheet is
// stored as a fraction of a day, which for most times is a hair below
// it (08:30 is 0.35416666666666663); the library truncated it to the
// second below, so 08:30 read 08:29:59 and 13:00 12:59:59. A serial reads
// as the second it is nearest to, as the cell shows it; one a fraction
// below midnight is the next day's midnight.
func TestXLSXSerialsToTheNearestSecond(t *testing.T) {
	at := func(h, m, s, ms int) time.Time { return time.Date(2024, 5, 6, h, m, s, ms*1e6, time.UTC) }
	data := xlsxFile(t, func(f *excelize.File, s string) {
		must(t, f.SetSheetRow(s, "A1", &[]any{"a", "b", "c", "d", "e"}))
		must(t, f.SetSheetRow(s, "A2", &[]any{at(8, 30, 0, 0), at(13, 0, 0, 0), at(9, 15, 30, 0), at(17, 45, 0, 0), at(10, 0, 0, 400)}))
		dateTime, err := f.NewStyle(&excelize.Style{NumFmt: 22})
		must(t, err)
		must(t, f.SetCellStyle(s, "A2", "E2", dateTime))
	})
	want := []string{"2024-05-06T08:30:00", "2024-05-06T13:00:00", "2024-05-06T09:15:30", "2024-05-06T17:45:00", "2024-05-06T10:00:00"}
	if diff := cmp.Diff(want, secondRow(t, data)); diff != "" {
		t.Errorf("excelize-built date-times (-want +got):\n%s", diff)
	}

	// Written by hand, as programs write serials: 17 digits (what Go and
	// Python write), 15 (what Excel writes), a time alone, the 1904 date
	// system, a fraction of a second below midnight, and a time half a
	// second past (which the cell shows as the next second).
	const styles = `<styleSheet ` + mainNS + `><cellXfs><xf numFmtId="0"/><xf numFmtId="22"/></cellXfs></styleSheet>`
	book := func(pr, cells string) []byte {
		return zipParts(minimalWorkbook[0],
			[2]string{"xl/workbook.xml", `<workbook ` + mainNS + ` xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` + pr +
				`<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`},
			minimalWorkbook[2], [2]string{"xl/styles.xml", styles},
			[2]string{"xl/worksheets/sheet1.xml", `<worksheet ` + mainNS + `><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>` +
				`<row r="2">` + cells + `</row></sheetData></worksheet>`})
	}
	c := func(ref, v string) string { return `<c r="` + ref + `" s="1"><v>` + v + `</v></c>` }
	for _, tc := range []struct {
		name, pr, cells string
		want            []string
	}{
		{"1900", "", c("A2", "45418.354166666664") + c("B2", "45418.5416666667") + c("C2", "0.35416666666666663") + c("D2", "45418.99999999") +
			c("E2", "45418.5416736111") + c("F2", "45418.5416597222"), []string{"2024-05-06T08:30:00", "2024-05-06T13:00:00", "1899-12-30T08:30:00",
			"2024-05-07T00:00:00", "2024-05-06T13:00:01", "2024-05-06T12:59:59"}},
		{"1904", `<workbookPr date1904="1"/>`, c("A2", "43956.354166666664") + c("B2", "43956.5"),
			[]string{"2024-05-06T08:30:00", "2024-05-06T12:00:00"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, secondRow(t, book(tc.pr, tc.cells))); diff != "" {
				t.Errorf("cells (-want +got):\n%s", diff)
			}
		})
	}
}

// secondRow is the second row of the XLSX file data, every cell of which
// must be a serial.
func secondRow(t *testing.T, data []byte) []string {
	t.Helper()
	r, err := Open(data, MediaXLSX, DefaultLimits(100))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for {
		num, cells, err := r.Next()
		if errors.Is(err, io.EOF) {
			t.Fatal("no second row")
		}
		if err != nil {
			t.Fatal(err)
		}
		if num != 2 {
			continue
		}
		for i := range cells {
			if !r.Serial(i) {
				t.Errorf("cell %d (%q) is no serial", i, cells[i])
			}
		}
		return cells
	}
}
