package sheet

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
)

type row struct {
	N     int
	Cells []string
}

// readAll reads data whole, and checks that the same file received in
// pieces of 1 to 5 bytes (characters and rows cut anywhere) reads the same.
func readAll(t *testing.T, data []byte, ct string, lim Limits) ([]row, Info, error) {
	t.Helper()
	rows, info, err := read(Open(data, ct, lim))
	var pieces Pieces
	for rest, n := data, 1; len(rest) > 0; n = n%5 + 1 {
		pieces = append(pieces, rest[:min(n, len(rest))])
		rest = rest[min(n, len(rest)):]
	}
	prows, pinfo, perr := read(OpenPieces(pieces, ct, lim))
	if fmt.Sprint(perr) != fmt.Sprint(err) || !cmp.Equal(prows, rows) || pinfo != info {
		t.Errorf("in pieces: %v %v %v\nwhole: %v %v %v", prows, pinfo, perr, rows, info, err)
	}
	return rows, info, err
}

func read(r Reader, err error) ([]row, Info, error) {
	if err != nil {
		return nil, Info{}, err
	}
	defer r.Close()
	var out []row
	for {
		n, cells, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out, r.Info(), nil
		}
		if err != nil {
			return out, r.Info(), err
		}
		out = append(out, row{n, append([]string(nil), cells...)})
	}
}

func reason(err error) string {
	if e, ok := AsError(err); ok {
		return e.Reason
	}
	if err != nil {
		return "other: " + err.Error()
	}
	return ""
}

func TestCSVEncodingsAndRows(t *testing.T) {
	lim := DefaultLimits(100)
	latin := "ime;prezime;opština\nĐorđe;Čolić;Šabac\n\n;;\n\"Žana\nMarija\";Ćirić;Niš\n"
	win1250, err := charmap.Windows1250.NewEncoder().String(latin)
	if err != nil {
		t.Fatal(err)
	}
	want := []row{
		{1, []string{"ime", "prezime", "opština"}},
		{2, []string{"Đorđe", "Čolić", "Šabac"}},
		{5, []string{"Žana\nMarija", "Ćirić", "Niš"}},
	}
	for _, tc := range []struct {
		name, ct, enc string
		data          []byte
	}{
		{"utf-8", "text/csv", EncodingUTF8, []byte(latin)},
		{"utf-8 with BOM", "text/csv; charset=utf-8", EncodingUTF8BOM, append([]byte{0xEF, 0xBB, 0xBF}, latin...)},
		{"windows-1250 detected", "text/csv", Encoding1250, []byte(win1250)},
		{"windows-1250 declared", "text/csv; charset=windows-1250", Encoding1250, []byte(win1250)},
		{"no content type", "", Encoding1250, []byte(win1250)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, info, err := readAll(t, tc.data, tc.ct, lim)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, rows); diff != "" {
				t.Fatalf("rows (-want +got):\n%s", diff)
			}
			if info.Encoding != tc.enc || info.Delimiter != ";" || info.Format != FormatCSV {
				t.Fatalf("info %+v", info)
			}
		})
	}
}

// A register saved by Excel on Windows with a Serbian (Cyrillic) locale
// ("CSV (Comma delimited)") is in Windows-1251, separated by semicolons; one
// in Windows-1250 is not taken for it, though each of its bytes is a
// Cyrillic letter there (Đorđević reads Рorрeviж).
func TestCSVWindows1251(t *testing.T) {
	lim := DefaultLimits(100)
	text := "Име;Презиме;Датум рођења;Општина;Телефон\r\n" +
		"Ђорђе;Јовановић;12.04.1990.;Шабац;064 123 4567\r\n" +
		"Љиљана;Њежић;1.2.1985.;Ниш;\r\n" +
		"\"Џенана\r\nМарија\";Ћирић-Stojković;2004;Врање;\"+381 (0)11 22\"\r\n"
	want := []row{
		{1, []string{"Име", "Презиме", "Датум рођења", "Општина", "Телефон"}},
		{2, []string{"Ђорђе", "Јовановић", "12.04.1990.", "Шабац", "064 123 4567"}},
		{3, []string{"Љиљана", "Њежић", "1.2.1985.", "Ниш", ""}},
		{4, []string{"Џенана\nМарија", "Ћирић-Stojković", "2004", "Врање", "+381 (0)11 22"}},
	}
	for _, tc := range []struct{ name, ct, text string }{
		{"detected", "text/csv", text},
		{"declared", "text/csv; charset=windows-1251", text},
		{"no content type", "application/vnd.ms-excel", text},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enc, err := charmap.Windows1251.NewEncoder().String(strings.ReplaceAll(tc.text, "Stojković", "Stojkovic"))
			if err != nil {
				t.Fatal(err)
			}
			rows, info, err := readAll(t, []byte(enc), tc.ct, lim)
			if err != nil {
				t.Fatal(err)
			}
			w := append([]row(nil), want...)
			w[3] = row{4, []string{"Џенана\nМарија", "Ћирић-Stojkovic", "2004", "Врање", "+381 (0)11 22"}}
			if diff := cmp.Diff(w, rows); diff != "" {
				t.Fatalf("rows (-want +got):\n%s", diff)
			}
			if info.Encoding != Encoding1251 || info.Delimiter != ";" {
				t.Fatalf("info %+v", info)
			}
		})
	}
	// Latin text in Windows-1250 stays Windows-1250, however few its
	// diacritics.
	for _, latin := range []string{"ime;prezime\nĐorđe;Čolić\n", "ime,prezime\nMarko,Petrović\n", "ime\nŽ\n"} {
		enc, err := charmap.Windows1250.NewEncoder().String(latin)
		if err != nil {
			t.Fatal(err)
		}
		if _, info, err := readAll(t, []byte(enc), "text/csv", lim); err != nil || info.Encoding != Encoding1250 {
			t.Errorf("%q: %+v %v, want windows-1250", latin, info, err)
		}
	}
	// A byte Windows-1251 does not define: not taken for Cyrillic.
	if _, _, err := readAll(t, []byte("ime\n\xc8\x98\xe5\n"), "text/csv; charset=windows-1251", lim); reason(err) != ReasonEncoding {
		t.Errorf("0x98 declared windows-1251: %v", err)
	}
}

func TestRefused(t *testing.T) {
	lim := DefaultLimits(100)
	// Latin-1 (ISO-8859-1) text: letters no local name uses.
	latin1, _ := charmap.ISO8859_1.NewEncoder().String("nom,prénom\nJosé,Müller\nFrançoise,Ø\nAndré,Ñ\n")
	utf16 := []byte{0xFF, 0xFE, 'i', 0, 'm', 0, 'e', 0}
	for _, tc := range []struct {
		name, ct   string
		data       []byte
		reason     string
		mentioning string
	}{
		{"iso-8859-1", "text/csv", []byte(latin1), ReasonEncoding, "code page"},
		{"utf-16", "text/csv", utf16, ReasonEncoding, "UTF-16"},
		{"other charset", "text/csv; charset=iso-8859-5", []byte("a,b\n"), ReasonEncoding, "iso-8859-5"},
		{"declared utf-8 but not", "text/csv; charset=utf-8", []byte("ime\n\xe8a\n"), ReasonEncoding, "line 2"},
		{"pdf", "application/pdf", []byte("%PDF-1.4\n"), ReasonNotSpreadsheet, "application/pdf"},
		{"pdf sent as csv", "text/csv", []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"), ReasonNotSpreadsheet, "pdf"},
		{"xls", "application/vnd.ms-excel", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, ReasonNotSpreadsheet, ".xls"},
		{"png", "image/png", []byte("\x89PNG\r\n\x1a\n"), ReasonNotSpreadsheet, "image/png"},
		{"xlsx that is not", MediaXLSX, []byte("a,b\n"), ReasonNotSpreadsheet, "zip"},
		{"empty", "text/csv", nil, ReasonEmpty, "empty"},
		{"broken zip", MediaXLSX, []byte("PK\x03\x04garbage"), ReasonCorrupt, "zip"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := readAll(t, tc.data, tc.ct, lim)
			if reason(err) != tc.reason || !strings.Contains(err.Error(), tc.mentioning) {
				t.Fatalf("got %v (%s), want %s mentioning %q", err, reason(err), tc.reason, tc.mentioning)
			}
		})
	}
}

func TestRowLimits(t *testing.T) {
	lim := DefaultLimits(3)
	// Header, three rows, then trailing blank rows: accepted.
	ok := "a,b\n1,2\n3,4\n5,6\n" + strings.Repeat(",\n", 1000)
	if rows, _, err := readAll(t, []byte(ok), "text/csv", lim); err != nil || len(rows) != 4 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	// A fourth data row is one too many, even after blank rows.
	for _, bad := range []string{"a,b\n1,2\n3,4\n5,6\n7,8\n", "a,b\n1,2\n\n\n\n7,8\n"} {
		_, _, err := readAll(t, []byte(bad), "text/csv", lim)
		if reason(err) != ReasonTooManyRows || !strings.Contains(err.Error(), "IMPORT_MAX_ROWS") {
			t.Fatalf("%q: %v", bad, err)
		}
	}
	// A million empty rows read as nothing but the header, quickly.
	million := "a,b\n" + strings.Repeat(",\n", 1_000_000)
	rows, _, err := readAll(t, []byte(million), "text/csv", DefaultLimits(50000))
	if err != nil || len(rows) != 1 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	wide := strings.Repeat("x,", 300) + "\n"
	if _, _, err := readAll(t, []byte(wide), "text/csv", lim); reason(err) != ReasonTooWide || !strings.Contains(err.Error(), "KN") {
		t.Fatalf("wide: %v", err)
	}
}

func TestColumnLetter(t *testing.T) {
	for i, want := range map[int]string{0: "A", 25: "Z", 26: "AA", 51: "AZ", 52: "BA", 701: "ZZ", 702: "AAA"} {
		if got := ColumnLetter(i); got != want || ColumnIndex(want) != i {
			t.Errorf("%d: %s (back %d), want %s", i, got, ColumnIndex(want), want)
		}
	}
}

// xlsxFile writes a workbook with excelize (test only: the project writes
// XLSX itself, in reporting).
func xlsxFile(t *testing.T, fill func(f *excelize.File, sheet string)) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	fill(f, "Sheet1")
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestXLSX(t *testing.T) {
	data := xlsxFile(t, func(f *excelize.File, s string) {
		must(t, f.SetSheetRow(s, "A1", &[]any{"ime", "datum rođenja", "broj", "formula"}))
		must(t, f.SetSheetRow(s, "A2", &[]any{"Đorđe", time.Date(2017, 3, 2, 0, 0, 0, 0, time.UTC), 42, nil}))
		must(t, f.SetCellFormula(s, "D2", "C2*2"))
		must(t, f.SetCellValue(s, "D2", 84)) // the cached value a spreadsheet program would have saved
		style, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
		must(t, f.SetCellStyle(s, "B2", "B2", style))
		must(t, f.SetSheetRow(s, "B5", &[]any{"Jovana"})) // rows 3-4 blank, column A empty
		// A formula without a saved value: TestXLSXFormulaWithoutValue.
		if _, err := f.NewSheet("vrednosti"); err != nil {
			t.Fatal(err)
		}
		must(t, f.SetCellValue("vrednosti", "A1", "ignored"))
	})
	rows, info, err := readAll(t, data, MediaXLSX, DefaultLimits(100))
	if err != nil {
		t.Fatal(err)
	}
	want := []row{
		{1, []string{"ime", "datum rođenja", "broj", "formula"}},
		{2, []string{"Đorđe", "2017-03-02", "42", "84"}},
		{5, []string{"", "Jovana"}},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Fatalf("rows (-want +got):\n%s", diff)
	}
	if info.Format != FormatXLSX || info.Sheet != "Sheet1" {
		t.Fatalf("info %+v", info)
	}
}

func TestXLSXLimits(t *testing.T) {
	t.Run("rows past the limit", func(t *testing.T) {
		data := xlsxFile(t, func(f *excelize.File, s string) {
			must(t, f.SetCellValue(s, "A1", "ime"))
			must(t, f.SetCellValue(s, "A1000", "x"))
		})
		if _, _, err := readAll(t, data, MediaXLSX, DefaultLimits(500)); reason(err) != ReasonTooManyRows {
			t.Fatalf("%v", err)
		}
	})
	t.Run("a million empty rows", func(t *testing.T) {
		var sheet strings.Builder
		sheet.WriteString(`<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>ime</t></is></c></row>`)
		for i := 2; i <= 1_000_001; i++ {
			fmt.Fprintf(&sheet, `<row r="%d"/>`, i)
		}
		sheet.WriteString(`</sheetData></worksheet>`)
		data := zipOf(t, map[string]string{"xl/worksheets/sheet1.xml": sheet.String()})
		// They read as nothing but the header (the import then says the
		// file has no data rows).
		rows, _, err := readAll(t, data, MediaXLSX, DefaultLimits(50000))
		if err != nil || len(rows) != 1 {
			t.Fatalf("%d rows, %v", len(rows), err)
		}
	})
	t.Run("zip bomb", func(t *testing.T) {
		data := zipOf(t, map[string]string{"xl/worksheets/sheet1.xml": "<worksheet>" + strings.Repeat(" ", 20<<20) + "</worksheet>"})
		lim := DefaultLimits(50000)
		_, _, err := readAll(t, data, MediaXLSX, lim)
		if reason(err) != ReasonZipBomb || !strings.Contains(err.Error(), "expands") {
			t.Fatalf("ratio: %v", err)
		}
		lim.MaxZipRatio, lim.MaxUnzippedBytes = 1e6, 8<<20
		_, _, err = readAll(t, data, MediaXLSX, lim)
		if reason(err) != ReasonZipBomb || !strings.Contains(err.Error(), "zip bomb") {
			t.Fatalf("%v", err)
		}
	})
	t.Run("lying sizes", func(t *testing.T) {
		data := zipOf(t, map[string]string{"xl/worksheets/sheet1.xml": "<worksheet><sheetData>" + strings.Repeat("<row/>", 1000) + "</sheetData></worksheet>"})
		// Declare the sheet tiny: archive/zip refuses to inflate more.
		i := bytes.Index(data, []byte("xl/worksheets/sheet1.xml"))
		i = bytes.Index(data[i+1:], []byte("xl/worksheets/sheet1.xml")) + i + 1 - 46 // its central directory entry
		hdr := data[i:]
		hdr[24], hdr[25], hdr[26], hdr[27] = 10, 0, 0, 0 // uncompressed size in the central directory
		_, _, err := readAll(t, data, MediaXLSX, DefaultLimits(50000))
		if reason(err) != ReasonCorrupt {
			t.Fatalf("%v", err)
		}
	})
	t.Run("damaged sheet XML", func(t *testing.T) {
		data := zipOf(t, map[string]string{"xl/worksheets/sheet1.xml": `<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>ime</t></is></c></row><row r="2"><c r="A2"`})
		if _, _, err := readAll(t, data, MediaXLSX, DefaultLimits(50000)); reason(err) != ReasonCorrupt || !strings.Contains(err.Error(), "damaged") {
			t.Fatalf("%v", err)
		}
	})
}

// zipOf builds a minimal workbook around the given parts (deflated).
func zipOf(t *testing.T, parts map[string]string) []byte {
	t.Helper()
	all := map[string]string{}
	for _, p := range minimalWorkbook {
		all[p[0]] = p[1]
	}
	for k, v := range parts {
		all[k] = v
	}
	var list [][2]string
	for name, body := range all {
		list = append(list, [2]string{name, body})
	}
	return zipParts(list...)
}

// minimalWorkbook is the parts of a workbook of one worksheet but the
// worksheet itself (xl/worksheets/sheet1.xml).
var minimalWorkbook = [][2]string{
	{"[Content_Types].xml", `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`},
	{"xl/workbook.xml", `<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
		`<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>`},
	{"xl/_rels/workbook.xml.rels", `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`},
	{"xl/styles.xml", `<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>`},
}

// zipParts is a zip archive of the parts in this order (deflated); one
// name may come twice.
func zipParts(parts ...[2]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		w, err := zw.Create(p[0])
		if err != nil {
			panic(err) // writing to memory
		}
		if _, err := io.WriteString(w, p[1]); err != nil {
			panic(err)
		}
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// must fails the test on a spreadsheet library error.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestCSVSepLine: a "sep=;" first line (written by exporters so that Excel
// opens the file in any locale, and hidden by Excel, whose row 1 is the
// header under it) names the delimiter and is no row; before, it was read
// as the header ("sep=" an unknown column, the real header a data row).
func TestCSVSepLine(t *testing.T) {
	want := []row{{1, []string{"ime", "prezime", "napomena"}}, {2, []string{"Ana", "Anić", "a, b"}}}
	for _, data := range []string{"sep=;\nime;prezime;napomena\nAna;Anić;a, b\n", "\xef\xbb\xbfSEP=;\r\nime;prezime;napomena\r\nAna;Anić;a, b\r\n",
		"sep=\t\nime\tprezime\tnapomena\nAna\tAnić\ta, b\n", "sep=,\nime,prezime,napomena\nAna,Anić,\"a, b\"\n"} {
		rows, info, err := readAll(t, []byte(data), "text/csv", DefaultLimits(100))
		if err != nil || !cmp.Equal(rows, want) || info.Delimiter != string(data[strings.Index(data, "=")+1]) {
			t.Errorf("%q: %v %+v %v", data, rows, info, err)
		}
	}
	// Only the first line, and only of that form: a header named "sep" stays.
	rows, _, err := readAll(t, []byte("sep,ime\n1,Ana\n"), "text/csv", DefaultLimits(100))
	if err != nil || len(rows) != 2 || rows[0].Cells[0] != "sep" {
		t.Errorf("a sep column: %v %v", rows, err)
	}
}

// TestCSVMacLineEnds: a CSV whose lines end in a carriage return alone, as
// Excel for Mac saves "CSV (Macintosh)", reads as the lines a spreadsheet
// shows (blank lines and a quoted cell of two lines included), in every
// encoding; a lone carriage return in a file with line feeds stays in its
// cell, as before.
func TestCSVMacLineEnds(t *testing.T) {
	text := "ime;prezime;napomena\rĐorđe;Čolić;\"prvi red\rdrugi red\"\r\r;;\rŽana;Ćirić;x\r"
	want := []row{
		{1, []string{"ime", "prezime", "napomena"}},
		{2, []string{"Đorđe", "Čolić", "prvi red\ndrugi red"}},
		{5, []string{"Žana", "Ćirić", "x"}},
	}
	win1250, err := charmap.Windows1250.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"utf-8": text, "utf-8 with BOM": "\xef\xbb\xbf" + text,
		"windows-1250": win1250, "sep line": "sep=;\r" + text} {
		rows, info, err := readAll(t, []byte(data), "text/csv", DefaultLimits(100))
		if err != nil || !cmp.Equal(rows, want) || info.Delimiter != ";" {
			t.Errorf("%s: %v %+v %v", name, rows, info, err)
		}
	}
	rows, _, err := readAll(t, []byte("ime,napomena\nAna,a\rb\n"), "text/csv", DefaultLimits(100))
	if err != nil || len(rows) != 2 || rows[1].Cells[1] != "a\rb" {
		t.Errorf("a carriage return in a file of line feeds: %v %v", rows, err)
	}
}
