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
		lim := DefaultLimits(100)
		lim.MaxColumns = 20
		r, err := Open(data, MediaXLSX, lim)
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
			if n <= last || len(cells) > lim.MaxColumns {
				t.Fatalf("row %d after %d, %d cells", n, last, len(cells))
			}
			last = n
		}
	})
}
