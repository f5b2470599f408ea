package domain

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/iati"
)

// IATI 2.03 publication rules that stored data may not meet.
//
// The API refuses most of what IATI would reject (see Project.Validate), but
// some of it lives elsewhere (the reporting organisation's identifier is in
// the directory) or may predate a rule (a project stored before sectors were
// required). An export checks them all first and refuses with every problem
// named, rather than publish a file IATI rejects or invent what is missing.

// DirectoryService is a service as the directory lists it, for naming the
// cells of a report broken down by service or location.
type DirectoryService struct {
	ID   string
	Name string
	// LocationNames by location id: the location's name and municipality.
	LocationNames map[string]string
}

// DirectoryOrganisation is an organisation as the directory (the referrals
// service) lists it.
type DirectoryOrganisation struct {
	ID   string
	Name string
	// LocalizedNames by BCP 47 tag: en, sr-Latn, sr-Cyrl, bs, hr.
	LocalizedNames map[string]string
	// Languages are its working languages (BCP 47 tags), the first the
	// one Name is in; Country is where it is (RS, BA, HR; "" unknown).
	Languages []string
	Country   string
	Kind      string // ngo, social_welfare_centre, …
	// Identifier is the registered organisation identifier (agency code
	// and number, e.g. HR-OIB-12345678901); "" when none is known.
	Identifier string
	// Verified: a platform administrator vouched for the names, kind,
	// country and identifier. Until then the identifier is only proposed
	// (it may be another organisation's).
	Verified bool
}

// Publisher is the reporting organisation of an IATI activity: the
// project's implementing organisation.
type Publisher struct {
	OrganisationID string
	Ref            string // registered organisation identifier
	Type           string // IATI OrganisationType code
	Names          []Narrative
	// Verified: the directory's entry (identifier and names) is vouched
	// for by the platform administrator; nothing is published until it is.
	Verified bool
}

// organisationTypes maps directory kinds to IATI OrganisationType codes.
// A donor may be a government, a foundation or a multilateral: the project
// says which (reporting_organisation_type).
var organisationTypes = map[string]string{
	"ngo":                   "22", // national NGO
	"social_welfare_centre": "15", // other public sector
	"police":                "10", // government
	"health":                "15",
	"education":             "80", // academic, training and research
	"employment":            "15",
	"justice":               "10",
	"local_government":      "11",
	"international_org":     "40", // multilateral
}

// directoryLanguages maps the directory's name languages to the ISO 639-1
// codes of IATI narratives, in the order they are written; Serbian is
// written once, in Latin script when the directory has it.
var directoryLanguages = []struct{ tag, lang string }{
	{"hr", "hr"}, {"bs", "bs"}, {"sr-Latn", "sr"}, {"sr-Cyrl", "sr"},
}

// NewPublisher names the reporting organisation of project p, whose
// implementing organisation the directory lists as o. The identifier always
// comes from the directory; names and type from the project when it gives
// them, else from the directory (directoryNames).
func NewPublisher(p *Project, o DirectoryOrganisation) Publisher {
	pub := Publisher{OrganisationID: o.ID, Ref: o.Identifier, Type: p.ReportingOrgType, Names: p.ReportingOrgNames, Verified: o.Verified}
	if pub.Type == "" {
		pub.Type = organisationTypes[o.Kind]
	}
	if len(pub.Names) == 0 {
		pub.Names = directoryNames(o)
	}
	return pub
}

// directoryNames are the IATI narratives naming o, one per language: its
// English name without xml:lang (the activity's default language), its
// own name tagged with the language it is in (nameLanguage; the directory
// keeps it in the organisation's working language), then its names in the
// region's languages, tagged, each for a language not yet named. An IATI
// narrative without xml:lang is read as the default language, so the own
// name is untagged only when it is English or nothing says which language
// it is in, and is left out when the directory has the same text under a
// language (which then tags it).
func directoryNames(o DirectoryOrganisation) []Narrative {
	var out []Narrative
	written := map[string]bool{}
	add := func(lang, text string) {
		if text != "" && !written[lang] {
			out = append(out, Narrative{Lang: lang, Text: text})
			written[lang] = true
		}
	}
	add("", o.LocalizedNames["en"])
	if !slices.Contains(slices.Collect(maps.Values(o.LocalizedNames)), o.Name) {
		add(o.nameLanguage(), o.Name)
	}
	for _, l := range directoryLanguages {
		add(l.lang, o.LocalizedNames[l.tag])
	}
	return out
}

// countryLanguages are the languages of organisations' names by country,
// for those that name no working language (Bosnian for Bosnia and
// Herzegovina, whose names the directory also holds in hr and sr).
var countryLanguages = map[string]string{"RS": "sr", "HR": "hr", "BA": "bs"}

// nameLanguage is the IATI Language code of the language o's name is in:
// its first working language, else its country's language (the country
// of its entry, else of its registered identifier); "" for English or
// when neither says.
func (o DirectoryOrganisation) nameLanguage() string {
	if len(o.Languages) > 0 {
		base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(o.Languages[0])), "-")
		if base == "en" {
			return ""
		}
		if iati.IsLanguage(base) {
			return base
		}
	}
	country := o.Country
	if country == "" {
		country, _, _ = strings.Cut(o.Identifier, "-")
	}
	return countryLanguages[strings.ToUpper(country)]
}

// IATIIdentifier is the activity identifier: the reporting organisation's
// identifier and the project code joined by a hyphen.
func (p *Project) IATIIdentifier(pub Publisher) string { return pub.Ref + "-" + p.Code }

// ReasonIATIRefused is the ErrorInfo reason of an export IATI would reject.
const ReasonIATIRefused = "IATI_EXPORT_REFUSED"

// CheckIATI returns nil when project p, published by pub, can be exported
// as an IATI 2.03 activity on day today, and otherwise a failed-precondition
// error naming every problem and how to fix it.
func CheckIATI(p *Project, pub Publisher, today date.Date) error {
	var v errs.Violations
	org := p.ImplementingOrganisationID
	switch {
	case pub.Ref == "" && pub.Verified:
		v.Add("organisation_identifier", "the implementing organisation %s has no registered organisation identifier in the directory; "+
			"the platform administrator records it when verifying the organisation (POST /v1/organisations/%s:verify with organisation_identifier), "+
			"e.g. HR-OIB-12345678901, RS-APR-17123456 or BA-JIB-4200000000000", org, org)
	case pub.Ref == "":
		v.Add("organisation_identifier", "the implementing organisation %s has no registered organisation identifier in the directory; "+
			"propose it on its entry (PATCH /v1/organisations/%s with organisation_identifier), e.g. HR-OIB-12345678901, RS-APR-17123456 or BA-JIB-4200000000000",
			org, org)
	}
	if !pub.Verified {
		v.Add("implementing_organisation_id", "the implementing organisation %s is not verified: its registered identifier and names are published "+
			"only once the platform administrator has verified the organisation (POST /v1/organisations/%s:verify)", org, org)
	}
	if pub.Type == "" {
		v.Add("project.reporting_organisation_type", "the directory does not say which IATI organisation type the implementing organisation is; set it on the project, e.g. 10 (government) or 60 (foundation)")
	}
	if len(pub.Names) == 0 {
		v.Add("project.reporting_organisation_names", "the reporting organisation needs a name")
	}
	if len(p.Sectors) == 0 {
		v.Add("project.sectors", "IATI requires at least one sector; set an OECD DAC 5-digit purpose code, e.g. 15160")
	}
	// Codes stored before the API checked them against the IATI codelists:
	// the schema lets any through, IATI validators do not.
	p.checkCodelists(&v)
	for i, b := range p.Budgets {
		if longerThanAYear(b.Start, b.End) {
			v.Add(fmt.Sprintf("project.budgets[%d].period", i), "covers more than a year (%s to %s); IATI budgets cover a year or less: give one budget line per year", b.Start, b.End)
		}
	}
	// Stored before the API refused days before date.MinYear: IATI has
	// no year 0000 and no donor a project of another century.
	for _, d := range []struct {
		field string
		day   date.Date
	}{{"project.planned_start_date", p.PlannedStart}, {"project.planned_end_date", p.PlannedEnd},
		{"project.actual_start_date", p.ActualStart}, {"project.actual_end_date", p.ActualEnd}} {
		date.CheckMinYear(&v, d.field, d.day)
	}
	for i, b := range p.Budgets {
		date.CheckMinYear(&v, fmt.Sprintf("project.budgets[%d].period.start_date", i), b.Start)
		date.CheckMinYear(&v, fmt.Sprintf("project.budgets[%d].value_date", i), b.ValueDate)
	}
	checkNotFuture(&v, "project.actual_start_date", p.ActualStart, today)
	checkNotFuture(&v, "project.actual_end_date", p.ActualEnd, today)
	if len(v) == 0 {
		return nil
	}
	return &errs.Error{Kind: errs.KindFailedPrecondition, Reason: ReasonIATIRefused,
		Message: "the project cannot be exported as IATI 2.03 activity XML until these are fixed", Violations: v}
}

// CheckIATIResults is CheckIATI for the indicators of report r: title
// languages stored before the API checked them against the IATI Language
// codelist, and dates stored before the API refused days before
// date.MinYear (IATI has no year 0000, and an indicator's baseline year is
// always exported). Each field names the indicator by its code.
func CheckIATIResults(r *Report) error {
	var v errs.Violations
	for _, res := range r.Results {
		in := res.Indicator
		f := "indicators[" + in.Code + "]"
		langCodes(&v, f+".titles", in.Titles)
		date.CheckMinYear(&v, f+".baseline.date", in.Baseline.Date)
		for i, t := range in.Targets {
			date.CheckMinYear(&v, fmt.Sprintf("%s.targets[%d].period.start_date", f, i), t.Start)
		}
		for i, x := range in.Values {
			date.CheckMinYear(&v, fmt.Sprintf("%s.values[%d].period.start_date", f, i), x.Start)
		}
	}
	if len(v) == 0 {
		return nil
	}
	return &errs.Error{Kind: errs.KindFailedPrecondition, Reason: ReasonIATIRefused,
		Message: "the project's indicators cannot be exported as IATI 2.03 until these are fixed", Violations: v}
}

func checkNotFuture(v *errs.Violations, field string, d, today date.Date) {
	if !d.IsZero() && d.After(today) {
		v.Add(field, "must not be in the future (%s): actual dates record what happened; use the planned dates for plans", d)
	}
}
