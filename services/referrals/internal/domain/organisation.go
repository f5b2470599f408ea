// Package domain holds the directory and referral model and rules. It knows
// nothing of gRPC or SQL.
package domain

import (
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/validate"
)

// Code sets.
var (
	OrganisationKinds = []string{"ngo", "social_welfare_centre", "police", "health", "education", "employment", "justice", "local_government", "international_org", "donor"}
	// NameLanguages are the languages a directory name may be given in.
	NameLanguages = []string{"en", "sr-Latn", "sr-Cyrl", "bs", "hr"}
	Countries     = []string{"RS", "BA", "HR"}
)

// Organisation is a member of the referral network.
type Organisation struct {
	ID             string
	Name           string
	LocalizedNames map[string]string
	Kind           string
	Municipality   string
	Country        string
	Email          string
	Website        string
	CreateTime     time.Time
}

// Normalize trims free input.
func (o *Organisation) Normalize() {
	o.Name = strings.TrimSpace(o.Name)
	o.Municipality = strings.TrimSpace(o.Municipality)
	o.Country = strings.ToUpper(strings.TrimSpace(o.Country))
	o.Email = strings.ToLower(strings.TrimSpace(o.Email))
	o.Website = strings.TrimSpace(o.Website)
	for k, v := range o.LocalizedNames {
		o.LocalizedNames[k] = strings.TrimSpace(v)
	}
}

// Validate checks a new organisation.
func (o *Organisation) Validate() error {
	var v errs.Violations
	validate.Text(&v, "organisation.name", o.Name, 300, true)
	validate.OneOf(&v, "organisation.kind", o.Kind, OrganisationKinds, true)
	validate.Text(&v, "organisation.municipality", o.Municipality, 200, false)
	if o.Country != "" && !slices.Contains(Countries, o.Country) {
		v.Add("organisation.country", "must be RS, BA or HR")
	}
	for lang, name := range o.LocalizedNames {
		field := "organisation.localized_names[" + lang + "]"
		if !slices.Contains(NameLanguages, lang) {
			v.Add(field, "language must be one of %s", strings.Join(NameLanguages, ", "))
			continue
		}
		validate.Text(&v, field, name, 300, true)
	}
	if o.Email != "" {
		if a, err := mail.ParseAddress(o.Email); err != nil || a.Address != o.Email {
			v.Add("organisation.email", "is not an e-mail address")
		}
	}
	if o.Website != "" {
		if u, err := url.Parse(o.Website); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.Add("organisation.website", "must be an http(s) URL")
		}
	}
	return v.Err()
}

// OrganisationFilter narrows a directory listing.
type OrganisationFilter struct {
	Kind    string
	Country string
}

// Validate checks the filter.
func (f OrganisationFilter) Validate() error {
	var v errs.Violations
	validate.OneOf(&v, "kind", f.Kind, OrganisationKinds, false)
	validate.Country(&v, "country", f.Country)
	return v.Err()
}
