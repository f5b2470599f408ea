package domain

import (
	"slices"
	"strings"
	"time"

	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/translit"
	"github.com/spona/spona/pkg/validate"
)

// Participant is a person registered at an event: either a professional or
// a beneficiary (a reference to the beneficiaries service, not checked here).
type Participant struct {
	ID            string
	EventID       string
	Professional  *Professional
	BeneficiaryID string
	// BeneficiaryErased tells that the beneficiary was erased (the
	// participation is anonymous).
	BeneficiaryErased bool
	// ProfessionalID is the deduplicated person a professional was matched
	// to, shared across the organiser's events.
	ProfessionalID string
	// OrganisationKind is the directory kind of the professional's
	// organisation at registration ("" when it gave none).
	OrganisationKind string
	// Test scores, 0–100; nil until recorded.
	PreTestScore, PostTestScore *int
	// Attendance is computed from the marks of the event's sessions.
	Attendance Attendance
	// CompletionThreshold is the event's (percent of sessions).
	CompletionThreshold int
	// Certificate, once issued.
	CertificateNumber    string
	CertificateIssueTime *time.Time
	CreateTime           time.Time
}

// Completed reports whether the participant's attendance reaches the
// event's completion threshold.
func (p *Participant) Completed() bool { return p.Attendance.Completes(p.CompletionThreshold) }

// Attendance is a participant's presence at an event's sessions.
type Attendance struct {
	Attended, Sessions int
}

// Percent is the share of sessions attended, rounded down; 0 without sessions.
func (a Attendance) Percent() int {
	if a.Sessions == 0 {
		return 0
	}
	return a.Attended * 100 / a.Sessions
}

// Completes reports whether the attendance reaches threshold percent. An
// event without sessions is completed by nobody: there is nothing to attend.
func (a Attendance) Completes(threshold int) bool {
	return a.Sessions > 0 && a.Attended*100 >= threshold*a.Sessions
}

// ValidateScores checks test scores as given in a request.
func ValidateScores(pre, post *int) error {
	var v errs.Violations
	if pre == nil && post == nil {
		v.Add("pre_test_score", "pre_test_score or post_test_score is required")
	}
	score := func(field string, s *int) {
		if s != nil && (*s < 0 || *s > 100) {
			v.Add(field, "must be between 0 and 100")
		}
	}
	score("pre_test_score", pre)
	score("post_test_score", post)
	return v.Err()
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
	Position         string
}

// SameRequest reports whether p, the registration a request id made, is
// what the create n (normalized, its organisation resolved) asks for
// again: the same beneficiary, or the same professional (Identity.Same:
// the record shared across the organiser's events may have been updated
// by a later registration since; its names and organisation, or its
// e-mail) registered in the same sector.
func (p *Participant) SameRequest(n *Participant) bool {
	if p.BeneficiaryID != n.BeneficiaryID || (p.Professional == nil) != (n.Professional == nil) {
		return false
	}
	if p.Professional == nil {
		return true
	}
	a, b := p.Professional, n.Professional
	return a.Identity().Same(b.Identity()) && a.Sector == b.Sector
}

// Normalize trims and canonicalises free input before validation.
func (p *Participant) Normalize() {
	p.BeneficiaryID = ids.Normalize(p.BeneficiaryID)
	if pr := p.Professional; pr != nil {
		pr.GivenName = strings.TrimSpace(pr.GivenName)
		pr.FamilyName = strings.TrimSpace(pr.FamilyName)
		pr.Email = validate.NormalEmail(pr.Email)
		pr.OrganisationID = ids.Normalize(pr.OrganisationID)
		pr.OrganisationName = strings.TrimSpace(pr.OrganisationName)
		pr.Position = strings.TrimSpace(pr.Position)
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
		validate.Text(&v, f+"position", pr.Position, maxText, false)
		validate.OneOf(&v, f+"sector", pr.Sector, Sectors, true)
		validate.OneOf(&v, f+"sex", pr.Sex, Sexes, false)
		if pr.OrganisationID != "" && !ids.Valid(pr.OrganisationID) {
			v.Add(f+"organisation_id", "must be a UUID")
		}
		if ids.Valid(ids.Normalize(pr.OrganisationName)) {
			// A directory id is no name: kept as one, the registration
			// would be a professional of another organisation (MatchKey)
			// without a kind, counted apart from those registered with
			// the id. A sign-in sheet's organisation column takes either.
			v.Add(f+"organisation_name", "is a directory id, not a name: give it as organisation_id")
		}
		validate.Email(&v, f+"email", pr.Email)
	}
	return v.Err()
}

// MatchKey is the normalised given and family names and organisation of a
// professional: with the e-mail, what tells professionals apart (Identity).
type MatchKey struct {
	Given, Family, Organisation string
}

// MatchKey returns the key of pr: names folded as the beneficiaries' name
// search and the directory fold them (translit.Fold: case, spacing and
// punctuation, diacritics, Cyrillic or Latin script), so Марко Марковић,
// Marko Marković and MARKO MARKOVIC are one name; the organisation is its
// directory id when given, otherwise its name folded the same way.
func (pr *Professional) MatchKey() MatchKey {
	org := "name:" + pr.OrganisationKey()
	if pr.OrganisationID != "" {
		org = "id:" + pr.OrganisationID
	}
	return MatchKey{Given: translit.Fold(pr.GivenName), Family: translit.Fold(pr.FamilyName), Organisation: org}
}

// OrganisationKey is the organisation name of pr folded as names are
// (translit.Fold): the cell a registration by the name of an organisation
// the directory does not have is counted in, whatever its case, script or
// diacritics. "" when pr gives a directory id (counted by it) or no name.
func (pr *Professional) OrganisationKey() string {
	if pr.OrganisationID != "" {
		return ""
	}
	return translit.Fold(pr.OrganisationName)
}

// OrganisationNames finds directory organisations by a name written by hand
// (a sign-in sheet's organisation column): names are compared folded
// (case, diacritics, Cyrillic or Latin script: translit.Fold), and a name
// counts for an organisation when it is its name or one of its localized
// names.
type OrganisationNames map[string][]string

// Add records the names of the directory organisation id.
func (n OrganisationNames) Add(id string, names ...string) {
	for _, name := range names {
		k := strings.TrimSpace(translit.Fold(name))
		if k != "" && !slices.Contains(n[k], id) {
			n[k] = append(n[k], id)
		}
	}
}

// Lookup returns the id of the one organisation named name; false when no
// organisation or several have that name.
func (n OrganisationNames) Lookup(name string) (string, bool) {
	found := n[strings.TrimSpace(translit.Fold(name))]
	if len(found) != 1 {
		return "", false
	}
	return found[0], true
}

// NamedInDirectory gives pr the directory id of the organisation it names
// when exactly one directory organisation has that name, so that it is the
// professional registered with the id (MatchKey); an unknown or ambiguous
// name stays free text. It reports whether it did.
func (pr *Professional) NamedInDirectory(names OrganisationNames) bool {
	if pr.OrganisationID != "" || pr.OrganisationName == "" {
		return false
	}
	id, ok := names.Lookup(pr.OrganisationName)
	if ok {
		pr.OrganisationID, pr.OrganisationName = id, ""
	}
	return ok
}

// Combined is a participation a merge of two records of one person
// combined into the survivor's at an event where both took part: the
// participation (ParticipantID) went, the survivor's (SurvivorID) took its
// marks, scores and, where it held none, its certificate
// (CertificateMoved).
type Combined struct {
	EventID, ParticipantID, SurvivorID string
	CertificateMoved                   bool
}
