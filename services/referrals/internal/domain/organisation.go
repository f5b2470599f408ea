// Package domain holds the directory and referral model and rules. It knows
// nothing of gRPC or SQL.
package domain

import (
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/etag"
	"github.com/spona/spona/pkg/fieldmask"
	"github.com/spona/spona/pkg/translit"
	"github.com/spona/spona/pkg/validate"
)

// Code sets.
var (
	OrganisationKinds = []string{"ngo", "social_welfare_centre", "police", "health", "education", "employment", "justice", "local_government", "international_org", "donor"}
	// NameLanguages are the languages a directory name or description may be
	// given in (BCP 47 tags, script subtags in title case).
	NameLanguages = []string{"en", "sr-Latn", "sr-Cyrl", "bs", "hr"}
	Countries     = []string{"RS", "BA", "HR"}
	Weekdays      = []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
)

// Organisation is a member of the referral network.
type Organisation struct {
	ID                    string
	Name                  string
	LocalizedNames        map[string]string
	Description           string
	LocalizedDescriptions map[string]string
	Kind                  string
	Municipality          string
	Country               string
	Languages             []string
	Email                 string
	Phone                 string
	Website               string
	// Identifier is the registered organisation identifier (identifier.go),
	// "" when none is known.
	Identifier string
	// VerifyTime is when a platform administrator verified the legal name,
	// localized names, kind, country and identifier; nil while unverified.
	VerifyTime *time.Time
	CreateTime time.Time
	UpdateTime time.Time
	Version    int64
}

// Verified reports whether a platform administrator verified the
// organisation.
func (o *Organisation) Verified() bool { return o.VerifyTime != nil }

// VerifiedFields are what verification vouches for: once an organisation is
// verified, only the platform administrator changes them. The localized
// names and the registered identifier are what donors read (IATI
// reporting-org and iati-identifier, HSDS), so they are vouched for with the
// legal name.
var VerifiedFields = []string{"name", "localized_names", "kind", "country", "organisation_identifier"}

// ReasonOrganisationVerified marks a refused change of a verified field.
const ReasonOrganisationVerified = "ORGANISATION_VERIFIED"

// VerifiedDetails are the verified fields' values, for the audit log.
func (o *Organisation) VerifiedDetails() map[string]any {
	names := o.LocalizedNames
	if names == nil {
		names = map[string]string{}
	}
	return map[string]any{"name": o.Name, "localized_names": names, "kind": o.Kind, "country": o.Country,
		"organisation_identifier": o.Identifier}
}

// IdentifierTaken is the refusal to verify an organisation under the
// registered identifier that verified organisation holder already holds.
// An identifier is vouched for once: proposed ones (of unverified
// organisations) take nothing from anybody.
func IdentifierTaken(identifier, holder string) error {
	msg := fmt.Sprintf("the registered identifier %s is held by another verified organisation", identifier)
	if holder != "" {
		msg = fmt.Sprintf("the registered identifier %s is held by verified organisation %s", identifier, holder)
	}
	msg += "; verify this organisation with its own identifier, or correct the other one's first (POST /v1/organisations/{id}:verify)"
	return &errs.Error{Kind: errs.KindAlreadyExists, Message: msg,
		Violations: []errs.FieldViolation{{Field: "organisation_identifier", Description: msg}}}
}

// Audited directory actions (organisation_audit.action).
const (
	ChangeVerify        = "verify"
	ChangeCreate        = "create"
	ChangeUpdate        = "update"
	ChangeServiceCreate = "service.create"
	ChangeServiceUpdate = "service.update"
)

// DirectoryChange is an audited change of the directory, written with the
// change: a verification (or re-verification with corrected details) of an
// organisation by the platform administrator, with its reason and the
// verified details before and after; or a directory administrator's change
// of an organisation's entry or services other than its own, with the
// fields it wrote but not their values (a service's contacts name persons).
type DirectoryChange struct {
	// Action is one of the Change* codes.
	Action                             string
	ActorOrganisationID, ActorClientID string
	// Fields are the fields an update wrote (its update_mask paths).
	Fields []string
	// Reason, Before and After are a verification's.
	Reason        string
	Before, After map[string]any
}

// ChangedVerified lists the verified fields whose value differs in next.
func (o *Organisation) ChangedVerified(next *Organisation) []string {
	var changed []string
	for _, f := range VerifiedFields {
		var same bool
		switch f {
		case "name":
			same = o.Name == next.Name
		case "localized_names":
			same = maps.Equal(o.LocalizedNames, next.LocalizedNames)
		case "kind":
			same = o.Kind == next.Kind
		case "country":
			same = o.Country == next.Country
		case "organisation_identifier":
			same = o.Identifier == next.Identifier
		}
		if !same {
			changed = append(changed, f)
		}
	}
	return changed
}

// Etag identifies the stored version, for optimistic concurrency.
func (o *Organisation) Etag() string { return etag.Of(o.Version) }

// Normalize trims free input.
func (o *Organisation) Normalize() {
	o.Name = strings.TrimSpace(o.Name)
	o.Description = strings.TrimSpace(o.Description)
	o.Municipality = strings.TrimSpace(o.Municipality)
	o.Country = strings.ToUpper(strings.TrimSpace(o.Country))
	o.Email = validate.NormalEmail(o.Email)
	o.Phone = strings.TrimSpace(o.Phone)
	o.Website = strings.TrimSpace(o.Website)
	o.Identifier = strings.TrimSpace(o.Identifier)
	o.LocalizedNames = trimMap(o.LocalizedNames)
	o.LocalizedDescriptions = trimMap(o.LocalizedDescriptions)
	o.Languages = validate.LanguageTags(o.Languages) // HSDS gives each language of a service one id
}

// SameRequest reports whether o, the entry a request id made, is what the
// create n (normalized and validated) asks for again: every field the
// same. An entry changed by an update since no longer is.
func (o *Organisation) SameRequest(n *Organisation) bool {
	return o.Name == n.Name && maps.Equal(o.LocalizedNames, n.LocalizedNames) && o.Description == n.Description &&
		maps.Equal(o.LocalizedDescriptions, n.LocalizedDescriptions) && o.Kind == n.Kind && o.Municipality == n.Municipality &&
		o.Country == n.Country && slices.Equal(o.Languages, n.Languages) && o.Email == n.Email && o.Phone == n.Phone &&
		o.Website == n.Website && o.Identifier == n.Identifier
}

// Validate checks an organisation before it is stored; its identifier must
// be one of reg's agencies, and is then written in canonical form.
func (o *Organisation) Validate(reg Registry) error {
	var v errs.Violations
	validate.Text(&v, "organisation.name", o.Name, 300, true)
	localized(&v, "organisation.localized_names", o.LocalizedNames, 300)
	validate.Text(&v, "organisation.description", o.Description, 4000, false)
	localized(&v, "organisation.localized_descriptions", o.LocalizedDescriptions, 4000)
	validate.OneOf(&v, "organisation.kind", o.Kind, OrganisationKinds, true)
	validate.Text(&v, "organisation.municipality", o.Municipality, 200, false)
	country(&v, "organisation.country", o.Country)
	languages(&v, "organisation.languages", o.Languages)
	contact(&v, "organisation", o.Email, o.Phone)
	website(&v, "organisation.website", o.Website)
	reg.check(&v, "organisation.organisation_identifier", o.Identifier)
	o.Identifier, _ = reg.Canonical(o.Identifier)
	return v.Err()
}

// CheckVerification checks the localized names and registered identifier
// a verification sets (nil: kept), under the request's own field names.
func (r Registry) CheckVerification(v *errs.Violations, names map[string]string, identifier *string) {
	trimmed := make(map[string]string, len(names))
	for k, n := range names {
		trimmed[k] = strings.TrimSpace(n)
	}
	localized(v, "localized_names", trimmed, 300)
	if identifier != nil {
		r.check(v, "organisation_identifier", strings.TrimSpace(*identifier))
	}
}

// OrganisationPaths are the update_mask paths UpdateOrganisation accepts.
var OrganisationPaths = []string{"name", "localized_names", "description", "localized_descriptions", "kind", "municipality", "country", "languages", "email", "phone", "website", "organisation_identifier"}

// Apply copies the fields named in paths (pkg/fieldmask) from p into o
// and returns those fields.
func (o *Organisation) Apply(p *Organisation, paths []string) ([]string, error) {
	named, err := fieldmask.Resolve(paths, OrganisationPaths)
	if err != nil {
		return nil, err
	}
	for _, path := range named {
		switch path {
		case "name":
			o.Name = p.Name
		case "localized_names":
			o.LocalizedNames = p.LocalizedNames
		case "description":
			o.Description = p.Description
		case "localized_descriptions":
			o.LocalizedDescriptions = p.LocalizedDescriptions
		case "kind":
			o.Kind = p.Kind
		case "municipality":
			o.Municipality = p.Municipality
		case "country":
			o.Country = p.Country
		case "languages":
			o.Languages = p.Languages
		case "email":
			o.Email = p.Email
		case "phone":
			o.Phone = p.Phone
		case "website":
			o.Website = p.Website
		case "organisation_identifier":
			o.Identifier = p.Identifier
		}
	}
	return named, nil
}

// OrganisationFilter narrows a directory listing.
type OrganisationFilter struct {
	// Name matches the whole name, as MatchKey folds it.
	Name         string
	Kind         string
	Country      string
	Municipality string
	Language     string
	// NameKey and MunicipalityKey are Name and Municipality as MatchKey
	// writes them, set by Validate.
	NameKey, MunicipalityKey string
}

// MatchKey is a name or municipality as the directory's filters match it:
// folded as the directory's search folds (translit.Fold: case, diacritics,
// Cyrillic or Latin script, punctuation and spacing), so that Šid, Sid and
// Шид meet. It is folded here rather than by the database, whose lower()
// follows its LC_CTYPE (under C, CloudNativePG's default, it leaves
// capitals outside ASCII as they are).
func MatchKey(s string) string { return translit.Fold(s) }

// NameKey is the organisation's name as the name filter matches it.
func (o *Organisation) NameKey() string { return MatchKey(o.Name) }

// MunicipalityKey is the organisation's municipality as the municipality
// filters match it.
func (o *Organisation) MunicipalityKey() string { return MatchKey(o.Municipality) }

// Validate checks the filter.
func (f *OrganisationFilter) Validate() error {
	var v errs.Violations
	f.Country = strings.ToUpper(strings.TrimSpace(f.Country))
	f.Municipality = strings.TrimSpace(f.Municipality)
	f.Language = validate.LanguageCase(strings.TrimSpace(f.Language))
	f.Name = strings.TrimSpace(f.Name)
	f.NameKey, f.MunicipalityKey = MatchKey(f.Name), MatchKey(f.Municipality)
	validate.Text(&v, "name", f.Name, 300, false)
	validate.OneOf(&v, "kind", f.Kind, OrganisationKinds, false)
	validate.Country(&v, "country", f.Country)
	validate.Text(&v, "municipality", f.Municipality, 200, false)
	matchable(&v, "name", f.Name, f.NameKey)
	matchable(&v, "municipality", f.Municipality, f.MunicipalityKey)
	if f.Language != "" {
		validate.Language(&v, "language", f.Language)
	}
	return v.Err()
}

// matchable refuses a filter text that MatchKey folds to nothing
// (punctuation only): it would match the entries without a value.
func matchable(v *errs.Violations, field, text, key string) {
	if text != "" && key == "" {
		v.Add(field, "must contain a letter or a digit")
	}
}

// --- shared field checks ---

var phoneNumber = regexp.MustCompile(`^\+?[0-9 ()/-]{5,30}$`)

func trimMap(m map[string]string) map[string]string {
	for k, v := range m {
		m[k] = strings.TrimSpace(v)
	}
	return m
}

// localized checks names or descriptions keyed by a directory language tag.
func localized(v *errs.Violations, field string, m map[string]string, max int) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys) // stable violation order
	for _, lang := range keys {
		f := field + "[" + lang + "]"
		if !slices.Contains(NameLanguages, lang) {
			v.Add(f, "language must be one of %s", strings.Join(NameLanguages, ", "))
			continue
		}
		validate.Text(v, f, m[lang], max, true)
	}
}

func languages(v *errs.Violations, field string, langs []string) {
	if len(langs) > 30 {
		v.Add(field, "at most 30 languages")
		return
	}
	for i, l := range langs {
		validate.Language(v, fmt.Sprintf("%s[%d]", field, i), l)
	}
}

func country(v *errs.Violations, field, c string) {
	if c != "" && !slices.Contains(Countries, c) {
		v.Add(field, "must be RS, BA or HR")
	}
}

func contact(v *errs.Violations, prefix, email, phone string) {
	validate.Email(v, prefix+".email", email)
	if phone != "" && !phoneNumber.MatchString(phone) {
		v.Add(prefix+".phone", "is not a telephone number")
	}
}

func website(v *errs.Violations, field, s string) {
	if s == "" {
		return
	}
	if u, err := url.Parse(s); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(s) > 2000 {
		v.Add(field, "must be an http(s) URL")
	}
}
