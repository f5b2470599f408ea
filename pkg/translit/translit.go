// Package translit folds personal names to a search key, so that spellings
// of one name in Serbian Cyrillic, Serbian/Croatian/Bosnian Latin with or
// without diacritics, and common ASCII transcriptions meet:
//
//	Ђорђевић, Đorđević, Djordjevic and Dordevic all fold to "dordevic".
//
// Folding lower-cases, transliterates Cyrillic (Serbian, Macedonian,
// Russian, Ukrainian) to Latin, strips diacritics, spells the digraph "dj"
// (the ASCII form of đ) as "d", and turns every run of non-letters into one
// space. Letters of other scripts (Arabic, Persian, ...) are kept as they
// are, lower-cased. The key is for matching only, never for display.
package translit

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// cyrillic maps lower-case Cyrillic letters to ASCII Latin. Serbian letters
// follow the official Latin alphabet with diacritics stripped (ђ→đ→d,
// ћ→ć→c, џ→dž→dz); other languages' letters their usual transcription.
var cyrillic = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'ђ': "d", 'е': "e", 'ж': "z",
	'з': "z", 'и': "i", 'ј': "j", 'к': "k", 'л': "l", 'љ': "lj", 'м': "m", 'н': "n",
	'њ': "nj", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'ћ': "c", 'у': "u",
	'ф': "f", 'х': "h", 'ц': "c", 'ч': "c", 'џ': "dz", 'ш': "s",
	// Macedonian.
	'ѓ': "d", 'ќ': "c", 'ѕ': "dz",
	// Russian, Ukrainian, Belarusian.
	'й': "j", 'ё': "e", 'ы': "y", 'э': "e", 'ю': "ju", 'я': "ja", 'щ': "sc", 'ъ': "", 'ь': "",
	'є': "je", 'і': "i", 'ї': "ji", 'ґ': "g", 'ў': "u",
}

// latin maps Latin letters that do not decompose into a base letter and a
// diacritic.
var latin = map[rune]string{
	'đ': "d", 'ß': "ss", 'ø': "o", 'ł': "l", 'æ': "ae", 'œ': "oe", 'þ': "th", 'ð': "d", 'ı': "i", 'ħ': "h",
}

// Fold returns the search key of s.
func Fold(s string) string {
	s = norm.NFKD.String(strings.ToLower(s))
	var b strings.Builder
	b.Grow(len(s))
	last := ' '
	emit := func(r rune) {
		if r == ' ' && last == ' ' {
			return
		}
		// "dj" is how đ is written without diacritics: fold it to "d".
		if r == 'j' && last == 'd' {
			return
		}
		b.WriteRune(r)
		last = r
	}
	for _, r := range s {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		r = unicode.ToLower(r)
		if t, ok := cyrillic[r]; ok {
			for _, x := range t {
				emit(x)
			}
			continue
		}
		if t, ok := latin[r]; ok {
			for _, x := range t {
				emit(x)
			}
			continue
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			emit(r)
			continue
		}
		emit(' ')
	}
	return strings.TrimRight(b.String(), " ")
}

// serbian maps Serbian Cyrillic to the official Latin alphabet.
var serbian = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'ђ': "đ", 'е': "e", 'ж': "ž",
	'з': "z", 'и': "i", 'ј': "j", 'к': "k", 'л': "l", 'љ': "lj", 'м': "m", 'н': "n",
	'њ': "nj", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'ћ': "ć", 'у': "u",
	'ф': "f", 'х': "h", 'ц': "c", 'ч': "č", 'џ': "dž", 'ш': "š",
}

// SerbianLatin transliterates Serbian Cyrillic in s to Serbian Latin
// (Ђорђевић → Đorđević, Љубица → Ljubica), leaving other text unchanged.
func SerbianLatin(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	rs := []rune(s)
	for i, r := range rs {
		lower := unicode.ToLower(r)
		t, ok := serbian[lower]
		if !ok {
			b.WriteRune(r)
			continue
		}
		if lower == r {
			b.WriteString(t)
			continue
		}
		// Upper case: a digraph is all capitals inside an all-capital word
		// (ЉУБИЦА → LJUBICA) and title case otherwise (Љубица → Ljubica).
		up := []rune(t)
		up[0] = unicode.ToUpper(up[0])
		if len(up) > 1 && i+1 < len(rs) && unicode.IsUpper(rs[i+1]) {
			for j := range up {
				up[j] = unicode.ToUpper(up[j])
			}
		}
		b.WriteString(string(up))
	}
	return b.String()
}
