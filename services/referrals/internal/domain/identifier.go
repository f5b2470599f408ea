package domain

import (
	"slices"
	"strings"

	"github.com/spona/spona/pkg/errs"
)

// An organisation identifier names an organisation by the register that
// lists it, the way IATI and org-id.guide write it: the registration
// agency's code (IATI OrganisationRegistrationAgency codelist) and the
// number that agency issued, joined by a hyphen, e.g. HR-OIB-12345678901
// (Croatian OIB) or RS-APR-17123456 (Serbian Business Registers Agency).
// Reports use it as the IATI reporting organisation identifier; the
// directory publishes it in HSDS organization_identifiers.

// DefaultRegistrationAgencies are the registration agencies an organisation
// identifier may start with unless the deployment configures its own list:
// the region's registers and those of international organisations and the
// donors that usually fund work in it (codes from the IATI
// OrganisationRegistrationAgency codelist).
var DefaultRegistrationAgencies = []string{
	// Serbia, Bosnia and Herzegovina, Croatia.
	"RS-APR", "RS-PIB", "BA-JIB", "HR-MBS", "HR-OIB",
	// International organisations and donors.
	"XI-IATI", "XM-DAC", "XM-OCHA", "XI-GRID", "XI-WIKIDATA",
	"AT-FB", "BE-BCE_KBO", "CH-FDJP", "DE-CR", "DK-CVR", "FR-RCS", "GB-CHC", "GB-COH", "GB-GOV", "GB-GOVUK",
	"IT-CF", "NL-KVK", "NO-BRC", "SE-ON", "SI-PRS", "US-EIN", "US-USAGOV",
}

const maxIdentifier = 100

// Registry is the set of registration agencies the deployment accepts.
type Registry struct{ agencies []string }

// NewRegistry accepts the given agency codes (upper-cased), or the
// defaults when none are given. Longer codes are tried first so that a code
// that extends another ("GB-GOVUK", "GB-GOV") matches as itself.
func NewRegistry(agencies []string) Registry {
	if len(agencies) == 0 {
		agencies = DefaultRegistrationAgencies
	}
	var out []string
	for _, a := range agencies {
		if a = strings.ToUpper(strings.TrimSpace(a)); a != "" && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return Registry{agencies: out}
}

// Agencies returns the accepted agency codes, sorted.
func (r Registry) Agencies() []string {
	out := slices.Clone(r.agencies)
	slices.Sort(out)
	return out
}

// Canonical returns id with its agency code upper-cased, and whether id is
// an identifier of an accepted agency: the code, a hyphen and a number
// that holds no spaces and none of the characters IATI forbids (/ & | ?).
func (r Registry) Canonical(id string) (string, bool) {
	if len(id) > maxIdentifier {
		return id, false
	}
	upper := strings.ToUpper(id)
	for _, a := range r.agencies {
		rest, ok := strings.CutPrefix(upper, a+"-")
		if !ok {
			continue
		}
		number := id[len(a)+1:]
		if rest == "" || strings.ContainsAny(number, " \t\r\n/&|?") {
			return id, false
		}
		return a + "-" + number, true
	}
	return id, false
}

// check records a violation when id (non-empty) is not acceptable.
func (r Registry) check(v *errs.Violations, field, id string) {
	if id == "" {
		return
	}
	if _, ok := r.Canonical(id); !ok {
		v.Add(field, "must be a registered organisation identifier: a registration agency code (one of %s), a hyphen and the number it issued, e.g. HR-OIB-12345678901; see org-id.guide",
			strings.Join(r.Agencies(), ", "))
	}
}
