package sheet

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// An OpenDocument spreadsheet (.ods, LibreOffice's own format; OpenDocument
// 1.2 and 1.3) is a zip archive whose first entry, "mimetype", holds
// MediaODS; its cells are in content.xml, which is streamed here with
// encoding/xml, row by row, as Next asks for them. Only values are read
// (a formula's last result, never the formula).
//
// What a spreadsheet program writes compressed is read without being
// expanded: a row repeated (table:number-rows-repeated; LibreOffice ends a
// sheet with one empty row repeated to row 1048576) is held once, and its
// repetitions cost nothing while they are empty (they are blank rows, which
// keep their numbers); a cell repeated across columns
// (table:number-columns-repeated, up to column 16384) widens the row only
// when it is not empty, and then only up to MaxColumns. A repeated row with
// data is one row per repetition, so the row limit stops it; the spaces of
// text:s are counted against MaxCellBytes before they are written.
//
// Which sheet is read: the first one not hidden (its table style has
// table:display="false"), as of a workbook. Hidden rows and columns are
// those whose table:visibility is "collapse" or "filter". A merged range
// (table:number-columns-spanned and -rows-spanned on its top-left cell; the
// cells it covers are table:covered-table-cell, whose content a spreadsheet
// program does not show and that is not read) below the header row gives
// each of its cells the top-left cell's value, as XLSX merges do.
//
// Values by office:value-type: float, percentage and currency are
// office:value as written (50 % is 0.5, as an XLSX cell holds it); date is
// office:date-value, the date the cell shows (2006-01-02, or with a time
// 2006-01-02T15:04:05: no zone, as an XLSX serial), and Serial reports it;
// boolean is 1 or 0, as an XLSX cell holds it; string is office:string-value
// when given, else the text shown; any other type (time) is the text shown.
// The text shown is the cell's text:p paragraphs joined by line breaks,
// white space collapsed as the specification says (§6.1.2), with text:s,
// text:tab and text:line-break written as what they stand for; notes
// (office:annotation) are not read.

// MediaODS is the media type of an OpenDocument spreadsheet.
const MediaODS = "application/vnd.oasis.opendocument.spreadsheet"

// FormatODS is an OpenDocument spreadsheet.
const FormatODS = "ods"

// Namespaces of OpenDocument.
const (
	nsOffice   = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
	nsTable    = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
	nsText     = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
	nsStyle    = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
	nsManifest = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
)

// maxRepeat bounds a repetition count: no spreadsheet program has more than
// 2^24 rows (LibreOffice's largest sheets) or columns.
const maxRepeat = 1 << 24

// maxTableStyles bounds the hidden table styles noted (a workbook has one
// style per sheet at most).
const maxTableStyles = 10000

// odsMimetype is what the archive's "mimetype" entry holds, the media type
// of an OpenDocument file (read up to 100 bytes; checkZip bounded it); ""
// when there is none.
func odsMimetype(zr *zip.Reader) string {
	f := zipEntry(zr, "mimetype")
	if f == nil {
		return ""
	}
	rc, err := f.Open()
	if err != nil {
		return ""
	}
	defer func() { _ = rc.Close() }() // read-only
	buf := make([]byte, 100)
	n, _ := io.ReadFull(rc, buf)
	return strings.TrimSpace(string(buf[:n]))
}

type odsReader struct {
	info Info
	lim  Limits
	rc   io.ReadCloser
	dec  *xml.Decoder
	// next is the number the next row read from the file has.
	next int
	// The row being repeated: its cells, serials, merges it starts,
	// whether it is hidden, and how many repetitions are left.
	tmpl odsRow
	left int
	// hiddenCols: the sheet's hidden columns, by index (below MaxColumns).
	hiddenCols []bool
	// The last row Next returned: hidden, serial cells.
	hidden bool
	serial []bool
	// Merged ranges below the header that Next is within.
	open []openMerge
	done bool
}

// odsRow is a table:table-row as read.
type odsRow struct {
	cells  []string
	serial []bool
	spans  []odsSpan
	hidden bool
}

// odsSpan is a merged range starting in a row: its left column, how many
// rows and columns it spans, and its value.
type odsSpan struct {
	left, rows, cols int
	value            string
	serial           bool
}

func openODS(zr *zip.Reader, lim Limits) (Reader, error) {
	if err := odsEncrypted(zr); err != nil {
		return nil, err
	}
	f := zipEntry(zr, "content.xml")
	if f == nil {
		return nil, fail(ReasonCorrupt, "the OpenDocument spreadsheet has no content (content.xml); open the file in a spreadsheet program and save it again")
	}
	// The first sheet not hidden; if every one is, the first (read again).
	r, err := openODSTable(f, lim, false)
	if err == nil && r == nil {
		r, err = openODSTable(f, lim, true)
	}
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, fail(ReasonEmpty, "the workbook has no worksheet")
	}
	return r, nil
}

// odsEncrypted refuses a password-protected file: its manifest gives
// content.xml encryption data (the part itself is then not XML).
func odsEncrypted(zr *zip.Reader) error {
	f := zipEntry(zr, "META-INF/manifest.xml")
	if f == nil {
		return nil // content.xml speaks for itself
	}
	rc, err := f.Open()
	if err != nil {
		return fail(ReasonCorrupt, "the OpenDocument spreadsheet's manifest cannot be opened (%v); open the file in a spreadsheet program and save it again", err)
	}
	defer func() { _ = rc.Close() }() // read-only
	dec := xml.NewDecoder(rc)
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return nil // a damaged manifest: content.xml speaks for itself
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Space == nsManifest && se.Name.Local == "encryption-data" {
			return fail(ReasonNotSpreadsheet, "the OpenDocument spreadsheet is password-protected, so it cannot be read; in LibreOffice choose File, Save As, untick \"Save with password\", and send that file")
		}
	}
}

// openODSTable opens content.xml and reads up to the first sheet not
// hidden (hiddenToo: the first sheet at all); nil when there is none.
func openODSTable(f *zip.File, lim Limits, hiddenToo bool) (*odsReader, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fail(ReasonCorrupt, "the OpenDocument spreadsheet's content cannot be opened (%v); open the file in a spreadsheet program and save it again", err)
	}
	r := &odsReader{lim: lim, rc: rc, dec: xml.NewDecoder(rc), next: 1}
	ok := false
	defer func() {
		if !ok {
			_ = rc.Close() // read-only
		}
	}()
	hiddenStyles := map[string]bool{}
	style := ""       // name of the open table style
	inSheets := false // within office:spreadsheet
	root := false     // an element was read (an empty part is damaged)
	for {
		tok, err := r.dec.Token()
		if errors.Is(err, io.EOF) && root {
			return nil, nil
		}
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			return nil, r.damaged(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			root = true
			switch {
			case t.Name.Space == nsStyle && t.Name.Local == "style" && attr(t, nsStyle, "family") == "table":
				style = attr(t, nsStyle, "name")
			case t.Name.Space == nsStyle && t.Name.Local == "table-properties" && style != "" && attr(t, nsTable, "display") == "false":
				if len(hiddenStyles) >= maxTableStyles {
					return nil, fail(ReasonCorrupt, "the OpenDocument spreadsheet declares more than %d sheet styles; open the file in a spreadsheet program and save it again", maxTableStyles)
				}
				hiddenStyles[style] = true
			case t.Name.Space == nsOffice && t.Name.Local == "spreadsheet":
				inSheets = true
			case inSheets && t.Name.Space == nsTable && t.Name.Local == "table":
				if !hiddenToo && hiddenStyles[attr(t, nsTable, "style-name")] {
					if err := r.dec.Skip(); err != nil {
						return nil, r.damaged(err)
					}
					continue
				}
				r.info = Info{Format: FormatODS, Sheet: attr(t, nsTable, "name")}
				ok = true
				return r, nil
			case inSheets:
				// Named ranges, calculation settings, …: not sheets.
				if err := r.dec.Skip(); err != nil {
					return nil, r.damaged(err)
				}
			}
		case xml.EndElement:
			if t.Name.Space == nsStyle && t.Name.Local == "style" {
				style = ""
			}
			if t.Name.Space == nsOffice && t.Name.Local == "spreadsheet" {
				return nil, nil
			}
		}
	}
}

func (r *odsReader) damaged(err error) error {
	return fail(ReasonCorrupt, "the OpenDocument spreadsheet's content is damaged (%v); open the file in a spreadsheet program and save it again", err)
}

func attr(se xml.StartElement, space, local string) string {
	for _, a := range se.Attr {
		if a.Name.Space == space && a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// repeatCount reads a repetition or span count: 1 when absent.
func repeatCount(se xml.StartElement, local string) (int, error) {
	v := attr(se, nsTable, local)
	if v == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 || n > maxRepeat {
		return 0, fail(ReasonCorrupt, "the OpenDocument spreadsheet has a %s of %.20q, not a count from 1 to %d; open the file in a spreadsheet program and save it again", local, v, maxRepeat)
	}
	return n, nil
}

func (r *odsReader) Info() Info { return r.info }

func (r *odsReader) Hidden() bool { return r.hidden }

func (r *odsReader) HiddenColumn(i int) bool {
	return i >= 0 && i < len(r.hiddenCols) && r.hiddenCols[i]
}

func (r *odsReader) Serial(i int) bool { return i >= 0 && i < len(r.serial) && r.serial[i] }

func (r *odsReader) Close() {
	if r.rc != nil {
		_ = r.rc.Close() // read-only
		r.rc = nil
	}
	r.done = true
}

func (r *odsReader) Next() (int, []string, error) {
	for {
		if r.left == 0 {
			if r.done {
				return 0, nil, io.EOF
			}
			n, err := r.readRow()
			if err != nil {
				return 0, nil, err
			}
			if n == 0 {
				r.Close()
				return 0, nil, io.EOF
			}
			r.left = n
		}
		num := r.next
		r.open = slices.DeleteFunc(r.open, func(m openMerge) bool { return m.bottom < num })
		if len(r.open) == 0 && blank(r.tmpl.cells) {
			// Blank repetitions are skipped whole: nothing is made of them.
			r.next += r.left
			r.left = 0
			continue
		}
		r.next++
		r.left--
		cells := slices.Clone(r.tmpl.cells)
		r.serial = slices.Clone(r.tmpl.serial)
		r.hidden = r.tmpl.hidden
		cells = r.fillMerged(num, cells)
		if blank(cells) {
			continue
		}
		if err := checkRow(num, cells, r.lim); err != nil {
			return 0, nil, err
		}
		return num, cells, nil
	}
}

// fillMerged opens the merged ranges starting in row num (below the header)
// and writes, into its cells, the value of each open range covering them.
func (r *odsReader) fillMerged(num int, cells []string) []string {
	if num > 1 {
		for _, s := range r.tmpl.spans {
			m := openMerge{mergeRange: mergeRange{top: num, bottom: num + s.rows - 1, left: s.left, right: min(s.left+s.cols-1, r.lim.MaxColumns-1)},
				value: s.value, serial: s.serial}
			// Ranges do not overlap in a spreadsheet: one that would
			// replaces those it overlaps, so that at most MaxColumns are
			// open.
			r.open = slices.DeleteFunc(r.open, func(o openMerge) bool { return o.left <= m.right && m.left <= o.right })
			r.open = append(r.open, m)
		}
	}
	for _, m := range r.open {
		for len(cells) <= m.right {
			cells = append(cells, "")
			r.serial = append(r.serial, false)
		}
		for c := m.left; c <= m.right; c++ {
			cells[c], r.serial[c] = m.value, m.serial
		}
	}
	return cells
}

// readRow reads the next table:table-row of the sheet into r.tmpl and
// returns how many times it is repeated; 0 at the sheet's end.
func (r *odsReader) readRow() (int, error) {
	col := 0 // columns declared so far
	for {
		tok, err := r.dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return 0, r.damaged(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Space != nsTable {
				if err := r.dec.Skip(); err != nil {
					return 0, r.damaged(err)
				}
				continue
			}
			switch t.Name.Local {
			case "table-column":
				n, err := repeatCount(t, "number-columns-repeated")
				if err != nil {
					return 0, err
				}
				if v := attr(t, nsTable, "visibility"); v == "collapse" || v == "filter" {
					for i := col; i < min(col+n, r.lim.MaxColumns); i++ {
						for len(r.hiddenCols) <= i {
							r.hiddenCols = append(r.hiddenCols, false)
						}
						r.hiddenCols[i] = true
					}
				}
				col = min(col+n, maxRepeat)
				if err := r.dec.Skip(); err != nil {
					return 0, r.damaged(err)
				}
			case "table-row":
				n, err := repeatCount(t, "number-rows-repeated")
				if err != nil {
					return 0, err
				}
				v := attr(t, nsTable, "visibility")
				r.tmpl = odsRow{hidden: v == "collapse" || v == "filter"}
				if err := r.readCells(&r.tmpl); err != nil {
					return 0, err
				}
				return n, nil
			case "table-columns", "table-header-columns", "table-column-group", "table-rows", "table-header-rows", "table-row-group":
				// Groups: their rows and columns are the sheet's, in order.
			default:
				if err := r.dec.Skip(); err != nil {
					return 0, r.damaged(err)
				}
			}
		case xml.EndElement:
			if t.Name.Space == nsTable && t.Name.Local == "table" {
				return 0, nil
			}
		}
	}
}

// readCells reads the cells of the table:table-row just opened.
func (r *odsReader) readCells(row *odsRow) error {
	num := r.next // for messages: the first repetition's number
	col := 0
	for {
		tok, err := r.dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return r.damaged(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Space != nsTable || t.Name.Local != "table-cell" && t.Name.Local != "covered-table-cell" {
				if err := r.dec.Skip(); err != nil {
					return r.damaged(err)
				}
				continue
			}
			n, err := repeatCount(t, "number-columns-repeated")
			if err != nil {
				return err
			}
			if t.Name.Local == "covered-table-cell" {
				// Not shown: a merged range's top-left cell speaks for it.
				if err := r.dec.Skip(); err != nil {
					return r.damaged(err)
				}
				col = min(col+n, maxRepeat)
				continue
			}
			value, serial, err := r.cellValue(t, num, col)
			if err != nil {
				return err
			}
			if strings.TrimSpace(value) != "" {
				if col+n > r.lim.MaxColumns {
					return fail(ReasonTooWide, "row %d has data in column %s, but at most %d columns are accepted", num, ColumnLetter(col+n-1), r.lim.MaxColumns)
				}
				for len(row.cells) < col+n {
					row.cells = append(row.cells, "")
					row.serial = append(row.serial, false)
				}
				for i := col; i < col+n; i++ {
					row.cells[i], row.serial[i] = value, serial
				}
				rows, err := repeatCount(t, "number-rows-spanned")
				if err != nil {
					return err
				}
				cols, err := repeatCount(t, "number-columns-spanned")
				if err != nil {
					return err
				}
				if rows > 1 || cols > 1 {
					for i := col; i < col+n; i++ {
						row.spans = append(row.spans, odsSpan{left: i, rows: rows, cols: cols, value: value, serial: serial})
					}
				}
			}
			col = min(col+n, maxRepeat)
		case xml.EndElement:
			return nil // the row's end
		}
	}
}

// cellValue reads the table:table-cell just opened, up to its end: the
// value it holds and whether it is a date.
func (r *odsReader) cellValue(se xml.StartElement, row, col int) (string, bool, error) {
	var value string
	given := false
	serial := false
	switch attr(se, nsOffice, "value-type") {
	case "float", "percentage", "currency":
		value, given = attr(se, nsOffice, "value"), true
	case "date":
		value, serial = odsDate(attr(se, nsOffice, "date-value"))
		given = true
	case "boolean":
		switch v := strings.TrimSpace(attr(se, nsOffice, "boolean-value")); v {
		case "true":
			value = "1"
		case "false":
			value = "0"
		default:
			value = v
		}
		given = true
	case "string":
		value, given = attr(se, nsOffice, "string-value"), true
	}
	if given && value != "" {
		if len(value) > r.lim.MaxCellBytes {
			return "", false, fail(ReasonCellTooLong, "cell %s%d is %d bytes long, more than %d", ColumnLetter(col), row, len(value), r.lim.MaxCellBytes)
		}
		if err := r.dec.Skip(); err != nil {
			return "", false, r.damaged(err)
		}
		return value, serial, nil
	}
	text, err := r.cellText(row, col)
	return text, false, err
}

// odsDate is the date an office:date-value shows, and whether it is one
// (else it is read as the text it is: a zone, a year past 9999).
func odsDate(v string) (string, bool) {
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t.Format(time.DateOnly), true
	}
	if t, err := time.Parse("2006-01-02T15:04:05.999999999", v); err == nil {
		return t.Round(time.Second).Format("2006-01-02T15:04:05"), true
	}
	return v, false
}

// cellText reads the paragraphs of the cell just opened, up to its end.
func (r *odsReader) cellText(row, col int) (string, error) {
	var b strings.Builder
	paras := 0
	tooLong := func() error {
		return fail(ReasonCellTooLong, "cell %s%d is more than %d bytes long", ColumnLetter(col), row, r.lim.MaxCellBytes)
	}
	for {
		tok, err := r.dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return "", r.damaged(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Space != nsText || t.Name.Local != "p" && t.Name.Local != "h" {
				if err := r.dec.Skip(); err != nil { // a note, a drawing
					return "", r.damaged(err)
				}
				continue
			}
			if paras > 0 {
				b.WriteByte('\n')
			}
			paras++
			p := paragraph{b: &b, max: r.lim.MaxCellBytes, space: true}
			if err := p.read(r.dec); err != nil {
				if errors.Is(err, errTooLong) {
					return "", tooLong()
				}
				return "", r.damaged(err)
			}
		case xml.EndElement:
			return b.String(), nil
		}
	}
}

var errTooLong = errors.New("too long")

// paragraph collects the text of a text:p (or text:h) element.
type paragraph struct {
	b   *strings.Builder
	max int
	// space: the character before is white space to collapse (at the
	// paragraph's start too).
	space bool
}

// read reads up to the end of the element just opened.
func (p *paragraph) read(dec *xml.Decoder) error {
	for {
		tok, err := dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
		switch t := tok.(type) {
		case xml.CharData:
			for _, c := range string(t) {
				if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
					if p.space {
						continue
					}
					c = ' '
					p.space = true
				} else {
					p.space = false
				}
				if err := p.write(c, 1); err != nil {
					return err
				}
			}
		case xml.StartElement:
			var err error
			switch {
			case t.Name.Space == nsText && t.Name.Local == "s":
				n := 1
				if v := attr(t, nsText, "c"); v != "" {
					if n, err = strconv.Atoi(v); err != nil || n < 0 {
						return errors.New("text:s has a count that is not a number")
					}
				}
				err = p.write(' ', n)
			case t.Name.Space == nsText && t.Name.Local == "tab":
				err = p.write('\t', 1)
			case t.Name.Space == nsText && t.Name.Local == "line-break":
				err = p.write('\n', 1)
			case t.Name.Space == nsOffice && t.Name.Local == "annotation",
				t.Name.Space == nsText && (t.Name.Local == "note" || t.Name.Local == "ruby-text"):
				if err := dec.Skip(); err != nil {
					return err
				}
				continue
			default:
				// Spans, links, fields: their text is the paragraph's.
				if err := p.read(dec); err != nil {
					return err
				}
				continue
			}
			if err != nil {
				return err
			}
			p.space = false
			if err := dec.Skip(); err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

// write writes c n times, within the limit.
func (p *paragraph) write(c rune, n int) error {
	if n > p.max || p.b.Len()+n*utf8.RuneLen(c) > p.max {
		return errTooLong
	}
	for range n {
		p.b.WriteRune(c)
	}
	return nil
}
