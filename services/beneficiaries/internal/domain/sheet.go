package domain

import (
	"errors"

	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"regexp"
	"slices"
	"strings"

	"github.com/spona/spona/pkg/imports"
)

// The columns of a register of persons: the API's JSON field names, and
// the words a sheet in Serbian, Bosnian or Croatian uses for them (either
// script: headers are folded before matching).
var (
	sexWords = imports.NewWords("SEX_", map[string][]string{
		"female":  {"f", "ž", "ženski", "žensko", "žena", "zenski", "devojčica", "djevojčica"},
		"male":    {"m", "muški", "muško", "muškarac", "muski", "dečak", "dječak"},
		"other":   {"drugo", "ostalo"},
		"unknown": {"nepoznato", "nepoznat"},
	})
	legalStatusWords = imports.NewWords("LEGAL_STATUS_", map[string][]string{
		// Croatia's law on international protection names an asylum
		// seeker tražitelj međunarodne zaštite and a person under
		// subsidiary protection stranac pod supsidijarnom zaštitom.
		"asylum_seeker": {"asylum seeker", "tražilac azila", "tražiteljka azila", "tražitelj azila", "tražiteljica azila",
			"tražitelj međunarodne zaštite", "tražiteljica međunarodne zaštite"},
		"international_protection": {"međunarodna zaštita", "azilant", "azilantkinja", "azilantica", "odobrena zaštita"},
		"refugee":                  {"izbeglica", "izbjeglica", "izbeglo lice", "izbjeglo lice"},
		"subsidiary_protection": {"supsidijarna zaštita", "supsidijarna zastita", "privremena zaštita",
			"stranac pod supsidijarnom zaštitom", "strankinja pod supsidijarnom zaštitom"},
		"migrant":              {"migrantkinja", "iregularni migrant"},
		"returnee":             {"povratnik", "povratnica"},
		"stateless":            {"apatrid", "bez državljanstva", "lice bez državljanstva"},
		"idp":                  {"interno raseljeno lice", "raseljeno lice", "irl"},
		"host_community":       {"lokalna zajednica", "domicilno stanovništvo", "domaća zajednica"},
		"citizen":              {"državljanin", "državljanka", "građanin"},
		"returnee_readmission": {"povratnik po readmisiji", "readmisija"},
	})
	accommodationWords = imports.NewWords("ACCOMMODATION_", map[string][]string{
		"reception_centre": {"prihvatni centar", "tranzitni centar", "prihvatilište"},
		"asylum_centre":    {"centar za azil", "azilni centar", "prihvatilište za tražitelje azila"},
		"private":          {"privatni", "privatni smeštaj", "privatni smještaj", "privatan smještaj", "privatno"},
		"other":            {"drugo", "ostalo"},
	})
	vulnerabilityWords = imports.NewWords("VULNERABILITY_", map[string][]string{
		"unaccompanied_child":       {"dete bez pratnje", "dijete bez pratnje", "maloletnik bez pratnje", "maloljetnik bez pratnje"},
		"separated_child":           {"razdvojeno dete", "razdvojeno dijete"},
		"child_street_situation":    {"dete na ulici", "dijete na ulici", "deca ulice"},
		"disability":                {"invaliditet", "osoba sa invaliditetom", "osoba s invaliditetom"},
		"serious_medical_condition": {"teška bolest", "teško bolestan", "teško bolesna"},
		"survivor_of_violence":      {"žrtva nasilja", "preživeli nasilja", "preživjeli nasilja"},
		"gbv_survivor":              {"rodno zasnovano nasilje", "žrtva rodno zasnovanog nasilja"},
		"trafficking_survivor":      {"trgovina ljudima", "žrtva trgovine ljudima"},
		"single_parent":             {"samohrani roditelj", "samohrana majka", "samohrani otac"},
		"elderly":                   {"starija osoba", "stara osoba", "stariji"},
		"pregnant":                  {"trudnica", "trudna"},
		"roma":                      {"rom", "romkinja", "romi"},
		"child_at_risk":             {"dete u riziku", "dijete u riziku"},
	})
	yesWords = imports.NewWords("", map[string][]string{"yes": {"da", "x", "1", "true", "procena", "procjena"}, "no": {"ne", "0", "false"}})
)

// SheetColumns are the columns of a beneficiaries import.
var SheetColumns = []imports.Column{
	{Field: "external_id", Names: []string{"broj predmeta", "evidencijski broj", "šifra", "case number", "id"}},
	{Field: "given_name", Names: []string{"ime", "first name", "given name", "name"}, Required: true},
	{Field: "family_name", Names: []string{"prezime", "last name", "surname", "family name"}},
	{Field: "original_script_name", Names: []string{"ime na izvornom pismu", "ime na originalnom pismu", "original name"}},
	{Field: "sex", Names: []string{"pol", "spol", "gender", "rod"}, Values: sexWords.Codes()},
	{Field: "birth_date", Names: []string{"datum rođenja", "date of birth", "dob", "rođen", "rođena"}, Date: true},
	{Field: "birth_year", Names: []string{"godina rođenja", "year of birth", "godište"}},
	{Field: "birth_date_estimated", Names: []string{"procenjen datum rođenja", "procijenjen datum rođenja", "estimated"}, Values: []string{"da", "ne"}},
	{Field: "nationality", Names: []string{"državljanstvo", "citizenship", "nacionalnost"}},
	{Field: "languages", Names: []string{"jezici", "jezik", "languages", "language"}},
	{Field: "legal_status", Names: []string{"pravni status", "status", "legal status"}, Values: legalStatusWords.Codes()},
	{Field: "legal_status_since", Names: []string{"status od", "datum statusa", "status since"}, Date: true},
	{Field: "municipality", Names: []string{"opština", "općina", "opcina", "opstina", "grad", "mesto", "mjesto", "mesto boravka", "mjesto boravka", "boravište"}},
	{Field: "country", Names: []string{"država", "zemlja", "država boravka", "country of residence"}},
	{Field: "accommodation", Names: []string{"smeštaj", "smještaj", "smestaj", "smjestaj"}, Values: accommodationWords.Codes()},
	{Field: "vulnerabilities", Names: []string{"ranjivosti", "ranjivost", "vulnerability", "kategorija ranjivosti"}, Values: vulnerabilityWords.Codes()},
	{Field: "phone", Names: []string{"telefon", "broj telefona", "kontakt telefon", "mobilni", "mobitel", "tel"}},
	{Field: "email", Names: []string{"e-mail", "e-mail adresa", "imejl", "e-pošta", "mejl", "mail"}},
	{Field: "notes", Names: []string{"napomena", "napomene", "beleška", "bilješka", "komentar"}},
}

// SheetWords are the local words of the coded columns, for the template.
var SheetWords = map[string]imports.Words{
	"sex": sexWords, "legal_status": legalStatusWords, "accommodation": accommodationWords, "vulnerabilities": vulnerabilityWords,
}

var indexed = regexp.MustCompile(`\[\d+\]$`)

// listSep separates the items of a list cell: a comma, semicolon or
// slash, or a line break (an item a line, as Alt+Enter writes them).
var listSep = regexp.MustCompile(`\s*[,;/\r\n]\s*`)

// FromRow reads one row of a beneficiaries sheet. Every cell that cannot
// be read is a problem; then the record is checked as the API checks a
// create (Validate), and its violations become problems of their columns.
func FromRow(m imports.Mapping, row int, cells []string, today date.Date) (*Beneficiary, *imports.RowProblems) {
	p := &imports.RowProblems{Row: row, Mapping: m}
	b := &Beneficiary{}
	cell := func(f string) string { return m.Cell(cells, f) }
	b.ExternalID, b.GivenName, b.FamilyName = cell("external_id"), cell("given_name"), cell("family_name")
	b.OriginalScriptName, b.Municipality = cell("original_script_name"), cell("municipality")
	// A country's code, alpha-3 code or name, as registers write them.
	country := func(f string) string {
		c, err := imports.ParseCountry(cell(f))
		if err != nil {
			p.Add(cells, f, "%v", err)
			return cell(f)
		}
		return c
	}
	b.Nationality, b.Country = country("nationality"), country("country")
	b.Phone, b.Email, b.Notes = cell("phone"), cell("email"), cell("notes")
	code := func(f string, w imports.Words, dst *string) {
		c, ok := w.Code(cell(f))
		if !ok {
			p.Add(cells, f, "%q is not a known %s; use one of %s", cell(f), f, strings.Join(w.Codes(), ", "))
		}
		*dst = c
	}
	code("sex", sexWords, &b.Sex)
	code("legal_status", legalStatusWords, &b.LegalStatus)
	code("accommodation", accommodationWords, &b.Accommodation)
	for _, w := range splitList(cell("vulnerabilities")) {
		c, ok := vulnerabilityWords.Code(w)
		if !ok {
			p.Add(cells, "vulnerabilities", "%q is not a known vulnerability; use one of %s", w, strings.Join(vulnerabilityWords.Codes(), ", "))
			continue
		}
		b.Vulnerabilities = append(b.Vulnerabilities, c)
	}
	// Tags, or the languages' names as registers write them.
	for _, l := range splitList(cell("languages")) {
		t, err := imports.ParseLanguage(l)
		if err != nil {
			p.Add(cells, "languages", "%v", err)
			t = l
		}
		b.Languages = append(b.Languages, t)
	}
	if s := cell("birth_date"); s != "" {
		d, err := imports.ParseDate(s)
		if err != nil {
			p.Add(cells, "birth_date", "%v", err)
		}
		b.BirthDate = d
	}
	if s := cell("legal_status_since"); s != "" {
		d, err := imports.ParseDate(s)
		if err != nil {
			p.Add(cells, "legal_status_since", "%v", err)
		}
		b.LegalStatusSince = d
	}
	if s := cell("birth_year"); s != "" {
		y, err := imports.ParseInt(s)
		switch {
		case err != nil:
			p.Add(cells, "birth_year", "%v", err)
		case y == 0:
			// 0 is how the record says "no birth year": written in a
			// cell, it is a mistake (a formula's empty result, a year
			// not known), not a blank.
			p.Add(cells, "birth_year", "must be between %d and %d", date.MinYear, today.Year)
		}
		b.BirthYear = y
	}
	if s := cell("birth_date_estimated"); s != "" {
		c, ok := yesWords.Code(s)
		if !ok {
			p.Add(cells, "birth_date_estimated", "%q is neither da/yes nor ne/no", s)
		}
		b.BirthDateEstimated = c == "yes"
	}
	b.Normalize()
	var e *errs.Error
	if errors.As(b.Validate("", today), &e) {
		seen := map[string]bool{}
		for _, x := range p.List {
			seen[x.Field] = true
		}
		for _, v := range e.Violations {
			// One problem per cell; a value derived from another cell
			// (birth_year from birth_date) is that cell's problem.
			f := indexed.ReplaceAllString(v.Field, "")
			if seen[f] || (m.Cell(cells, f) == "" && v.Description != "is required") {
				continue
			}
			seen[f] = true
			p.Add(cells, f, "%s", v.Description)
		}
	}
	return b, p
}

func splitList(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var out []string
	for _, x := range listSep.Split(strings.TrimSpace(s), -1) {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

// NamesOnly reports whether a row of a beneficiaries sheet tells its
// person by names alone: it has no birth date, birth year or external_id
// (nothing else a row of the file could differ in that tells two persons
// apart). sex is the row's sex code, "" when the cell is empty or unknown
// (two rows of different sexes are two persons).
func NamesOnly(m imports.Mapping, cells []string) (sex string, ok bool) {
	for _, f := range []string{"birth_date", "birth_year", "external_id"} {
		if m.Cell(cells, f) != "" {
			return "", false
		}
	}
	if sex, _ = sexWords.Code(m.Cell(cells, "sex")); sex == "unknown" {
		sex = ""
	}
	return sex, true
}

// NamesakeProblem is the problem of a row that, as the earlier row first
// of the file, names its person by a name alike and nothing else.
func NamesakeProblem(p *imports.RowProblems, cells []string, first int) {
	p.Add(cells, "given_name", "this row may repeat row %d: the name is the same as (or close to) that row's, and neither row has a birth date, "+
		"birth year or external_id, so nothing tells whether they are one person or two; if one, delete this row (or import with "+
		"on_duplicate=skip or link); if two, add what tells them apart (a birth date or year, an external_id)", first)
}

// RegisteredProblem is the problem of a row that names its person by
// names alone, alike those of a person the organisation has registered
// (the row's matches; the message does not name her: a row's problems
// outlive her erasure).
func RegisteredProblem(p *imports.RowProblems, cells []string) {
	p.Add(cells, "given_name", "this row may be a person your organisation has registered already (see the row's matches): the name is the same as (or close to) that record's, "+
		"and this row has no birth date, birth year or external_id, so nothing tells whether they are one person or two; if one, delete "+
		"this row (or import with on_duplicate=skip or link); if two, add what tells them apart (a birth date or year, an external_id)")
}

// namesakePrefix begins NamesakeProblem's message, registeredPrefix
// RegisteredProblem's (TestEveryProblemHasText wants the format a literal).
const (
	namesakePrefix   = "this row may repeat row "
	registeredPrefix = "this row may be a person your organisation has registered already "
)

// HasNamesakeProblem reports whether problems hold a NamesakeProblem or a
// RegisteredProblem (a resumed import reads it stored).
func HasNamesakeProblem(problems []imports.Problem) bool {
	return slices.ContainsFunc(problems, func(p imports.Problem) bool {
		return strings.HasPrefix(p.Message, namesakePrefix) || strings.HasPrefix(p.Message, registeredPrefix)
	})
}
