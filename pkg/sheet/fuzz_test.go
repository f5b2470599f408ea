package sheet

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// FuzzXLSX: no workbook makes the reader (or the XLSX library under it)
// panic; it is refused with a *Error or read into rows numbered upwards,
// none wider than the limit. The parts a worksheet is found by are fuzzed
// as well as the worksheets, so the fuzzer can point the library at
// another part than the one scanned.
func FuzzXLSX(f *testing.F) {
	strs := `<sst ` + mainNS + ` count="2" uniqueCount="2"><si><t>ime</t></si><si><r><t>Jo</t></r><r><t>vana</t></r></si></sst>`
	styles := `<styleSheet ` + mainNS + `><cellXfs><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs></styleSheet>`
	two := workbookXML("S", "rId1", "T", "rId2")
	rels := relsXML("rId1", "worksheets/sheet1.xml", "rId2", "worksheets/sheet2.xml")
	cells := `<worksheet ` + mainNS + `><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>x</t></is></c></row>` +
		`<row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2" s="1"><v>39587</v></c><c r="C2" t="d"><v>2012-05-20</v></c></row></sheetData></worksheet>`
	for _, seed := range [][6]string{
		{two, rels, goodWS, cells, strs, styles},
		{two, rels, cells, badWS, strs, styles},
		{workbookXML("S", "rId1", "S", "rId2"), rels, goodWS, badWS, strs, styles},
		{workbookXML("S", "rId1"), relsXML("rId1", "./worksheets/sheet1.xml"), badWS, goodWS, strs, styles},
		{strings.Replace(two, "<sheets>", `<workbookPr date1904="1"/><sheets>`, 1), rels, cells, goodWS, strs, styles},
		{two, rels, `<worksheet><sheetData><row r="2"><c r="A2" t="inlineStr"><is><r><t>Jo</t></r><r><t>vana</t></r></is></c></row></sheetData></worksheet>`, "", "", styles},
		{two, rels, `<worksheet><sheetData><row><c r="XFD1" s="-3"><v>1e308</v></c></row><row r="-1"><c r="ZZZZZZ9" t="s"><v>0</v></c></row></sheetData></worksheet>`, "", strs, styles},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3], seed[4], seed[5])
	}
	f.Fuzz(func(t *testing.T, workbook, rels, sheet1, sheet2, strs, styles string) {
		data := zipParts(minimalWorkbook[0], [2]string{"xl/workbook.xml", workbook}, [2]string{"xl/_rels/workbook.xml.rels", rels},
			[2]string{"xl/worksheets/sheet1.xml", sheet1}, [2]string{"xl/worksheets/sheet2.xml", sheet2},
			[2]string{"xl/sharedStrings.xml", strs}, [2]string{"xl/styles.xml", styles})
		fuzzRead(t, data, MediaXLSX)
	})
}

// fuzzRead reads data, of media type ct, within small limits: it is
// refused with a *Error or read into rows numbered upwards within the
// limits.
func fuzzRead(t *testing.T, data []byte, ct string) {
	lim := DefaultLimits(100)
	lim.MaxColumns = 20
	r, err := Open(data, ct, lim)
	if err != nil {
		if _, ok := AsError(err); !ok {
			t.Fatalf("refused with %T %v, not a *Error", err, err)
		}
		return
	}
	defer r.Close()
	last := 0
	for {
		n, cells, err := r.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			if _, ok := AsError(err); !ok {
				t.Fatalf("row after %d: %T %v, not a *Error", last, err, err)
			}
			return
		}
		if n <= last || len(cells) > lim.MaxColumns || n > lim.MaxRows+1 {
			t.Fatalf("row %d after %d, %d cells", n, last, len(cells))
		}
		last = n
	}
}

// FuzzODS: no content.xml makes the OpenDocument reader panic, loop or
// read rows out of order or wider than the limit; it is refused with a
// *Error or read.
func FuzzODS(f *testing.F) {
	f.Add(odsSheet(`<table:table-row table:number-rows-repeated="3"><table:table-cell office:value-type="date" office:date-value="2024-03-01T08:30:00.4" table:number-rows-spanned="4" table:number-columns-spanned="3"><text:p>a<text:s text:c="2"/><text:span>b</text:span></text:p></table:table-cell><table:covered-table-cell table:number-columns-repeated="2"/></table:table-row>`))
	f.Add(odsSheet(`<table:table-row table:visibility="collapse"><table:table-cell office:value-type="boolean" office:boolean-value="true" table:number-columns-repeated="3"/></table:table-row><table:table-row table:number-rows-repeated="16777216"><table:covered-table-cell/></table:table-row>`))
	f.Add(`<office:document-content ` + odsNS + `><office:automatic-styles><style:style style:name="h" style:family="table"><style:table-properties table:display="false"/></style:style></office:automatic-styles><office:body><office:spreadsheet><table:table table:style-name="h"><table:table-row><table:table-cell><text:p>x</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>`)
	f.Fuzz(func(t *testing.T, content string) {
		fuzzRead(t, zipParts([2]string{"mimetype", MediaODS}, [2]string{"content.xml", content}), MediaODS)
	})
}
