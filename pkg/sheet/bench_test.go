package sheet

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"
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
	benchRead(b, data, MediaXLSX, DefaultLimits(rows), rows+1)
}

// benchRead reads data, of media type ct, to its end, b.N times; it has
// rows rows.
func benchRead(b *testing.B, data []byte, ct string, lim Limits, rows int) {
	for b.Loop() {
		r, err := Open(data, ct, lim)
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
		if n != rows {
			b.Fatalf("%d rows", n)
		}
	}
}

// BenchmarkReadXLSX10k is BenchmarkReadXLSX at 10,000 rows, to compare
// with BenchmarkReadODS10k.
func BenchmarkReadXLSX10k(b *testing.B) {
	benchXLSX(b, 10000, func(r int) string { return strconv.Itoa(30000 + r%10000) })
}

// BenchmarkReadODS10k reads the rows of BenchmarkReadXLSX10k as
// LibreOffice saves them in an OpenDocument spreadsheet: text cells, a
// number, date cells, and the sheet's empty rows and columns repeated to
// row 1048576 and column 16384, in the zip archive of a real one.
func BenchmarkReadODS10k(b *testing.B) {
	const rows = 10000
	var sheet strings.Builder
	str := func(s string) string {
		return `<table:table-cell office:value-type="string" calcext:value-type="string"><text:p>` + s + `</text:p></table:table-cell>`
	}
	sheet.WriteString(`<?xml version="1.0" encoding="UTF-8"?><office:document-content ` + odsNS + ` xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"><office:body><office:spreadsheet>`)
	sheet.WriteString(`<table:table table:name="S" table:style-name="ta1"><table:table-column table:number-columns-repeated="16384"/><table:table-row>`)
	for _, h := range []string{"given_name", "family_name", "sex", "birth_date", "municipality"} {
		sheet.WriteString(str(h))
	}
	sheet.WriteString(`<table:table-cell table:number-columns-repeated="16379"/></table:table-row>`)
	epoch := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	for r := 2; r <= rows+1; r++ {
		fmt.Fprintf(&sheet, `<table:table-row>%s%s<table:table-cell office:value-type="float" office:value="%d" calcext:value-type="float"><text:p>%d</text:p></table:table-cell>`+
			`<table:table-cell table:style-name="ce1" office:value-type="date" office:date-value="%s" calcext:value-type="date"><text:p>x</text:p></table:table-cell>%s`+
			`<table:table-cell table:number-columns-repeated="16379"/></table:table-row>`,
			str(fmt.Sprintf("Given%d", r)), str(fmt.Sprintf("Family%dić", r)), r%2, r%2, epoch.AddDate(0, 0, 30000+r%10000).Format(time.DateOnly), str("given_name"))
	}
	fmt.Fprintf(&sheet, `<table:table-row table:number-rows-repeated="%d"><table:table-cell table:number-columns-repeated="16384"/></table:table-row></table:table>`, 1048576-rows-1)
	sheet.WriteString(`<table:table table:name="T"><table:table-row>` + str("sex") + `</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>`)
	data := odsWith(b, sheet.String(), "")
	b.SetBytes(int64(len(data)))
	benchRead(b, data, MediaODS, DefaultLimits(rows), rows+1)
}

// BenchmarkReadODSRepeatedEmpty reads a crafted sheet of a header and 64
// rows each an empty row repeated 2^24 times with an empty cell repeated
// 2^24 times (a billion rows claimed): nothing is made of them.
func BenchmarkReadODSRepeatedEmpty(b *testing.B) {
	data := odsWith(b, odsSheet(strings.Repeat(`<table:table-row table:number-rows-repeated="16777216"><table:table-cell table:number-columns-repeated="16777216"/></table:table-row>`, 64)), "")
	benchRead(b, data, MediaODS, DefaultLimits(50000), 1)
}
