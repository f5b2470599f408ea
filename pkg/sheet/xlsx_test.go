package sheet

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
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
		t.Run(tc.name, func(t *testing.T) {
			rows, _, err := readAll(t, workbook(tc.cells, tc.strs), MediaXLSX, DefaultLimits(100))
			if reason(err) != ReasonCorrupt || !strings.Contains(err.Error(), tc.mention) {
				t.Fatalf("rows %v, error %v; want %s mentioning %q", rows, err, ReasonCorrupt, tc.mention)
			}
		})
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
			rows, _, err := readAll(t, workbook(tc.cells, tc.strs), MediaXLSX, DefaultLimits(100))
			if tc.mention != "" {
				if reason(err) != ReasonCorrupt || !strings.Contains(err.Error(), tc.mention) {
					t.Fatalf("rows %v, error %v; want %s mentioning %q", rows, err, ReasonCorrupt, tc.mention)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == nil { // what it makes of the number varies with the platform
				return
			}
			want := []row{{1, []string{"ime"}}, {2, tc.want}}
			if diff := cmp.Diff(want, rows); diff != "" {
				t.Fatalf("rows (-want +got):\n%s", diff)
			}
		})
	}
}
