package sheet

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// Encodings a CSV file may come in.
const (
	EncodingUTF8    = "utf-8"
	EncodingUTF8BOM = "utf-8-bom"
	Encoding1250    = "windows-1250"
	Encoding1251    = "windows-1251"
)

var bom = []byte{0xEF, 0xBB, 0xBF}

// decodeText returns the text of p (p without a byte order mark) and the
// encoding it is in (openCSV converts Windows-1250 and Windows-1251 as it
// reads). A declared charset is honoured when it is UTF-8, Windows-1250 or
// Windows-1251 and refused otherwise; without one, text that is not valid
// UTF-8 is read as Windows-1251 if its words read in it are Cyrillic (Excel's
// "CSV (Comma delimited)" on Windows with a Serbian (Cyrillic) locale), and
// as Windows-1250 if it looks like Serbian, Bosnian or Croatian written in
// it.
func decodeText(p Pieces, charset string) (Pieces, string, error) {
	head := p.prefix(len(bom))
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return nil, "", fail(ReasonEncoding, "the file is in UTF-16 (Excel's \"Unicode Text\"); save it as \"CSV UTF-8 (Comma delimited)\" and send that")
	case p.indexByte(0) >= 0:
		return nil, "", fail(ReasonEncoding, "the file contains NUL bytes: it is binary or UTF-16/UTF-32 text, not a CSV file in UTF-8 or Windows-1250")
	}
	switch cs := strings.ToLower(strings.TrimSpace(charset)); cs {
	case "", "utf-8", "utf8":
		if bytes.Equal(head, bom) {
			p = p.from(len(bom))
			if bad := p.invalidUTF8(); bad >= 0 {
				return nil, "", notUTF8(p, bad, "the file starts with a UTF-8 byte order mark")
			}
			return p, EncodingUTF8BOM, nil
		}
		bad := p.invalidUTF8()
		if bad < 0 {
			return p, EncodingUTF8, nil
		}
		if cs != "" {
			return nil, "", notUTF8(p, bad, "the file was declared UTF-8")
		}
		if looks1251(p) {
			return p, Encoding1251, nil
		}
		if err := looks1250(p); err != nil {
			return nil, "", err
		}
	case "windows-1250", "cp1250", "x-cp1250":
		if err := undefined1250(p); err != nil {
			return nil, "", err
		}
	case "windows-1251", "cp1251", "x-cp1251":
		if at := p.indexByte(0x98); at >= 0 {
			return nil, "", fail(ReasonEncoding, "byte 0x98 at offset %d is not a Windows-1251 character: the file is in another encoding; save it as \"CSV UTF-8\"", at)
		}
		return p, Encoding1251, nil
	default:
		return nil, "", fail(ReasonEncoding, "charset %q is not accepted: send CSV files in UTF-8 (with or without a byte order mark), Windows-1250 or Windows-1251", charset)
	}
	return p, Encoding1250, nil
}

// notUTF8 refuses text whose byte at bad is not UTF-8.
func notUTF8(p Pieces, bad int, why string) error {
	line, col := p.lineOf(bad)
	return fail(ReasonEncoding, "%s, but line %d has a byte (0x%02X at byte %d of the line) that is not UTF-8; save it as \"CSV UTF-8\"", why, line, p.prefix(bad + 1)[bad], col)
}

// undefined1250 refuses bytes Windows-1250 does not define.
func undefined1250(p Pieces) error {
	if at, b := undefinedIn1250(p); at >= 0 {
		return fail(ReasonEncoding, "byte 0x%02X at offset %d is not a Windows-1250 character: the file is in another encoding; save it as \"CSV UTF-8\"", b, at)
	}
	return nil
}

// undefinedIn1250 is the first byte Windows-1250 does not define and its
// offset (-1: none).
func undefinedIn1250(p Pieces) (at int, b byte) {
	at = -1
	p.each(func(i int, c byte) bool {
		switch c {
		case 0x81, 0x83, 0x88, 0x90, 0x98:
			at, b = i, c
			return false
		}
		return true
	})
	return at, b
}

// looks1251 reports whether text that is not UTF-8 reads as Cyrillic in
// Windows-1251: its words (runs of letters) holding a letter outside ASCII
// are Cyrillic throughout, bar a few mistyped with a Latin letter (a word of
// one letter, Ž in Windows-1250, is not counted). Text in
// Windows-1250 read so has Latin words with a Cyrillic letter where each
// diacritic was (Petrović reads Petroviж), and is left to looks1250; a
// byte Windows-1251 does not define (0x98) rules it out.
func looks1251(p Pieces) bool {
	var cyrillic, mixed int
	letters, nonASCII, latin := 0, false, false
	end := func() {
		switch {
		case !nonASCII:
		case latin:
			mixed++
		case letters > 1:
			cyrillic++
		}
		letters, nonASCII, latin = 0, false, false
	}
	undefined := false
	p.each(func(_ int, b byte) bool {
		if b == 0x98 {
			undefined = true
			return false
		}
		switch r := charmap.Windows1251.DecodeByte(b); {
		case b < 0x80 && ('a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'):
			letters, latin = letters+1, true
		case b >= 0x80 && unicode.Is(unicode.Cyrillic, r):
			letters, nonASCII = letters+1, true
		case b >= 0x80 && unicode.IsLetter(r):
			letters, nonASCII, latin = letters+1, true, true
		default:
			end()
		}
		return true
	})
	end()
	return !undefined && cyrillic > 0 && mixed*5 < cyrillic
}

// bcs are the letters Serbian, Bosnian and Croatian Latin add to ASCII,
// and a few that foreign names bring.
const bcs = "čćđšžČĆĐŠŽäëöüéáíóúÄÖÜÉ"

// looks1250 accepts text that is not UTF-8 as Windows-1250 only when its
// non-ASCII letters are mostly those of the local Latin alphabets; text in
// ISO-8859-2 or other code pages (and Windows-1251 that looks1251 did not
// take) reads as a jumble of other letters and is refused with an example.
func looks1250(p Pieces) error {
	if at, b := undefinedIn1250(p); at >= 0 {
		return fail(ReasonEncoding, "the file is neither UTF-8 nor Windows-1250 (byte 0x%02X at offset %d is in neither): it is in another code page; save it as \"CSV UTF-8\" and send that", b, at)
	}
	var local, other int
	var odd []rune
	p.each(func(_ int, b byte) bool {
		if b < 0x80 {
			return true
		}
		r := charmap.Windows1250.DecodeByte(b)
		switch {
		case strings.ContainsRune(bcs, r):
			local++
		case unicode.IsLetter(r):
			other++
			if len(odd) < 5 && !containsRune(odd, r) {
				odd = append(odd, r)
			}
		}
		return true
	})
	if other > 0 && other*5 > local {
		return fail(ReasonEncoding, "the file is not valid UTF-8, and read as Windows-1250 it has letters no local name uses (%s): it is probably in ISO-8859-2 or another code page; save it as \"CSV UTF-8\" and send that",
			quoteRunes(odd))
	}
	return nil
}

func containsRune(rs []rune, r rune) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

func quoteRunes(rs []rune) string {
	q := make([]string, len(rs))
	for i, r := range rs {
		q[i] = fmt.Sprintf("%q", string(r))
	}
	return strings.Join(q, ", ")
}

// sniffDelimiter picks the separator used most in the first line of text
// (the file's head) outside quotes: Excel in Serbian, Bosnian and Croatian locales writes semicolons.
func sniffDelimiter(text []byte) rune {
	counts := map[rune]int{}
	quoted := false
	for _, r := range string(text) {
		switch {
		case r == '"':
			quoted = !quoted
		case quoted:
		case r == '\n':
			goto done
		case r == ',' || r == ';' || r == '\t':
			counts[r]++
		}
	}
done:
	best := ','
	for _, d := range []rune{';', '\t'} {
		if counts[d] > counts[best] {
			best = d
		}
	}
	return best
}

// sepLine reads a first line "sep=;" (any case; the separator a comma,
// semicolon or tab), which exporters write so that Excel opens the file
// with that separator in any locale, and which Excel hides (the header
// under it is its row 1): the separator and the line's length (0: no such
// line).
func sepLine(head []byte) (rune, int) {
	if len(head) < 5 || !strings.EqualFold(string(head[:4]), "sep=") || !strings.ContainsRune(",;\t", rune(head[4])) {
		return 0, 0
	}
	switch rest := head[5:]; {
	case len(rest) == 0:
		return rune(head[4]), 5
	case rest[0] == '\n':
		return rune(head[4]), 6
	case len(rest) >= 2 && rest[0] == '\r' && rest[1] == '\n':
		return rune(head[4]), 7
	}
	return 0, 0
}

// crLines reports whether the lines of text (the file's head) end in a
// carriage return alone, as Excel for Mac saves "CSV (Macintosh)": its
// first line break outside quotes is a CR not followed by a LF. The csv
// package ends lines at LF only, so such a file would be one long row.
func crLines(head []byte) bool {
	quoted := false
	for i, b := range head {
		switch {
		case b == '"':
			quoted = !quoted
		case quoted:
		case b == '\n':
			return false
		case b == '\r':
			return i+1 < len(head) && head[i+1] != '\n'
		}
	}
	return false
}

// crToLF returns b with its carriage returns made line feeds, when mac.
func crToLF(mac bool, b []byte) []byte {
	if !mac {
		return b
	}
	return bytes.ReplaceAll(b, []byte{'\r'}, []byte{'\n'})
}

// crLF makes every carriage return of the text it reads a line feed (a
// file whose lines end in CR alone: crLines).
type crLF struct{ transform.NopResetter }

func (crLF) Transform(dst, src []byte, _ bool) (nDst, nSrc int, err error) {
	n := copy(dst, src)
	for i, b := range dst[:n] {
		if b == '\r' {
			dst[i] = '\n'
		}
	}
	if n < len(src) {
		err = transform.ErrShortDst
	}
	return n, n, err
}

// codePages are the encodings openCSV converts as it reads.
var codePages = map[string]*charmap.Charmap{Encoding1250: charmap.Windows1250, Encoding1251: charmap.Windows1251}

type csvReader struct {
	r       *csv.Reader
	info    Info
	lim     Limits
	row     int // row number of the last record
	endLine int // line on which the last record ended
}

func openCSV(p Pieces, charset string, lim Limits) (Reader, error) {
	text, enc, err := decodeText(p, charset)
	if err != nil {
		return nil, err
	}
	mac := crLines(text.prefix(64 << 10))
	sep, skip := sepLine(crToLF(mac, text.prefix(8)))
	text = text.from(skip)
	head := crToLF(mac, text.prefix(64<<10))
	src := text.reader()
	if mac {
		src = transform.NewReader(src, crLF{})
	}
	if cm := codePages[enc]; cm != nil {
		// Converted as it is read, not into a second copy of the file
		// (every byte is a character: the head converts on its own).
		head, _ = cm.NewDecoder().Bytes(head)
		src = transform.NewReader(src, cm.NewDecoder())
	}
	d := sep
	if skip == 0 {
		d = sniffDelimiter(head)
	}
	r := csv.NewReader(src)
	r.Comma = d
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = true
	return &csvReader{r: r, lim: lim, info: Info{Format: FormatCSV, Encoding: enc, Delimiter: string(d)}}, nil
}

func (c *csvReader) Info() Info { return c.info }

func (c *csvReader) Close() {}

// Hidden is false: a CSV file hides no row.
func (c *csvReader) Hidden() bool { return false }

// HiddenColumn is false: a CSV file hides no column.
func (c *csvReader) HiddenColumn(int) bool { return false }

// Serial is false: a CSV file's cells are text.
func (c *csvReader) Serial(int) bool { return false }

func (c *csvReader) Next() (int, []string, error) {
	for {
		rec, err := c.r.Read()
		if errors.Is(err, io.EOF) {
			return 0, nil, io.EOF
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return 0, nil, fail(ReasonCorrupt, "line %d of the file cannot be read as CSV: %v", pe.StartLine, pe.Err)
			}
			return 0, nil, fail(ReasonCorrupt, "the file cannot be read as CSV: %v", err)
		}
		// The csv package skips empty lines; count them back so row
		// numbers are those a spreadsheet program shows.
		start, _ := c.r.FieldPos(0)
		c.row += 1 + max(0, start-c.endLine-1)
		newlines := 0
		for _, f := range rec {
			newlines += strings.Count(f, "\n")
		}
		c.endLine = start + newlines
		if c.row > c.lim.MaxRows+1 && !blank(rec) {
			return 0, nil, tooManyRows(c.row, c.lim)
		}
		if blank(rec) {
			continue
		}
		if err := checkWidth(c.row, rec, c.lim); err != nil {
			return 0, nil, err
		}
		return c.row, rec, nil
	}
}

func tooManyRows(row int, lim Limits) error {
	return fail(ReasonTooManyRows, "row %d has data, but at most %d rows under the header (blank rows included) are accepted (IMPORT_MAX_ROWS); split the file", row, lim.MaxRows)
}

// checkRow refuses a row with data past the row limit, wider than the
// column limit or with a cell longer than the cell limit.
func checkRow(row int, rec []string, lim Limits) error {
	if row > lim.MaxRows+1 {
		return tooManyRows(row, lim)
	}
	return checkWidth(row, rec, lim)
}

func checkWidth(row int, rec []string, lim Limits) error {
	last := len(rec) - 1
	for last >= 0 && strings.TrimSpace(rec[last]) == "" {
		last--
	}
	if last+1 > lim.MaxColumns {
		return fail(ReasonTooWide, "row %d has data in column %s, but at most %d columns are accepted", row, ColumnLetter(last), lim.MaxColumns)
	}
	for i, f := range rec {
		if len(f) > lim.MaxCellBytes {
			return fail(ReasonCellTooLong, "cell %s%d is %d bytes long, more than %d", ColumnLetter(i), row, len(f), lim.MaxCellBytes)
		}
	}
	return nil
}
