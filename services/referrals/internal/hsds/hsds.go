// Package hsds writes the directory as Open Referral HSDS 3.0 JSON, in the
// shapes of the HSDS API profile (openreferral/specification 3.0,
// schema/openapi.json and the compiled schemas it refers to). It is a
// format, like the report exports of the reporting service: the ports hand
// it domain values and answer with what it writes.
//
// HSDS gives every entity a UUID. Organisations, services and their
// locations have theirs; the other parts a Spona service keeps inside it
// (contacts, phones, schedules, languages, service_at_location) and the
// taxonomy of referral categories get UUIDs
// derived by name (UUIDv5) from what they belong to and what they hold, so
// they are the same in every answer and change only when the part does.
//
// Names and descriptions are written in one language: the one the caller
// asked for (Accept-Language), where the directory has it, else the
// organisation's working language (the record's name); the other name is
// then the alternate_name.
package hsds

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/validate"
	"github.com/spona/spona/services/referrals/internal/domain"
	"golang.org/x/net/idna"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// About the API (the profile's "/" answer).
const (
	Version    = "3.0"
	ProfileURL = "https://docs.openreferral.org/en/latest/hsds/overview.html"
	OpenAPIURL = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"
)

// namespace is the UUIDv5 namespace of the ids this package derives.
var namespace = uuid.MustParse("5f0e6b8a-1c9d-4c1e-9a57-3b1f2d7c6e40")

func derive(parts ...string) string {
	return uuid.NewSHA1(namespace, []byte(strings.Join(parts, "\x00"))).String()
}

// The directory's one taxonomy: the referral categories.
var (
	TaxonomyID = derive("taxonomy", "referral_category")
	// terms maps term ids to categories.
	terms = func() map[string]string {
		m := map[string]string{}
		for _, c := range domain.Categories {
			m[TermID(c)] = c
		}
		return m
	}()
)

// TermID is the id of a category's taxonomy term.
func TermID(category string) string { return derive("taxonomy_term", category) }

// Category returns the category of a taxonomy term id.
func Category(termID string) (string, bool) {
	c, ok := terms[strings.ToLower(strings.TrimSpace(termID))]
	return c, ok
}

// Info is the profile's "/" answer.
type Info struct {
	Version    string `json:"version"`
	Profile    string `json:"profile"`
	OpenAPIURL string `json:"openapi_url"`
}

// APIInfo describes this API.
func APIInfo() Info { return Info{Version: Version, Profile: ProfileURL, OpenAPIURL: OpenAPIURL} }

// Page is a numbered page of the profile.
type Page struct {
	TotalItems int  `json:"total_items"`
	TotalPages int  `json:"total_pages"`
	PageNumber int  `json:"page_number"`
	Size       int  `json:"size"`
	FirstPage  bool `json:"first_page"`
	LastPage   bool `json:"last_page"`
	Empty      bool `json:"empty"`
	Contents   any  `json:"contents"`
}

// NewPage is page number of perPage entries, of total in all.
func NewPage[T any](contents []T, total, number, perPage int) Page {
	if contents == nil {
		contents = []T{}
	}
	pages := (total + perPage - 1) / perPage
	return Page{TotalItems: total, TotalPages: pages, PageNumber: number, Size: len(contents),
		FirstPage: number == 1, LastPage: number >= pages, Empty: total == 0, Contents: contents}
}

// Marshal writes v as JSON.
func Marshal(v any) ([]byte, error) { return json.Marshal(v) }

// --- entities -------------------------------------------------------------

// Organization is an HSDS organization.
type Organization struct {
	ID                      string                   `json:"id"`
	Name                    string                   `json:"name"`
	AlternateName           string                   `json:"alternate_name,omitempty"`
	Description             string                   `json:"description"`
	Email                   string                   `json:"email,omitempty"`
	Website                 string                   `json:"website,omitempty"`
	Phones                  []Phone                  `json:"phones,omitempty"`
	Locations               []Location               `json:"locations,omitempty"`
	OrganizationIdentifiers []OrganizationIdentifier `json:"organization_identifiers,omitempty"`
	Services                []Service                `json:"services,omitempty"`
}

// OrganizationIdentifier is a third-party identifier of an organisation.
type OrganizationIdentifier struct {
	ID             string `json:"id"`
	OrganizationID string `json:"organization_id"`
	Scheme         string `json:"identifier_scheme,omitempty"`
	Type           string `json:"identifier_type"`
	Identifier     string `json:"identifier"`
}

// Service is an HSDS service.
type Service struct {
	ID                     string              `json:"id"`
	OrganizationID         string              `json:"organization_id,omitempty"`
	Name                   string              `json:"name"`
	AlternateName          string              `json:"alternate_name,omitempty"`
	Description            string              `json:"description,omitempty"`
	URL                    string              `json:"url,omitempty"`
	Email                  string              `json:"email,omitempty"`
	Status                 string              `json:"status"`
	EligibilityDescription string              `json:"eligibility_description,omitempty"`
	MinimumAge             int32               `json:"minimum_age,omitempty"`
	MaximumAge             int32               `json:"maximum_age,omitempty"`
	LastModified           string              `json:"last_modified,omitempty"`
	Phones                 []Phone             `json:"phones,omitempty"`
	Schedules              []Schedule          `json:"schedules,omitempty"`
	ServiceAtLocations     []ServiceAtLocation `json:"service_at_locations,omitempty"`
	Languages              []Language          `json:"languages,omitempty"`
	Organization           *Organization       `json:"organization,omitempty"`
	Contacts               []Contact           `json:"contacts,omitempty"`
	Attributes             []Attribute         `json:"attributes,omitempty"`
}

// Phone is a telephone number.
type Phone struct {
	ID             string `json:"id"`
	ServiceID      string `json:"service_id,omitempty"`
	OrganizationID string `json:"organization_id,omitempty"`
	ContactID      string `json:"contact_id,omitempty"`
	Number         string `json:"number"`
}

// Schedule is when a service is open, as an iCal weekly rule.
type Schedule struct {
	ID        string `json:"id"`
	ServiceID string `json:"service_id"`
	Freq      string `json:"freq"`
	Byday     string `json:"byday"`
	OpensAt   string `json:"opens_at,omitempty"`
	ClosesAt  string `json:"closes_at,omitempty"`
	// Timezone is the UTC offset of the times in hours (HSDS: a number).
	Timezone    *float64 `json:"timezone,omitempty"`
	Description string   `json:"description,omitempty"`
}

// Location is where a service is delivered.
type Location struct {
	ID             string    `json:"id"`
	LocationType   string    `json:"location_type"`
	OrganizationID string    `json:"organization_id,omitempty"`
	Name           string    `json:"name,omitempty"`
	Addresses      []Address `json:"addresses,omitempty"`
}

// Address is a location's address. HSDS requires every part; those Spona
// does not record (postal code, state or province) are empty.
type Address struct {
	ID            string `json:"id"`
	LocationID    string `json:"location_id"`
	Address1      string `json:"address_1"`
	City          string `json:"city"`
	StateProvince string `json:"state_province"`
	PostalCode    string `json:"postal_code"`
	Country       string `json:"country"`
	AddressType   string `json:"address_type"`
}

// ServiceAtLocation is a service at one of its locations.
type ServiceAtLocation struct {
	ID         string    `json:"id"`
	ServiceID  string    `json:"service_id"`
	LocationID string    `json:"location_id"`
	Location   *Location `json:"location,omitempty"`
	Service    *Service  `json:"service,omitempty"`
}

// Language is a language a service is delivered in.
type Language struct {
	ID        string `json:"id"`
	ServiceID string `json:"service_id"`
	Name      string `json:"name,omitempty"`
	Code      string `json:"code"`
	Note      string `json:"note,omitempty"`
}

// Contact is a person or desk to contact about a service.
type Contact struct {
	ID        string  `json:"id"`
	ServiceID string  `json:"service_id"`
	Name      string  `json:"name,omitempty"`
	Title     string  `json:"title,omitempty"`
	Email     string  `json:"email,omitempty"`
	Phones    []Phone `json:"phones,omitempty"`
}

// Attribute links a service to a taxonomy term.
type Attribute struct {
	ID             string        `json:"id"`
	LinkID         string        `json:"link_id"`
	LinkType       string        `json:"link_type"`
	LinkEntity     string        `json:"link_entity"`
	TaxonomyTermID string        `json:"taxonomy_term_id"`
	TaxonomyTerm   *TaxonomyTerm `json:"taxonomy_term,omitempty"`
}

// Taxonomy is a vocabulary of terms.
type Taxonomy struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Version     string `json:"version,omitempty"`
}

// TaxonomyTerm is one term of a taxonomy.
type TaxonomyTerm struct {
	ID             string    `json:"id"`
	Code           string    `json:"code"`
	Name           string    `json:"name"`
	Description    string    `json:"description"`
	Taxonomy       string    `json:"taxonomy"`
	TaxonomyDetail *Taxonomy `json:"taxonomy_detail,omitempty"`
	Language       string    `json:"language,omitempty"`
	TaxonomyID     string    `json:"taxonomy_id"`
}

// --- mapping --------------------------------------------------------------

// Writer writes entities in one language ("" the working language).
type Writer struct {
	Lang string
	// At is when the answer is written, in the time zone of the
	// directory's schedules (their opening times are local wall-clock
	// times there). HSDS reads a time without an offset as UTC, so
	// schedules carry At's offset: the one in effect when the answer is
	// written (Europe/Belgrade: +01:00 in winter, +02:00 in summer). Zero:
	// times are written as recorded.
	At time.Time
}

// text returns the name in the writer's language and, when that differs
// from the working-language name, the latter as the alternate name.
func (w Writer) text(def string, m map[string]string) (string, string) {
	name := domain.Localized(w.Lang, def, m)
	if name == def {
		return name, ""
	}
	return name, def
}

// Taxonomy is the referral categories' taxonomy.
func (w Writer) Taxonomy() Taxonomy {
	return Taxonomy{ID: TaxonomyID, Name: "Spona referral categories", Version: "1",
		Description: "The kinds of help a service answers and a referral asks for."}
}

// Term is a category's taxonomy term.
func (w Writer) Term(category string, detail bool) TaxonomyTerm {
	lang := w.Lang
	if lang == "" {
		lang = "en"
	}
	t := TaxonomyTerm{ID: TermID(category), Code: category, Name: domain.CategoryLabel(category, lang),
		Description: domain.CategoryLabel(category, "en") + " (" + category + ")", Taxonomy: w.Taxonomy().Name,
		Language: lang, TaxonomyID: TaxonomyID}
	if detail {
		tx := w.Taxonomy()
		t.TaxonomyDetail = &tx
	}
	return t
}

// Terms are the taxonomy's terms, in the order of the categories.
func (w Writer) Terms() []TaxonomyTerm {
	out := make([]TaxonomyTerm, len(domain.Categories))
	for i, c := range domain.Categories {
		out[i] = w.Term(c, false)
	}
	return out
}

// Organization writes an organisation's one-to-one fields with its
// identifiers (once verified), phone and location; services are added by
// the caller.
func (w Writer) Organization(o *domain.Organisation) Organization {
	out := Organization{ID: o.ID, Email: asciiEmail(o.Email), Website: asciiURL(o.Website)}
	out.Name, out.AlternateName = w.text(o.Name, o.LocalizedNames)
	out.Description = domain.Localized(w.Lang, o.Description, o.LocalizedDescriptions)
	if o.Phone != "" {
		out.Phones = []Phone{{ID: derive(o.ID, "phone", o.Phone), OrganizationID: o.ID, Number: o.Phone}}
	}
	if o.Municipality != "" || o.Country != "" {
		l := Location{ID: derive(o.ID, "location", o.Municipality, o.Country), LocationType: "physical", OrganizationID: o.ID, Name: o.Municipality}
		l.Addresses = []Address{{ID: derive(l.ID, "address"), LocationID: l.ID, City: o.Municipality, Country: o.Country, AddressType: "physical"}}
		out.Locations = []Location{l}
	}
	if o.Identifier != "" && o.Verified() {
		// Only an identifier the platform administrator vouched for: one an
		// unverified organisation proposed may be another's.
		// "HR-OIB-12345678901": the scheme (registration agency, org-id.guide)
		// is the first two parts, the identifier the rest.
		parts := strings.SplitN(o.Identifier, "-", 3)
		if len(parts) == 3 {
			out.OrganizationIdentifiers = []OrganizationIdentifier{{ID: derive(o.ID, "identifier", o.Identifier),
				OrganizationID: o.ID, Scheme: parts[0] + "-" + parts[1], Type: "registered organisation identifier (" + parts[0] + "-" + parts[1] + ", org-id.guide)",
				Identifier: parts[2]}}
		}
	}
	return out
}

// OrganizationRef is the organisation nested in a service.
func (w Writer) OrganizationRef(o *domain.Organisation) *Organization {
	out := Organization{ID: o.ID}
	out.Name, out.AlternateName = w.text(o.Name, o.LocalizedNames)
	out.Description = domain.Localized(w.Lang, o.Description, o.LocalizedDescriptions)
	return &out
}

// ServiceRef is a service by id, name and status.
func (w Writer) ServiceRef(s *domain.Service) Service {
	out := Service{ID: s.ID, Status: "active"}
	out.Name, _ = w.text(s.Name, s.LocalizedNames)
	return out
}

// ServiceSummary writes a service's one-to-one fields (service_list), with
// its organisation when known.
func (w Writer) ServiceSummary(s *domain.Service, org *domain.Organisation) Service {
	out := Service{ID: s.ID, OrganizationID: s.OrganisationID, URL: asciiURL(s.URL), Email: asciiEmail(s.Email), Status: "active",
		EligibilityDescription: s.Eligibility.Description, MinimumAge: s.Eligibility.MinimumAge, MaximumAge: s.Eligibility.MaximumAge,
		LastModified: lastModified(s, org)}
	out.Name, out.AlternateName = w.text(s.Name, s.LocalizedNames)
	out.Description = domain.Localized(w.Lang, s.Description, s.LocalizedDescriptions)
	if org != nil {
		out.Organization = w.OrganizationRef(org)
	}
	return out
}

// lastModified is when the service "or any related information about the
// service" (HSDS) last changed: the service itself or its organisation
// (nil: not known), which its answers nest. The modified_after filter
// (domain.DirectoryQuery) selects by the same two times.
func lastModified(s *domain.Service, org *domain.Organisation) string {
	t := s.UpdateTime
	if org != nil && org.UpdateTime.After(t) {
		t = org.UpdateTime
	}
	return t.UTC().Format(time.RFC3339)
}

// Service writes a service fully nested.
func (w Writer) Service(s *domain.Service, org *domain.Organisation) Service {
	out := w.ServiceSummary(s, org)
	if s.Phone != "" {
		out.Phones = []Phone{{ID: derive(s.ID, "phone", s.Phone), ServiceID: s.ID, Number: s.Phone}}
	}
	for i, sc := range s.Schedules {
		days := make([]string, len(sc.Days))
		for j, d := range sc.Days {
			days[j] = strings.ToUpper(d[:2]) // monday → MO (iCal)
		}
		out.Schedules = append(out.Schedules, w.schedule(Schedule{ID: derive(s.ID, "schedule", key(sc), itoa(occurrence(s.Schedules, i, key))),
			ServiceID: s.ID, Freq: "WEEKLY", Byday: strings.Join(days, ","), OpensAt: sc.OpensAt, ClosesAt: sc.ClosesAt, Description: sc.Description}))
	}
	for i := range s.Locations {
		sal := w.ServiceAtLocation(domain.ServiceLocation{Service: s, Index: i}, nil, false)
		sal.Service = nil
		out.ServiceAtLocations = append(out.ServiceAtLocations, sal)
	}
	for i, l := range s.Languages {
		if !slices.Contains(s.Languages[:i], l) { // once: the id is the tag's (stored twice before the directory kept each once)
			out.Languages = append(out.Languages, languageOf(s.ID, l))
		}
	}
	for i, c := range s.Contacts {
		cid := derive(s.ID, "contact", key(c), itoa(occurrence(s.Contacts, i, key)))
		ct := Contact{ID: cid, ServiceID: s.ID, Name: c.Name, Title: c.Title, Email: asciiEmail(c.Email)}
		if c.Phone != "" {
			ct.Phones = []Phone{{ID: derive(cid, "phone", c.Phone), ContactID: cid, Number: c.Phone}}
		}
		out.Contacts = append(out.Contacts, ct)
	}
	term := w.Term(s.Category, true)
	out.Attributes = []Attribute{{ID: derive(s.ID, "attribute", s.Category), LinkID: s.ID, LinkType: "category",
		LinkEntity: "service", TaxonomyTermID: term.ID, TaxonomyTerm: &term}}
	return out
}

// schedule gives sc's local opening times the writer's UTC offset.
func (w Writer) schedule(sc Schedule) Schedule {
	if w.At.IsZero() {
		return sc
	}
	offset := w.At.Format("Z07:00")
	for _, t := range []*string{&sc.OpensAt, &sc.ClosesAt} {
		if *t != "" {
			*t += offset
		}
	}
	_, seconds := w.At.Zone()
	hours := float64(seconds) / 3600
	sc.Timezone = &hours
	return sc
}

// ServiceAtLocation writes one location of a service, with the service
// and the location. The service is fully nested, with its organisation
// org (nil: unknown), when full; by id, name and status otherwise.
func (w Writer) ServiceAtLocation(sl domain.ServiceLocation, org *domain.Organisation, full bool) ServiceAtLocation {
	s, loc := sl.Service, sl.Service.Locations[sl.Index]
	n := itoa(occurrence(s.Locations, sl.Index, key))
	lid := loc.ID // the directory's own id, which assistance records name
	if lid == "" {
		lid = derive(s.ID, "location", key(loc), n)
	}
	l := Location{ID: lid, LocationType: "physical", OrganizationID: s.OrganisationID, Name: loc.Name}
	if loc.Address != "" || loc.Municipality != "" {
		l.Addresses = []Address{{ID: derive(l.ID, "address"), LocationID: l.ID, Address1: loc.Address, City: loc.Municipality,
			Country: loc.Country, AddressType: "physical"}}
	}
	out := ServiceAtLocation{ID: ServiceAtLocationID(l.ID), ServiceID: s.ID, LocationID: l.ID, Location: &l}
	svc := w.ServiceRef(s)
	if full {
		svc = w.Service(s, org)
	}
	out.Service = &svc
	return out
}

// languageOf describes a BCP 47 tag: the ISO 639 code of its language, its
// English name (the language's, with the script when the tag names one:
// "Serbian (Latin)", "Serbian (Cyrillic)"; CLDR's name of sr-Latn as a
// whole is "Serbo-Croatian") and the tag itself.
func languageOf(serviceID, tag string) Language {
	out := Language{ID: derive(serviceID, "language", tag), ServiceID: serviceID, Code: tag, Note: tag}
	if t, err := language.Parse(tag); err == nil {
		base, _ := t.Base()
		out.Code = base.String()
		out.Name = display.English.Languages().Name(base)
		if script, c := t.Script(); c == language.Exact {
			out.Name += " (" + display.English.Scripts().Name(script) + ")"
		}
	}
	return out
}

// key is the content of a part, for its derived id.
func key(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// occurrence counts the parts before i equal to parts[i]: two equal parts
// still get different ids.
func occurrence[T any](parts []T, i int, key func(any) string) int {
	n := 0
	for j := range i {
		if key(parts[j]) == key(parts[i]) {
			n++
		}
	}
	return n
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// asciiEmail is an address as HSDS may carry it (format "email": ASCII,
// a host name after @), "" for one that is not: the directory refuses
// such addresses (validate.Email), but one stored before it did (a local
// part outside ASCII, which no conversion writes in ASCII, or a domain
// such as udruga_x.hr) is left out rather than make the whole answer
// invalid.
func asciiEmail(s string) string {
	var v errs.Violations
	if validate.Email(&v, "email", s); len(v) > 0 {
		return ""
	}
	return s
}

// asciiURL is an http(s) address as HSDS's url and website carry it
// (format "uri", RFC 3986): the directory takes what Go's URL parser
// reads, so a partner's "https://x.rs/Pravna pomoć.pdf" or a host with
// diacritics is stored as typed; it is written with the host in ASCII
// (IDNA) and every other character that a URI may not hold
// percent-encoded (UTF-8), so that a strict validator takes it and a
// browser opens the same page. "" for one no parse reads (stored before
// the directory checked addresses), left out rather than make the whole
// answer invalid.
func asciiURL(s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	host := u.Hostname()
	if !strings.HasPrefix(u.Host, "[") {
		if host, err = idna.Lookup.ToASCII(host); err != nil {
			return ""
		}
	} else {
		host = "[" + host + "]"
	}
	if p := u.Port(); p != "" {
		host += ":" + p
	}
	// What follows the authority, as typed (u's fields decode it).
	rest := s[strings.Index(s, "//")+2:]
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[i:]
	} else {
		rest = ""
	}
	var b strings.Builder
	b.WriteString(u.Scheme + "://")
	if u.User != nil {
		b.WriteString(u.User.String() + "@")
	}
	b.WriteString(host)
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if uriChar(c) || (c == '%' && i+2 < len(rest) && isHex(rest[i+1]) && isHex(rest[i+2])) {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// uriChar reports whether c may stand as itself in a URI's path, query or
// fragment (RFC 3986 unreserved and reserved characters).
func uriChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~:/?#[]@!$&'()*+,;=", c) >= 0
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
