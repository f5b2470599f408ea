package sheet

import (
	"archive/zip"
	"bytes"
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
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range [][2]string{
		{"[Content_Types].xml", `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`},
		{"xl/workbook.xml", `<?xml version="1.0"?><workbook ` + ns + ` xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
			`<sheets><sheet name="S" sheetId="1" r:id="rId1"/><sheet name="T" sheetId="2" r:id="rId2"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/></Relationships>`},
		{"xl/styles.xml", `<styleSheet ` + ns + `><cellXfs><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs></styleSheet>`},
		{"xl/sharedStrings.xml", strs.String()},
		{"xl/worksheets/sheet1.xml", sheet.String()},
		{"xl/worksheets/sheet2.xml", `<worksheet ` + ns + `><sheetData><row r="1"><c r="A1" t="s"><v>2</v></c></row></sheetData></worksheet>`},
	} {
		w, err := zw.Create(p[0])
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.WriteString(w, p[1]); err != nil {
			b.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
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
