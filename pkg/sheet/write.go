package sheet

import (
	"archive/zip"
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
)

// Table is a worksheet to write: a name and rows of text cells, the first
// row a header.
type Table struct {
	Name string
	Rows [][]string
	// Numbers are the columns (0-based) whose cells below the header are
	// written as numbers when they are decimal numbers (number), so a
	// spreadsheet sums them; all other cells are text.
	Numbers []int
	// Text are the columns (0-based) formatted as text (the format @), so
	// that what is typed in them later is kept as typed: a spreadsheet
	// program turns 0641234567 typed in a column of the General format
	// into the number 641234567 and 00123 into 123, and 12.5. into a date.
	Text []int
}

// number is what a cell of a Numbers column must look like to be written
// as a number: digits (at most 15, as many as a spreadsheet's double keeps
// exactly) and at most 4 decimals, optionally negative.
var number = regexp.MustCompile(`^-?[0-9]{1,15}(\.[0-9]{1,4})?$`)

// WriteCSV writes the rows of t as RFC 4180 UTF-8 CSV with a byte order
// mark (so Excel opens Serbian letters correctly). A text cell that a
// spreadsheet would take for a formula (=, +, -, @, tab or carriage
// return first) is written after an apostrophe, so free text (a title, a
// name) never runs as one; numbers in t.Numbers are written as they are.
func WriteCSV(w io.Writer, t Table) error {
	if _, err := w.Write(bom); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	for r, row := range t.Rows {
		safe := make([]string, len(row))
		for c, v := range row {
			safe[c] = v
			if !(r > 0 && slices.Contains(t.Numbers, c) && number.MatchString(v)) {
				safe[c] = defuse(v)
			}
		}
		if err := cw.Write(safe); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// defuse keeps text from running as a formula in a spreadsheet.
func defuse(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// WriteXLSX writes a minimal SpreadsheetML workbook (ECMA-376) with one
// worksheet per table, cells as inline strings (numbers in the Numbers
// columns), empty cells left out, the first row bold, the Text columns
// formatted as text.
func WriteXLSX(w io.Writer, tables ...Table) error {
	zw := zip.NewWriter(w)
	part := func(name, body string) error {
		f, err := zw.Create(name)
		if err != nil {
			return err
		}
		_, err = io.WriteString(f, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n"+body)
		return err
	}
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	const rns = `xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
	var types, sheets, rels strings.Builder
	for i := range tables {
		fmt.Fprintf(&types, `<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`, i+1)
		fmt.Fprintf(&sheets, `<sheet name="%s" sheetId="%d" r:id="rId%d"/>`, escape(tables[i].Name), i+1, i+1)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet%d.xml"/>`, i+1, i+1)
	}
	fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>`, len(tables)+1)
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
			`<Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
			types.String() + `</Types>`},
		{"_rels/.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<workbook ` + ns + ` ` + rns + `><sheets>` + sheets.String() + `</sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` + rels.String() + `</Relationships>`},
		{"xl/styles.xml", `<styleSheet ` + ns + `><fonts count="2"><font/><font><b/></font></fonts>` +
			`<fills count="1"><fill/></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>` +
			`<cellXfs count="3"><xf/><xf fontId="1" applyFont="1"/><xf numFmtId="` + textFormat + `" applyNumberFormat="1"/></cellXfs></styleSheet>`},
	}
	for _, p := range parts {
		if err := part(p.name, p.body); err != nil {
			return err
		}
	}
	for i, t := range tables {
		var b strings.Builder
		b.WriteString(`<worksheet ` + ns + `>`)
		if len(t.Text) > 0 {
			// A column's style is the format of the cells typed in it.
			cols := slices.Clone(t.Text)
			slices.Sort(cols)
			b.WriteString(`<cols>`)
			for _, c := range slices.Compact(cols) {
				fmt.Fprintf(&b, `<col min="%d" max="%d" width="18" customWidth="1" style="%d"/>`, c+1, c+1, textStyle)
			}
			b.WriteString(`</cols>`)
		}
		b.WriteString(`<sheetData>`)
		for r, row := range t.Rows {
			fmt.Fprintf(&b, `<row r="%d">`, r+1)
			for c, v := range row {
				style := ""
				switch {
				case r == 0:
					style = ` s="1"`
				case slices.Contains(t.Text, c):
					style = fmt.Sprintf(` s="%d"`, textStyle)
				}
				switch {
				case v == "":
				case r > 0 && slices.Contains(t.Numbers, c) && number.MatchString(v):
					fmt.Fprintf(&b, `<c r="%s%d"><v>%s</v></c>`, ColumnLetter(c), r+1, v)
				default:
					fmt.Fprintf(&b, `<c r="%s%d" t="inlineStr"%s><is><t xml:space="preserve">%s</t></is></c>`, ColumnLetter(c), r+1, style, escape(v))
				}
			}
			b.WriteString(`</row>`)
		}
		b.WriteString(`</sheetData></worksheet>`)
		if err := part(fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1), b.String()); err != nil {
			return err
		}
	}
	return zw.Close()
}

// textStyle is the cell style (cellXfs index) of WriteXLSX's Text
// columns: the built-in number format 49, text (@).
const (
	textStyle  = 2
	textFormat = "49"
)

func escape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
