// Package sheet reads the rows of an uploaded spreadsheet: CSV (UTF-8, UTF-8
// with a byte order mark, Windows-1250 or Windows-1251 (Cyrillic); comma, semicolon or tab
// separated, as a first "sep=;" line says or as the header row shows; lines
// ending in CRLF, LF, or CR alone as Excel for Mac's "CSV (Macintosh)"),
// XLSX or OpenDocument (.ods, LibreOffice's own format): of a workbook, the
// first worksheet not hidden; cell values only, formulas are never
// evaluated. XLSX and ODS files are told by their content, whatever type
// they were sent as. It refuses, with a message a person can act on, what is
// none of these, what is in another encoding, and XLSX and ODS files that
// would expand past the limits (zip bombs).
//
// Rows come one at a time with the row number a spreadsheet program shows
// (the header is row 1); blank rows are skipped but keep their numbers.
// Nothing here knows what the columns mean.
package sheet

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
)

// Media types of the formats (MediaODS: ods.go).
const (
	MediaCSV  = "text/csv"
	MediaXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// Formats.
const (
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"
)

// Limits bound what a file may make the reader do.
type Limits struct {
	// MaxRows is how many rows may follow the header (blank rows between
	// data rows included; trailing blank rows are ignored).
	MaxRows int
	// MaxColumns is the widest row accepted.
	MaxColumns int
	// MaxCellBytes is the longest cell accepted.
	MaxCellBytes int
	// MaxUnzippedBytes bounds the sum of an XLSX or ODS file's parts once
	// decompressed.
	MaxUnzippedBytes int64
	// MaxZipRatio bounds how much any XLSX or ODS part larger than 1 MiB may
	// expand (uncompressed / compressed).
	MaxZipRatio int64
}

// DefaultLimits are sensible limits for files of up to a few tens of MiB.
func DefaultLimits(maxRows int) Limits {
	return Limits{MaxRows: maxRows, MaxColumns: 200, MaxCellBytes: 32767, MaxUnzippedBytes: 256 << 20, MaxZipRatio: 100}
}

// Error is a problem with the file as a whole: it cannot be read as a
// spreadsheet. Reason is a short UPPER_SNAKE code.
type Error struct {
	Reason  string
	Message string
}

func (e *Error) Error() string { return e.Message }

func fail(reason, format string, args ...any) *Error {
	return &Error{Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// Reasons.
const (
	ReasonNotSpreadsheet = "NOT_A_SPREADSHEET"
	ReasonEncoding       = "UNSUPPORTED_ENCODING"
	ReasonCorrupt        = "CORRUPT_FILE"
	ReasonZipBomb        = "XLSX_TOO_LARGE_UNZIPPED"
	ReasonTooManyRows    = "TOO_MANY_ROWS"
	ReasonTooWide        = "TOO_MANY_COLUMNS"
	ReasonCellTooLong    = "CELL_TOO_LONG"
	ReasonEmpty          = "NO_HEADER"
)

// Info describes how a file was read.
type Info struct {
	Format string
	// Encoding of a CSV file: "utf-8", "utf-8-bom", "windows-1250" or
	// "windows-1251".
	Encoding string
	// Delimiter of a CSV file.
	Delimiter string
	// Sheet is the worksheet of an XLSX or ODS file that was read.
	Sheet string
}

// Reader yields the rows of a file.
type Reader interface {
	// Next returns the next non-blank row and its number; io.EOF after
	// the last. A *Error ends reading: the file is refused.
	Next() (row int, cells []string, err error)
	// Hidden reports whether the row Next returned last is hidden in its
	// worksheet (hidden by hand, or filtered out); a CSV file hides none.
	Hidden() bool
	// HiddenColumn reports whether the worksheet hides the column of
	// zero-based index i (hidden by hand, or a template's helper column);
	// a CSV file hides none.
	HiddenColumn(i int) bool
	// Serial reports whether cell i of the row Next returned last is an
	// XLSX date serial (a number in a date format), which reads as the
	// date it shows: 2006-01-02, or with a time of day the date and the
	// time the cell shows, 2006-01-02T15:04:05 (no zone: a serial has
	// none). Text, however it looks, is not one; a CSV file has none.
	Serial(i int) bool
	Info() Info
	// Close releases what the reader holds (it may stop early).
	Close()
}

// Open returns a reader of data, declared by the uploader as contentType
// (which may carry a charset parameter, or be empty).
func Open(data []byte, contentType string, lim Limits) (Reader, error) {
	return OpenPieces(Pieces{data}, contentType, lim)
}

// OpenPieces returns a reader of a file received in pieces, read where
// they are.
func OpenPieces(p Pieces, contentType string, lim Limits) (Reader, error) {
	// What the checks of the file's type look at (http.DetectContentType
	// reads 512 bytes).
	data := p.prefix(512)
	if len(data) == 0 {
		return nil, fail(ReasonEmpty, "the file is empty")
	}
	declared, params, _ := mime.ParseMediaType(contentType)
	declared = strings.ToLower(declared)
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		if declared == MediaCSV {
			return nil, fail(ReasonNotSpreadsheet, "the file was sent as text/csv but is a zip archive; send XLSX files as %s and ODS files as %s", MediaXLSX, MediaODS)
		}
		return openZip(p, lim)
	case bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		return nil, fail(ReasonNotSpreadsheet, "the file is an Excel 97-2003 workbook (.xls) or a password-protected one; save it as .xlsx (Excel Workbook) or CSV and send that")
	}
	switch declared {
	case MediaXLSX:
		return nil, fail(ReasonNotSpreadsheet, "the file was sent as XLSX but is not one (an XLSX file is a zip archive)")
	case MediaODS:
		return nil, fail(ReasonNotSpreadsheet, "the file was sent as an OpenDocument spreadsheet (.ods) but is not one (an ODS file is a zip archive)")
	case "", MediaCSV, "application/csv", "text/plain", "text/comma-separated-values", "application/vnd.ms-excel", "application/octet-stream":
	default:
		return nil, fail(ReasonNotSpreadsheet, "Content-Type %q is neither CSV (%s), XLSX (%s) nor ODS (%s)", contentType, MediaCSV, MediaXLSX, MediaODS)
	}
	if sniffed := http.DetectContentType(data); isBinary(sniffed) {
		return nil, fail(ReasonNotSpreadsheet, "the file is %s, not CSV, XLSX or ODS", sniffed)
	}
	return openCSV(p, params["charset"], lim)
}

func isBinary(sniffed string) bool {
	t, _, _ := mime.ParseMediaType(sniffed)
	switch {
	case strings.HasPrefix(t, "text/"):
		return t == "text/html" || t == "text/xml"
	case t == "application/octet-stream":
		return false // unknown: let the encoding checks speak
	}
	return true
}

// ColumnLetter returns the spreadsheet letter of the zero-based column i:
// 0 → "A", 25 → "Z", 26 → "AA".
func ColumnLetter(i int) string {
	var b []byte
	for i++; i > 0; i = (i - 1) / 26 {
		b = append([]byte{byte('A' + (i-1)%26)}, b...)
	}
	return string(b)
}

// ColumnIndex is ColumnLetter's inverse; -1 for anything else.
func ColumnIndex(letters string) int {
	if letters == "" || len(letters) > 3 {
		return -1
	}
	n := 0
	for _, c := range strings.ToUpper(letters) {
		if c < 'A' || c > 'Z' {
			return -1
		}
		n = n*26 + int(c-'A'+1)
	}
	return n - 1
}

// blank reports whether every cell is empty or white space.
func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// AsError returns the *Error in err's chain.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
