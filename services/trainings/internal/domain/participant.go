package domain

import (
	"net/mail"
	"strings"
	"time"

	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/validate"
)

// Participant is a person registered at an event: either a professional or
// a beneficiary (a reference to the beneficiaries service, not checked here).
type Participant struct {
	ID            string
	EventID       string
	Professional  *Professional
	BeneficiaryID string
	// ProfessionalID is the deduplicated person a professional was matched
	// to, shared across the organiser's events.
	ProfessionalID string
	CreateTime     time.Time
}

// Professional is a professional attending an event (personal data).
type Professional struct {
	GivenName        string
	FamilyName       string
	Email            string
	OrganisationID   string
	OrganisationName string
	Sector           string
	Sex              string
}

const maxEmail = 254

// Normalize trims and canonicalises free input before validation.
func (p *Participant) Normalize() {
	p.BeneficiaryID = ids.Normalize(p.BeneficiaryID)
	if pr := p.Professional; pr != nil {
		pr.GivenName = strings.TrimSpace(pr.GivenName)
		pr.FamilyName = strings.TrimSpace(pr.FamilyName)
		pr.Email = strings.ToLower(strings.TrimSpace(pr.Email))
		pr.OrganisationID = ids.Normalize(pr.OrganisationID)
		pr.OrganisationName = strings.TrimSpace(pr.OrganisationName)
		if pr.Sex == "" {
			pr.Sex = "unknown"
		}
	}
}

// Validate checks p as a caller would submit it; field names are those of
// the API ("participant.professional.given_name").
func (p *Participant) Validate() error {
	var v errs.Violations
	switch {
	case p.Professional != nil && p.BeneficiaryID != "":
		v.Add("participant.beneficiary_id", "must not be given with professional")
	case p.Professional == nil && p.BeneficiaryID == "":
		v.Add("participant.professional", "professional or beneficiary_id is required")
	case p.BeneficiaryID != "" && !ids.Valid(p.BeneficiaryID):
		v.Add("participant.beneficiary_id", "must be a UUID")
	}
	if pr := p.Professional; pr != nil {
		const f = "participant.professional."
		validate.Text(&v, f+"given_name", pr.GivenName, maxText, true)
		validate.Text(&v, f+"family_name", pr.FamilyName, maxText, true)
		validate.Text(&v, f+"organisation_name", pr.OrganisationName, maxText, false)
		validate.OneOf(&v, f+"sector", pr.Sector, Sectors, true)
		validate.OneOf(&v, f+"sex", pr.Sex, Sexes, false)
		if pr.OrganisationID != "" && !ids.Valid(pr.OrganisationID) {
			v.Add(f+"organisation_id", "must be a UUID")
		}
		if pr.Email != "" {
			if a, err := mail.ParseAddress(pr.Email); err != nil || a.Address != pr.Email || len(pr.Email) > maxEmail {
				v.Add(f+"email", "must be an e-mail address such as name@example.org")
			}
		}
	}
	return v.Err()
}

// MatchKey is what identifies a professional among the earlier registrations
// of one organiser when no e-mail is given: the normalised given and family
// names and organisation.
type MatchKey struct {
	Given, Family, Organisation string
}

// MatchKey returns the key of pr: names lower-cased, trimmed and with runs of
// white space collapsed; the organisation is its directory id when given,
// otherwise its name normalised the same way. (With an e-mail, the
// lower-cased e-mail alone identifies the professional.)
func (pr *Professional) MatchKey() MatchKey {
	org := "name:" + fold(pr.OrganisationName)
	if pr.OrganisationID != "" {
		org = "id:" + pr.OrganisationID
	}
	return MatchKey{Given: fold(pr.GivenName), Family: fold(pr.FamilyName), Organisation: org}
}

func fold(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }
