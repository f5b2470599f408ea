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
	"github.com/spona/spona/pkg/validate"
)

// Code sets, as lower-case codes.
var (
	Sexes           = []string{"female", "male", "other", "unknown"}
	LegalStatuses   = []string{"asylum_seeker", "international_protection", "refugee", "subsidiary_protection", "migrant", "returnee", "stateless", "idp", "host_community"}
	Accommodations  = []string{"reception_centre", "asylum_centre", "private", "other"}
	Vulnerabilities = []string{"unaccompanied_child", "separated_child", "child_street_situation", "disability", "serious_medical_condition", "survivor_of_violence", "gbv_survivor", "trafficking_survivor", "single_parent", "elderly", "pregnant"}
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
	CreateTime         time.Time
	UpdateTime         time.Time
	Version            int64
}

// Etag identifies the stored version, for optimistic concurrency.
func (b *Beneficiary) Etag() string { return fmt.Sprintf(`W/"%d"`, b.Version) }

const maxText = 200

// Normalize trims and canonicalises free input before validation.
func (b *Beneficiary) Normalize() {
	b.ExternalID = strings.TrimSpace(b.ExternalID)
	b.GivenName = strings.TrimSpace(b.GivenName)
	b.FamilyName = strings.TrimSpace(b.FamilyName)
	b.OriginalScriptName = strings.TrimSpace(b.OriginalScriptName)
	b.Nationality = strings.ToUpper(strings.TrimSpace(b.Nationality))
	b.Country = strings.ToUpper(strings.TrimSpace(b.Country))
	b.Municipality = strings.TrimSpace(b.Municipality)
	if b.Sex == "" {
		b.Sex = "unknown"
	}
	if !b.BirthDate.IsZero() && b.BirthYear == 0 {
		b.BirthYear = b.BirthDate.Year
	}
	slices.Sort(b.Vulnerabilities)
	b.Vulnerabilities = slices.Compact(b.Vulnerabilities)
}

// Validate checks b as a caller would submit it; field names are those of
// the API ("beneficiary.given_name").
func (b *Beneficiary) Validate(prefix string, today date.Date) error {
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
	validate.Country(&v, f("nationality"), b.Nationality)
	validate.Country(&v, f("country"), b.Country)
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
		if b.BirthDate.Year < 1900 {
			v.Add(f("birth_date"), "must be after 1900")
		}
		if b.BirthYear != b.BirthDate.Year {
			v.Add(f("birth_year"), "contradicts birth_date")
		}
	}
	if b.BirthYear != 0 && (b.BirthYear < 1900 || b.BirthYear > today.Year) {
		v.Add(f("birth_year"), "must be between 1900 and %d", today.Year)
	}
	return v.Err()
}

// ListFilter narrows a list of beneficiaries.
type ListFilter struct {
	LegalStatus  string
	Municipality string
}

// Validate checks the filter.
func (f ListFilter) Validate() error {
	var v errs.Violations
	validate.OneOf(&v, "legal_status", f.LegalStatus, LegalStatuses, false)
	return v.Err()
}
