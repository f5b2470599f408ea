package sheet

import (
	"bytes"
	"io"
	"unicode/utf8"
)

// Pieces is a file as it was received: its bytes in order, in pieces of
// any sizes. A reader reads them where they are; they are never joined.
type Pieces [][]byte

// Len is the file's size.
func (p Pieces) Len() int {
	n := 0
	for _, b := range p {
		n += len(b)
	}
	return n
}

// prefix returns the first n bytes (fewer when the file is shorter).
func (p Pieces) prefix(n int) []byte {
	if len(p) > 0 && len(p[0]) >= n {
		return p[0][:n]
	}
	var out []byte
	for _, b := range p {
		out = append(out, b[:min(len(b), n-len(out))]...)
		if len(out) == n {
			break
		}
	}
	return out
}

// from returns the pieces after the first skip bytes.
func (p Pieces) from(skip int) Pieces {
	out := make(Pieces, 0, len(p))
	for _, b := range p {
		if skip >= len(b) {
			skip -= len(b)
			continue
		}
		out = append(out, b[skip:])
		skip = 0
	}
	return out
}

// reader reads the pieces in order.
func (p Pieces) reader() io.Reader {
	rs := make([]io.Reader, len(p))
	for i, b := range p {
		rs[i] = bytes.NewReader(b)
	}
	return io.MultiReader(rs...)
}

// ReadAt implements io.ReaderAt.
func (p Pieces) ReadAt(dst []byte, off int64) (int, error) {
	n := 0
	for _, b := range p {
		if off >= int64(len(b)) {
			off -= int64(len(b))
			continue
		}
		c := copy(dst[n:], b[off:])
		n, off = n+c, 0
		if n == len(dst) {
			return n, nil
		}
	}
	return n, io.EOF
}

// each calls fn with every byte and its offset until fn returns false.
func (p Pieces) each(fn func(off int, b byte) bool) {
	off := 0
	for _, piece := range p {
		for _, b := range piece {
			if !fn(off, b) {
				return
			}
			off++
		}
	}
}

// indexByte is the offset of the first c, -1 if there is none.
func (p Pieces) indexByte(c byte) int {
	off := 0
	for _, b := range p {
		if i := bytes.IndexByte(b, c); i >= 0 {
			return off + i
		}
		off += len(b)
	}
	return -1
}

// invalidUTF8 is the offset of the first byte that does not belong to a
// UTF-8 character, -1 when the text is UTF-8 throughout. A character may be
// cut between pieces.
func (p Pieces) invalidUTF8() int {
	off := 0
	var carry []byte // a character's start cut at the end of a piece
	for _, piece := range p {
		for len(piece) > 0 {
			if len(carry) > 0 {
				k := min(utf8.UTFMax-len(carry), len(piece))
				buf := append(append(make([]byte, 0, utf8.UTFMax), carry...), piece[:k]...)
				if !utf8.FullRune(buf) {
					carry, piece = buf, nil
					continue
				}
				r, n := utf8.DecodeRune(buf)
				if r == utf8.RuneError && n <= 1 {
					return off
				}
				piece, carry, off = piece[n-len(carry):], nil, off+n
				continue
			}
			if piece[0] < utf8.RuneSelf {
				piece, off = piece[1:], off+1
				continue
			}
			if !utf8.FullRune(piece) {
				carry, piece = piece, nil
				continue
			}
			r, n := utf8.DecodeRune(piece)
			if r == utf8.RuneError && n <= 1 {
				return off
			}
			piece, off = piece[n:], off+n
		}
	}
	if len(carry) > 0 {
		return off
	}
	return -1
}

// lineOf returns the line (from 1) of the byte at off and its position in
// that line (from 1).
func (p Pieces) lineOf(off int) (line, col int) {
	line, col = 1, 1
	p.each(func(i int, b byte) bool {
		if i == off {
			return false
		}
		if b == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		return true
	})
	return line, col
}
