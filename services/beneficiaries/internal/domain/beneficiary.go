// Package domain holds the beneficiary model and its rules. It knows nothing
// of gRPC or SQL.
package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/etag"
	"github.com/spona/spona/pkg/fieldmask"
	"github.com/spona/spona/pkg/translit"
	"github.com/spona/spona/pkg/validate"
)

// Code sets, as lower-case codes.
var (
	Sexes           = []string{"female", "male", "other", "unknown"}
	LegalStatuses   = []string{"asylum_seeker", "international_protection", "refugee", "subsidiary_protection", "migrant", "returnee", "stateless", "idp", "host_community", "citizen", "returnee_readmission"}
	Accommodations  = []string{"reception_centre", "asylum_centre", "private", "other"}
	Vulnerabilities = []string{"unaccompanied_child", "separated_child", "child_street_situation", "disability", "serious_medical_condition", "survivor_of_violence", "gbv_survivor", "trafficking_survivor", "single_parent", "elderly", "pregnant", "roma", "child_at_risk"}
	AssistanceTypes = []string{"psychosocial_counselling", "legal_counselling", "information", "social_work", "material_aid", "interpretation", "education_support", "health_support", "employment_support", "accommodation_support"}
)

// Beneficiary is a person an organisation assists.
type Beneficiary struct {
	ID                 string
	OrganisationID     string
	ExternalID         string
	GivenName          string
	FamilyName         string
	OriginalScriptName string
	Sex                string
	BirthDate          date.Date
	BirthYear          int
	BirthDateEstimated bool
	Nationality        string
	Languages          []string
	LegalStatus        string
	Municipality       string
	Country            string
	Accommodation      string
	Vulnerabilities    []string
	Phone              string
	Email              string
	Notes              string
	// LegalStatusSince is when the current legal status began (input); the
	// history lists every status with its start.
	LegalStatusSince   date.Date
	LegalStatusHistory []LegalStatusChange
	Documents          []*Document
	HouseholdID        string
	Relationship       string
	MergedInto         string
	MergeTime          time.Time
	EraseTime          time.Time
	CreateTime         time.Time
	UpdateTime         time.Time
	Version            int64
	// Access is how the viewing organisation sees the record: AccessOwner
	// or AccessGranted (reduced view).
	Access string
}

// Access levels of a viewing organisation.
const (
	AccessOwner   = "owner"
	AccessGranted = "granted"
)

// Reduce strips what an organisation holding only an access grant must not
// see: it keeps names, sex, birth year, languages, legal status,
// vulnerabilities, municipality and country.
func (b *Beneficiary) Reduce() {
	b.ExternalID = ""
	b.BirthDate = date.Date{}
	b.Nationality = ""
	b.Accommodation = ""
	b.Phone, b.Email, b.Notes = "", "", ""
	b.LegalStatusSince = date.Date{}
	b.LegalStatusHistory = nil
	b.Documents = nil
	b.HouseholdID, b.Relationship = "", ""
	b.Access = AccessGranted
}

// Etag identifies the stored version, for optimistic concurrency.
func (b *Beneficiary) Etag() string { return etag.Of(b.Version) }

const maxText = 200

// Normalize trims and canonicalises free input before validation.
func (b *Beneficiary) Normalize() {
	// Names, the case number and the municipality without the invisible
	// characters a copy brings along (validate.WithoutFormat), so that
	// they are stored, compared, searched and matched as they look.
	b.ExternalID = strings.TrimSpace(validate.WithoutFormat(b.ExternalID))
	b.GivenName = strings.TrimSpace(validate.WithoutFormat(b.GivenName))
	b.FamilyName = strings.TrimSpace(validate.WithoutFormat(b.FamilyName))
	b.OriginalScriptName = strings.TrimSpace(validate.WithoutFormat(b.OriginalScriptName))
	b.Nationality = strings.ToUpper(strings.TrimSpace(b.Nationality))
	b.Country = strings.ToUpper(strings.TrimSpace(b.Country))
	b.Municipality = strings.TrimSpace(validate.WithoutFormat(b.Municipality))
	b.Phone = strings.TrimSpace(b.Phone)
	b.Email = validate.NormalEmail(b.Email)
	b.Notes = strings.TrimSpace(b.Notes)
	// Tags in any case, stored in their canonical one, each once, as the
	// directory stores a service's languages.
	b.Languages = validate.LanguageTags(b.Languages)
	for _, d := range b.Documents {
		d.Normalize()
	}
	if b.Sex == "" {
		b.Sex = "unknown"
	}
	if !b.BirthDate.IsZero() && b.BirthYear == 0 {
		b.BirthYear = b.BirthDate.Year
	}
	slices.Sort(b.Vulnerabilities)
	b.Vulnerabilities = slices.Compact(b.Vulnerabilities)
}

// SameRequest reports whether b, the record (with its documents) a
// request id registered, is what the create n (normalized) asks for
// again: the same person with the same data, each of n's documents among
// b's. A field n leaves empty counts as the same (the create asked
// nothing of it; an update may have filled it in since), as does a field
// an erasure blanked (the retry of a create whose record was erased since
// answers the erased record); a field n gives and an update changed since
// does not (a merge, which moves the documents to the survivor, is no
// such change): the record is then no longer what the create asks for,
// and the caller is told which record its request id made.
func (b *Beneficiary) SameRequest(n *Beneficiary) bool {
	erased := !b.EraseTime.IsZero()
	same := func(kept, asked string) bool { return kept == asked || asked == "" || erased && kept == "" }
	sameDate := func(kept, asked date.Date) bool { return kept == asked || asked.IsZero() || erased && kept.IsZero() }
	sameList := func(kept, asked []string) bool {
		return slices.Equal(kept, asked) || len(asked) == 0 || erased && len(kept) == 0
	}
	// Languages stored before they were kept in their canonical case
	// compare in it.
	if !same(b.ExternalID, n.ExternalID) || !same(b.GivenName, n.GivenName) || !same(b.FamilyName, n.FamilyName) ||
		!same(b.OriginalScriptName, n.OriginalScriptName) || b.Sex != n.Sex || b.BirthYear != n.BirthYear && n.BirthYear != 0 ||
		!sameDate(b.BirthDate, n.BirthDate) || b.BirthDateEstimated != n.BirthDateEstimated && !erased && n.BirthYear != 0 ||
		!same(b.Nationality, n.Nationality) || !sameList(validate.LanguageTags(slices.Clone(b.Languages)), n.Languages) || !same(b.LegalStatus, n.LegalStatus) ||
		!sameDate(b.LegalStatusSince, n.LegalStatusSince) || !same(b.Municipality, n.Municipality) || !same(b.Country, n.Country) ||
		!same(b.Accommodation, n.Accommodation) || !sameList(b.Vulnerabilities, n.Vulnerabilities) ||
		!same(b.Phone, n.Phone) || !same(b.Email, n.Email) || !same(b.Notes, n.Notes) {
		return false
	}
	if erased || b.MergedInto != "" {
		return true // the documents were deleted with the rest, or moved to the survivor
	}
	for _, d := range n.Documents {
		if !slices.ContainsFunc(b.Documents, func(k *Document) bool {
			return k.Type == d.Type && k.Number == d.Number && k.IssuingCountry == d.IssuingCountry && k.ExpiryDate == d.ExpiryDate
		}) {
			return false
		}
	}
	return true
}

// Validate checks b as a caller would submit it; field names are those of
// the API ("beneficiary.given_name").
func (b *Beneficiary) Validate(prefix string, today date.Date) error {
	return b.ValidateChange(nil, nil, prefix, today)
}

// ValidateChange checks b, the stored record before (nil for a new one)
// with a caller's changes to the fields named (Apply's answer), as
// Validate does, but for the rules made stricter since records were
// stored, so that a record stored before can still be changed in its
// other fields. A nationality or country of residence that is no country
// (validate.Country) is refused when the change names the field, whatever
// the value: the stored one resent too (YU resent as YU is refused, as a
// training event's country is: a client sending every field learns that
// its copy needs a code). So are a phone number that lost its leading 0
// (validate.Phone) when the change names phone, and a legal status
// beginning before the person's birth when it names legal_status_since or
// a field of the birth (birth_date, birth_year, birth_date_estimated). A
// field not named keeps its stored value unchecked.
func (b *Beneficiary) ValidateChange(before *Beneficiary, named []string, prefix string, today date.Date) error {
	var v errs.Violations
	f := func(name string) string { return prefix + name }
	validate.Text(&v, f("external_id"), b.ExternalID, maxText, false)
	validate.Text(&v, f("given_name"), b.GivenName, maxText, true)
	validate.Text(&v, f("family_name"), b.FamilyName, maxText, false)
	validate.Text(&v, f("original_script_name"), b.OriginalScriptName, maxText, false)
	validate.Text(&v, f("municipality"), b.Municipality, maxText, false)
	validate.OneOf(&v, f("sex"), b.Sex, Sexes, false)
	validate.OneOf(&v, f("legal_status"), b.LegalStatus, LegalStatuses, false)
	validate.OneOf(&v, f("accommodation"), b.Accommodation, Accommodations, false)
	for i, x := range b.Vulnerabilities {
		validate.OneOf(&v, fmt.Sprintf("%svulnerabilities[%d]", prefix, i), x, Vulnerabilities, true)
	}
	if before == nil || slices.Contains(named, "nationality") {
		validate.Country(&v, f("nationality"), b.Nationality)
	}
	if before == nil || slices.Contains(named, "country") {
		validate.Country(&v, f("country"), b.Country)
	}
	for i, l := range b.Languages {
		validate.Language(&v, fmt.Sprintf("%slanguages[%d]", prefix, i), l)
	}
	if len(b.Languages) > 20 {
		v.Add(f("languages"), "at most 20")
	}
	if !b.BirthDate.IsZero() {
		if b.BirthDate.After(today) {
			v.Add(f("birth_date"), "must not be in the future")
		}
		date.CheckMinYear(&v, f("birth_date"), b.BirthDate)
		if b.BirthYear != b.BirthDate.Year {
			v.Add(f("birth_year"), "contradicts birth_date")
		}
	}
	if b.BirthYear != 0 && (b.BirthYear < date.MinYear || b.BirthYear > today.Year) {
		v.Add(f("birth_year"), "must be between %d and %d", date.MinYear, today.Year)
	}
	validate.Text(&v, f("phone"), b.Phone, 40, false)
	if before == nil || slices.Contains(named, "phone") {
		validate.Phone(&v, f("phone"), b.Phone)
	}
	validate.Email(&v, f("email"), b.Email)
	validate.Text(&v, f("notes"), b.Notes, 4000, false)
	if !b.LegalStatusSince.IsZero() {
		switch {
		case b.LegalStatus == "":
			v.Add(f("legal_status_since"), "needs legal_status")
		case b.LegalStatusSince.After(today):
			v.Add(f("legal_status_since"), "must not be in the future")
		default:
			date.CheckMinYear(&v, f("legal_status_since"), b.LegalStatusSince)
			if before == nil || slices.ContainsFunc(named, func(n string) bool {
				return n == "legal_status_since" || n == "birth_date" || n == "birth_year" || n == "birth_date_estimated"
			}) {
				// A status held before the person lived: counts by the
				// status of a day would give it to days they did not
				// live on.
				b.checkBorn(&v, f("legal_status_since"), b.LegalStatusSince, true)
			}
		}
	}
	ValidateDocuments(&v, prefix, b.Documents, b.BirthDate, b.BirthYear)
	return v.Err()
}

// NameKey is the folded search key of the beneficiary's names, without
// their invisible characters (validate.WithoutFormat: a name stored with
// them before they were taken out is keyed as it looks).
func (b *Beneficiary) NameKey() string {
	return translit.Fold(validate.WithoutFormat(b.GivenName + " " + b.FamilyName + " " + b.OriginalScriptName))
}

// MunicipalityKey is the beneficiary's municipality as the list's
// municipality filter matches it (MunicipalityKey).
func (b *Beneficiary) MunicipalityKey() string { return MunicipalityKey(b.Municipality) }

// MunicipalityKey is a municipality folded as names are searched
// (translit.Fold: case, diacritics, Cyrillic or Latin script, punctuation
// and spacing), so that a filter of Sid, Шид or ŠID finds persons living
// in Šid.
func MunicipalityKey(m string) string { return translit.Fold(validate.WithoutFormat(m)) }

// ExternalIDTaken is the refusal of the external_id given as field (a
// case number, unique in the organisation) that the organisation's record
// holder has already: 409 naming the field and that record.
func ExternalIDTaken(field, holder string) error {
	msg := fmt.Sprintf("is the external_id of beneficiary %s already: each record's is its own", holder)
	return &errs.Error{Kind: errs.KindAlreadyExists, Message: field + " " + msg,
		Violations: []errs.FieldViolation{{Field: field, Description: msg}}}
}

// LegalStatusChange is one entry of the legal status history. An entry
// without LegalStatus records that the status was cleared on Since: the
// person has none from that day.
type LegalStatusChange struct {
	ID             string
	LegalStatus    string
	Since          date.Date
	OrganisationID string
	RecordTime     time.Time
	// Set when the entry's start or status was corrected after it was
	// recorded (CorrectLegalStatusChange, a corrected legal_status_since):
	// the organisation that made the latest correction and when.
	// OrganisationID and RecordTime stay those of the first recording.
	CorrectedByOrganisationID string
	CorrectTime               time.Time
}

// Updatable lists the fields UpdateBeneficiary may change (update_mask paths).
var Updatable = []string{"external_id", "given_name", "family_name", "original_script_name", "sex", "birth_date",
	"birth_year", "birth_date_estimated", "nationality", "languages", "legal_status", "legal_status_since",
	"municipality", "country", "accommodation", "vulnerabilities", "phone", "email", "notes"}

// Apply copies the fields named by paths from patch into b and returns
// them (for ValidateChange). An unknown or read-only path is a violation
// of update_mask.paths[i]; "*" means every updatable field.
func (b *Beneficiary) Apply(patch *Beneficiary, paths []string) ([]string, error) {
	named, err := fieldmask.Resolve(paths, Updatable)
	if err != nil {
		return nil, err
	}
	for _, p := range named {
		switch p {
		case "external_id":
			b.ExternalID = patch.ExternalID
		case "given_name":
			b.GivenName = patch.GivenName
		case "family_name":
			b.FamilyName = patch.FamilyName
		case "original_script_name":
			b.OriginalScriptName = patch.OriginalScriptName
		case "sex":
			b.Sex = patch.Sex
		case "birth_date":
			b.BirthDate = patch.BirthDate
			if !slices.Contains(named, "birth_year") && !patch.BirthDate.IsZero() {
				b.BirthYear = 0 // derived again from the new date
			}
		case "birth_year":
			b.BirthYear = patch.BirthYear
		case "birth_date_estimated":
			b.BirthDateEstimated = patch.BirthDateEstimated
		case "nationality":
			b.Nationality = patch.Nationality
		case "languages":
			b.Languages = patch.Languages
		case "legal_status":
			if patch.LegalStatus != b.LegalStatus && !slices.Contains(named, "legal_status_since") {
				// A new status without its start begins on the day it is
				// recorded, not on the previous status's start (it would
				// be a correction of that entry, rewriting the past).
				b.LegalStatusSince = date.Date{}
			}
			b.LegalStatus = patch.LegalStatus
		case "legal_status_since":
			b.LegalStatusSince = patch.LegalStatusSince
		case "municipality":
			b.Municipality = patch.Municipality
		case "country":
			b.Country = patch.Country
		case "accommodation":
			b.Accommodation = patch.Accommodation
		case "vulnerabilities":
			b.Vulnerabilities = patch.Vulnerabilities
		case "phone":
			b.Phone = patch.Phone
		case "email":
			b.Email = patch.Email
		case "notes":
			b.Notes = patch.Notes
		}
	}
	return named, nil
}

// Erase anonymises b irreversibly. It keeps only what aggregate reports
// need: sex, birth year, legal status, municipality and country.
func (b *Beneficiary) Erase(now time.Time) {
	keep := Beneficiary{
		ID: b.ID, OrganisationID: b.OrganisationID, Sex: b.Sex, BirthYear: b.BirthYear,
		LegalStatus: b.LegalStatus, Municipality: b.Municipality, Country: b.Country,
		CreateTime: b.CreateTime, UpdateTime: now, Version: b.Version, Access: b.Access, EraseTime: now,
	}
	*b = keep
}

// CheckHistory checks b, the stored record before with a caller's
// changes, against the person's legal status history (history, in its
// order: since, then recorded) as the change would leave it:
//
//   - a new birth (date, year or whether the date is estimated) must not
//     come after the start of any status the history holds (as
//     legal_status_since, and a merge, are refused before the birth):
//     counts by the status of a day would give a status to days the
//     person did not live on. The current status's entries are checked
//     as legal_status_since already (when it is set); each other entry
//     starting before the new birth is named (its id), so the caller can
//     correct or delete the wrong ones (CheckHistoryFix);
//   - a corrected start of the current status (legal_status_since of the
//     unchanged status, see UpdateBeneficiary) must not move it past
//     another entry of the history: the status the history gives a day
//     after it would no longer be the record's, and the order in which
//     the person's statuses followed each other would be rewritten. The
//     day the entry next to it begins is named, so the caller sees the
//     bound.
//
// The dates are quoted: only the registering organisation may change
// its record.
func (b *Beneficiary) CheckHistory(before *Beneficiary, history []LegalStatusChange, prefix string) error {
	var v errs.Violations
	f := func(name string) string { return prefix + name }
	// The current period: the entries of the current status with its
	// latest start (and the corrections recorded for that day), which a
	// correction moves (Repository.CorrectLegalStatusSince).
	var period date.Date
	for _, e := range history {
		if e.LegalStatus == before.LegalStatus && before.LegalStatus != "" && e.Since.After(period) {
			period = e.Since
		}
	}
	held := b.LegalStatus != "" && b.LegalStatus == before.LegalStatus && !b.LegalStatusSince.IsZero() && !period.IsZero()
	if held && b.LegalStatusSince != before.LegalStatusSince {
		b.checkOrder(&v, f("legal_status_since"), history, period)
	}
	if !b.BirthChanged(before) {
		return v.Err()
	}
	field := f("birth_date_estimated") // the date held to exactly
	switch {
	case b.BirthDate != before.BirthDate && !b.BirthDate.IsZero():
		field = f("birth_date")
	case b.BirthYear != before.BirthYear:
		field = f("birth_year")
	}
	for _, e := range history {
		if e.LegalStatus == "" || held && e.Since == period {
			continue
		}
		switch b.unbornOn(e.Since, true) {
		case "date", "year":
			v.Add(field, "must not be after the start (%s) of the legal status %s in the person's history (entry %s): "+
				"a status held before the birth would be counted on days the person did not live on; "+
				"if that entry is the wrong one, correct it (POST .../legalStatusHistory/%s:correct) or delete it first",
				e.Since, e.LegalStatus, e.ID, e.ID)
		}
	}
	return v.Err()
}

// BirthChanged reports whether b's birth (date, year or whether the date
// is estimated) differs from before's.
func (b *Beneficiary) BirthChanged(before *Beneficiary) bool {
	return b.BirthDate != before.BirthDate || b.BirthYear != before.BirthYear || b.BirthDateEstimated != before.BirthDateEstimated
}

// checkOrder adds a violation of field when moving the entries of the
// history starting on period to b.LegalStatusSince would change their
// place among the other entries (ordered by since, then record time).
func (b *Beneficiary) checkOrder(v *errs.Violations, field string, history []LegalStatusChange, period date.Date) {
	to := b.LegalStatusSince
	precedes := func(e, m LegalStatusChange, since date.Date) bool {
		return e.Since.Before(since) || e.Since == since && e.RecordTime.Before(m.RecordTime)
	}
	status := func(s string) string {
		if s == "" {
			return "none (the status cleared)"
		}
		return s
	}
	var bound *LegalStatusChange // the nearest entry the move would pass
	for _, m := range history {
		if m.Since != period {
			continue
		}
		for i, e := range history {
			if e.Since == period || precedes(e, m, period) == precedes(e, m, to) {
				continue
			}
			if bound == nil || to.Before(period) == e.Since.After(bound.Since) {
				bound = &history[i]
			}
		}
	}
	switch {
	case bound == nil:
	case to.Before(period):
		v.Add(field, "must not be before %s, when the status before it in the person's history (%s) began: "+
			"a corrected start cannot move the status before the one it followed", bound.Since, status(bound.LegalStatus))
	default:
		v.Add(field, "must be before %s, when the status after it in the person's history (%s) began: "+
			"a corrected start cannot move the status after the one that followed it", bound.Since, status(bound.LegalStatus))
	}
}

// CheckHistoryFix checks a correction (fix, the entry as it should have
// been recorded) or, with fix nil, the removal of the entry id of b's
// legal status history (history, in its order: since, then recorded),
// one recorded with a wrong day or status, or for a status the person
// never had:
//
//   - the latest entry, the current status's (or its clearing's), is
//     not corrected here: b's legal_status and legal_status_since say it,
//     and UpdateBeneficiary changes them (and checks the order of a
//     corrected start, CheckHistory);
//   - a corrected entry starts before the latest does (an earlier entry
//     stays earlier than the current status; it may pass other earlier
//     entries, as a wrong day may have put it out of their order), on
//     or after the birth when it has a status (as legal_status_since),
//     and not after today.
//
// An id of no entry of the history is not found.
func (b *Beneficiary) CheckHistoryFix(history []LegalStatusChange, id string, fix *LegalStatusChange, today date.Date) error {
	i := slices.IndexFunc(history, func(e LegalStatusChange) bool { return e.ID == id })
	if i < 0 {
		return errs.NotFound("legal status history entry", id)
	}
	last := history[len(history)-1]
	status := func(s string) string {
		if s == "" {
			return "none (the status cleared)"
		}
		return s
	}
	if i == len(history)-1 {
		msg := fmt.Sprintf("is the entry of the person's current legal status (%s since %s): correct it with "+
			"PATCH /v1/beneficiaries/%s (legal_status, legal_status_since)", status(last.LegalStatus), last.Since, b.ID)
		return &errs.Error{Kind: errs.KindFailedPrecondition, Message: "id " + msg,
			Violations: []errs.FieldViolation{{Field: "id", Description: msg}}}
	}
	if fix == nil {
		return nil
	}
	var v errs.Violations
	validate.OneOf(&v, "legal_status", fix.LegalStatus, LegalStatuses, false)
	switch {
	case fix.Since.IsZero():
		v.Add("since", "is required (YYYY-MM-DD)")
	case fix.Since.After(today):
		v.Add("since", "must not be in the future")
	case !fix.Since.Before(last.Since):
		v.Add("since", "must be before %s, when the person's current legal status (%s) began: "+
			"an earlier entry stays before the current status", last.Since, status(last.LegalStatus))
	default:
		date.CheckMinYear(&v, "since", fix.Since)
		if fix.LegalStatus != "" {
			b.checkBorn(&v, "since", fix.Since, true)
		}
	}
	return v.Err()
}
