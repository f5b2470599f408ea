package sheet

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// scan reads one part of an XLSX archive as the library would read it as
// a worksheet, token by token with encoding/xml as it does.
//
// The worksheet that is read (main) must be well-formed XML, no row with
// a value may lie beyond the row limit, every shared-string cell must
// refer to one of the strs shared strings, and no inline string may be
// written in several runs. It also notes the cells the library reports
// as dates without having converted a serial (t="d" holds an ISO date;
// text in a date format is text): only serials read as the date they
// show (Reader.Serial), and only they move in the 1904 date system.
//
// Any other part only must not hold a shared-string cell with a negative
// index; it is read up to its first XML error, where the library would
// stop too.
type scan struct {
	strs int
	lim  Limits
	main bool
	// date1904: the workbook's date system; dateStyle (whether a cell
	// style index may be a date format): note the cells that are dates
	// but not serials.
	date1904  bool
	dateStyle []bool

	// Results.
	notSerial notSerial
	// secondShort holds the number cells in a style that may be a date
	// whose serial the library reads a second short (secondShort).
	secondShort notSerial
	// hidden holds the numbers of the main worksheet's hidden rows (a
	// row hidden by hand or by a filter: hidden="1").
	hidden map[int]bool
	// hiddenCols holds, by column index (below MaxColumns), whether the
	// main worksheet hides the column (<col hidden="1">: hidden by hand,
	// or a template's helper column).
	hiddenCols []bool
	// merged are the main worksheet's merged ranges below the header
	// row (mergeCell), in the order of their first rows.
	merged []mergeRange
	// restyle holds where (byte offsets in the main worksheet part) the
	// start tags of the cells are whose style may be a date format but
	// whose value is a formula's text, error or yes/no (t="str", "e",
	// "b"): the library would take the value for a serial, fail the whole
	// row on text ("" of an IFERROR) and read TRUE as 1899-12-31, so the
	// part is read with those cells' styles removed (restyled).
	restyle [][2]int64
	// irregular: a row without a number greater than the one before, so
	// the row numbers here may not be those Next gives.
	irregular bool
}

// notSerial holds, by row number, a bit per column (below MaxColumns).
type notSerial map[int][]uint64

func (n notSerial) set(row, col, width int) {
	b := n[row]
	if b == nil {
		b = make([]uint64, (width+63)/64)
		n[row] = b
	}
	b[col/64] |= 1 << (col % 64)
}

func (n notSerial) has(row, col int) bool {
	b := n[row]
	return col/64 < len(b) && b[col/64]&(1<<(col%64)) != 0
}

func (s *scan) part(f *zip.File) error {
	rc, err := f.Open()
	if err != nil {
		if !s.main {
			return nil // the library cannot read it either
		}
		return fail(ReasonCorrupt, "the worksheet cannot be opened: %v", err)
	}
	defer rc.Close()
	dec := xml.NewDecoder(rc)
	row, last := 0, 0
	inValue := false
	// The library takes a cell's type from its t attribute and its value
	// from the first token after any <v> inside it, however deep, so a
	// <v> within any open t="s" cell is checked against that token.
	var cells []string    // t of the open <c> elements
	ref := ""             // r of the innermost cell
	index := false        // the next token is a shared-string index
	inline, texts := 0, 0 // open <is> elements; <t> in those of the cell
	// The innermost cell has a formula (<f>), a value (<v>, <is>).
	formula, value := false, false
	// serialAt: the innermost cell is a number in a style that may be a
	// date, at row, column serialCol (its <v> is checked: secondShort).
	serialAt, serialCol := false, 0
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			if !s.main {
				return nil
			}
			return fail(ReasonCorrupt, "the worksheet is damaged (%v); open the file in a spreadsheet program and save it again", err)
		}
		if index {
			index = false
			v, _ := tok.(xml.CharData) // the library reads anything else as ""
			n, err := strconv.Atoi(string(v))
			switch {
			case s.main && (err != nil || n < 0 || n >= s.strs):
				return fail(ReasonCorrupt, "cell %.12q (row %d) refers to shared string %.20q, which the workbook does not have (it has %d, numbered from 0); open the file in a spreadsheet program and save it again", ref, row, v, s.strs)
			case err == nil && n < 0:
				return fail(ReasonCorrupt, "the XLSX part %.60s has a cell (%.12q) referring to shared string %d, which no workbook has; open the file in a spreadsheet program and save it again", f.Name, ref, n)
			}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "row":
				n, hidden := 0, false
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "r":
						n, _ = strconv.Atoi(a.Value)
					case "hidden":
						hidden = a.Value == "1" || a.Value == "true"
					}
				}
				row = last + 1
				if n > 0 {
					row = n
				}
				if n <= last {
					s.irregular = true
				}
				last = row
				if s.main && hidden && row <= s.lim.MaxRows+1 {
					if s.hidden == nil {
						s.hidden = map[int]bool{}
					}
					s.hidden[row] = true
				}
			case "c":
				typ, style := "", 0
				ref, texts = "", 0
				formula, value = false, false
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "t":
						typ = a.Value
					case "r":
						ref = a.Value
					case "s":
						var err error
						if style, err = strconv.Atoi(a.Value); err != nil {
							style = -1 // the library fails the row
						}
					}
				}
				cells = append(cells, typ)
				serialAt = false
				if s.main {
					s.noteDate(row, ref, typ, style)
					serialCol = ColumnIndex(strings.Map(letter, ref))
					serialAt = (typ == "" || typ == "n") && s.mayBeDate(style) && serialCol >= 0 && serialCol < s.lim.MaxColumns && row <= s.lim.MaxRows+1
				}
				if s.main && computed(typ) && s.mayBeDate(style) {
					s.restyle = append(s.restyle, [2]int64{start, dec.InputOffset()})
				}
			case "col":
				if s.main {
					s.noteColumns(t.Attr)
				}
			case "mergeCell":
				for _, a := range t.Attr {
					if m, ok := parseRange(a.Value); a.Name.Local == "ref" && ok && s.main && m.top > 1 {
						s.merged = append(s.merged, m)
					}
				}
			case "f":
				formula = true
			case "v":
				index = slices.Contains(cells, "s")
				inValue, value = true, true
			case "is":
				inline++
				value = true
			case "t":
				inValue = true
				// The library keeps one <t> of a cell's inline strings
				// (the first of the last <is>), so a cell of more is
				// refused.
				if inline > 0 && slices.Contains(cells, "inlineStr") {
					if texts++; texts > 1 && s.main {
						return fail(ReasonCorrupt, "cell %.12q (row %d) holds text written in several formatted parts (inline rich text), which cannot be read whole; open the file in a spreadsheet program and save it again", ref, row)
					}
				}
			}
		case xml.CharData:
			if s.main && inValue && row > s.lim.MaxRows+1 && len(bytes.TrimSpace(t)) > 0 {
				return tooManyRows(row, s.lim)
			}
			if serialAt && inValue {
				if secondShort(string(t)) {
					if s.secondShort == nil {
						s.secondShort = notSerial{}
					}
					s.secondShort.set(row, serialCol, s.lim.MaxColumns)
				}
				serialAt = false // the library reads the first token only
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "v", "t":
				inValue = false
			case "is":
				inline = max(inline-1, 0)
			case "c":
				cells = cells[:max(len(cells)-1, 0)]
				if s.main && formula && !value && row <= s.lim.MaxRows+1 {
					// The library reads it as empty, without a word.
					return fail(ReasonCorrupt, "cell %.12q (row %d) holds a formula but the file carries no value for it: the program that wrote the file "+
						"did not calculate its formulas (a script's library does not), so their cells would be read empty; open the file in a "+
						"spreadsheet program and save it again, which calculates them, or write the values in place of the formulas", ref, row)
				}
			}
		}
	}
}

// secondShort reports whether the library, converting the serial v to a
// date and time, comes a second short of the second it is nearest to: it
// multiplies the fraction of the day out to nanoseconds and truncates, and
// a time typed as 08:30 is stored as a fraction a hair below it
// (0.35416666666666663), so it read 08:29:59. The arithmetic is the
// library's (convertExcelDateToDateString, v1.2.8), so that exactly the
// cells it reads short are marked.
func secondShort(v string) bool {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || !(f > 0 && f < 1e7) { // NaN, negative, past year 9999: left as read
		return false
	}
	frac := f - math.Trunc(f)
	read := time.Duration(frac*float64(24*time.Hour)) / time.Second
	return time.Duration(math.Round(frac*86400)) > read
}

// noteColumns notes the columns a <col> element hides: min and max are
// the first and last (numbered from 1); a hidden column past the column
// limit is not noted, as no cell of it is read.
func (s *scan) noteColumns(attrs []xml.Attr) {
	lo, hi, hidden := 0, 0, false
	for _, a := range attrs {
		switch a.Name.Local {
		case "min":
			lo, _ = strconv.Atoi(a.Value)
		case "max":
			hi, _ = strconv.Atoi(a.Value)
		case "hidden":
			hidden = a.Value == "1" || a.Value == "true"
		}
	}
	if !hidden || lo < 1 {
		return
	}
	hi = min(max(hi, lo), s.lim.MaxColumns)
	for c := lo - 1; c < hi; c++ {
		if s.hiddenCols == nil {
			s.hiddenCols = make([]bool, s.lim.MaxColumns)
		}
		s.hiddenCols[c] = true
	}
}

// computed reports whether a cell of type t holds a formula's text, error
// or yes/no (the types the library converts as a serial in a date style).
func computed(t string) bool { return t == "str" || t == "e" || t == "b" }

// mayBeDate reports whether a cell style may be a date format (an index
// beyond the styles read may be).
func (s *scan) mayBeDate(style int) bool {
	return style >= 0 && (style >= len(s.dateStyle) || s.dateStyle[style])
}

// restyled returns the main worksheet part (the bytes scanned) with the
// style attribute of each cell in restyle removed (written over with
// spaces, so that nothing else moves), so that the library reads those
// cells' values as they are.
func restyled(f *zip.File, at [][2]int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fail(ReasonCorrupt, "the worksheet cannot be opened: %v", err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, fail(ReasonCorrupt, "the worksheet is damaged (%v); open the file in a spreadsheet program and save it again", err)
	}
	for _, a := range at {
		if a[0] < 0 || a[1] > int64(len(data)) || a[0] >= a[1] {
			continue
		}
		tag := data[a[0]:a[1]]
		for _, m := range styleAttr.FindAllIndex(tag, -1) {
			for i := m[0]; i < m[1]; i++ {
				tag[i] = ' '
			}
		}
	}
	return data, nil
}

// styleAttr is a start tag's s attribute (a cell's style).
var styleAttr = regexp.MustCompile(`\ss\s*=\s*(?:"[^"]*"|'[^']*')`)

// noteDate notes a cell the library reports as a date (if its style is a
// date format) whose value is not a converted serial: t="d" (always a
// date, an ISO string), or text (shared or inline) in a date format.
// Rows past the limit are refused or skipped by Next, and columns past it
// refused, so neither is noted.
func (s *scan) noteDate(row int, ref, typ string, style int) {
	switch typ {
	case "d":
	case "s", "inlineStr", "str", "e", "b":
		// Text in a date format, and a computed value the part is read
		// restyled for (restyle).
		if !s.mayBeDate(style) {
			return
		}
	default:
		return
	}
	col := ColumnIndex(strings.Map(letter, ref))
	if col < 0 || col >= s.lim.MaxColumns || row > s.lim.MaxRows+1 {
		return
	}
	if s.notSerial == nil {
		s.notSerial = notSerial{}
	}
	s.notSerial.set(row, col, s.lim.MaxColumns)
}

// mergeRange is a merged range of cells: what a spreadsheet program shows
// as one cell, holding the value of its top-left cell.
type mergeRange struct {
	top, bottom, left, right int // row numbers, column indexes
}

// parseRange reads a range reference such as "B2:B4" (columns within
// the limit are the reader's to bound).
func parseRange(ref string) (mergeRange, bool) {
	from, to, ok := strings.Cut(ref, ":")
	if !ok {
		return mergeRange{}, false
	}
	r1, c1, ok1 := parseRef(from)
	r2, c2, ok2 := parseRef(to)
	if !ok1 || !ok2 || r2 < r1 || c2 < c1 {
		return mergeRange{}, false
	}
	return mergeRange{top: r1, bottom: r2, left: c1, right: c2}, true
}

// parseRef reads a cell reference such as "B2" (or "$B$2").
func parseRef(ref string) (row, col int, ok bool) {
	ref = strings.ReplaceAll(ref, "$", "")
	i := strings.IndexFunc(ref, func(r rune) bool { return r >= '0' && r <= '9' })
	if i <= 0 {
		return 0, 0, false
	}
	col = ColumnIndex(ref[:i])
	row, err := strconv.Atoi(ref[i:])
	return row, col, err == nil && col >= 0 && row > 0
}

// letter keeps the ASCII letters of a cell reference, as the library
// takes its column.
func letter(r rune) rune {
	if 'A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' {
		return r
	}
	return -1
}
