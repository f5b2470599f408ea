package imports

import (
	"fmt"
	"strings"
	"sync"

	"github.com/spona/spona/pkg/validate"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// countryLanguages are the languages whose names of countries a country
// cell may hold: those Spona serves (English; Serbian, Bosnian and
// Croatian in either script; folding makes a name's Cyrillic and Latin
// spellings one key, and its spelling without diacritics another of the
// same).
var countryLanguages = []language.Tag{language.English, language.Serbian, language.MustParse("sr-Latn"),
	language.MustParse("bs"), language.MustParse("bs-Cyrl"), language.Croatian}

// countryAliases are names of countries in common use in the region's
// registers that the CLDR names (display) do not give: the full names where
// CLDR shortens them or writes "&", the names before a country's renaming,
// and the codes Kosovo's documents and the EU's systems use in place of an
// ISO 3166-1 alpha-3 code, which Kosovo has none of.
var countryAliases = map[string][]string{
	"BA": {"BiH", "Bosnia and Herzegovina", "Bosnia-Herzegovina", "Bosna", "Federacija BiH", "Republika Srpska"},
	"CD": {"DR Kongo", "DR Congo", "Demokratska Republika Kongo", "Democratic Republic of the Congo"},
	"CG": {"Republika Kongo", "Republic of the Congo"},
	"GB": {"UK", "Great Britain", "Velika Britanija", "Britanija"},
	"MK": {"North Macedonia", "Severna Makedonija", "Sjeverna Makedonija", "Republika Severna Makedonija", "Republika Sjeverna Makedonija"},
	"PS": {"Palestine", "Palestina", "State of Palestine"},
	"RS": {"Republika Srbija", "Republic of Serbia"},
	"HR": {"Republika Hrvatska", "Republic of Croatia"},
	"CI": {"Ivory Coast", "Obala Slonovače", "Obala Slonovace"},
	"TR": {"Türkiye", "Turkiye"},
	"US": {"USA", "United States of America", "SAD", "Amerika"},
	"XK": {"XKX", "RKS", "Republic of Kosovo", "Republika Kosovo"},
}

// countryTable maps the ISO 3166-1 alpha-3 codes (upper case) and the
// folded names (HeaderKey) of countries to their alpha-2 code (those
// validate.IsCountry accepts). A name that two countries share in some
// language (none do today) is left out, so it is a problem to resolve
// rather than one country guessed.
type countryTable struct{ alpha3, names map[string]string }

var countries = sync.OnceValue(func() countryTable {
	t := countryTable{alpha3: map[string]string{}}
	for _, code := range validate.CountryCodes() {
		// Kosovo has no alpha-3 code (XKX and RKS are among its aliases).
		if r, err := language.ParseRegion(code); err == nil && code != "XK" {
			if iso3 := r.ISO3(); len(iso3) == 3 {
				t.alpha3[iso3] = code
			}
		}
	}
	t.names = nameTable(validate.CountryCodes(), func(n display.Namer, code string) string {
		r, err := language.ParseRegion(code)
		if err != nil {
			return ""
		}
		return n.Name(r)
	}, display.Regions, countryAliases)
	return t
})

// nameTable maps the folded names (HeaderKey) of codes, in each of
// countryLanguages as namer gives them and in aliases, to their code. A
// name two codes share in some language is left out, so it is a problem
// to resolve rather than one code guessed.
func nameTable(codes []string, name func(n display.Namer, code string) string, namer func(language.Tag) display.Namer,
	aliases map[string][]string) map[string]string {
	out := map[string]string{}
	ambiguous := map[string]bool{}
	add := func(s, code string) {
		k := HeaderKey(s)
		if k == "" || ambiguous[k] {
			return
		}
		if c, ok := out[k]; ok && c != code {
			delete(out, k)
			ambiguous[k] = true
			return
		}
		out[k] = code
	}
	var namers []display.Namer
	for _, t := range countryLanguages {
		namers = append(namers, namer(t))
	}
	for _, code := range codes {
		for _, n := range namers {
			s := name(n, code)
			add(s, code)
			// "Bosnia & Herzegovina", "Saint Kitts & Nevis".
			if strings.Contains(s, "&") {
				add(strings.ReplaceAll(s, "&", "and"), code)
				add(strings.ReplaceAll(s, "&", "i"), code)
			}
		}
		for _, a := range aliases[code] {
			add(a, code)
		}
	}
	return out
}

// ParseCountry reads a country cell (a nationality, a country of
// residence) as registers write it: an ISO 3166-1 alpha-2 code (RS, "rs"),
// an alpha-3 code (SRB, AFG, as UNHCR's proGres and passports write them),
// or the country's name in English, Serbian, Bosnian or Croatian, in
// either script, with or without diacritics ("Serbia", "Srbija",
// "Србија", "Bosna i Hercegovina", "Avganistan", "Afganistan"). It
// returns the alpha-2 code validate.Country accepts; "" for an empty
// cell. Anything else is an error saying what to write.
func ParseCountry(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if up := strings.ToUpper(s); len(up) == 2 && validate.IsCountry(up) {
		return up, nil
	}
	t := countries()
	if c, ok := t.alpha3[strings.ToUpper(s)]; ok {
		return c, nil
	}
	if c, ok := t.names[HeaderKey(s)]; ok {
		return c, nil
	}
	return "", fmt.Errorf("%q is not a country Spona knows: write its ISO 3166-1 code (RS or SRB, BA or BIH, AF or AFG) "+
		"or its name in English, Serbian, Bosnian or Croatian (Serbia, Srbija, Bosna i Hercegovina, Avganistan)", s)
}

// languageAliases are names of languages registers in the region write
// that the CLDR names (display) do not give: the names the people Spona
// serves and their interpreters use (Farsi, Dari, Pashtu, Sorani) and the
// spellings without the CLDR form's suffix.
var languageAliases = map[string][]string{
	"fa":    {"Farsi", "farsi jezik"},
	"fa-AF": {"Dari", "dari persijski", "dari perzijski"},
	"ps":    {"Pashtu", "Pushto", "Paštu", "Pashto", "Paštunski jezik"},
	"ckb":   {"Sorani", "soranski"},
	"kmr":   {"Kurmanji", "Kurmandži", "kurmanđi"},
	"rom":   {"Romani", "Romanes", "romski jezik"},
	"bn":    {"Bengali", "bengalski"},
}

// languageExtra are the languages outside ISO 639-1 (no two-letter code)
// whose names a cell may hold.
var languageExtra = []string{"ckb", "kmr", "rom", "fa-AF"}

// languages maps the folded names (HeaderKey) of languages to their BCP
// 47 tag.
var languages = sync.OnceValue(func() map[string]string {
	var tags []string
	for a := 'a'; a <= 'z'; a++ {
		for b := 'a'; b <= 'z'; b++ {
			if _, err := language.ParseBase(string([]rune{a, b})); err == nil {
				tags = append(tags, string([]rune{a, b}))
			}
		}
	}
	name := func(n display.Namer, code string) string {
		t, _ := language.Parse(code)
		return n.Name(t)
	}
	out := nameTable(tags, name, display.Languages, languageAliases)
	// A language without a two-letter code does not take a name of one
	// with it: CLDR's Serbian names Dari persijski, as Persian, and
	// Northern Kurdish kurdski, as Kurdish.
	for k, t := range nameTable(languageExtra, name, display.Languages, languageAliases) {
		if _, ok := out[k]; !ok {
			out[k] = t
		}
	}
	return out
})

// ParseLanguage reads an item of a languages cell as registers write it: a
// BCP 47 tag (fa, sr-Latn, as the API takes it), or the language's name in
// English, Serbian, Bosnian or Croatian, in either script, with or without
// diacritics ("arapski", "Arabic", "арапски", "farsi", "paštu",
// "romski"). It returns the tag; anything else is an error saying what to
// write.
func ParseLanguage(s string) (string, error) {
	s = strings.TrimSpace(s)
	// A tag is taken as the API takes it (Validate).
	if t := validate.LanguageCase(s); validate.IsLanguageTag(t) {
		return t, nil
	}
	if t, ok := languages()[HeaderKey(s)]; ok {
		return t, nil
	}
	return "", fmt.Errorf("%q is not a language Spona knows: write its BCP 47 tag (ar, fa, ps, en) "+
		"or its name in English, Serbian, Bosnian or Croatian (arapski, farsi, paštu, engleski)", s)
}
