package sheet

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The .ods files in testdata were written by LibreOffice 7.4 (soffice
// --headless --convert-to ods) from the sources in testdata/ods-sources:
// register.ods from register.xlsx (written by ods-sources/xlsx.go),
// features.ods from features.fods (OpenDocument's flat XML, for what an
// XLSX file cannot hold: typed yes/no cells, notes, a range merged across
// columns and rows), participants.ods from participants.csv, wide.ods from
// a workbook with data in column AZ.

func testdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// readFull reads every row with what the reader says of it.
type readRow struct {
	N      int
	Cells  []string
	Serial []bool
	Hidden bool
}

func readRows(t *testing.T, data []byte, ct string, lim Limits) ([]readRow, Reader) {
	t.Helper()
	r, err := Open(data, ct, lim)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(r.Close)
	var out []readRow
	for {
		n, cells, err := r.Next()
		if err == io.EOF {
			return out, r
		}
		if err != nil {
			t.Fatalf("after %v: %v", out, err)
		}
		rr := readRow{N: n, Cells: append([]string(nil), cells...), Hidden: r.Hidden()}
		for i := range cells {
			rr.Serial = append(rr.Serial, r.Serial(i))
		}
		out = append(out, rr)
	}
}

// TestODSReadsAsTheXLSXItWasSavedFrom: the OpenDocument spreadsheet
// LibreOffice saves of an XLSX workbook reads as that workbook does, row for
// row: the first sheet not hidden, dates and date-times (date-typed cells)
// as the dates they show and reported as such, numbers and percentages as
// stored, two spaces kept (text:s), two lines (two text:p) and text in two
// formats (text:span) as one cell, a merged cell below the header filling
// its range, a hidden row and a hidden column, and the sheet's trailing
// repeated empty rows and columns not read. Before, the file was refused.
func TestODSReadsAsTheXLSXItWasSavedFrom(t *testing.T) {
	lim := DefaultLimits(100)
	ods, odsR := readRows(t, testdata(t, "register.ods"), MediaODS, lim)
	xlsx, xlsxR := readRows(t, testdata(t, "register.xlsx"), MediaXLSX, lim)
	for i, r := range xlsx { // the empty cells Excel writes after the last
		for len(r.Cells) > 0 && r.Cells[len(r.Cells)-1] == "" {
			r.Cells, r.Serial = r.Cells[:len(r.Cells)-1], r.Serial[:len(r.Serial)-1]
		}
		xlsx[i] = r
	}
	if diff := cmp.Diff(xlsx, ods); diff != "" {
		t.Errorf("ODS rows differ from the XLSX ones (-xlsx +ods):\n%s", diff)
	}
	if got, want := odsR.Info(), (Info{Format: FormatODS, Sheet: "Registar"}); got != want {
		t.Errorf("info %+v, want %+v", got, want)
	}
	if xlsxR.Info().Sheet != "Registar" {
		t.Errorf("the XLSX file read sheet %q", xlsxR.Info().Sheet)
	}
	for i := range 10 {
		if got, want := odsR.HiddenColumn(i), xlsxR.HiddenColumn(i); got != want || got != (i == 8) {
			t.Errorf("column %d hidden: ODS %v, XLSX %v, want %v", i, got, want, i == 8)
		}
	}
	// What the XLSX file holds, so that the comparison compares something.
	want := []string{"Ana  Marija", "Petrović", "1990-04-12", "2024-03-01T08:30:00", "1234.5", "0.25", "1", "Šid", "x"}
	if len(ods) != 6 || !cmp.Equal(ods[1].Cells, want) || !ods[4].Hidden || ods[3].Cells[7] != "Sombor" || ods[5].Cells[0] != "Vesna\nMila" ||
		ods[5].Cells[1] != "Jovanović" || !ods[1].Serial[2] || !ods[1].Serial[3] || ods[3].Serial[2] {
		t.Errorf("rows %+v", ods)
	}
}

// TestODSFeatures: what LibreOffice writes that an XLSX file cannot say:
// yes/no cells (office:boolean-value, read 1 and 0 as an XLSX cell holds
// them), a note in a cell (office:annotation, not its text), three spaces
// (one and text:s c="2"), a range merged across two columns and two rows
// below the header (each cell its value; the covered cells, some repeated,
// hold nothing), blank rows keeping their numbers, and a hidden first sheet
// (its table style display="false") not read.
func TestODSFeatures(t *testing.T) {
	rows, r := readRows(t, testdata(t, "features.ods"), MediaODS, DefaultLimits(100))
	f := []bool{false, false, false}
	want := []readRow{
		{1, []string{"ime", "prezime", "prisutan", "napomena"}, []bool{false, false, false, false}, false},
		{2, []string{"Ana   Marija", "Petrović", "1", "prvi i drugi deo"}, []bool{false, false, false, false}, false},
		{3, []string{"Isti", "Red", "0"}, f, false},
		{4, []string{"Isti", "Red", "0"}, f, false},
		{5, []string{"Isti", "Red", "0"}, f, false},
		{6, []string{"Spojeno", "Spojeno", "a"}, f, false},
		{7, []string{"Spojeno", "Spojeno", "b"}, f, false},
		{10, []string{"Zadnji", "Red"}, []bool{false, false}, false},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if r.Info().Sheet != "Učesnici" {
		t.Errorf("sheet %q", r.Info().Sheet)
	}
}

// TestODSFromCSV: a CSV file LibreOffice opened and saved as .ods: its
// dates are date cells, its percentages percentages, TRUE stays text, and
// the blank row keeps its number; the same rows as the CSV file, dates
// apart (the CSV cell is text, the ODS cell a date).
func TestODSFromCSV(t *testing.T) {
	rows, _ := readRows(t, testdata(t, "participants.ods"), "", DefaultLimits(100))
	csvRows, _ := readRows(t, testdata(t, "ods-sources/participants.csv"), MediaCSV, DefaultLimits(100))
	if len(rows) != 6 || len(csvRows) != 6 {
		t.Fatalf("%d rows, CSV %d", len(rows), len(csvRows))
	}
	for i := range rows {
		if rows[i].N != csvRows[i].N || rows[i].Cells[0] != csvRows[i].Cells[0] || rows[i].Cells[3] != csvRows[i].Cells[3] {
			t.Errorf("row %+v, CSV %+v", rows[i], csvRows[i])
		}
	}
	if got := rows[1]; got.Cells[2] != "1990-04-12" || !got.Serial[2] || got.Cells[4] != "0.5" {
		t.Errorf("row 2 %+v", got)
	}
	if rows[5].N != 7 {
		t.Errorf("last row %d, want 7", rows[5].N)
	}
}

// TestODSLimits: the row, column and cell limits apply as to XLSX files.
func TestODSLimits(t *testing.T) {
	lim := DefaultLimits(3)
	_, _, err := readAll(t, testdata(t, "participants.ods"), MediaODS, lim)
	if reason(err) != ReasonTooManyRows || !strings.Contains(err.Error(), "row 5 has data") {
		t.Errorf("rows: %s %v", reason(err), err)
	}
	lim = DefaultLimits(100)
	lim.MaxColumns = 20
	_, _, err = readAll(t, testdata(t, "wide.ods"), MediaODS, lim)
	if reason(err) != ReasonTooWide || !strings.Contains(err.Error(), "row 2 has data in column AZ") {
		t.Errorf("columns: %s %v", reason(err), err)
	}
	lim = DefaultLimits(100)
	lim.MaxCellBytes = 10
	_, _, err = readAll(t, testdata(t, "register.ods"), MediaODS, lim)
	if reason(err) != ReasonCellTooLong || !strings.Contains(err.Error(), "cell C1") {
		t.Errorf("cell: %s %v", reason(err), err)
	}
}

const odsNS = `xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" ` +
	`xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"`

// odsWith is the real register.ods with its content.xml (and, when given,
// manifest) replaced: a hostile or damaged file as a real one carries it.
func odsWith(t testing.TB, content string, manifest string) []byte {
	t.Helper()
	data := testdata(t, "register.ods")
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		replace, ok := map[string]string{"content.xml": content, "META-INF/manifest.xml": manifest}[f.Name]
		if !ok || replace == "" {
			if err := zw.Copy(f); err != nil {
				t.Fatal(err)
			}
			continue
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate})
		if err == nil {
			_, err = io.WriteString(w, replace)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func odsSheet(rows string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><office:document-content ` + odsNS + `><office:body><office:spreadsheet><table:table table:name="S">` +
		`<table:table-column table:number-columns-repeated="16384"/>` +
		`<table:table-row><table:table-cell office:value-type="string"><text:p>ime</text:p></table:table-cell><table:table-cell table:number-columns-repeated="16383"/></table:table-row>` +
		rows + `</table:table></office:spreadsheet></office:body></office:document-content>`
}

// TestODSHostile: what a crafted file says to make the reader work or
// allocate without end is refused, or read without doing so: empty rows
// and columns repeated to the largest sheet (read as nothing, in a few
// KiB), a row with data repeated a million times and a merged range a
// million rows tall (refused at the row limit), a text:s of a billion
// spaces (refused at the cell limit before one is written), counts that
// are not counts, a zip bomb.
func TestODSHostile(t *testing.T) {
	cell := `<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell>`
	for _, tc := range []struct {
		name, rows, reason, mention string
	}{
		{"blank rows and columns", strings.Repeat(`<table:table-row table:number-rows-repeated="16777216"><table:table-cell table:number-columns-repeated="16777216"/></table:table-row>`, 64), "", ""},
		{"a row after blank ones", `<table:table-row table:number-rows-repeated="16777216"><table:table-cell table:number-columns-repeated="16384"/></table:table-row><table:table-row>` + cell + `</table:table-row>`,
			ReasonTooManyRows, "row 16777218 has data"},
		{"a row with data repeated", `<table:table-row table:number-rows-repeated="1048575">` + cell + `<table:table-cell table:number-columns-repeated="16383"/></table:table-row>`,
			ReasonTooManyRows, "row 102 has data"},
		{"a cell repeated across columns", `<table:table-row><table:table-cell office:value-type="string" table:number-columns-repeated="16384"><text:p>x</text:p></table:table-cell></table:table-row>`,
			ReasonTooWide, "row 2 has data in column XFD"},
		{"a tall merged range", `<table:table-row><table:table-cell office:value-type="string" table:number-rows-spanned="16777216"><text:p>x</text:p></table:table-cell></table:table-row>` +
			`<table:table-row table:number-rows-repeated="16777216"><table:covered-table-cell/></table:table-row>`, ReasonTooManyRows, "row 102 has data"},
		{"merged ranges over each other", strings.Repeat(`<table:table-row><table:table-cell office:value-type="string" table:number-rows-spanned="16777216" table:number-columns-spanned="200"><text:p>x</text:p></table:table-cell></table:table-row>`, 50) +
			`<table:table-row table:number-rows-repeated="16777216"><table:covered-table-cell table:number-columns-repeated="200"/></table:table-row>`,
			ReasonTooManyRows, "row 102 has data"},
		{"a billion spaces", `<table:table-row><table:table-cell office:value-type="string"><text:p>x<text:s text:c="1000000000"/></text:p></table:table-cell></table:table-row>`,
			ReasonCellTooLong, "cell A2 is more than"},
		{"a count that is not one", `<table:table-row table:number-rows-repeated="-1">` + cell + `</table:table-row>`, ReasonCorrupt, "number-rows-repeated"},
		{"a count past any sheet", `<table:table-row>` + `<table:table-cell table:number-columns-repeated="99999999999"/>` + `</table:table-row>`, ReasonCorrupt, "number-columns-repeated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := odsWith(t, odsSheet(tc.rows), "")
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			rows, _, err := readAll(t, data, MediaODS, DefaultLimits(100))
			runtime.ReadMemStats(&after)
			if reason(err) != tc.reason || !strings.Contains(fmt.Sprint(err), tc.mention) {
				t.Errorf("%s %v, want %s mentioning %q", reason(err), err, tc.reason, tc.mention)
			}
			// Read twice (readAll reads it in pieces too): well under the
			// rows the file claims (a byte each would be 16 MiB).
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
				t.Errorf("reading allocated %d KiB", alloc>>10)
			}
			if tc.reason == "" && len(rows) != 1 {
				t.Errorf("rows %v, want the header", rows)
			}
		})
	}
	lim := DefaultLimits(100)
	lim.MaxUnzippedBytes = 1 << 20
	_, _, err := readAll(t, odsWith(t, odsSheet(strings.Repeat(`<table:table-row><table:table-cell/></table:table-row>`, 1<<15)), ""), MediaODS, lim)
	if reason(err) != ReasonZipBomb {
		t.Errorf("zip bomb: %s %v", reason(err), err)
	}
}

// TestODSRefused: a password-protected file (its manifest gives content.xml
// encryption data), a damaged one, a file sent as ODS that is not a zip
// archive, and other OpenDocument files are refused with what to do.
func TestODSRefused(t *testing.T) {
	real := testdata(t, "register.ods")
	encrypted := odsWith(t, "\x8f\x02\xa7 not XML: encrypted bytes", `<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">`+
		`<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>`+
		`<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml" manifest:size="13944"><manifest:encryption-data manifest:checksum-type="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0#sha256-1k" manifest:checksum="x">`+
		`<manifest:algorithm manifest:algorithm-name="http://www.w3.org/2001/04/xmlenc#aes256-cbc" manifest:initialisation-vector="x"/></manifest:encryption-data></manifest:file-entry></manifest:manifest>`)
	var content string
	if zr, err := zip.NewReader(bytes.NewReader(real), int64(len(real))); err == nil {
		for _, f := range zr.File {
			if f.Name == "content.xml" {
				rc, err := f.Open()
				must(t, err)
				b, err := io.ReadAll(rc)
				must(t, err)
				content = string(b)
			}
		}
	}
	if content == "" {
		t.Fatal("no content.xml in register.ods")
	}
	text := zipParts([2]string{"mimetype", "application/vnd.oasis.opendocument.text"}, [2]string{"content.xml", "<x/>"})
	for _, tc := range []struct {
		name        string
		data        []byte
		contentType string
		reason      string
		mention     string
	}{
		{"password-protected", encrypted, MediaODS, ReasonNotSpreadsheet, "password-protected"},
		{"cut short", real[:len(real)/2], MediaODS, ReasonCorrupt, "not a valid XLSX or ODS (zip) file"},
		{"content cut short", odsWith(t, content[:len(content)/2], ""), MediaODS, ReasonCorrupt, "content is damaged"},
		{"content empty", odsWith(t, " ", ""), "", ReasonCorrupt, "content is damaged"},
		{"no sheet", odsWith(t, `<office:document-content `+odsNS+`><office:body><office:spreadsheet/></office:body></office:document-content>`, ""), "", ReasonEmpty, "no worksheet"},
		{"not a zip archive", []byte("ime;prezime\nAna;Petrović\n"), MediaODS, ReasonNotSpreadsheet, "sent as an OpenDocument spreadsheet"},
		{"a text document", text, MediaODS, ReasonNotSpreadsheet, `OpenDocument file of type "application/vnd.oasis.opendocument.text"`},
		{"an ODS sent as CSV", real, MediaCSV, ReasonNotSpreadsheet, "send XLSX files as"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := readAll(t, tc.data, tc.contentType, DefaultLimits(100))
			if reason(err) != tc.reason || !strings.Contains(fmt.Sprint(err), tc.mention) {
				t.Errorf("%s %v, want %s mentioning %q", reason(err), err, tc.reason, tc.mention)
			}
		})
	}
}

// TestODSByContent: an ODS file is read whatever media type it was sent as
// (browsers send .ods files as application/octet-stream, or as XLSX when
// renamed), as an XLSX file is.
func TestODSByContent(t *testing.T) {
	for _, ct := range []string{MediaODS, "application/octet-stream", MediaXLSX, ""} {
		rows, info, err := readAll(t, testdata(t, "features.ods"), ct, DefaultLimits(100))
		if err != nil || info.Format != FormatODS || len(rows) != 8 {
			t.Errorf("%q: %v %+v %d rows", ct, err, info, len(rows))
		}
	}
}
