package domain

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/translit"
	"github.com/spona/spona/pkg/validate"
)

// Scored is a search result.
type Scored struct {
	Beneficiary *Beneficiary
	Score       float64
}

// Candidate is a possible duplicate with the parts of its score.
type Candidate struct {
	Beneficiary      *Beneficiary
	Score            float64
	NameScore        float64
	BirthScore       float64
	NationalityScore float64
	DocumentScore    float64
	// BirthConflict: the candidate's known birth contradicts the person's
	// (BirthConflicts). Still listed for a person to review; an import's
	// on_duplicate never acts on it.
	BirthConflict bool
	// OtherNumber: the candidate and the person hold personal numbers
	// (JMBG, OIB) of one register that differ (Document.OtherNumber): a
	// register gives a person one, so they are two persons (twins share a
	// name, a birth date and often a nationality, not a JMBG), and a
	// merge is refused. Such a candidate scores by a shared document
	// only.
	OtherNumber bool
}

// BirthConflicts reports whether two persons' known births contradict each
// other, which makes them two persons whatever their names: both have a
// full birth date and the dates differ, or both have a birth year (a
// date's year when only the date is known) and the years are more than one
// apart. Years one apart do not conflict (a year worked out from an age),
// nor does anything unknown on either side.
func BirthConflicts(aDate date.Date, aYear int, bDate date.Date, bYear int) bool {
	if !aDate.IsZero() && !bDate.IsZero() {
		return aDate != bDate
	}
	if aYear == 0 && !aDate.IsZero() {
		aYear = aDate.Year
	}
	if bYear == 0 && !bDate.IsZero() {
		bYear = bDate.Year
	}
	return aYear != 0 && bYear != 0 && (aYear-bYear > 1 || bYear-aYear > 1)
}

// Duplicate score weights; a shared identity document alone makes a
// candidate certain.
const (
	WeightName        = 0.6
	WeightBirth       = 0.3
	WeightNationality = 0.1
	// MinDuplicateScore is the lowest score FindDuplicates reports.
	MinDuplicateScore = 0.5
)

// Combine computes Score from the parts of a candidate's score.
func (c *Candidate) Combine() {
	s := WeightName*c.NameScore + WeightBirth*c.BirthScore + WeightNationality*c.NationalityScore
	if c.OtherNumber {
		s = 0
	}
	if c.DocumentScore > 0 {
		s = max(s, c.DocumentScore)
	}
	c.Score = min(s, 1)
}

// SearchQuery validates a name query and returns its folded key and the
// result limit.
func SearchQuery(query string, size int32) (string, int, error) {
	var v errs.Violations
	validate.Text(&v, "query", query, maxText, true)
	key := ""
	if len(v) == 0 {
		key = translit.Fold(validate.WithoutFormat(query))
		if utf8.RuneCountInString(strings.ReplaceAll(key, " ", "")) < 2 {
			v.Add("query", "must contain at least 2 letters or digits")
		}
	}
	limit := int(size)
	switch {
	case size < 0:
		v.Add("page_size", "must not be negative")
	case size == 0:
		limit = 20
	case size > 100:
		limit = 100
	}
	return key, limit, v.Err()
}

// ListFilter narrows a list of beneficiaries.
type ListFilter struct {
	LegalStatus   string
	Municipality  string
	Sex           string
	Nationality   string
	Vulnerability string
	Country       string
}

// Normalize canonicalises the filter.
func (f *ListFilter) Normalize() {
	f.Municipality = strings.TrimSpace(f.Municipality)
	f.Nationality = strings.ToUpper(strings.TrimSpace(f.Nationality))
	f.Country = strings.ToUpper(strings.TrimSpace(f.Country))
}

// Validate checks the filter.
func (f ListFilter) Validate() error {
	var v errs.Violations
	validate.OneOf(&v, "legal_status", f.LegalStatus, LegalStatuses, false)
	validate.OneOf(&v, "sex", f.Sex, Sexes, false)
	validate.OneOf(&v, "vulnerability", f.Vulnerability, Vulnerabilities, false)
	validate.Country(&v, "nationality", f.Nationality)
	validate.Country(&v, "country", f.Country)
	validate.Text(&v, "municipality", f.Municipality, maxText, false)
	if f.Municipality != "" && MunicipalityKey(f.Municipality) == "" {
		v.Add("municipality", "must contain a letter or digit: a municipality is matched by its letters, in either script")
	}
	return v.Err()
}

// Changed lists the fields that differ between two versions of a record.
func Changed(before, after *Beneficiary) []string {
	var out []string
	add := func(name string, differ bool) {
		if differ {
			out = append(out, name)
		}
	}
	add("external_id", before.ExternalID != after.ExternalID)
	add("given_name", before.GivenName != after.GivenName)
	add("family_name", before.FamilyName != after.FamilyName)
	add("original_script_name", before.OriginalScriptName != after.OriginalScriptName)
	add("sex", before.Sex != after.Sex)
	add("birth_date", before.BirthDate != after.BirthDate)
	add("birth_year", before.BirthYear != after.BirthYear)
	add("birth_date_estimated", before.BirthDateEstimated != after.BirthDateEstimated)
	add("nationality", before.Nationality != after.Nationality)
	add("languages", !slices.Equal(before.Languages, after.Languages))
	add("legal_status", before.LegalStatus != after.LegalStatus)
	add("legal_status_since", before.LegalStatusSince != after.LegalStatusSince)
	add("municipality", before.Municipality != after.Municipality)
	add("country", before.Country != after.Country)
	add("accommodation", before.Accommodation != after.Accommodation)
	add("vulnerabilities", !slices.Equal(before.Vulnerabilities, after.Vulnerabilities))
	add("phone", before.Phone != after.Phone)
	add("email", before.Email != after.Email)
	add("notes", before.Notes != after.Notes)
	return out
}

// Relationships are the relationships of household members.
var Relationships = []string{"head", "spouse", "child", "parent", "sibling", "grandparent", "grandchild",
	"other_relative", "guardian", "non_relative"}

// Household is people of one organisation living together.
type Household struct {
	ID             string
	OrganisationID string
	Reference      string
	Members        []HouseholdMember
	CreateTime     time.Time
}

// HouseholdMember is a beneficiary in a household.
type HouseholdMember struct {
	BeneficiaryID string
	Relationship  string
}

// Validate checks a new household.
func (h *Household) Validate() error {
	var v errs.Violations
	h.Reference = strings.TrimSpace(h.Reference)
	validate.Text(&v, "household.reference", h.Reference, maxText, false)
	if len(h.Members) > 50 {
		v.Add("household.members", "at most 50")
	}
	seen := map[string]bool{}
	head := -1
	for i, m := range h.Members {
		m.Validate(&v, fmt.Sprintf("household.members[%d]", i))
		if seen[m.BeneficiaryID] {
			v.Add(fmt.Sprintf("household.members[%d].beneficiary_id", i), "given twice")
		}
		seen[m.BeneficiaryID] = true
		if m.Relationship == RelationshipHead {
			if head >= 0 {
				v.Add(fmt.Sprintf("household.members[%d].relationship", i), "%s (household.members[%d] is)", secondHead, head)
			} else {
				head = i
			}
		}
	}
	return v.Err()
}

// RelationshipHead is the relationship of the one member who heads a
// household; the others' relationships are to them.
const RelationshipHead = "head"

// secondHead begins the refusal of a second head (pkg/i18n localizes it).
const secondHead = "is a second head: a household has one"

// ErrHeadTaken is the store's refusal of a head for a household that has
// one (a unique index: two members added as heads at once cannot both be).
var ErrHeadTaken = errors.New("beneficiaries: the household has a head")

// HeadTaken is the refusal of a member (field: the path of its
// relationship in the request) added as the head of a household that has
// one already.
func HeadTaken(field string) error {
	msg := secondHead + ", and this one has its head already: to make this member the head, remove the head from the household first"
	return &errs.Error{Kind: errs.KindAlreadyExists, Message: field + " " + msg,
		Violations: []errs.FieldViolation{{Field: field, Description: msg}}}
}

// InHousehold is the refusal of a member (field: the path of its
// beneficiary_id in the request) who is in a household already: a person
// is in at most one.
func InHousehold(field string) error {
	const msg = "is in a household already (a person is in at most one): remove them from it first"
	return &errs.Error{Kind: errs.KindAlreadyExists, Message: field + " " + msg,
		Violations: []errs.FieldViolation{{Field: field, Description: msg}}}
}

// Validate checks a member; field is its path in the request.
func (m *HouseholdMember) Validate(v *errs.Violations, field string) {
	m.BeneficiaryID = strings.ToLower(strings.TrimSpace(m.BeneficiaryID))
	if m.BeneficiaryID == "" {
		v.Add(field+".beneficiary_id", "is required")
	} else if !ids.Valid(m.BeneficiaryID) {
		v.Add(field+".beneficiary_id", "must be a UUID")
	}
	validate.OneOf(v, field+".relationship", m.Relationship, Relationships, true)
}

// RankCandidates keeps candidates scoring at least MinDuplicateScore, best
// first, at most limit.
func RankCandidates(all []Candidate, limit int) []Candidate {
	out := make([]Candidate, 0, len(all))
	for _, c := range all {
		if c.Score >= MinDuplicateScore {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b Candidate) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return strings.Compare(b.Beneficiary.ID, a.Beneficiary.ID)
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// MaxDuplicateCandidates bounds the candidates FindDuplicates ranks.
const MaxDuplicateCandidates = 200

// ScoreKey is the position of a ranked row (search result or duplicate
// candidate): rows come by score, best first, then by id, last first. Page
// tokens carry the key of a page's last row.
type ScoreKey struct {
	Score float64
	ID    string
}

// String encodes the key for a page token; the score keeps every bit.
func (k ScoreKey) String() string {
	return strconv.FormatFloat(k.Score, 'g', -1, 64) + "|" + k.ID
}

// ParseScoreKey decodes a page token's key: nil for the first page, ok
// false for a malformed key.
func ParseScoreKey(after string) (k *ScoreKey, ok bool) {
	if after == "" {
		return nil, true
	}
	s, id, ok := strings.Cut(after, "|")
	score, err := strconv.ParseFloat(s, 64)
	if !ok || err != nil || math.IsNaN(score) || math.IsInf(score, 0) || !ids.Valid(id) {
		return nil, false
	}
	return &ScoreKey{Score: score, ID: ids.Normalize(id)}, true
}

// Before reports whether a row at k ranks before (is shown earlier than) o.
func (k ScoreKey) Before(o ScoreKey) bool {
	return k.Score > o.Score || k.Score == o.Score && k.ID > o.ID
}

// Key is the rank position of a search result.
func (s Scored) Key() ScoreKey { return ScoreKey{Score: s.Score, ID: s.Beneficiary.ID} }

// Key is the rank position of a duplicate candidate.
func (c Candidate) Key() ScoreKey { return ScoreKey{Score: c.Score, ID: c.Beneficiary.ID} }

// CandidatesAfter returns the ranked candidates that come after key (all of
// them when key is nil).
func CandidatesAfter(ranked []Candidate, key *ScoreKey) []Candidate {
	if key == nil {
		return ranked
	}
	for i, c := range ranked {
		if key.Before(c.Key()) {
			return ranked[i:]
		}
	}
	return nil
}

// PersonKey is what a probable duplicate is found by: the trigrams of the
// folded names (as pg_trgm's show_trgm gives them), the birth date or year
// and the nationality.
type PersonKey struct {
	ID          string
	Trigrams    []string
	BirthDate   date.Date
	BirthYear   int
	Nationality string
}

// Score returns the parts of the duplicate score of other against k given
// their name similarity, as the repository's SQL scores them.
func (k PersonKey) Score(other PersonKey, nameScore float32) Candidate {
	c := Candidate{NameScore: float64(nameScore)}
	switch {
	case !k.BirthDate.IsZero() && other.BirthDate == k.BirthDate:
		c.BirthScore = 1
	case k.BirthYear != 0 && other.BirthYear == k.BirthYear:
		c.BirthScore = 0.8
	case k.BirthYear != 0 && other.BirthYear != 0 && (other.BirthYear-k.BirthYear == 1 || k.BirthYear-other.BirthYear == 1):
		c.BirthScore = 0.4
	}
	if k.Nationality != "" && other.Nationality == k.Nationality {
		c.NationalityScore = 1
	}
	c.BirthConflict = BirthConflicts(k.BirthDate, k.BirthYear, other.BirthDate, other.BirthYear)
	c.Combine()
	return c
}
