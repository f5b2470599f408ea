package sheet

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// BenchmarkReadXLSX reads a 50,000-row workbook laid out as Excel saves
// one (shared strings, a date-formatted column, a second worksheet): the
// checks before the library reads and the reading itself.
func BenchmarkReadXLSX(b *testing.B) {
	const rows = 50000
	ns := `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	var strs, sheet strings.Builder
	fmt.Fprintf(&strs, `<sst %s count="%d" uniqueCount="%d">`, ns, rows*3+5, rows*2+5)
	for _, h := range []string{"given_name", "family_name", "sex", "birth_date", "municipality"} {
		fmt.Fprintf(&strs, `<si><t>%s</t></si>`, h)
	}
	fmt.Fprintf(&sheet, `<worksheet %s><sheetData><row r="1">`, ns)
	for i, c := range "ABCDE" {
		fmt.Fprintf(&sheet, `<c r="%c1" t="s"><v>%d</v></c>`, c, i)
	}
	sheet.WriteString(`</row>`)
	for r := 2; r <= rows+1; r++ {
		fmt.Fprintf(&strs, `<si><t>Given%d</t></si><si><t>Family%dić</t></si>`, r, r)
		g := 5 + 2*(r-2)
		fmt.Fprintf(&sheet, `<row r="%d"><c r="A%d" t="s"><v>%d</v></c><c r="B%d" t="s"><v>%d</v></c><c r="C%d"><v>%d</v></c>`+
			`<c r="D%d" s="1"><v>%d</v></c><c r="E%d" t="s"><v>0</v></c></row>`, r, r, g, r, g+1, r, r%2, r, 30000+r%10000, r)
	}
	strs.WriteString(`</sst>`)
	sheet.WriteString(`</sheetData></worksheet>`)
	data := zipParts(minimalWorkbook[0],
		[2]string{"xl/workbook.xml", workbookXML("S", "rId1", "T", "rId2")},
		[2]string{"xl/_rels/workbook.xml.rels", relsXML("rId1", "worksheets/sheet1.xml", "rId2", "worksheets/sheet2.xml")},
		[2]string{"xl/styles.xml", `<styleSheet ` + ns + `><cellXfs><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs></styleSheet>`},
		[2]string{"xl/sharedStrings.xml", strs.String()},
		[2]string{"xl/worksheets/sheet1.xml", sheet.String()},
		[2]string{"xl/worksheets/sheet2.xml", `<worksheet ` + ns + `><sheetData><row r="1"><c r="A1" t="s"><v>2</v></c></row></sheetData></worksheet>`},
	)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		r, err := Open(data, MediaXLSX, DefaultLimits(rows))
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, _, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		r.Close()
		if n != rows+1 {
			b.Fatalf("%d rows", n)
		}
	}
}
