package sheet

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/spona/spona/pkg/intconv"
	"github.com/thedatashed/xlsxreader"
)

// An XLSX file is read with github.com/thedatashed/xlsxreader, which
// streams a worksheet's rows (only the shared strings table is held) and
// turns date-formatted numbers into ISO dates. Before it runs, the zip
// archive's parts are checked against the limits (archive/zip refuses a
// part that expands past its declared size, so declared sizes can be
// trusted), and the worksheet is scanned once for well-formed XML and the
// row limit: the library would stop silently at an XML error.
//
// The scans also refuse what would make the library end the process
// (v1.2.8): a shared-string cell whose index is negative (it checks only
// the upper bound, and panics in its own goroutine, where nothing can
// recover), and a shared strings count attribute that is negative (a
// makeslice panic) or absurdly large (a fatal out-of-memory). The
// worksheet scanned is the part the library reads, found as it finds it
// (workbook.go), and every other part of the archive is scanned for
// negative indexes too, so a mistake in finding it cannot end the
// process either. Nothing else it reads from the file can panic: style
// indexes only look up a map, malformed numbers are errors it returns,
// column letters are only mapped (ColumnIndex bounds them here), and
// dates from huge or odd numbers (1e308, NaN) come out wrong (converting
// such floats to int is defined, if meaningless) but do not panic.
//
// What the library reads wrongly without failing is mended or refused
// here: it converts date serials from the 1900 date system only, so in a
// workbook in the 1904 system its dates are moved on by the 1462 days
// between the two (workbook.go); it writes a serial with a time of day
// as a moment in UTC (2016-02-29T06:30:00Z), which is given without the
// Z, as the date and time the cell shows (wallClock); it truncates the
// serial's time to the second below, so a time stored a hair below a
// whole second (08:30 is 0.35416666666666663 of a day) read a second
// short (08:29:59), and such cells, found by the scan (secondShort), are
// read a second on, to the nearest second; and it reports text
// in a date format as a date too, so serials are told from text by the
// scan (Reader.Serial); and it keeps only the first run of an inline
// string written in several runs (rich text), so such a cell is refused.

type xlsxReader struct {
	info  Info
	lim   Limits
	rows  chan xlsxreader.Row
	last  int // row number of the last row returned
	close func()
	// date1904: dates the library made of serials are moved to the 1904
	// date system, except in the cells of notSerial.
	date1904  bool
	notSerial notSerial
	// serials: the library's dates are told from text (notSerial can be
	// trusted: the rows are numbered in order, or no cell is text in a
	// date format); serial: which cells of the last row are serials.
	serials bool
	serial  []bool
	// secondShort: the serials the library reads a second short, which
	// are read a second on (nil when the rows are not numbered in order:
	// the scan's row numbers may not be Next's).
	secondShort notSerial
	// hidden: the worksheet's hidden rows, by number.
	hidden map[int]bool
	// hiddenCols: the worksheet's hidden columns, by index.
	hiddenCols []bool
	// Merged ranges below the header: pending (by first row) until Next
	// reaches their first row, then open, with the value of their top-left
	// cell, until it passes their last.
	pending []mergeRange
	open    []openMerge
}

// openMerge is a merged range Next is within, and its value.
type openMerge struct {
	mergeRange
	value  string
	serial bool
}

// fillMerged writes, into the cells of row num, the value of each merged
// range that covers them, as a spreadsheet program shows it (a family's
// surname or municipality merged over its members' rows is each one's);
// the cells widen to the ranges' right edges, within the column limit
// (and x.serial with them: a cell holds the top-left one's serial).
func (x *xlsxReader) fillMerged(num int, cells []string) []string {
	for len(x.pending) > 0 && x.pending[0].top <= num {
		m := openMerge{mergeRange: x.pending[0]}
		if m.top == num && m.left < len(cells) {
			m.value, m.serial = cells[m.left], x.serial[m.left]
		}
		x.pending = x.pending[1:]
		x.open = append(x.open, m)
	}
	x.open = slices.DeleteFunc(x.open, func(m openMerge) bool { return m.bottom < num })
	for _, m := range x.open {
		if m.value == "" {
			continue
		}
		right := min(m.right, x.lim.MaxColumns-1)
		for len(cells) <= right {
			cells = append(cells, "")
			x.serial = append(x.serial, false)
		}
		for c := m.left; c <= right; c++ {
			cells[c], x.serial[c] = m.value, m.serial
		}
	}
	return cells
}

// openZip reads a zip archive: an OpenDocument spreadsheet when its
// mimetype entry says so (ods.go), else an XLSX workbook.
func openZip(p Pieces, lim Limits) (Reader, error) {
	zr, err := zip.NewReader(p, int64(p.Len()))
	if err != nil {
		return nil, fail(ReasonCorrupt, "the file is not a valid XLSX or ODS (zip) file: %v", err)
	}
	expanded, err := checkZip(zr, lim)
	if err != nil {
		return nil, err
	}
	switch mt := odsMimetype(zr); {
	case mt == MediaODS:
		return openODS(zr, lim)
	case strings.HasPrefix(mt, "application/vnd.oasis.opendocument."):
		return nil, fail(ReasonNotSpreadsheet, "the file is an OpenDocument file of type %.80q, not a spreadsheet (CSV, XLSX or ODS)", mt)
	}
	return openXLSX(zr, expanded, lim)
}

func openXLSX(zr *zip.Reader, expanded uint64, lim Limits) (Reader, error) {
	strs, err := scanSharedStrings(zr, expanded)
	if err != nil {
		return nil, err
	}
	xf, err := xlsxreader.NewReaderZip(zr)
	if err != nil {
		return nil, fail(ReasonCorrupt, "the file is not a readable XLSX workbook (%v); open it in a spreadsheet program and save it again as .xlsx", err)
	}
	wb, err := readWorkbook(zr)
	if err != nil {
		return nil, err
	}
	if len(xf.Sheets) == 0 || len(wb.sheets) == 0 {
		return nil, fail(ReasonEmpty, "the workbook has no worksheet")
	}
	// The sheet read is the first one the workbook shows: a hidden sheet
	// before it (last year's register, a list of codes) is not the data
	// a person sees when they open the file.
	at := wb.firstVisible()
	first := wb.sheets[at]
	if at >= len(xf.Sheets) || xf.Sheets[at] != first.name { // cannot be: both read the same list
		return nil, fail(ReasonCorrupt, "the workbook's first worksheet cannot be told apart; open the file in a spreadsheet program and save it again")
	}
	sc := scan{strs: strs, lim: lim, main: true, date1904: wb.date1904}
	// Which styles may be dates: for the 1904 system's dates and for the
	// computed cells read restyled (a workbook whose styles cannot be
	// read has every style taken for one).
	if sc.dateStyle, err = dateStyles(zr); err != nil && wb.date1904 {
		return nil, err
	}
	if err := sc.part(first.part); err != nil {
		return nil, err
	}
	if len(sc.restyle) > 0 {
		if xf, err = readRestyled(zr, first.part, sc.restyle); err != nil {
			return nil, err
		}
	}
	if sc.irregular && len(sc.notSerial) > 0 && wb.date1904 {
		return nil, fail(ReasonCorrupt, "the workbook uses the 1904 date system and has text or ISO dates in date-formatted cells, but its rows are not numbered in order, so its dates cannot be told apart; open the file in a spreadsheet program and save it again")
	}
	if sc.irregular && (len(sc.hidden) > 0 || len(sc.merged) > 0) {
		return nil, fail(ReasonCorrupt, "the worksheet has hidden rows or merged cells, but its rows are not numbered in order, so they cannot be told apart; open the file in a spreadsheet program and save it again")
	}
	slices.SortStableFunc(sc.merged, func(a, b mergeRange) int { return a.top - b.top })
	// A second guard against the library's panic, should the part it
	// reads ever be another: no part holds a negative shared-string index.
	for _, f := range zr.File {
		if f == first.part {
			continue
		}
		if err := (&scan{strs: strs, lim: lim}).part(f); err != nil {
			return nil, err
		}
	}
	if sc.irregular {
		sc.secondShort = nil
	}
	name := first.name
	rows := xf.ReadRows(name)
	r := &xlsxReader{info: Info{Format: FormatXLSX, Sheet: name}, lim: lim, rows: rows, date1904: wb.date1904, notSerial: sc.notSerial,
		serials: !sc.irregular || len(sc.notSerial) == 0, hidden: sc.hidden, hiddenCols: sc.hiddenCols, pending: sc.merged,
		secondShort: sc.secondShort}
	r.close = func() {
		// The library's goroutine ends once its channel is drained; the
		// scan above bounded what is left.
		go func() {
			for range rows {
			}
		}()
	}
	return r, nil
}

// readRestyled is the library's reader of the workbook zr with its
// worksheet part written as restyled makes it, every other part as it is
// (copied without decompressing).
func readRestyled(zr *zip.Reader, part *zip.File, at [][2]int64) (*xlsxreader.XlsxFile, error) {
	data, err := restyled(part, at)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		if f != part {
			err = zw.Copy(f)
		} else if w, werr := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Store}); werr != nil {
			err = werr
		} else {
			_, err = w.Write(data)
		}
		if err != nil {
			return nil, fail(ReasonCorrupt, "the workbook cannot be read (%v); open it in a spreadsheet program and save it again", err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	nzr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		return nil, err
	}
	xf, err := xlsxreader.NewReaderZip(nzr)
	if err != nil {
		return nil, fail(ReasonCorrupt, "the file is not a readable XLSX workbook (%v); open it in a spreadsheet program and save it again as .xlsx", err)
	}
	return xf, nil
}

func (x *xlsxReader) Info() Info { return x.info }

// Hidden reports whether the row Next returned last has hidden="1".
func (x *xlsxReader) Hidden() bool { return x.hidden[x.last] }

// HiddenColumn reports whether the worksheet hides column i (<col
// hidden="1">).
func (x *xlsxReader) HiddenColumn(i int) bool {
	return i >= 0 && i < len(x.hiddenCols) && x.hiddenCols[i]
}

// Serial reports whether cell i of the row Next returned last is a date
// serial. In a workbook whose rows are not numbered in order and that has
// text in a date format, none is: which cells hold text cannot be told
// (Next then gives the library's values as they are, and a date-time
// reads as text does).
func (x *xlsxReader) Serial(i int) bool { return i >= 0 && i < len(x.serial) && x.serial[i] }

func (x *xlsxReader) Close() {
	if x.close != nil {
		x.close()
		x.close = nil
	}
}

func (x *xlsxReader) Next() (int, []string, error) {
	for {
		row, ok := <-x.rows
		if !ok {
			x.close = nil
			return 0, nil, io.EOF
		}
		if row.Error != nil {
			return 0, nil, fail(ReasonCorrupt, "row %d of the worksheet cannot be read: %v", row.Index, row.Error)
		}
		num := row.Index
		if num <= x.last {
			num = x.last + 1 // rows without numbers follow the last
		}
		x.last = num
		width := 0
		for _, c := range row.Cells {
			i := ColumnIndex(c.Column)
			if i < 0 {
				return 0, nil, fail(ReasonCorrupt, "row %d has a cell without a valid reference (%q); open the file in a spreadsheet program and save it again", num, c.Column)
			}
			width = max(width, i+1)
		}
		if width > x.lim.MaxColumns {
			return 0, nil, fail(ReasonTooWide, "row %d has data in column %s, but at most %d columns are accepted", num, ColumnLetter(width-1), x.lim.MaxColumns)
		}
		cells := make([]string, width)
		x.serial = make([]bool, width)
		for _, c := range row.Cells {
			i := ColumnIndex(c.Column)
			cells[i] = c.Value
			if c.Type != xlsxreader.TypeDateTime || !x.serials || x.notSerial.has(num, i) {
				continue
			}
			if x.secondShort.has(num, i) {
				cells[i] = secondOn(cells[i])
			}
			if x.date1904 {
				cells[i] = from1904(cells[i])
			}
			cells[i], x.serial[i] = wallClock(cells[i]), true
		}
		cells = x.fillMerged(num, cells)
		if blank(cells) {
			continue
		}
		if err := checkRow(num, cells, x.lim); err != nil {
			return 0, nil, err
		}
		return num, cells, nil
	}
}

// checkZip refuses archives whose parts would expand past the limits, and
// returns the size they expand to.
func checkZip(zr *zip.Reader, lim Limits) (uint64, error) {
	if len(zr.File) > 10000 {
		return 0, fail(ReasonZipBomb, "the file (a zip archive) has %d parts; a workbook has a few dozen", len(zr.File))
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if total > intconv.Uint64(lim.MaxUnzippedBytes) {
			return 0, fail(ReasonZipBomb, "the workbook would expand to more than %d MiB; it is refused as a possible zip bomb (split the data into smaller files)", lim.MaxUnzippedBytes>>20)
		}
		if f.UncompressedSize64 > 1<<20 && f.UncompressedSize64 > intconv.Uint64(lim.MaxZipRatio)*max(f.CompressedSize64, 1) {
			return 0, fail(ReasonZipBomb, "the workbook's part %s expands %d times (%d bytes to %d), more than %d times; it is refused as a possible zip bomb",
				f.Name, f.UncompressedSize64/max(f.CompressedSize64, 1), f.CompressedSize64, f.UncompressedSize64, lim.MaxZipRatio)
		}
	}
	return total, nil
}

// scanSharedStrings counts the shared strings the library will hold: as
// it does, the first part named xl/sharedStrings.xml or
// xl/SharedStrings.xml, each element under the root one string. The
// part is streamed, not held. expanded is the size the archive expands to
// (checkZip's).
func scanSharedStrings(zr *zip.Reader, expanded uint64) (int, error) {
	var part *zip.File
	for _, f := range zr.File {
		if f.Name == "xl/sharedStrings.xml" || f.Name == "xl/SharedStrings.xml" {
			part = f
			break
		}
	}
	if part == nil {
		return 0, nil // a workbook may have no shared strings
	}
	// The library allocates room for the root's count attribute up front
	// (16 bytes a string). count is the number of references to shared
	// strings in the workbook, each at least 20 bytes of worksheet XML
	// (<c t="s"><v>0</v></c>), so more than one per 16 bytes of the
	// expanded archive is a lie, and this bounds the allocation by the
	// size checkZip accepted.
	rc, err := part.Open()
	if err != nil {
		return 0, fail(ReasonCorrupt, "the workbook's shared strings cannot be opened: %v", err)
	}
	defer rc.Close()
	dec := xml.NewDecoder(rc)
	n, root := 0, false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return 0, fail(ReasonCorrupt, "the workbook's shared strings are damaged (%v); open the file in a spreadsheet program and save it again", err)
		}
		se, ok := tok.(xml.StartElement)
		switch {
		case !ok:
		case !root:
			root = true
			if err := checkCount(se, expanded); err != nil {
				return 0, err
			}
		default:
			n++
			if err := dec.Skip(); err != nil {
				return 0, fail(ReasonCorrupt, "the workbook's shared strings are damaged (%v); open the file in a spreadsheet program and save it again", err)
			}
		}
	}
}

// checkCount refuses the root's count attribute when the library would
// allocate for a negative or impossible number of strings. It reads the
// attribute as the library does: the last count wins, and a value that is
// not an integer makes it allocate nothing.
func checkCount(root xml.StartElement, expanded uint64) error {
	count := 0
	for _, a := range root.Attr {
		if a.Name.Local != "count" {
			continue
		}
		n, err := strconv.Atoi(a.Value)
		if err != nil {
			return nil
		}
		count = n
	}
	if count < 0 || intconv.Uint64(int64(count)) > expanded/16 {
		return fail(ReasonCorrupt, "the workbook's shared strings claim %d references, impossible in a file of this size; open the file in a spreadsheet program and save it again", count)
	}
	return nil
}
