package sheet

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzCSV: no upload declared as CSV (any bytes, any Content-Type)
// makes the reader panic; it is refused with a *Error, or read into rows
// numbered upwards, within the limits, whose cells are text PostgreSQL
// can store (UTF-8 without NUL), the same whether it came in one piece or
// in two. A file of plain lines (no quotes, no carriage returns, UTF-8
// read as UTF-8) is read line by line: each line with text in a cell is
// the row of its line number, split at the delimiter sniffed from the
// header.
func FuzzCSV(f *testing.F) {
	for _, seed := range []string{
		"ime,prezime\nAna,Petrović\n\n\nMarko,\"Mar\nković\"\n",
		"\uFEFFime;prezime;grad\r\nAna;Petrović;\"Beograd; Zemun\"\r\n",
		"a\tb\tc\n1\t2\t3\n   \n4\t5\n",
		"ime,prezime\n\x9a\x9e\x8a,\xe8\xe6\n",                                                       // Windows-1250 šžŠ, čć
		"\xc8\xec\xe5;\xcf\xf0\xe5\xe7\xe8\xec\xe5\r\n\x80\xee\xf0\x90\xe5;\xa3\xee\xe2\xe0\xed\r\n", // Windows-1251 Име;Презиме, Ђорђе;Јован
		"\xff\xfei\x00m\x00e\x00",                                                                    // UTF-16
		"ime,\"prezime\nAna,\"Pe\"tro\"vić\n",                                                        // an unbalanced quote
		"a,b\n" + strings.Repeat("x,", 300) + "\n",                                                   // too wide
		strings.Repeat("\n", 60) + "a,b\n",                                                           // beyond the row limit
		"<html><body>a,b</body></html>",
	} {
		f.Add([]byte(seed), "text/csv", uint16(0))
	}
	f.Add([]byte("ime,prezime\nAna,Petrović\n"), "text/csv; charset=windows-1250", uint16(3))
	f.Add([]byte("ime,prezime\nAna,Petrović\n"), "text/plain; charset=utf-16", uint16(7))
	lim := DefaultLimits(50)
	lim.MaxColumns, lim.MaxCellBytes = 20, 100
	f.Fuzz(func(t *testing.T, data []byte, contentType string, cut uint16) {
		if len(data) > 0 && bytes.HasPrefix(data, []byte("PK\x03\x04")) {
			return // XLSX: FuzzXLSX
		}
		got, err := readCSVRows(Pieces{data}, contentType, lim)
		if err != nil {
			return
		}
		// The same file received in two pieces, cut anywhere (a character
		// may be cut), reads the same.
		at := int(cut) % (len(data) + 1)
		pieces, err := readCSVRows(Pieces{data[:at], data[at:]}, contentType, lim)
		if err != nil || !slices.EqualFunc(got, pieces, func(a, b csvRow) bool { return a.n == b.n && slices.Equal(a.cells, b.cells) }) {
			t.Fatalf("read whole: %v; in pieces cut at %d: %v (%v)", got, at, pieces, err)
		}
		if bytes.ContainsAny(data, "\"\r") || !utf8.Valid(data) || bytes.HasPrefix(data, bom) {
			return
		}
		r, _ := Open(data, contentType, lim)
		if r.Info().Encoding != EncodingUTF8 {
			return // declared Windows-1250 or Windows-1251: read as declared
		}
		delim := r.Info().Delimiter
		var want []csvRow
		for i, line := range strings.Split(string(data), "\n") {
			if cells := strings.Split(line, delim); !blank(cells) {
				want = append(want, csvRow{i + 1, cells})
			}
		}
		if !slices.EqualFunc(got, want, func(a, b csvRow) bool { return a.n == b.n && slices.Equal(a.cells, b.cells) }) {
			t.Fatalf("plain lines (delimiter %q) read as %v, want %v", delim, got, want)
		}
	})
}

type csvRow struct {
	n     int
	cells []string
}

// readCSVRows reads every row of a CSV upload, checking each as it comes.
func readCSVRows(p Pieces, contentType string, lim Limits) ([]csvRow, error) {
	r, err := OpenPieces(p, contentType, lim)
	if err != nil {
		if _, ok := AsError(err); !ok {
			panic("refused with a " + err.Error() + ", not a *Error")
		}
		return nil, err
	}
	defer r.Close()
	var out []csvRow
	last := 0
	for {
		n, cells, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			if _, ok := AsError(err); !ok {
				panic("a row refused with a " + err.Error() + ", not a *Error")
			}
			return nil, err
		}
		if n <= last || n > lim.MaxRows+1 || len(cells) == 0 || blank(cells) {
			panic("a row out of order, beyond the limit or blank")
		}
		for _, c := range cells {
			if !utf8.ValidString(c) || strings.ContainsRune(c, 0) || len(c) > lim.MaxCellBytes {
				panic("a cell PostgreSQL cannot store, or over the limit: " + c)
			}
		}
		if len(cells) > lim.MaxColumns && strings.TrimSpace(cells[lim.MaxColumns]) != "" {
			panic("a row wider than the limit")
		}
		last = n
		out = append(out, csvRow{n, slices.Clone(cells)})
	}
}
