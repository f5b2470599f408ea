package domain

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/imports"
)

// TestSheetLegalStatusWords: the legal status as registers in Croatia
// write it (the terms of its law on international protection: tražitelj
// međunarodne zaštite, stranac pod supsidijarnom zaštitom, azilantica) and
// the feminine forms Serbian and Bosnian registers use (tražiteljka azila)
// are read as their codes; before, each was refused as "not a known
// legal_status", so a Croatian register could not be imported unedited.
func TestSheetLegalStatusWords(t *testing.T) {
	m, err := imports.MatchHeader([]string{"Ime", "Pravni status", "Godina rođenja"}, SheetColumns, nil)
	if err != nil {
		t.Fatal(err)
	}
	today := date.Of(time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC))
	for cell, want := range map[string]string{
		"Tražitelj međunarodne zaštite":      "asylum_seeker",
		"tražiteljica međunarodne zaštite":   "asylum_seeker",
		"TRAZITELJ MEDJUNARODNE ZASTITE":     "asylum_seeker",
		"Tražiteljka azila":                  "asylum_seeker",
		"тражитељка азила":                   "asylum_seeker",
		"Azilantica":                         "international_protection",
		"Stranac pod supsidijarnom zaštitom": "subsidiary_protection",
		"Tražilac azila":                     "asylum_seeker",
		"međunarodna zaštita":                "international_protection",
	} {
		b, p := FromRow(m, 2, []string{"Ana", cell, "1990."}, today)
		if len(p.List) > 0 || b.LegalStatus != want || b.BirthYear != 1990 {
			t.Errorf("%q: legal_status %q birth_year %d, problems %+v; want %s, 1990, none", cell, b.LegalStatus, b.BirthYear, p.List, want)
		}
	}
}

// TestSheetBirthYearZero: a birth_year cell holding 0 (or "0000", "0.")
// is a problem of that cell; before, it was read as no birth year, the
// row stored without a word. A blank cell is still no birth year.
func TestSheetBirthYearZero(t *testing.T) {
	m, err := imports.MatchHeader([]string{"Ime", "Godina rođenja"}, SheetColumns, nil)
	if err != nil {
		t.Fatal(err)
	}
	today := date.Of(time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC))
	for _, cell := range []string{"0", "0000", "0."} {
		_, p := FromRow(m, 2, []string{"Ana", cell}, today)
		if len(p.List) != 1 || p.List[0].Field != "birth_year" || !strings.Contains(p.List[0].Message, "must be between") {
			t.Errorf("birth_year %q: problems %+v, want one of birth_year (must be between ...)", cell, p.List)
		}
	}
	b, p := FromRow(m, 2, []string{"Ana", ""}, today)
	if len(p.List) > 0 || b.BirthYear != 0 {
		t.Errorf("blank birth_year: %d, problems %+v; want 0, none", b.BirthYear, p.List)
	}
}

// TestSheetHeadersOfRegisters: headers registers in the region write for
// the place of residence (Mesto/Mjesto boravka, Boravište), the phone
// (Kontakt telefon, Mobitel) and the e-mail (E-mail adresa), and the
// Croatian and Bosnian form "privatan smještaj", are read; before, each
// header was refused as "not a known column" and the cell as "not a known
// accommodation".
func TestSheetHeadersOfRegisters(t *testing.T) {
	for _, h := range [][]string{
		{"Ime", "Mesto boravka", "Kontakt telefon", "E-mail adresa", "Smeštaj"},
		{"Ime", "Mjesto boravka", "Mobitel", "E-mail adresa", "Smještaj"},
		{"Име", "Боравиште", "Мобилни", "Е-маил адреса", "Смештај"},
	} {
		m, err := imports.MatchHeader(h, SheetColumns, nil)
		if err != nil {
			t.Errorf("%q: %v", h, err)
			continue
		}
		if got := strings.Join(m.Fields, ","); got != "given_name,municipality,phone,email,accommodation" {
			t.Errorf("%q: fields %s", h, got)
		}
		today := date.Of(time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC))
		b, p := FromRow(m, 2, []string{"Ana", "Bihać", "+387 61 123 456", "ana@example.org", "Privatan smještaj"}, today)
		if len(p.List) > 0 || b.Municipality != "Bihać" || b.Phone != "+387 61 123 456" || b.Email != "ana@example.org" || b.Accommodation != "private" {
			t.Errorf("%q: %+v, problems %+v", h, b, p.List)
		}
	}
}

// TestSheetListOnLines: a list cell written one item a line (Alt+Enter in
// Excel, Ctrl+Enter in LibreOffice), as registers list a person's
// vulnerabilities and languages, is the list of its lines; before, the
// whole cell was one item, refused as "not a known vulnerability" (and the
// languages as not a BCP 47 tag).
func TestSheetListOnLines(t *testing.T) {
	m, err := imports.MatchHeader([]string{"Ime", "Ranjivosti", "Jezici"}, SheetColumns, nil)
	if err != nil {
		t.Fatal(err)
	}
	today := date.Of(time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC))
	for _, c := range [][2]string{{"Trudnica\nRomkinja", "ar\nfa"}, {"Trudnica\r\n Romkinja\n", "ar\r\nfa"}, {"Trudnica,\nRomkinja", "ar;\nfa"}} {
		b, p := FromRow(m, 2, []string{"Ana", c[0], c[1]}, today)
		if len(p.List) > 0 || strings.Join(b.Vulnerabilities, ",") != "pregnant,roma" || strings.Join(b.Languages, ",") != "ar,fa" {
			t.Errorf("%q %q: vulnerabilities %v languages %v, problems %+v", c[0], c[1], b.Vulnerabilities, b.Languages, p.List)
		}
	}
}

// TestSheetSexOfChildren: a children's register writes the sex as boy or
// girl (dečak/dječak, devojčica/djevojčica, either script); before, each
// was refused as "not a known sex".
func TestSheetSexOfChildren(t *testing.T) {
	m, err := imports.MatchHeader([]string{"Ime", "Pol"}, SheetColumns, nil)
	if err != nil {
		t.Fatal(err)
	}
	today := date.Of(time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC))
	for _, c := range [][2]string{{"Dečak", "male"}, {"dječak", "male"}, {"дечак", "male"}, {"Devojčica", "female"}, {"djevojčica", "female"}, {"девојчица", "female"}} {
		b, p := FromRow(m, 2, []string{"Ana", c[0]}, today)
		if len(p.List) > 0 || b.Sex != c[1] {
			t.Errorf("%q: sex %q, problems %+v; want %s", c[0], b.Sex, p.List, c[1])
		}
	}
}

// TestSheetPhoneStoredAsNumber: a phone cell a spreadsheet stored as a
// number has lost its leading 0 (0641234567 is 641234567) or its +
// (+381641234567 is 381641234567), and is a problem of its cell, not a
// number stored that nobody can dial; before, it was taken as it was.
// Numbers written with their prefix, or as text, are read as before.
func TestSheetPhoneStoredAsNumber(t *testing.T) {
	m, err := imports.MatchHeader([]string{"Ime", "Kontakt telefon"}, SheetColumns, nil)
	if err != nil {
		t.Fatal(err)
	}
	today := date.Of(time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC))
	for _, cell := range []string{"641234567", "381641234567", "38761234567", "98765"} {
		_, p := FromRow(m, 7, []string{"Ana", cell}, today)
		if len(p.List) != 1 || p.List[0].Column != "B" || p.List[0].Row != 7 || !strings.Contains(p.List[0].Message, "leading 0") {
			t.Errorf("%q: problems %+v, want one of B7 naming the lost leading 0", cell, p.List)
		}
	}
	for _, cell := range []string{"0641234567", "064 123 4567", "+381641234567", "00381641234567", "+381 (0)11 22 33 444", "011/2345-678", ""} {
		b, p := FromRow(m, 7, []string{"Ana", cell}, today)
		if len(p.List) > 0 || b.Phone != cell {
			t.Errorf("%q: phone %q, problems %+v; want it as written, none", cell, b.Phone, p.List)
		}
	}
}

// TestPhoneOneRuleForAPIAndImport: a create over the API (Validate) and an
// import's row (FromRow) take and refuse the same phone numbers, by the
// one rule of validate.Phone; before, the API stored 641234567 (a number
// that lost its 0, as a spreadsheet or a program keeping phones as
// integers makes it) as the person's phone, which the import refused.
func TestPhoneOneRuleForAPIAndImport(t *testing.T) {
	m, err := imports.MatchHeader([]string{"Ime", "Prezime", "Telefon"}, SheetColumns, nil)
	if err != nil {
		t.Fatal(err)
	}
	today := date.Of(time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC))
	for cell, refused := range map[string]bool{
		"641234567": true, "381641234567": true, "38761234567": true, "98765": true, "64-123": false,
		"0641234567": false, "064 123 4567": false, "+381641234567": false, "00381641234567": false, "011/2345-678": false,
		"064 123 4567 (majka)": true, "abc": true, "": false,
	} {
		b := &Beneficiary{GivenName: "Ana", FamilyName: "Kovač", Phone: cell}
		b.Normalize()
		api := false
		var e *errs.Error
		if errors.As(b.Validate("", today), &e) {
			for _, v := range e.Violations {
				api = api || v.Field == "phone"
			}
		}
		_, p := FromRow(m, 3, []string{"Ana", "Kovač", cell}, today)
		sheet := slices.ContainsFunc(p.List, func(x imports.Problem) bool { return x.Column == "C" && x.Field == "phone" })
		if api != refused || sheet != refused {
			t.Errorf("%q: refused by the API %v, by the import %v; want %v", cell, api, sheet, refused)
		}
	}
}

// TestSheetCountryNamesAndAlpha3: a register's nationality and country
// cells written as registers write them (an ISO 3166-1 alpha-3 code as
// proGres and passports have it, the country's name in English, Serbian,
// Bosnian or Croatian, in either script) are read as the alpha-2 code; an
// unknown one is a problem of its cell saying what to write. Before, every
// one of them was refused with "must be an ISO 3166-1 alpha-2 code", so a
// register writing "Avganistan" or "AFG" had a problem on every row.
func TestSheetCountryNamesAndAlpha3(t *testing.T) {
	m, err := imports.MatchHeader([]string{"Ime", "Državljanstvo", "Država boravka"}, SheetColumns, nil)
	if err != nil {
		t.Fatal(err)
	}
	today := date.Of(time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC))
	for _, c := range []struct{ nationality, country, wantN, wantC string }{
		{"AFG", "SRB", "AF", "RS"},
		{"Avganistan", "Srbija", "AF", "RS"},
		{"Afganistan", "Bosna i Hercegovina", "AF", "BA"},
		{"Авганистан", "Србија", "AF", "RS"},
		{"Sirija", "BiH", "SY", "BA"},
		{"SYR", "BIH", "SY", "BA"},
		{"Syria", "Serbia", "SY", "RS"},
		{"Iraq", "Croatia", "IQ", "HR"},
		{"irak", "HRV", "IQ", "HR"},
		{"Pakistan", "Hrvatska", "PK", "HR"},
		{"Bosnia and Herzegovina", "Bosnia & Herzegovina", "BA", "BA"},
		{"Kosovo", "rs", "XK", "RS"},
		{"Palestina", "Crna Gora", "PS", "ME"},
		{"", "", "", ""},
	} {
		b, p := FromRow(m, 2, []string{"Ana", c.nationality, c.country}, today)
		if len(p.List) > 0 || b.Nationality != c.wantN || b.Country != c.wantC {
			t.Errorf("%q, %q: nationality %q country %q, problems %+v; want %s, %s, none", c.nationality, c.country,
				b.Nationality, b.Country, p.List, c.wantN, c.wantC)
		}
	}
	for _, cell := range []string{"Narnia", "XX", "YUG", "Jugoslavija"} {
		_, p := FromRow(m, 4, []string{"Ana", cell, ""}, today)
		if len(p.List) != 1 || p.List[0].Column != "B" || !strings.Contains(p.List[0].Message, "is not a country") ||
			!strings.Contains(p.List[0].Message, "Srbija") {
			t.Errorf("%q: problems %+v, want one of B4 saying it is no country and what to write", cell, p.List)
		}
	}
}

// TestSheetLanguageNames: a register's languages cell written with the
// languages' names, as social workers write them (arapski, farsi, paštu,
// Arabic, арапски, romski), is read as BCP 47 tags; tags are read as
// before; an unknown name is a problem saying what to write. Before, every
// name was refused ("must be a BCP 47 tag"), a problem on every row of a
// register that writes languages by name.
func TestSheetLanguageNames(t *testing.T) {
	today := date.Of(time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC))
	m, err := imports.MatchHeader([]string{"Ime", "Jezici"}, SheetColumns, nil)
	if err != nil {
		t.Fatal(err)
	}
	cases := [][2]string{
		{"arapski, engleski", "ar en"}, {"Farsi; Dari", "fa fa-AF"}, {"paštu/urdu", "ps ur"}, {"Arabic, French", "ar fr"},
		{"арапски, персијски", "ar fa"}, {"romski, srpski", "rom sr"}, {"fa, sr-latn", "fa sr-Latn"},
		{"kurdski, Sorani", "ku ckb"}, {"Njemački\nTurski", "de tr"}, {"PASHTO, Tigrinja, Urdu", "ps ti ur"},
	}
	for _, c := range cases {
		b, p := FromRow(m, 2, []string{"Ana", c[0]}, today)
		if got := strings.Join(b.Languages, " "); len(p.List) > 0 || got != c[1] {
			t.Errorf("%q: languages %q, problems %+v; want %s, none", c[0], got, p.List, c[1])
		}
	}
	_, p := FromRow(m, 3, []string{"Ana", "arapski, klingonski"}, today)
	if len(p.List) != 1 || p.List[0].Column != "B" || !strings.Contains(p.List[0].Message, `"klingonski" is not a language`) {
		t.Errorf("klingonski: problems %+v, want one of B3 naming it", p.List)
	}
}
