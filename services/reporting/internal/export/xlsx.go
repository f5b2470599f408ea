package export

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/spona/spona/services/reporting/internal/domain"
)

// The parts of a minimal SpreadsheetML package (ECMA-376): one workbook
// with one worksheet whose strings are inline.
const (
	xlsxContentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
		`</Types>`
	xlsxRootRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>` +
		`</Relationships>`
	xlsxWorkbook = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
		`<sheets><sheet name="Report" sheetId="1" r:id="rId1"/></sheets></workbook>`
	xlsxWorkbookRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
		`</Relationships>`
)

// valueColumn is the index of the "value" column, written as a number.
var valueColumn = slices.Index(Header, "value")

var number = regexp.MustCompile(`^[0-9]{1,15}(\.[0-9]{1,4})?$`)

// XLSX renders the report as an Office Open XML workbook with the same
// table as CSV; the value column holds numbers, everything else text.
func XLSX(r *domain.Report) ([]byte, error) {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	// A fixed time keeps the file a function of the report.
	stamp := r.GenerateTime
	if stamp.IsZero() {
		stamp = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	part := func(name, body string) error {
		w, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: stamp})
		if err != nil {
			return err
		}
		_, err = io.WriteString(w, body)
		return err
	}
	sheet, err := worksheet(Rows(r))
	if err != nil {
		return nil, err
	}
	for _, p := range [][2]string{
		{"[Content_Types].xml", xlsxContentTypes},
		{"_rels/.rels", xlsxRootRels},
		{"xl/workbook.xml", xlsxWorkbook},
		{"xl/_rels/workbook.xml.rels", xlsxWorkbookRels},
		{"xl/worksheets/sheet1.xml", sheet},
	} {
		if err := part(p[0], p[1]); err != nil {
			return nil, err
		}
	}
	if err := z.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// columnName returns the A1-style name of column i (0-based).
func columnName(i int) string {
	name := ""
	for i++; i > 0; i = (i - 1) / 26 {
		name = string(rune('A'+(i-1)%26)) + name
	}
	return name
}

func worksheet(rows [][]string) (string, error) {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	for r, row := range rows {
		ref := strconv.Itoa(r + 1)
		b.WriteString(`<row r="` + ref + `">`)
		for c, s := range row {
			cell := columnName(c) + ref
			if r > 0 && c == valueColumn && number.MatchString(s) {
				b.WriteString(`<c r="` + cell + `"><v>` + s + `</v></c>`)
				continue
			}
			if s == "" {
				continue
			}
			b.WriteString(`<c r="` + cell + `" t="inlineStr"><is><t xml:space="preserve">`)
			if err := xml.EscapeText(&b, []byte(s)); err != nil {
				return "", err
			}
			b.WriteString(`</t></is></c>`)
		}
		b.WriteString(`</row>`)
	}
	b.WriteString(`</sheetData></worksheet>`)
	return b.String(), nil
}
