// Package validate has the field checks every service's domain uses when it
// validates a request; each records an errs.FieldViolation.
package validate

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/spona/spona/pkg/errs"
)

var (
	languageTag = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)
)

// Text checks a free-text field: valid UTF-8, no NUL, at most max characters,
// present when required.
func Text(v *errs.Violations, field, s string, max int, required bool) {
	switch {
	case required && !Visible(s):
		v.Add(field, "is required")
	case !utf8.ValidString(s):
		v.Add(field, "must be valid UTF-8")
	case strings.ContainsRune(s, 0):
		v.Add(field, "must not contain NUL")
	case utf8.RuneCountInString(s) > max:
		v.Add(field, "must be at most %d characters", max)
	}
}

// Visible reports whether s has a character that shows: one that is
// neither white space nor a format character (a zero-width space or
// joiner, a soft hyphen, a byte order mark), which a text copied from a
// web page or a spreadsheet cell may be made of alone.
func Visible(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return !unicode.IsSpace(r) && !unicode.Is(unicode.Cf, r) }) >= 0
}

// WithoutFormat returns s without its format characters (Unicode
// category Cf: zero-width spaces, byte order marks, soft hyphens, word
// joiners, direction marks and embeddings), which a text copied from a
// web page, a PDF or a spreadsheet cell brings along unseen: a name with
// one looks like the same name without it, yet compares, folds and
// searches as another. The zero-width non-joiner and joiner (U+200C,
// U+200D) are kept: in Persian, Arabic and Indic scripts they are part of
// a name's spelling.
func WithoutFormat(s string) string {
	if strings.IndexFunc(s, invisible) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if invisible(r) {
			return -1
		}
		return r
	}, s)
}

// invisible: a format character other than the joiners (WithoutFormat).
func invisible(r rune) bool {
	return r != '\u200c' && r != '\u200d' && unicode.Is(unicode.Cf, r)
}

// IsRequestID reports whether s may be a request id: an Idempotency-Key
// header or a create's request_id field, 1 to 255 printable ASCII
// characters.
func IsRequestID(s string) bool {
	if len(s) == 0 || len(s) > 255 {
		return false
	}
	for i := range len(s) {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// RequestID checks an optional request id field (IsRequestID when set).
func RequestID(v *errs.Violations, field, s string) {
	if s != "" && !IsRequestID(s) {
		v.Add(field, "must be 1 to 255 printable ASCII characters")
	}
}

// OneOf checks a code field against its set of allowed codes.
func OneOf(v *errs.Violations, field, s string, allowed []string, required bool) {
	if s == "" {
		if required {
			v.Add(field, "is required")
		}
		return
	}
	if !slices.Contains(allowed, s) {
		v.Add(field, "unknown value %q", s)
	}
}

// Country checks an optional ISO 3166-1 alpha-2 code (already
// upper-cased): one assigned to a country or territory, or XK for Kosovo
// (IsCountry); two letters no country has (XX, UK) are refused.
func Country(v *errs.Violations, field, s string) {
	if s != "" && !IsCountry(s) {
		v.Add(field, "must be an ISO 3166-1 alpha-2 code such as RS, BA or HR")
	}
}

// LanguageCase writes a BCP 47 language tag in its canonical case (RFC
// 5646 2.1.1): the language and every subtag after a singleton (an
// extension or private use) in lower case, a region (two letters) in upper
// case, a script (four letters) in title case, the rest in lower case. Case
// carries no meaning in a tag ("sr-latn" and "sr-Latn" are one tag), so
// tags are stored and compared in this form. Text outside ASCII, which is
// no tag, is returned as it is (for Language to refuse).
func LanguageCase(s string) string {
	if !IsASCII(s) {
		return s
	}
	parts := strings.Split(s, "-")
	tail := false // after a singleton
	for i, p := range parts {
		switch {
		case i == 0 || tail || (len(p) != 2 && len(p) != 4):
			parts[i] = strings.ToLower(p)
			tail = tail || (i > 0 && len(p) == 1)
		case len(p) == 2:
			parts[i] = strings.ToUpper(p)
		default:
			parts[i] = strings.ToUpper(p[:1]) + strings.ToLower(p[1:])
		}
	}
	return strings.Join(parts, "-")
}

// LanguageTags trims the tags of l and writes them in their canonical case
// (LanguageCase), the form they are stored and compared in, each once
// ("sr-latn" and "sr-Latn" are one language). It reuses l's array.
func LanguageTags(l []string) []string {
	out := l[:0]
	for _, t := range l {
		if t = LanguageCase(strings.TrimSpace(t)); !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// Language checks a BCP 47 language tag.
func Language(v *errs.Violations, field, s string) {
	if !IsLanguageTag(s) {
		v.Add(field, "must be a BCP 47 tag such as ar, fa or sr-Latn")
	}
}

// IsLanguageTag reports whether s (in canonical case, LanguageCase) has
// the form of a BCP 47 language tag, as Language checks it.
func IsLanguageTag(s string) bool { return languageTag.MatchString(s) }
