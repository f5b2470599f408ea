package sheet

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkReadXLSX reads a 50,000-row workbook laid out as Excel saves
// one (shared strings, a date-formatted column, a second worksheet): the
// checks before the library reads and the reading itself.
func BenchmarkReadXLSX(b *testing.B) {
	benchXLSX(b, 50000, func(r int) string { return strconv.Itoa(30000 + r%10000) })
}

// BenchmarkReadXLSXDateTimes10k reads a 10,000-row workbook as
// BenchmarkReadXLSX does, whose date column holds dates and times typed
// to the minute (08:30 is stored a hair below it, and is read to the
// nearest second).
func BenchmarkReadXLSXDateTimes10k(b *testing.B) {
	benchXLSX(b, 10000, func(r int) string {
		return strconv.FormatFloat(float64(30000+r%10000)+float64(r%1440)/1440, 'g', -1, 64)
	})
}

// benchXLSX reads a workbook of rows rows, the serial of row r in its
// date column serial(r).
func benchXLSX(b *testing.B, rows int, serial func(r int) string) {
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
			`<c r="D%d" s="1"><v>%s</v></c><c r="E%d" t="s"><v>0</v></c></row>`, r, r, g, r, g+1, r, r%2, r, serial(r), r)
	}
	strs.WriteString(`</sst>`)
	sheet.WriteString(`</sheetData></worksheet>`)
	data := zipParts(minimalWorkbook[0],
		[2]string{"xl/workbook.xml", workbookXML("S", "rId1", "T", "rId2")},
		[2]string{"xl/_rels/workbook.xml.rels", relsXML("rId1", "worksheets/sheet1.xml", "rId2", "worksheets/sheet2.xml")},
		[2]string{"xl/styles.xml", `<styleSheet ` + ns + `><cellXfs><xf numFmtId="0"/><xf numFmtId="22"/></cellXfs></styleSheet>`},
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
