package sheet

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
)

// TestXLSXLibraryPanics feeds crafted workbooks that made the XLSX library
// panic in its own goroutine (v1.2.8), killing the process: a panic here
// kills the test binary, so each case passing shows the file is refused
// before the library reads it.
func TestXLSXLibraryPanics(t *testing.T) {
	const strs = `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="3" uniqueCount="2">` +
		`<si><t>ime</t></si><si><r><t>Jo</t></r><r><t>vana</t></r></si></sst>`
	workbook := func(cells, sharedStrings string) []byte {
		parts := map[string]string{"xl/worksheets/sheet1.xml": `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
			`<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2">` + cells + `</row></sheetData></worksheet>`,
			"xl/styles.xml": `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs></styleSheet>`}
		if sharedStrings != "" {
			parts["xl/sharedStrings.xml"] = sharedStrings
		}
		return zipOf(t, parts)
	}
	for _, tc := range []struct {
		name, cells, strs, mention string
	}{
		{"negative index", `<c r="B2" t="s"><v>-1</v></c>`, strs, `cell "B2" (row 2) refers to shared string "-1", which the workbook does not have (it has 2, numbered from 0)`},
		{"index past the last", `<c r="B2" t="s"><v>2</v></c>`, strs, `shared string "2", which the workbook does not have (it has 2,`},
		{"not a number", `<c r="B2" t="s"><v>jedan</v></c>`, strs, `shared string "jedan"`},
		{"spaces", `<c r="B2" t="s"><v> 1</v></c>`, strs, `shared string " 1"`},
		{"empty value", `<c r="B2" t="s"><v/></c>`, strs, `shared string ""`},
		{"CDATA", `<c r="B2" t="s"><v><![CDATA[-1]]></v></c>`, strs, `shared string "-1"`},
		{"value deep in the cell", `<c r="B2" t="s"><is><t>x</t><v>-1</v></is></c>`, strs, `shared string "-1"`},
		{"type in another namespace", `<c r="B2" xmlns:x="urn:x" x:t="s"><v>-1</v></c>`, strs, `shared string "-1"`},
		{"no shared strings", `<c r="B2" t="s"><v>0</v></c>`, "", `(it has 0,`},
		{"negative count", `<c r="B2" t="s"><v>1</v></c>`, strings.Replace(strs, `count="3"`, `count="-1"`, 1), "claim -1 references"},
		{"huge count", `<c r="B2" t="s"><v>1</v></c>`, strings.Replace(strs, `count="3"`, `count="100000000000"`, 1), "claim 100000000000 references"},
		{"damaged shared strings", `<c r="B2" t="s"><v>1</v></c>`, strs[:len(strs)-6], "shared strings are damaged"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantRead(t, workbook(tc.cells, tc.strs), tc.mention, nil) })
	}

	// What the library reads from the same inputs without panicking is
	// left to it: valid indexes, a count above the unique strings (it
	// counts references), a count that is not a number, style indexes it
	// does not have (a map lookup), dates from absurd numbers (wrong,
	// not fatal), and its own errors.
	for _, tc := range []struct {
		name, cells, strs string
		want              []string // row 2 (nil: any)
		mention           string   // or the error
	}{
		{"valid indexes", `<c r="A2" t="s"><v>1</v></c><c r="B2" t="s"><v>+0</v></c>`, strs, []string{"Jovana", "ime"}, ""},
		{"count not a number", `<c r="A2" t="s"><v>1</v></c>`, strings.Replace(strs, `count="3"`, `count="mnogo"`, 1), []string{"Jovana"}, ""},
		{"styles it lacks", `<c r="A2" s="-1"><v>7</v></c><c r="B2" s="99999999"><v>8</v></c>`, strs, []string{"7", "8"}, ""},
		{"date styles on absurd numbers", `<c r="A2" s="1"><v>1e308</v></c><c r="B2" s="1"><v>NaN</v></c><c r="C2" s="1"><v>-Inf</v></c>`, strs, nil, ""},
		{"style not a number", `<c r="A2" s="x"><v>7</v></c>`, strs, nil, "row 2 of the worksheet cannot be read"},
		{"inline string without its text", `<c r="A2" t="inlineStr"><v>7</v></c>`, strs, nil, "row 2 of the worksheet cannot be read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want []row // nil: what it makes of the number varies with the platform
			if tc.want != nil {
				want = []row{{1, []string{"ime"}}, {2, tc.want}}
			}
			wantRead(t, workbook(tc.cells, tc.strs), tc.mention, want)
		})
	}
}

// wantRead reads data (an XLSX file): given a mention, it must be refused
// as a corrupt file saying so; else it must read as want (nil: any rows).
func wantRead(t *testing.T, data []byte, mention string, want []row) {
	t.Helper()
	rows, _, err := readAll(t, data, MediaXLSX, DefaultLimits(100))
	if mention != "" {
		if reason(err) != ReasonCorrupt || !strings.Contains(err.Error(), mention) {
			t.Fatalf("rows %v, error %v; want %s mentioning %q", rows, err, ReasonCorrupt, mention)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, rows); want != nil && diff != "" {
		t.Fatalf("rows (-want +got):\n%s", diff)
	}
}

// Parts of crafted workbooks.
const (
	mainNS   = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	relsHead = `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`
	sst1     = `<sst ` + mainNS + ` count="1" uniqueCount="1"><si><t>ime</t></si></sst>`
	goodWS   = `<worksheet ` + mainNS + `><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>`
	// badWS would make the library panic (a negative shared-string index).
	badWS = `<worksheet ` + mainNS + `><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>-1</v></c></row></sheetData></worksheet>`
)

func workbookXML(sheets ...string) string { // name, relationship id, ...
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><workbook ` + mainNS + ` xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>`)
	for i := 0; i+1 < len(sheets); i += 2 {
		fmt.Fprintf(&b, `<sheet name="%s" sheetId="%d" r:id="%s"/>`, sheets[i], i/2+1, sheets[i+1])
	}
	b.WriteString(`</sheets></workbook>`)
	return b.String()
}

func relsXML(rels ...string) string { // id, target, ...
	var b strings.Builder
	b.WriteString(relsHead)
	for i := 0; i+1 < len(rels); i += 2 {
		fmt.Fprintf(&b, `<Relationship Id="%s" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="%s"/>`, rels[i], rels[i+1])
	}
	b.WriteString(`</Relationships>`)
	return b.String()
}

// crafted is a workbook of the given parts in this order, after
// [Content_Types].xml, styles and shared strings (one: "ime").
func crafted(parts ...[2]string) []byte {
	return zipParts(append([][2]string{minimalWorkbook[0], minimalWorkbook[3], {"xl/sharedStrings.xml", sst1}}, parts...)...)
}

// TestXLSXWorksheetPart: the worksheet scanned before the library reads
// it is the part the library reads (audit finding: with a sheet name
// listed twice, or a target written "./worksheets/sheet1.xml", the scan
// checked one part and the library read another, whose negative
// shared-string index panicked in the library's goroutine and ended the
// process; here, the test binary). Whatever would make the library read
// a part a person would not expect is refused, and no part of the file
// may hold a negative index.
func TestXLSXWorksheetPart(t *testing.T) {
	wb, rels := func(s ...string) [2]string { return [2]string{"xl/workbook.xml", workbookXML(s...)} },
		func(r ...string) [2]string { return [2]string{"xl/_rels/workbook.xml.rels", relsXML(r...)} }
	ws := func(name, body string) [2]string { return [2]string{name, body} }
	for _, tc := range []struct {
		name    string
		data    []byte
		mention string // or "" to be read as the good worksheet
	}{
		{"one name twice (the library keeps the last)", crafted(wb("S", "rId1", "S", "rId2"), rels("rId1", "worksheets/sheet1.xml", "rId2", "worksheets/sheet2.xml"),
			ws("xl/worksheets/sheet1.xml", goodWS), ws("xl/worksheets/sheet2.xml", badWS)), `the workbook lists two worksheets named "S"`},
		{"one name twice, the first bad", crafted(wb("S", "rId1", "S", "rId2"), rels("rId1", "worksheets/sheet2.xml", "rId2", "worksheets/sheet1.xml"),
			ws("xl/worksheets/sheet1.xml", goodWS), ws("xl/worksheets/sheet2.xml", badWS)), `the workbook lists two worksheets named "S"`},
		{"target with ./ (the library does not clean it)", crafted(wb("S", "rId1"), rels("rId1", "./worksheets/sheet1.xml"),
			ws("xl/worksheets/sheet1.xml", goodWS), ws("xl/./worksheets/sheet1.xml", badWS)), `stored at "xl/./worksheets/sheet1.xml", a path a spreadsheet program never writes`},
		{"target with ..", crafted(wb("S", "rId1"), rels("rId1", "media/../worksheets/sheet1.xml"),
			ws("xl/worksheets/sheet1.xml", goodWS), ws("xl/media/../worksheets/sheet1.xml", badWS)), `a path a spreadsheet program never writes`},
		{"target with //", crafted(wb("S", "rId1"), rels("rId1", "worksheets//sheet1.xml"),
			ws("xl/worksheets/sheet1.xml", goodWS), ws("xl/worksheets//sheet1.xml", badWS)), `a path a spreadsheet program never writes`},
		{"absolute target", crafted(wb("S", "rId1"), rels("rId1", "/xl/worksheets/sheet1.xml"), ws("xl/worksheets/sheet1.xml", goodWS)), ""},
		{"relationship id twice (the library takes the first)", crafted(wb("S", "rId1"), rels("rId1", "worksheets/sheet1.xml", "rId1", "worksheets/sheet2.xml"),
			ws("xl/worksheets/sheet1.xml", goodWS), ws("xl/worksheets/sheet2.xml", `<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>x</v></c></row></sheetData></worksheet>`)), ""},
		{"one zip entry name twice, the second bad", crafted(wb("S", "rId1"), rels("rId1", "worksheets/sheet1.xml"),
			ws("xl/worksheets/sheet1.xml", goodWS), ws("xl/worksheets/sheet1.xml", badWS)), `the XLSX part xl/worksheets/sheet1.xml has a cell ("A2") referring to shared string -1`},
		{"one zip entry name twice, the first bad", crafted(wb("S", "rId1"), rels("rId1", "worksheets/sheet1.xml"),
			ws("xl/worksheets/sheet1.xml", badWS), ws("xl/worksheets/sheet1.xml", goodWS)), `cell "A2" (row 2) refers to shared string "-1"`},
		{"the second sheet bad", crafted(wb("S", "rId1", "T", "rId2"), rels("rId1", "worksheets/sheet1.xml", "rId2", "worksheets/sheet2.xml"),
			ws("xl/worksheets/sheet1.xml", goodWS), ws("xl/worksheets/sheet2.xml", badWS)), `the XLSX part xl/worksheets/sheet2.xml has a cell ("A2") referring to shared string -1`},
		{"a part no sheet names bad", crafted(wb("S", "rId1"), rels("rId1", "worksheets/sheet1.xml"),
			ws("xl/worksheets/sheet1.xml", goodWS), ws("xl/media/image1.png", badWS)), `the XLSX part xl/media/image1.png has a cell`},
		{"a second sheet damaged, an image", crafted(wb("S", "rId1", "T", "rId2"), rels("rId1", "worksheets/sheet1.xml", "rId2", "worksheets/sheet2.xml"),
			ws("xl/worksheets/sheet1.xml", goodWS), ws("xl/worksheets/sheet2.xml", `<worksheet><sheetData><row>`), ws("xl/media/image1.png", "\x89PNG\r\n\x1a\n\x00\x00<c t=\"s\"><v>-1</v></c>")), ""},
		{"a sheet without its relationship", crafted(wb("S", "rId1", "T", "rId9"), rels("rId1", "worksheets/sheet1.xml"), ws("xl/worksheets/sheet1.xml", goodWS)), "is not a readable XLSX workbook"},
		{"date system neither true nor false", zipParts(minimalWorkbook[0], minimalWorkbook[2], minimalWorkbook[3], ws("xl/worksheets/sheet1.xml", goodWS), ws("xl/sharedStrings.xml", sst1),
			ws("xl/workbook.xml", strings.Replace(workbookXML("S", "rId1"), "<sheets>", `<workbookPr date1904="yes"/><sheets>`, 1))), `date system (date1904="yes") is neither true nor false`},
	} {
		t.Run(tc.name, func(t *testing.T) { wantRead(t, tc.data, tc.mention, []row{{1, []string{"ime"}}}) })
	}
}

// TestXLSXDate1904: a workbook in the 1904 date system (older Excel for
// Mac, or "Use 1904 date system") stores 2012-05-20 as serial 39587, not
// 41049; its dates read as the sheet shows them (audit finding: 4 years
// and a day early, a child of 14 stored as 18). Text and ISO dates in
// date-formatted cells are not serials and stay as they are.
func TestXLSXDate1904(t *testing.T) {
	for _, on := range []bool{true, false} {
		t.Run(fmt.Sprint("date1904=", on), func(t *testing.T) {
			data := xlsxFile(t, func(f *excelize.File, s string) {
				must(t, f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &on}))
				must(t, f.SetSheetRow(s, "A1", &[]any{"given_name", "birth_date", "since", "text", "number"}))
				must(t, f.SetSheetRow(s, "A2", &[]any{"Amina", time.Date(2012, 5, 20, 0, 0, 0, 0, time.UTC),
					time.Date(2016, 2, 29, 6, 30, 0, 0, time.UTC), "2012-05-20", 41049}))
				must(t, f.SetSheetRow(s, "A3", &[]any{"Omar", time.Date(1904, 1, 2, 0, 0, 0, 0, time.UTC), nil, "20.5.2012.", nil}))
				date, err := f.NewStyle(&excelize.Style{NumFmt: 14})
				must(t, err)
				dateTime, err := f.NewStyle(&excelize.Style{NumFmt: 22})
				must(t, err)
				must(t, f.SetCellStyle(s, "B2", "B3", date))
				must(t, f.SetCellStyle(s, "C2", "C2", dateTime))
				must(t, f.SetCellStyle(s, "D2", "D3", date)) // text in a date format
				if shown, _ := f.GetCellValue(s, "B2"); shown != "05-20-12" {
					t.Fatalf("excelize shows %q", shown)
				}
			})
			rows, _, err := readAll(t, data, MediaXLSX, DefaultLimits(100))
			if err != nil {
				t.Fatal(err)
			}
			want := []row{
				{1, []string{"given_name", "birth_date", "since", "text", "number"}},
				{2, []string{"Amina", "2012-05-20", "2016-02-29T06:30:00", "2012-05-20", "41049"}},
				{3, []string{"Omar", "1904-01-02", "", "20.5.2012."}},
			}
			if diff := cmp.Diff(want, rows); diff != "" {
				t.Fatalf("rows (-want +got):\n%s", diff)
			}
		})
	}

	// Written by hand: date1904="true", an ISO date (t="d"), text in a
	// date format inline and shared, a style index the styles lack.
	const styles = `<styleSheet ` + mainNS + `><numFmts><numFmt numFmtId="164" formatCode="dd.mm.yyyy."/></numFmts>` +
		`<cellXfs><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/></cellXfs></styleSheet>`
	book := func(date1904 string, rows string) []byte {
		return zipParts(minimalWorkbook[0], minimalWorkbook[2], [2]string{"xl/styles.xml", styles},
			[2]string{"xl/sharedStrings.xml", `<sst ` + mainNS + `><si><t>birth_date</t></si><si><t>2012-05-20</t></si></sst>`},
			[2]string{"xl/workbook.xml", strings.Replace(workbookXML("S", "rId1"), "<sheets>", `<workbookPr date1904="`+date1904+`"/><sheets>`, 1)},
			[2]string{"xl/worksheets/sheet1.xml", `<worksheet ` + mainNS + `><sheetData>` + rows + `</sheetData></worksheet>`})
	}
	const cells = `<row r="1"><c r="A1" t="s"><v>0</v></c></row>` +
		`<row r="2"><c r="A2" s="1"><v>39587</v></c><c r="B2" s="2"><v>39587.25</v></c><c r="C2" t="d" s="1"><v>2012-05-20</v></c>` +
		`<c r="D2" t="s" s="2"><v>1</v></c><c r="E2" t="inlineStr" s="1"><is><t>2012-05-20</t></is></c><c r="F2" s="7"><v>39587</v></c></row>`
	for _, tc := range []struct {
		name, date1904, rows string
		want                 []string // row 2
		mention              string
	}{
		{"true", "true", cells, []string{"2012-05-20", "2012-05-20T06:00:00", "2012-05-20", "2012-05-20", "2012-05-20", "39587"}, ""},
		{"0", " 0 ", cells, []string{"2008-05-19", "2008-05-19T06:00:00", "2012-05-20", "2012-05-20", "2012-05-20", "39587"}, ""},
		{"rows not in order", "1", strings.Replace(cells, `<row r="2">`, `<row>`, 1), nil, "rows are not numbered in order"},
		{"rows not in order, every date a serial", "1", `<row r="1"><c r="A1" t="s"><v>0</v></c></row><row><c r="A2" s="1"><v>39587</v></c></row>`, []string{"2012-05-20"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantRead(t, book(tc.date1904, tc.rows), tc.mention, []row{{1, []string{"birth_date"}}, {2, tc.want}})
		})
	}
}

// TestXLSXInlineRichText: the library keeps only the first run of an
// inline string written in runs (audit: "Jo" of Jo+vana, silently), so
// such a cell is refused; an inline string of one run reads whole, and
// shared strings in runs are joined by the library.
func TestXLSXInlineRichText(t *testing.T) {
	sheet := func(cell string) []byte {
		return zipOf(t, map[string]string{"xl/worksheets/sheet1.xml": `<worksheet ` + mainNS + `><sheetData>` +
			`<row r="1"><c r="A1" t="inlineStr"><is><t>given_name</t></is></c></row><row r="2">` + cell + `</row></sheetData></worksheet>`})
	}
	for _, tc := range []struct {
		name, cell, want, mention string
	}{
		{"runs", `<c r="A2" t="inlineStr"><is><r><t>Jo</t></r><r><rPr><b/></rPr><t>vana</t></r></is></c>`, "", `cell "A2" (row 2) holds text written in several formatted parts`},
		{"text and a run", `<c r="A2" t="inlineStr"><is><t>Jo</t><r><t>vana</t></r></is></c>`, "", `several formatted parts`},
		{"two inline strings", `<c r="A2" t="inlineStr"><is><t>Jo</t></is><is><t>vana</t></is></c>`, "", `several formatted parts`},
		{"one run", `<c r="A2" t="inlineStr"><is><r><rPr><b/></rPr><t>Jovana</t></r></is></c>`, "Jovana", ""},
		{"not an inline string", `<c r="A2"><is><t>Jo</t><t>vana</t></is><v>7</v></c>`, "7", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantRead(t, sheet(tc.cell), tc.mention, []row{{1, []string{"given_name"}}, {2, []string{tc.want}}})
		})
	}
}

// TestXLSXHiddenSheetsNotRead: a workbook whose first worksheet is hidden
// (last year's register hidden before this year's was started beside it,
// or a list of codes) is read from the first worksheet it shows; before,
// the hidden one was imported, rows the person sending it never saw.
func TestXLSXHiddenSheetsNotRead(t *testing.T) {
	sheetOf := func(cell string) string {
		return `<worksheet ` + mainNS + `><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>` + cell + `</t></is></c></row></sheetData></worksheet>`
	}
	workbook := func(states ...string) []byte {
		var b strings.Builder
		b.WriteString(`<?xml version="1.0"?><workbook ` + mainNS + ` xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>`)
		for i, st := range states {
			state := ""
			if st != "" {
				state = ` state="` + st + `"`
			}
			fmt.Fprintf(&b, `<sheet name="S%d" sheetId="%d"%s r:id="rId%d"/>`, i+1, i+1, state, i+1)
		}
		b.WriteString(`</sheets></workbook>`)
		parts := [][2]string{{"xl/workbook.xml", b.String()}}
		var rels []string
		for i := range states {
			rels = append(rels, fmt.Sprintf("rId%d", i+1), fmt.Sprintf("worksheets/sheet%d.xml", i+1))
			parts = append(parts, [2]string{fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1), sheetOf(fmt.Sprintf("in S%d", i+1))})
		}
		return crafted(append(parts, [2]string{"xl/_rels/workbook.xml.rels", relsXML(rels...)})...)
	}
	for _, tc := range []struct {
		states []string
		want   string
	}{
		{[]string{"hidden", ""}, "S2"},
		{[]string{"veryHidden", "hidden", "visible", ""}, "S3"},
		{[]string{"", "hidden"}, "S1"},
		{[]string{"hidden"}, "S1"}, // Excel keeps one sheet shown; else the first
	} {
		rows, info, err := readAll(t, workbook(tc.states...), MediaXLSX, DefaultLimits(10))
		if err != nil || info.Sheet != tc.want || len(rows) != 1 || rows[0].Cells[0] != "in "+tc.want {
			t.Errorf("sheets %q: read %q %v (%v), want %s", tc.states, info.Sheet, rows, err, tc.want)
		}
	}
}

// TestXLSXHiddenRows: Hidden tells the rows a worksheet hides (hidden="1",
// as hiding by hand or a filter writes it) from those it shows, in a
// workbook of rows in order; a worksheet whose rows are not in order and
// that hides some is refused, as its hidden rows cannot be told apart.
func TestXLSXHiddenRows(t *testing.T) {
	cell := func(r int) string { return fmt.Sprintf(`<c r="A%d" t="inlineStr"><is><t>r%d</t></is></c>`, r, r) }
	ws := func(rows string) []byte {
		return crafted([2]string{"xl/workbook.xml", workbookXML("S", "rId1")}, [2]string{"xl/_rels/workbook.xml.rels", relsXML("rId1", "worksheets/sheet1.xml")},
			[2]string{"xl/worksheets/sheet1.xml", `<worksheet ` + mainNS + `><sheetData>` + rows + `</sheetData></worksheet>`})
	}
	data := ws(`<row r="1">` + cell(1) + `</row><row r="2" hidden="1">` + cell(2) + `</row><row r="3">` + cell(3) +
		`</row><row r="4" hidden="true"></row><row r="5" hidden="true">` + cell(5) + `</row><row r="6" hidden="0">` + cell(6) + `</row>`)
	r, err := Open(data, MediaXLSX, DefaultLimits(100))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var hidden []int
	for {
		n, _, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if r.Hidden() {
			hidden = append(hidden, n)
		}
	}
	if fmt.Sprint(hidden) != "[2 5]" {
		t.Errorf("hidden rows %v, want [2 5]", hidden)
	}
	wantRead(t, ws(`<row r="1">`+cell(1)+`</row><row r="3" hidden="1">`+cell(3)+`</row><row r="2">`+cell(2)+`</row>`), "hidden rows", nil)
}

// TestXLSXMergedCellsFilled: a cell merged over several rows or columns
// below the header (a family's surname and municipality merged over its
// members' rows, a remark over two columns) gives its value to every cell
// it covers, as a spreadsheet program shows it; before, only the first
// row had it, and the others were read empty (the family's children
// imported without their surname). A header merged over two columns stays
// one header: its second column is read empty.
func TestXLSXMergedCellsFilled(t *testing.T) {
	f := excelize.NewFile()
	for i, row := range [][]any{
		{"ime", "prezime", "opština", "telefon"},
		{"Ana", "Petrović", "Šid", "064 123 4567"},
		{"Marko"},
		{"Jovan"},
		{"Lejla", "Hodžić", "Tuzla", "nema"},
	} {
		if err := f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &row); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range [][2]string{{"B2", "B4"}, {"C2", "C4"}, {"D5", "E5"}, {"D1", "E1"}} {
		if err := f.MergeCell("Sheet1", r[0], r[1]); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	rows, _, err := readAll(t, buf.Bytes(), MediaXLSX, DefaultLimits(10))
	if err != nil {
		t.Fatal(err)
	}
	want := []row{
		{1, []string{"ime", "prezime", "opština", "telefon"}},
		{2, []string{"Ana", "Petrović", "Šid", "064 123 4567"}},
		{3, []string{"Marko", "Petrović", "Šid"}},
		{4, []string{"Jovan", "Petrović", "Šid"}},
		{5, []string{"Lejla", "Hodžić", "Tuzla", "nema", "nema"}},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

// TestXLSXHiddenColumns: HiddenColumn tells the columns a worksheet hides
// (<col hidden="1">, one column or a span, as hiding by hand writes it;
// LibreOffice writes hidden="true") from those it shows (no hidden, or
// hidden="0"); a span past the column limit is noted up to it.
func TestXLSXHiddenColumns(t *testing.T) {
	sheetXML := `<worksheet ` + mainNS + `><cols><col min="1" max="1" width="12"/><col min="2" max="2" hidden="1" width="0"/>` +
		`<col min="4" max="5" hidden="true"/><col min="6" max="6" hidden="0"/><col min="8" max="16384" hidden="1"/></cols>` +
		`<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row></sheetData></worksheet>`
	data := crafted([2]string{"xl/workbook.xml", workbookXML("S", "rId1")}, [2]string{"xl/_rels/workbook.xml.rels", relsXML("rId1", "worksheets/sheet1.xml")},
		[2]string{"xl/worksheets/sheet1.xml", sheetXML})
	lim := DefaultLimits(10)
	lim.MaxColumns = 10
	r, err := Open(data, MediaXLSX, lim)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var hidden []string
	for i := -1; i <= 12; i++ {
		if r.HiddenColumn(i) {
			hidden = append(hidden, ColumnLetter(i))
		}
	}
	if fmt.Sprint(hidden) != "[B D E H I J]" {
		t.Errorf("hidden columns %v, want [B D E H I J]", hidden)
	}
}

// TestXLSXFormulaErrorsRead: a formula cell whose value is an error (t="e",
// as a lookup that found nothing is stored) reads as the error's text, as
// the sheet shows it, so that the import can tell it apart from a value
// (imports.FormulaErrors).
func TestXLSXFormulaErrorsRead(t *testing.T) {
	ws := `<worksheet ` + mainNS + `><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c><c r="B1" t="inlineStr"><is><t>b</t></is></c></row>` +
		`<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c><c r="B2" t="e"><f>VLOOKUP(A2,Kodovi!A:B,2,0)</f><v>#N/A</v></c></row></sheetData></worksheet>`
	wantRead(t, crafted([2]string{"xl/workbook.xml", workbookXML("S", "rId1")}, [2]string{"xl/_rels/workbook.xml.rels", relsXML("rId1", "worksheets/sheet1.xml")},
		[2]string{"xl/worksheets/sheet1.xml", ws}), "", []row{{1, []string{"a", "b"}}, {2, []string{"x", "#N/A"}}})
}

// TestXLSXComputedCellsInDateFormat: a date-formatted cell holding a
// formula's text (t="str": the "" of an IFERROR, a lookup's word), error
// (t="e") or yes/no (t="b") reads as what it holds, the serial beside it
// as a date, in both date systems (a formula's text is not moved by the
// 1904 system's days). Before, the library took the value for a serial:
// text refused the whole file as damaged ("unable to parse date float
// value"), and TRUE read as 1899-12-31.
func TestXLSXComputedCellsInDateFormat(t *testing.T) {
	styles := `<styleSheet ` + mainNS + `><cellXfs><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs></styleSheet>`
	cells := `<c r="A2" s="1" t="str"><f>IFERROR(VLOOKUP(X2,K!A:B,2,0),"")</f><v></v></c>` +
		`<c r="B2" s="1" t="str"><f>IFERROR(VLOOKUP(X2,K!A:B,2,0),"nepoznat")</f><v>nepoznat</v></c>` +
		`<c r="C2" s = '1' t="e"><f>VLOOKUP(X2,K!A:B,2,0)</f><v>#N/A</v></c>` +
		`<c r="D2" t="b" s="1"><v>1</v></c><c r="E2" s="1"><v>32874</v></c>` +
		`<c r="F2" s="1" t="str"><f>TEXT(E2,"yyyy-mm-dd")</f><v>1990-01-01</v></c>`
	for _, tc := range []struct {
		date1904 string
		serial   string
	}{{"false", "1990-01-01"}, {"true", "1994-01-02"}} {
		ws := `<worksheet ` + mainNS + `><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row><row r="2">` + cells + `</row></sheetData></worksheet>`
		wbXML := `<workbook ` + mainNS + ` xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><workbookPr date1904="` + tc.date1904 +
			`"/><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>`
		data := zipParts(minimalWorkbook[0], [2]string{"xl/sharedStrings.xml", sst1}, [2]string{"xl/workbook.xml", wbXML},
			[2]string{"xl/_rels/workbook.xml.rels", relsXML("rId1", "worksheets/sheet1.xml")}, [2]string{"xl/worksheets/sheet1.xml", ws}, [2]string{"xl/styles.xml", styles})
		rows, _, err := readAll(t, data, MediaXLSX, DefaultLimits(10))
		if err != nil {
			t.Fatalf("date1904=%s: %v", tc.date1904, err)
		}
		if got, want := fmt.Sprint(rows), fmt.Sprint([]row{{1, []string{"a"}}, {2, []string{"", "nepoznat", "#N/A", "1", tc.serial, "1990-01-01"}}}); got != want {
			t.Errorf("date1904=%s: rows %s, want %s", tc.date1904, got, want)
		}
	}
}

// TestXLSXFormulaWithoutValue: a workbook whose formula cell carries no
// value (written by a script's library, which does not calculate, or
// saved by one that drops the values) is refused naming the cell and
// saying to open and save it in a spreadsheet program; before, the cell
// was read as empty, without a word. A formula with its value, and a
// styled cell without one, read as before.
func TestXLSXFormulaWithoutValue(t *testing.T) {
	book := func(cell string) []byte {
		ws := `<worksheet ` + mainNS + `><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c><c r="B1" t="inlineStr"><is><t>b</t></is></c></row>` +
			`<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c>` + cell + `</row></sheetData></worksheet>`
		return crafted([2]string{"xl/workbook.xml", workbookXML("S", "rId1")}, [2]string{"xl/_rels/workbook.xml.rels", relsXML("rId1", "worksheets/sheet1.xml")},
			[2]string{"xl/worksheets/sheet1.xml", ws})
	}
	for _, c := range []string{`<c r="B2"><f>UPPER(A2)</f></c>`, `<c r="B2" t="str"><f>UPPER(A2)</f></c>`, `<c r="B2" t="str"><f t="shared" si="0"/></c>`} {
		wantRead(t, book(c), `cell "B2" (row 2) holds a formula but the file carries no value for it`, nil)
	}
	// As excelize writes a formula (it does not calculate).
	data := xlsxFile(t, func(f *excelize.File, s string) {
		must(t, f.SetSheetRow(s, "A1", &[]any{"ime", "broj"}))
		must(t, f.SetCellValue(s, "A2", "Jovana"))
		must(t, f.SetCellFormula(s, "B2", "1/0"))
	})
	wantRead(t, data, `cell "B2" (row 2) holds a formula but the file carries no value for it`, nil)
	wantRead(t, book(`<c r="B2" t="str"><f>UPPER(A2)</f><v>X</v></c>`), "", []row{{1, []string{"a", "b"}}, {2, []string{"x", "X"}}})
	wantRead(t, book(`<c r="B2" s="1"/>`), "", []row{{1, []string{"a", "b"}}, {2, []string{"x"}}})
}

// TestXLSXSerialsToldFromText: a date serial (a number in a date format)
// is reported as one (Reader.Serial), and one with a time of day reads as
// the date and time the cell shows, without the Z the library writes (a
// serial is in no time zone); text in the same date format, whatever it
// looks like ("1990-04-11T22:00:00Z", as JavaScript writes a local
// midnight in UTC), and an ISO date of a t="d" cell are not serials, so an
// import reads them as typed text. Before, the serial read as
// "1990-04-12T22:30:00Z", the same as such text, and nothing told them
// apart. In a workbook whose rows are not numbered in order no cell is
// reported a serial, and the values are the library's. CSV cells never are.
func TestXLSXSerialsToldFromText(t *testing.T) {
	data := xlsxFile(t, func(f *excelize.File, s string) {
		must(t, f.SetSheetRow(s, "A1", &[]any{"given_name", "birth_date", "since", "text", "number", "merged"}))
		must(t, f.SetSheetRow(s, "A2", &[]any{"Amina", time.Date(1990, 4, 12, 0, 0, 0, 0, time.UTC),
			time.Date(1990, 4, 12, 22, 30, 0, 0, time.UTC), "1990-04-11T22:00:00Z", 41049, time.Date(2001, 2, 3, 18, 0, 0, 0, time.UTC)}))
		must(t, f.SetSheetRow(s, "A3", &[]any{"Omar"}))
		date, err := f.NewStyle(&excelize.Style{NumFmt: 14})
		must(t, err)
		dateTime, err := f.NewStyle(&excelize.Style{NumFmt: 22})
		must(t, err)
		must(t, f.SetCellStyle(s, "B2", "B2", date))
		must(t, f.SetCellStyle(s, "C2", "D2", dateTime)) // D2: text in a date-time format
		must(t, f.SetCellStyle(s, "F2", "F2", dateTime))
		must(t, f.MergeCell(s, "F2", "F3"))
	})
	type cell struct {
		Value  string
		Serial bool
	}
	readSerials := func(t *testing.T, data []byte, ct string) [][]cell {
		t.Helper()
		r, err := Open(data, ct, DefaultLimits(100))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		var out [][]cell
		for {
			_, cells, err := r.Next()
			if errors.Is(err, io.EOF) {
				return out
			}
			if err != nil {
				t.Fatal(err)
			}
			var row []cell
			for i, v := range cells {
				row = append(row, cell{v, r.Serial(i)})
			}
			out = append(out, row)
		}
	}
	header := []cell{{"given_name", false}, {"birth_date", false}, {"since", false}, {"text", false}, {"number", false}, {"merged", false}}
	want := [][]cell{header,
		{{"Amina", false}, {"1990-04-12", true}, {"1990-04-12T22:30:00", true}, {"1990-04-11T22:00:00Z", false}, {"41049", false}, {"2001-02-03T18:00:00", true}},
		{{"Omar", false}, {"", false}, {"", false}, {"", false}, {"", false}, {"2001-02-03T18:00:00", true}}}
	if diff := cmp.Diff(want, readSerials(t, data, MediaXLSX)); diff != "" {
		t.Errorf("cells (-want +got):\n%s", diff)
	}

	// Written by hand: a t="d" cell in a date format is its ISO text, no
	// serial; rows not numbered in order with text in a date format: no
	// cell can be told a serial, and none is one.
	const styles = `<styleSheet ` + mainNS + `><cellXfs><xf numFmtId="0"/><xf numFmtId="22"/></cellXfs></styleSheet>`
	book := func(rows string) []byte {
		return zipParts(minimalWorkbook[0], minimalWorkbook[1], minimalWorkbook[2], [2]string{"xl/styles.xml", styles},
			[2]string{"xl/sharedStrings.xml", `<sst ` + mainNS + `><si><t>birth_date</t></si><si><t>1990-04-11T22:00:00Z</t></si></sst>`},
			[2]string{"xl/worksheets/sheet1.xml", `<worksheet ` + mainNS + `><sheetData>` + rows + `</sheetData></worksheet>`})
	}
	const cells = `<row r="1"><c r="A1" t="s"><v>0</v></c></row>` +
		`<row r="2"><c r="A2" s="1"><v>32975.9375</v></c><c r="B2" t="d" s="1"><v>1990-04-11T22:00:00Z</v></c><c r="C2" t="s" s="1"><v>1</v></c></row>`
	for _, tc := range []struct {
		name, rows string
		want       []cell
	}{
		{"rows in order", cells, []cell{{"1990-04-12T22:30:00", true}, {"1990-04-11T22:00:00Z", false}, {"1990-04-11T22:00:00Z", false}}},
		{"rows not in order", strings.Replace(cells, `<row r="2">`, `<row r="1">`, 1),
			[]cell{{"1990-04-12T22:30:00Z", false}, {"1990-04-11T22:00:00Z", false}, {"1990-04-11T22:00:00Z", false}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := readSerials(t, book(tc.rows), MediaXLSX)
			if diff := cmp.Diff([][]cell{{{"birth_date", false}}, tc.want}, got); diff != "" {
				t.Errorf("cells (-want +got):\n%s", diff)
			}
		})
	}
	csv := readSerials(t, []byte("birth_date\n1990-04-11T22:00:00Z\n"), MediaCSV)
	if diff := cmp.Diff([][]cell{{{"birth_date", false}}, {{"1990-04-11T22:00:00Z", false}}}, csv); diff != "" {
		t.Errorf("CSV cells (-want +got):\n%s", diff)
	}
}
