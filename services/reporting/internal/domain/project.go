// Package domain holds the reporting model and its rules: projects shaped
// after IATI 2.03 activities, logframe indicators, reports and small-cell
// suppression. It knows nothing of gRPC or SQL.
package domain

import (
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/fieldmask"
	"github.com/spona/spona/pkg/iati"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/validate"
)

// Field limits.
const (
	maxCode      = 50
	maxTitle     = 300
	maxNarrative = 4000
	maxRef       = 100
	maxList      = 50
	// maxAmountDigits is the integer digits numeric(18,2) holds.
	maxAmountDigits = 16
	// DefaultThreshold is the suppression threshold of a project that sets none.
	DefaultThreshold = 5
	// MinThreshold is the floor of a suppression threshold: counts of 1 and
	// 2 are always suppressed.
	MinThreshold = 3
	maxThreshold = 100
)

// Currencies are the ISO 4217 codes a budget may use: the region's
// currencies and those its donors commonly fund in.
var Currencies = []string{
	"EUR", "HRK", "RSD", "BAM", "CHF", "USD", "GBP", "SEK", "NOK", "DKK", "HUF", "MKD", "ALL",
	"CZK", "PLN", "RON", "BGN", "TRY", "JPY", "CAD", "AUD",
}

// Countries are the recipient countries Spona serves.
var Countries = []string{"RS", "BA", "HR"}

// Organisation roles (IATI OrganisationRole codelist).
const (
	RoleFunding      = 1
	RoleAccountable  = 2
	RoleExtending    = 3
	RoleImplementing = 4
)

// Activity statuses (IATI ActivityStatus codelist, 1..6).
const (
	StatusPipeline       = 1
	StatusImplementation = 2
	StatusClosed         = 4
	maxStatus            = 6
)

var (
	iatiOrgRef   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._\-]*$`)
	projectCode  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._\-]*$`)
	currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)
)

// Narrative is a text in one language; Lang "" means English.
type Narrative struct {
	Lang string `json:"lang,omitempty"`
	Text string `json:"text"`
}

// Money is an exact amount in a currency. Amount is a decimal string such
// as "140000.00"; it is never converted to a float.
type Money struct {
	Amount   string
	Currency string // ISO 4217, upper case
}

// ParticipatingOrg is an organisation taking part in a project.
type ParticipatingOrg struct {
	OrganisationID string      `json:"organisation_id,omitempty"` // Spona organisation, may read the project
	Ref            string      `json:"ref,omitempty"`             // IATI organisation identifier
	Type           string      `json:"type,omitempty"`            // IATI OrganisationType code
	Role           int         `json:"role"`                      // IATI OrganisationRole code
	Names          []Narrative `json:"names,omitempty"`
}

// Budget is a budget line for a period.
type Budget struct {
	Start, End date.Date
	Value      Money
	ValueDate  date.Date
}

// Project is a donor-funded project an organisation implements.
type Project struct {
	ID                         string
	Code                       string
	Titles                     []Narrative
	Descriptions               []Narrative
	GeneralObjectives          []Narrative
	SpecificObjectives         []Narrative
	ImplementingOrganisationID string
	// ReportingOrgNames and ReportingOrgType, when given, name the
	// implementing organisation in IATI exports instead of its directory
	// entry (see Publisher).
	ReportingOrgNames        []Narrative
	ReportingOrgType         string
	Participants             []ParticipatingOrg
	Budgets                  []Budget
	PlannedStart, PlannedEnd date.Date
	ActualStart, ActualEnd   date.Date
	Status                   int
	Countries                []string
	Municipalities           []string
	Sectors                  []string
	SuppressionThreshold     int // 0: DefaultThreshold
	Version                  int64
	CreateTime, UpdateTime   time.Time
	// IndicatorDeleteTime is when an indicator of the project was last
	// deleted (zero: none was).
	IndicatorDeleteTime time.Time
}

// IATIStatus is the activity status an IATI export declares: the one the
// project sets, or when it sets none, the one its actual dates show
// (closed once it has an actual end, in implementation once it has an
// actual start, else in the pipeline), rather than the pipeline for a
// project that has begun.
func (p *Project) IATIStatus() int {
	switch {
	case p.Status != 0:
		return p.Status
	case !p.ActualEnd.IsZero():
		return StatusClosed
	case !p.ActualStart.IsZero():
		return StatusImplementation
	}
	return StatusPipeline
}

// Threshold is the suppression threshold in force for the project.
func (p *Project) Threshold() int {
	if p.SuppressionThreshold == 0 {
		return DefaultThreshold
	}
	return p.SuppressionThreshold
}

// ThresholdFor is the suppression threshold of the reports org reads. Only
// the implementing organisation sees unsuppressed counts: asked for
// (unsuppressed), it gets threshold 1, which hides nothing; otherwise it
// gets the project's own threshold as stored (a project saved before the
// floor may hold one below it). Partners and funders never get less than
// MinThreshold, and asking for unsuppressed counts is refused, naming the
// field "unsuppressed".
func (p *Project) ThresholdFor(org string, unsuppressed bool) (int, error) {
	t := p.Threshold()
	if org != p.ImplementingOrganisationID {
		if unsuppressed {
			var v errs.Violations
			v.Add("unsuppressed", "only the implementing organisation may read the report without small-cell suppression; leave it unset")
			return 0, v.Err()
		}
		return max(t, MinThreshold), nil
	}
	if unsuppressed {
		return 1, nil
	}
	return t, nil
}

// PublishedThreshold is the suppression threshold of a report org
// exports as an IATI activity: ThresholdFor, but never below MinThreshold,
// the implementing organisation's own file included, and unsuppressed
// counts are refused. An IATI file is made to be published (the IATI
// Registry, a donor's portal), where no count of one or two people
// belongs, whatever the implementing organisation may read itself.
func (p *Project) PublishedThreshold(org string, unsuppressed bool) (int, error) {
	if unsuppressed {
		var v errs.Violations
		v.Add("unsuppressed", "an IATI activity is made to be published and is always suppressed; leave it unset, or export json, csv or xlsx")
		return 0, v.Err()
	}
	t, err := p.ThresholdFor(org, false)
	return max(t, MinThreshold), err
}

// ReportPeriod is the period of a report org asks for with the dates
// from and to (zero: the project's planned start or end). The implementing
// organisation may ask for any period. Every other reader (partners and
// funders) gets the planned span only: two reports of different periods
// (a year and the same year less its last months) could be subtracted,
// cell by cell, to give back counts suppression hides in both, so those
// readers get one published period, and nothing to subtract it from. The
// planned span rather than the indicators' target periods too: a period
// inside another can be subtracted from it just the same.
func (p *Project) ReportPeriod(org string, from, to date.Date) (date.Date, date.Date, error) {
	// Days before date.MinYear are typing mistakes (0024 for 2024), as for
	// the project's own dates; IATI cannot publish the year 0000 at all.
	var v errs.Violations
	date.CheckMinYear(&v, "start_date", from)
	date.CheckMinYear(&v, "end_date", to)
	if len(v) > 0 {
		return from, to, v.Err()
	}
	if from.IsZero() {
		from = p.PlannedStart
	}
	if to.IsZero() {
		to = p.PlannedEnd
	}
	if to.Before(from) {
		v.Add("end_date", "must not be before start_date (%s); unset dates default to the project's planned dates", from)
		return from, to, v.Err()
	}
	if org == p.ImplementingOrganisationID {
		return from, to, nil
	}
	const why = "only the implementing organisation may ask for other periods: reports of two periods could be subtracted to give back suppressed counts"
	if from != p.PlannedStart {
		v.Add("start_date", "must be the project's planned start (%s) or unset; %s", p.PlannedStart, why)
	}
	if to != p.PlannedEnd {
		v.Add("end_date", "must be the project's planned end (%s) or unset; %s", p.PlannedEnd, why)
	}
	return from, to, v.Err()
}

// Reasons an organisation may not tag records with a project
// (google.rpc.ErrorInfo reasons).
const (
	ReasonNotParticipant = "NOT_A_PROJECT_PARTICIPANT"
	ReasonRoleCannotTag  = "PROJECT_ROLE_CANNOT_TAG"
)

// MayTag reports whether org may tag records (assistances, training events,
// referrals) with the project, and the reason when it may not: only the
// implementing organisation and participating organisations in the
// implementing role may. A funder (funding, accountable or extending role)
// may read the reports but not add to the counts in them.
func (p *Project) MayTag(org string) (bool, string) {
	if org == p.ImplementingOrganisationID {
		return true, ""
	}
	reason := ReasonNotParticipant
	for _, o := range p.Participants {
		if o.OrganisationID != org {
			continue
		}
		if o.Role == RoleImplementing {
			return true, ""
		}
		reason = ReasonRoleCannotTag
	}
	return false, reason
}

// Readers are the organisations that may read the project and its reports:
// the implementing organisation and every participating organisation with a
// Spona organisation id.
func (p *Project) Readers() []string {
	out := []string{p.ImplementingOrganisationID}
	for _, o := range p.Participants {
		if o.OrganisationID != "" && !slices.Contains(out, o.OrganisationID) {
			out = append(out, o.OrganisationID)
		}
	}
	return out
}

// CanRead reports whether org may read the project.
func (p *Project) CanRead(org string) bool { return slices.Contains(p.Readers(), org) }

// CanChange reports whether org may change the project: only its
// implementing organisation may.
func (p *Project) CanChange(org string) bool { return p.ImplementingOrganisationID == org }

// Normalize trims and canonicalises free input before validation.
func (p *Project) Normalize() {
	p.Code = strings.TrimSpace(p.Code)
	for _, ns := range [][]Narrative{p.Titles, p.Descriptions, p.GeneralObjectives, p.SpecificObjectives, p.ReportingOrgNames} {
		normalizeNarratives(ns)
	}
	p.ReportingOrgType = strings.TrimSpace(p.ReportingOrgType)
	for i := range p.Participants {
		o := &p.Participants[i]
		o.OrganisationID = ids.Normalize(o.OrganisationID)
		o.Ref = strings.TrimSpace(o.Ref)
		o.Type = strings.TrimSpace(o.Type)
		normalizeNarratives(o.Names)
	}
	for i := range p.Budgets {
		b := &p.Budgets[i]
		b.Value.Amount = strings.TrimSpace(b.Value.Amount)
		b.Value.Currency = strings.ToUpper(strings.TrimSpace(b.Value.Currency))
		if b.ValueDate.IsZero() {
			b.ValueDate = b.Start
		}
	}
	p.Countries = normalizeList(p.Countries, strings.ToUpper)
	p.Municipalities = normalizeList(p.Municipalities, func(s string) string { return s })
	p.Sectors = normalizeList(p.Sectors, func(s string) string { return s })
}

// SameRequest reports whether p, the project a request id made, is what
// the create n (normalized) asks for again: every field the same (budget
// amounts as numbers: 140000 is the 140000.00 stored). A project changed
// by an update since no longer is.
func (p *Project) SameRequest(n *Project) bool {
	sameParticipants := slices.EqualFunc(p.Participants, n.Participants, func(a, b ParticipatingOrg) bool {
		return a.OrganisationID == b.OrganisationID && a.Ref == b.Ref && a.Type == b.Type && a.Role == b.Role &&
			slices.Equal(a.Names, b.Names)
	})
	sameBudgets := slices.EqualFunc(p.Budgets, n.Budgets, func(a, b Budget) bool {
		return a.Start == b.Start && a.End == b.End && a.ValueDate == b.ValueDate && a.Value.Currency == b.Value.Currency &&
			sameNumber(a.Value.Amount, b.Value.Amount)
	})
	return p.Code == n.Code && slices.Equal(p.Titles, n.Titles) && slices.Equal(p.Descriptions, n.Descriptions) &&
		slices.Equal(p.GeneralObjectives, n.GeneralObjectives) && slices.Equal(p.SpecificObjectives, n.SpecificObjectives) &&
		slices.Equal(p.ReportingOrgNames, n.ReportingOrgNames) && p.ReportingOrgType == n.ReportingOrgType &&
		sameParticipants && sameBudgets && p.PlannedStart == n.PlannedStart && p.PlannedEnd == n.PlannedEnd &&
		p.ActualStart == n.ActualStart && p.ActualEnd == n.ActualEnd && p.Status == n.Status &&
		slices.Equal(p.Countries, n.Countries) && slices.Equal(p.Municipalities, n.Municipalities) &&
		slices.Equal(p.Sectors, n.Sectors) && p.SuppressionThreshold == n.SuppressionThreshold
}

// sameNumber reports whether decimal strings a and b are the same number
// (or, when either is no number, the same string).
func sameNumber(a, b string) bool {
	x, okA := new(big.Rat).SetString(a)
	y, okB := new(big.Rat).SetString(b)
	return a == b || okA && okB && x.Cmp(y) == 0
}

func normalizeNarratives(ns []Narrative) {
	for i := range ns {
		ns[i].Lang = strings.ToLower(strings.TrimSpace(ns[i].Lang))
		ns[i].Text = strings.TrimSpace(ns[i].Text)
	}
}

// normalizeList trims, maps and removes duplicates, keeping order.
func normalizeList(in []string, f func(string) string) []string {
	var out []string
	for _, s := range in {
		s = f(strings.TrimSpace(s))
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// Validate checks p as a caller would submit it on day today; field names
// are those of the API ("project.code").
func (p *Project) Validate(today date.Date) error {
	var v errs.Violations
	validate.Text(&v, "project.code", p.Code, maxCode, true)
	if p.Code != "" && !projectCode.MatchString(p.Code) {
		v.Add("project.code", "must start with a letter or digit and hold only letters, digits, '.', '_' and '-'")
	}
	narratives(&v, "project.titles", p.Titles, maxTitle, true)
	narratives(&v, "project.descriptions", p.Descriptions, maxNarrative, false)
	narratives(&v, "project.general_objectives", p.GeneralObjectives, maxNarrative, false)
	narratives(&v, "project.specific_objectives", p.SpecificObjectives, maxNarrative, false)
	narratives(&v, "project.reporting_organisation_names", p.ReportingOrgNames, maxTitle, false)
	orgType(&v, "project.reporting_organisation_type", p.ReportingOrgType)
	if len(p.Participants) > maxList {
		v.Add("project.participating_organisations", "must have at most %d entries", maxList)
	}
	for i, o := range p.Participants {
		f := fmt.Sprintf("project.participating_organisations[%d]", i)
		if o.OrganisationID != "" && !ids.Valid(o.OrganisationID) {
			v.Add(f+".organisation_id", "must be a UUID")
		}
		orgRef(&v, f+".ref", o.Ref)
		orgType(&v, f+".type", o.Type)
		if o.Role < RoleFunding || o.Role > RoleImplementing {
			v.Add(f+".role", "is required: funding, accountable, extending or implementing")
		}
		narratives(&v, f+".names", o.Names, maxTitle, false)
		if o.Ref == "" && len(o.Names) == 0 {
			v.Add(f+".names", "are required when no ref is given")
		}
		for j := range i {
			if p.Participants[j].sameAs(o) {
				v.Add(f, "lists the same organisation in the same role as participating_organisations[%d]", j)
				break
			}
		}
	}
	if len(p.Budgets) > maxList {
		v.Add("project.budgets", "must have at most %d entries", maxList)
	}
	for i, b := range p.Budgets {
		f := fmt.Sprintf("project.budgets[%d]", i)
		period(&v, f+".period", b.Start, b.End, true)
		if !b.Start.IsZero() && !b.End.IsZero() && longerThanAYear(b.Start, b.End) {
			v.Add(f+".period.end_date", "must be at most one year after start_date (%s): IATI budgets cover a year or less; give one budget line per year", b.Start.AddYears(1))
		}
		date.CheckMinYear(&v, f+".value_date", b.ValueDate)
		b.Value.validate(&v, f+".value.")
	}
	if p.PlannedStart.IsZero() {
		v.Add("project.planned_start_date", "is required")
	}
	if p.PlannedEnd.IsZero() {
		v.Add("project.planned_end_date", "is required")
	}
	// Days before date.MinYear are typing mistakes (0024 for 2024), and
	// IATI cannot publish the year 0000 at all (xs:date has none).
	date.CheckMinYear(&v, "project.planned_start_date", p.PlannedStart)
	date.CheckMinYear(&v, "project.planned_end_date", p.PlannedEnd)
	date.CheckMinYear(&v, "project.actual_start_date", p.ActualStart)
	date.CheckMinYear(&v, "project.actual_end_date", p.ActualEnd)
	if !p.PlannedStart.IsZero() && !p.PlannedEnd.IsZero() && p.PlannedEnd.Before(p.PlannedStart) {
		v.Add("project.planned_end_date", "must not be before planned_start_date")
	}
	if !p.ActualStart.IsZero() && !p.ActualEnd.IsZero() && p.ActualEnd.Before(p.ActualStart) {
		v.Add("project.actual_end_date", "must not be before actual_start_date")
	}
	if p.ActualStart.IsZero() && !p.ActualEnd.IsZero() {
		v.Add("project.actual_start_date", "is required when actual_end_date is given")
	}
	// Actual dates record what happened (IATI rules 11.1.4, 11.1.5); a
	// day of slack covers the callers' time zones.
	checkNotFuture(&v, "project.actual_start_date", p.ActualStart, today.AddDays(1))
	checkNotFuture(&v, "project.actual_end_date", p.ActualEnd, today.AddDays(1))
	if p.Status < 0 || p.Status > maxStatus {
		v.Add("project.activity_status", "unknown value %d", p.Status)
	}
	list(&v, "project.recipient_countries", p.Countries, func(s string) string {
		if !slices.Contains(Countries, s) {
			return "must be one of RS, BA, HR"
		}
		return ""
	})
	list(&v, "project.municipalities", p.Municipalities, func(s string) string {
		var inner errs.Violations
		validate.Text(&inner, "x", s, maxTitle, true)
		if len(inner) > 0 {
			return inner[0].Description
		}
		return ""
	})
	if len(p.Sectors) == 0 {
		v.Add("project.sectors", "at least one OECD DAC 5-digit purpose code is required (IATI requires a sector), e.g. 15160")
	}
	list(&v, "project.sectors", p.Sectors, sectorCode)
	if p.SuppressionThreshold != 0 && (p.SuppressionThreshold < MinThreshold || p.SuppressionThreshold > maxThreshold) {
		v.Add("project.suppression_threshold", "must be between %d and %d (0 for the default, %d): smaller counts identify people",
			MinThreshold, maxThreshold, DefaultThreshold)
	}
	return v.Err()
}

func list(v *errs.Violations, field string, xs []string, check func(string) string) {
	if len(xs) > maxList {
		v.Add(field, "must have at most %d entries", maxList)
	}
	for i, s := range xs {
		if msg := check(s); msg != "" {
			v.Add(fmt.Sprintf("%s[%d]", field, i), "%s", msg)
		}
	}
}

func narratives(v *errs.Violations, field string, ns []Narrative, max int, required bool) {
	if required && len(ns) == 0 {
		v.Add(field, "at least one is required")
		return
	}
	if len(ns) > maxList {
		v.Add(field, "must have at most %d entries", maxList)
	}
	for i, n := range ns {
		validate.Text(v, fmt.Sprintf("%s[%d].text", field, i), n.Text, max, true)
	}
	narrativeLangs(v, field, ns)
}

// narrativeLangs checks the languages of narratives ns: codes of the IATI
// Language codelist (ISO 639-1), each once. No language is the export's
// default, English, so "" and "en" are the same language.
func narrativeLangs(v *errs.Violations, field string, ns []Narrative) {
	langCodes(v, field, ns)
	seen := map[string]bool{}
	for i, n := range ns {
		f := fmt.Sprintf("%s[%d].lang", field, i)
		lang := n.Lang
		if lang == "" {
			lang = "en"
		}
		if seen[lang] {
			v.Add(f, "language %q given twice (a narrative without a language is English)", lang)
		}
		seen[lang] = true
	}
}

// langCodes checks that narratives ns are in languages of the IATI
// Language codelist (ISO 639-1), which IATI validators check every xml:lang
// against.
func langCodes(v *errs.Violations, field string, ns []Narrative) {
	for i, n := range ns {
		if n.Lang != "" && !iati.IsLanguage(n.Lang) {
			v.Add(fmt.Sprintf("%s[%d].lang", field, i), "must be an ISO 639-1 language code (IATI Language codelist) such as en, hr, bs or sr; %q is none", n.Lang)
		}
	}
}

// checkCodelists checks the codes p holds against the IATI codelists, as
// Validate does: for projects stored before it did.
func (p *Project) checkCodelists(v *errs.Violations) {
	for _, ns := range []struct {
		field string
		ns    []Narrative
	}{{"project.titles", p.Titles}, {"project.descriptions", p.Descriptions}, {"project.general_objectives", p.GeneralObjectives},
		{"project.specific_objectives", p.SpecificObjectives}, {"project.reporting_organisation_names", p.ReportingOrgNames}} {
		langCodes(v, ns.field, ns.ns)
	}
	orgType(v, "project.reporting_organisation_type", p.ReportingOrgType)
	for i, o := range p.Participants {
		f := fmt.Sprintf("project.participating_organisations[%d]", i)
		orgType(v, f+".type", o.Type)
		langCodes(v, f+".names", o.Names)
	}
	list(v, "project.sectors", p.Sectors, sectorCode)
}

// sectorCode returns what is wrong with a sector code, "" when nothing: it
// must be an active code of the OECD DAC 5-digit sector codelist, which
// IATI validators check every sector against.
func sectorCode(s string) string {
	switch {
	case iati.IsSector(s):
		return ""
	case iati.IsWithdrawnSector(s):
		return fmt.Sprintf("%s is a withdrawn OECD DAC purpose code; use the code that replaced it (see the DAC 5-digit sector codelist)", s)
	}
	return fmt.Sprintf("must be an OECD DAC 5-digit purpose code of the DAC sector codelist, such as 15160; %q is none", s)
}

// longerThanAYear reports whether [start, end] spans more than a year: end
// falls after the day one year from start (IATI rule 7.5.3).
func longerThanAYear(start, end date.Date) bool { return end.After(start.AddYears(1)) }

// sameAs reports whether o names the same organisation as x in the same
// role: the same Spona organisation, the same IATI identifier, or, for
// organisations known by name only, the same names.
func (x ParticipatingOrg) sameAs(o ParticipatingOrg) bool {
	if x.Role != o.Role {
		return false
	}
	switch {
	case x.OrganisationID != "" && x.OrganisationID == o.OrganisationID:
		return true
	case x.Ref != "" && x.Ref == o.Ref:
		return true
	case x.Ref == "" && o.Ref == "" && x.OrganisationID == "" && o.OrganisationID == "":
		return slices.Equal(x.Names, o.Names)
	}
	return false
}

func orgRef(v *errs.Violations, field, s string) {
	if s != "" && (len(s) > maxRef || !iatiOrgRef.MatchString(s)) {
		v.Add(field, "must be an IATI organisation identifier such as HR-MIN-01")
	}
}

func orgType(v *errs.Violations, field, s string) {
	if s != "" && !iati.IsOrganisationType(s) {
		v.Add(field, "must be a code of the IATI OrganisationType codelist: one of %s", strings.Join(iati.OrganisationTypes, ", "))
	}
}

// period checks a date range whose ends are both required or both
// optional, and neither before date.MinYear.
func period(v *errs.Violations, field string, start, end date.Date, required bool) {
	date.CheckMinYear(v, field+".start_date", start)
	date.CheckMinYear(v, field+".end_date", end)
	if required && start.IsZero() {
		v.Add(field+".start_date", "is required")
	}
	if required && end.IsZero() {
		v.Add(field+".end_date", "is required")
	}
	if !start.IsZero() && !end.IsZero() && end.Before(start) {
		v.Add(field+".end_date", "must not be before start_date")
	}
}

func (m Money) validate(v *errs.Violations, prefix string) {
	if m.Amount == "" {
		v.Add(prefix+"amount", "is required")
	} else if msg := checkAmount(m.Amount); msg != "" {
		v.Add(prefix+"amount", "%s", msg)
	}
	switch {
	case m.Currency == "":
		v.Add(prefix+"currency_code", "is required")
	case !currencyCode.MatchString(m.Currency) || !slices.Contains(Currencies, m.Currency):
		v.Add(prefix+"currency_code", "unknown or unsupported ISO 4217 code %q; one of %s", m.Currency, strings.Join(Currencies, ", "))
	}
}

// checkAmount returns what is wrong with a decimal amount, "" when nothing.
func checkAmount(s string) string {
	body, negative := strings.CutPrefix(s, "-")
	whole, frac, dot := strings.Cut(body, ".")
	if !digits(whole) || (dot && !digits(frac)) {
		return "must be a decimal number such as 140000.00"
	}
	switch {
	case negative:
		return "must not be negative"
	case len(frac) > 2:
		return "must have at most 2 decimal places"
	case len(strings.TrimLeft(whole, "0")) > maxAmountDigits:
		return "must be less than 10^16"
	}
	return ""
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// ProjectPaths are the update_mask paths of a project.
var ProjectPaths = []string{
	"code", "titles", "descriptions", "general_objectives", "specific_objectives",
	"reporting_organisation_names", "reporting_organisation_type",
	"participating_organisations", "budgets", "planned_start_date", "planned_end_date",
	"actual_start_date", "actual_end_date", "activity_status", "recipient_countries",
	"municipalities", "sectors", "suppression_threshold",
}

// Apply copies the fields named by paths (pkg/fieldmask) from src into p
// and returns their paths.
func (p *Project) Apply(src *Project, paths []string) ([]string, error) {
	named, err := fieldmask.Resolve(paths, ProjectPaths)
	if err != nil {
		return nil, err
	}
	for _, path := range named {
		switch path {
		case "code":
			p.Code = src.Code
		case "titles":
			p.Titles = src.Titles
		case "descriptions":
			p.Descriptions = src.Descriptions
		case "general_objectives":
			p.GeneralObjectives = src.GeneralObjectives
		case "specific_objectives":
			p.SpecificObjectives = src.SpecificObjectives
		case "reporting_organisation_names":
			p.ReportingOrgNames = src.ReportingOrgNames
		case "reporting_organisation_type":
			p.ReportingOrgType = src.ReportingOrgType
		case "participating_organisations":
			p.Participants = src.Participants
		case "budgets":
			p.Budgets = src.Budgets
		case "planned_start_date":
			p.PlannedStart = src.PlannedStart
		case "planned_end_date":
			p.PlannedEnd = src.PlannedEnd
		case "actual_start_date":
			p.ActualStart = src.ActualStart
		case "actual_end_date":
			p.ActualEnd = src.ActualEnd
		case "activity_status":
			p.Status = src.Status
		case "recipient_countries":
			p.Countries = src.Countries
		case "municipalities":
			p.Municipalities = src.Municipalities
		case "sectors":
			p.Sectors = src.Sectors
		case "suppression_threshold":
			p.SuppressionThreshold = src.SuppressionThreshold
		}
	}
	return named, nil
}
