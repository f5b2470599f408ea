package domain

import (
	"strings"

	"github.com/spona/spona/pkg/translit"
)

// The referral categories are the directory's taxonomy: each service
// answers one. CategoryLabels names them in the directory's languages.
var CategoryLabels = map[string]map[string]string{
	"legal":            {"en": "Legal aid", "sr-Latn": "Pravna pomoć", "sr-Cyrl": "Правна помоћ", "bs": "Pravna pomoć", "hr": "Pravna pomoć"},
	"psychosocial":     {"en": "Psychosocial support", "sr-Latn": "Psihosocijalna podrška", "sr-Cyrl": "Психосоцијална подршка", "bs": "Psihosocijalna podrška", "hr": "Psihosocijalna podrška"},
	"health":           {"en": "Health care", "sr-Latn": "Zdravstvena zaštita", "sr-Cyrl": "Здравствена заштита", "bs": "Zdravstvena zaštita", "hr": "Zdravstvena zaštita"},
	"education":        {"en": "Education", "sr-Latn": "Obrazovanje", "sr-Cyrl": "Образовање", "bs": "Obrazovanje", "hr": "Obrazovanje"},
	"employment":       {"en": "Employment", "sr-Latn": "Zapošljavanje", "sr-Cyrl": "Запошљавање", "bs": "Zapošljavanje", "hr": "Zapošljavanje"},
	"social_welfare":   {"en": "Social welfare", "sr-Latn": "Socijalna zaštita", "sr-Cyrl": "Социјална заштита", "bs": "Socijalna zaštita", "hr": "Socijalna skrb"},
	"accommodation":    {"en": "Accommodation", "sr-Latn": "Smeštaj", "sr-Cyrl": "Смештај", "bs": "Smještaj", "hr": "Smještaj"},
	"material_aid":     {"en": "Material aid", "sr-Latn": "Materijalna pomoć", "sr-Cyrl": "Материјална помоћ", "bs": "Materijalna pomoć", "hr": "Materijalna pomoć"},
	"interpretation":   {"en": "Interpretation", "sr-Latn": "Prevođenje", "sr-Cyrl": "Превођење", "bs": "Prevođenje", "hr": "Prevođenje"},
	"child_protection": {"en": "Child protection", "sr-Latn": "Zaštita dece", "sr-Cyrl": "Заштита деце", "bs": "Zaštita djece", "hr": "Zaštita djece"},
	"information":      {"en": "Information", "sr-Latn": "Informisanje", "sr-Cyrl": "Информисање", "bs": "Informisanje", "hr": "Informiranje"},
	"community":        {"en": "Community activities", "sr-Latn": "Aktivnosti u zajednici", "sr-Cyrl": "Активности у заједници", "bs": "Aktivnosti u zajednici", "hr": "Aktivnosti u zajednici"},
	"other":            {"en": "Other services", "sr-Latn": "Ostale usluge", "sr-Cyrl": "Остале услуге", "bs": "Ostale usluge", "hr": "Ostale usluge"},
}

// CategoryLabel names a category in lang (English when lang is not one of
// the directory's languages).
func CategoryLabel(category, lang string) string {
	if l := CategoryLabels[category][lang]; l != "" {
		return l
	}
	return CategoryLabels[category]["en"]
}

// Localized returns the text of m in lang: the text given in that
// language, for Serbian Latin the Serbian Cyrillic one transliterated, and
// otherwise def (the text in the working language). lang "" asks for def.
func Localized(lang, def string, m map[string]string) string {
	if lang == "" {
		return def
	}
	if v := m[lang]; v != "" {
		return v
	}
	if v := m["sr-Cyrl"]; lang == "sr-Latn" && v != "" {
		return translit.SerbianLatin(v)
	}
	return def
}

// searchKey folds texts into one key that search words are matched in
// (pkg/translit: case, diacritics and Serbian script do not matter).
func searchKey(texts ...string) string {
	return strings.TrimSpace(translit.Fold(strings.Join(texts, " ")))
}

func values(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, lang := range NameLanguages {
		if v := m[lang]; v != "" {
			out = append(out, v)
		}
	}
	return out
}

// SearchKey is what a search of the directory matches an organisation by:
// its names and descriptions in every language, and its municipality.
func (o *Organisation) SearchKey() string {
	texts := append([]string{o.Name, o.Description, o.Municipality}, values(o.LocalizedNames)...)
	return searchKey(append(texts, values(o.LocalizedDescriptions)...)...)
}

// SearchKey is what a search of the directory matches a service by: its
// names and descriptions in every language, its category's names, and
// where it is delivered (its locations' names, addresses and
// municipalities), so that a search for a town finds the services there.
func (s *Service) SearchKey() string {
	texts := s.texts()
	for _, l := range s.Locations {
		texts = append(texts, l.places()...)
	}
	return searchKey(texts...)
}

// LocationSearchKeys is what a search of the directory matches each of the
// service's locations (an HSDS service_at_location) by, in the order of
// its locations: the service's own texts (SearchKey's without places) and
// that location's place alone, so that a search for a town finds the
// service at its location there, not at its others.
func (s *Service) LocationSearchKeys() []string {
	out := make([]string, len(s.Locations))
	for i, l := range s.Locations {
		out[i] = searchKey(append(s.texts(), l.places()...)...)
	}
	return out
}

// texts are the service's names and descriptions in every language and
// its category's names.
func (s *Service) texts() []string {
	texts := append([]string{s.Name, s.Description, s.Eligibility.Description}, values(s.LocalizedNames)...)
	texts = append(texts, values(s.LocalizedDescriptions)...)
	return append(texts, values(CategoryLabels[s.Category])...)
}

// places are the texts naming where l is.
func (l Location) places() []string { return []string{l.Name, l.Address, l.Municipality} }

// SearchWords folds a search into the words that must all occur.
func SearchWords(search string) []string { return strings.Fields(translit.Fold(search)) }
