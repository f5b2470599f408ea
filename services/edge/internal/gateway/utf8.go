package gateway

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/spona/spona/pkg/errs"
)

// The gateway copies path variables and query values into proto string
// fields as they decode, and a proto string must be UTF-8: the edge's gRPC
// client would fail to encode the request (a 500). invalidUTF8 finds them
// first, so the client is told which parameter is wrong.

// invalidUTF8 returns an InvalidArgument error with a field violation for
// each path variable (params, as the gateway decoded them) and each query
// parameter of r whose value is not valid UTF-8; nil, without allocating,
// when all are. Query parameter names are not checked: the gateway ignores
// those that name no field, and the names of fields are UTF-8.
func invalidUTF8(r *http.Request, params map[string]string) error {
	var v errs.Violations
	for name, val := range params {
		if !utf8.ValidString(val) {
			addUTF8Violation(&v, name)
		}
	}
	for q := r.URL.RawQuery; q != ""; {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		key, val, _ := strings.Cut(pair, "=")
		if !decodesToUTF8(val) {
			name, err := url.QueryUnescape(key)
			if err != nil {
				name = key
			}
			addUTF8Violation(&v, name)
		}
	}
	slices.SortFunc(v, func(a, b errs.FieldViolation) int { return strings.Compare(a.Field, b.Field) })
	return v.Err()
}

func addUTF8Violation(v *errs.Violations, field string) {
	field = strings.ToValidUTF8(field, "\uFFFD")
	if !slices.ContainsFunc(*v, func(fv errs.FieldViolation) bool { return fv.Field == field }) {
		v.Add(field, "must be valid UTF-8")
	}
}

// decodesToUTF8 reports whether a query value as sent (percent-encoded, raw
// bytes allowed) decodes to valid UTF-8, decoding as it goes rather than into
// a copy. A malformed escape counts as valid here: ignoredQuery refuses it
// (malformedQuery), naming the parameter.
func decodesToUTF8(s string) bool {
	if strings.IndexByte(s, '%') < 0 {
		return utf8.ValidString(s)
	}
	var seq [utf8.UTFMax]byte // the multi-byte sequence being decoded
	n, want := 0, 0
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b == '%' {
			hi, ok1 := unhex(s, i+1)
			lo, ok2 := unhex(s, i+2)
			if !ok1 || !ok2 {
				return true
			}
			b = hi<<4 | lo
			i += 2
		}
		if n == 0 {
			switch {
			case b < utf8.RuneSelf:
				continue
			case b >= 0xF0:
				want = 4
			case b >= 0xE0:
				want = 3
			case b >= 0xC0:
				want = 2
			default: // a continuation byte without a leading one
				return false
			}
		}
		seq[n] = b
		n++
		if n == want {
			if !utf8.Valid(seq[:n]) {
				return false
			}
			n = 0
		}
	}
	return n == 0
}

// unhex returns the value of the hexadecimal digit s[i].
func unhex(s string, i int) (byte, bool) {
	if i >= len(s) {
		return 0, false
	}
	switch c := s[i]; {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
