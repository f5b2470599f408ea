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
	t := countryTable{alpha3: map[string]string{}, names: map[string]string{}}
	out := t.names
	ambiguous := map[string]bool{}
	add := func(name, code string) {
		k := HeaderKey(name)
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
		namers = append(namers, display.Regions(t))
	}
	for _, code := range validate.CountryCodes() {
		r, err := language.ParseRegion(code)
		if err != nil {
			continue
		}
		// Kosovo has no alpha-3 code (XKX and RKS are among its aliases).
		if iso3 := r.ISO3(); len(iso3) == 3 && code != "XK" {
			t.alpha3[iso3] = code
		}
		for _, n := range namers {
			name := n.Name(r)
			add(name, code)
			// "Bosnia & Herzegovina", "Saint Kitts & Nevis".
			if strings.Contains(name, "&") {
				add(strings.ReplaceAll(name, "&", "and"), code)
				add(strings.ReplaceAll(name, "&", "i"), code)
			}
		}
		for _, a := range countryAliases[code] {
			add(a, code)
		}
	}
	return t
})

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
