package domain

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/etag"
	"github.com/spona/spona/pkg/fieldmask"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/validate"
)

// Service is a service an organisation offers (HSDS 3.0 service), with its
// locations (service_at_location), contacts, weekly schedule and eligibility.
type Service struct {
	ID                    string
	OrganisationID        string
	Name                  string
	LocalizedNames        map[string]string
	Description           string
	LocalizedDescriptions map[string]string
	Category              string // taxonomy term: a referral category
	Languages             []string
	Eligibility           Eligibility
	AcceptingReferrals    bool
	Locations             []Location
	Contacts              []Contact
	Schedules             []Schedule
	Email                 string
	URL                   string
	Phone                 string
	CreateTime            time.Time
	UpdateTime            time.Time
	Version               int64
}

// ReasonNotAccepting is the ErrorInfo reason of a referral to a service
// that does not accept referrals.
const ReasonNotAccepting = "SERVICE_NOT_ACCEPTING_REFERRALS"

// TakesReferralTo checks that a referral to organisation to may name s,
// now: a service of that organisation (INVALID_ARGUMENT on
// referral.to_service_id otherwise) that accepts referrals
// (FAILED_PRECONDITION, ReasonNotAccepting). A referral is checked when it
// is drafted and again when it is sent, which is when it reaches the
// service.
func (s *Service) TakesReferralTo(to string) error {
	if s.OrganisationID != to {
		var v errs.Violations
		v.Add("referral.to_service_id", "is not a service of the receiving organisation")
		return v.Err()
	}
	if !s.AcceptingReferrals {
		return errs.FailedPrecondition(ReasonNotAccepting, "service %q does not accept referrals", s.ID)
	}
	return nil
}

// Eligibility says who a service is for.
type Eligibility struct {
	Description string `json:"description,omitempty"`
	MinimumAge  int32  `json:"minimum_age,omitempty"`
	MaximumAge  int32  `json:"maximum_age,omitempty"`
}

// Location is where a service is delivered. Its id, given by the
// directory, stays with it across updates, so records of what was delivered
// there (assistance) can name it.
type Location struct {
	ID           string `json:"id,omitempty"`
	Name         string `json:"name,omitempty"`
	Address      string `json:"address,omitempty"`
	Municipality string `json:"municipality,omitempty"`
	Country      string `json:"country,omitempty"`
}

// Contact is a person or desk to contact about a service.
type Contact struct {
	Name  string `json:"name,omitempty"`
	Title string `json:"title,omitempty"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// Schedule is weekly opening hours.
type Schedule struct {
	Days        []string `json:"days"`
	OpensAt     string   `json:"opens_at,omitempty"`
	ClosesAt    string   `json:"closes_at,omitempty"`
	Description string   `json:"description,omitempty"`
}

// Etag identifies the stored version, for optimistic concurrency.
func (s *Service) Etag() string { return etag.Of(s.Version) }

// Municipalities returns the municipalities of the locations as
// MatchKey writes them, the keys the municipality filter matches.
func (s *Service) Municipalities() []string {
	out := []string{}
	for _, l := range s.Locations {
		if m := MatchKey(l.Municipality); m != "" {
			out = append(out, m)
		}
	}
	return out
}

// Normalize trims free input.
func (s *Service) Normalize() {
	s.Name = strings.TrimSpace(s.Name)
	s.Description = strings.TrimSpace(s.Description)
	s.LocalizedNames = trimMap(s.LocalizedNames)
	s.LocalizedDescriptions = trimMap(s.LocalizedDescriptions)
	s.Languages = validate.LanguageTags(s.Languages)
	s.Email = validate.NormalEmail(s.Email)
	s.URL = strings.TrimSpace(s.URL)
	s.Phone = strings.TrimSpace(s.Phone)
	s.Eligibility.Description = strings.TrimSpace(s.Eligibility.Description)
	for i := range s.Locations {
		l := &s.Locations[i]
		l.Name, l.Address, l.Municipality = strings.TrimSpace(l.Name), strings.TrimSpace(l.Address), strings.TrimSpace(l.Municipality)
		l.Country = strings.ToUpper(strings.TrimSpace(l.Country))
	}
	for i := range s.Contacts {
		c := &s.Contacts[i]
		c.Name, c.Title, c.Phone = strings.TrimSpace(c.Name), strings.TrimSpace(c.Title), strings.TrimSpace(c.Phone)
		c.Email = validate.NormalEmail(c.Email)
	}
}

// SameRequest reports whether s, the service a request id made, is what
// the create n (normalized) asks for again: every field the same, the
// locations but for the ids the directory gave them. A service changed by
// an update since no longer is.
func (s *Service) SameRequest(n *Service) bool {
	sameLocations := slices.EqualFunc(s.Locations, n.Locations, func(a, b Location) bool {
		a.ID, b.ID = "", ""
		return a == b
	})
	sameSchedules := slices.EqualFunc(s.Schedules, n.Schedules, func(a, b Schedule) bool {
		return slices.Equal(a.Days, b.Days) && a.OpensAt == b.OpensAt && a.ClosesAt == b.ClosesAt && a.Description == b.Description
	})
	return s.OrganisationID == n.OrganisationID && s.Name == n.Name && maps.Equal(s.LocalizedNames, n.LocalizedNames) &&
		s.Description == n.Description && maps.Equal(s.LocalizedDescriptions, n.LocalizedDescriptions) &&
		s.Category == n.Category && slices.Equal(s.Languages, n.Languages) && s.Eligibility == n.Eligibility &&
		s.AcceptingReferrals == n.AcceptingReferrals && sameLocations && slices.Equal(s.Contacts, n.Contacts) &&
		sameSchedules && s.Email == n.Email && s.URL == n.URL && s.Phone == n.Phone
}

var clock = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// Validate checks a service before it is stored.
func (s *Service) Validate() error {
	var v errs.Violations
	validate.Text(&v, "service.name", s.Name, 300, true)
	localized(&v, "service.localized_names", s.LocalizedNames, 300)
	validate.Text(&v, "service.description", s.Description, 4000, false)
	localized(&v, "service.localized_descriptions", s.LocalizedDescriptions, 4000)
	validate.OneOf(&v, "service.category", s.Category, Categories, true)
	languages(&v, "service.languages", s.Languages)
	contact(&v, "service", s.Email, s.Phone)
	website(&v, "service.url", s.URL)
	e := s.Eligibility
	validate.Text(&v, "service.eligibility.description", e.Description, 2000, false)
	if e.MinimumAge < 0 || e.MinimumAge > 150 {
		v.Add("service.eligibility.minimum_age", "must be between 0 and 150")
	}
	if e.MaximumAge < 0 || e.MaximumAge > 150 {
		v.Add("service.eligibility.maximum_age", "must be between 0 and 150")
	}
	if e.MaximumAge != 0 && e.MaximumAge < e.MinimumAge {
		v.Add("service.eligibility.maximum_age", "must not be below minimum_age")
	}
	if len(s.Locations) > 50 || len(s.Contacts) > 50 || len(s.Schedules) > 50 {
		v.Add("service", "at most 50 locations, contacts and schedules each")
		return v.Err()
	}
	for i, l := range s.Locations {
		f := fmt.Sprintf("service.locations[%d]", i)
		validate.Text(&v, f+".name", l.Name, 300, false)
		validate.Text(&v, f+".address", l.Address, 500, false)
		validate.Text(&v, f+".municipality", l.Municipality, 200, l.Address == "" && l.Name == "")
		country(&v, f+".country", l.Country)
	}
	for i, c := range s.Contacts {
		f := fmt.Sprintf("service.contacts[%d]", i)
		validate.Text(&v, f+".name", c.Name, 300, false)
		validate.Text(&v, f+".title", c.Title, 300, false)
		contact(&v, f, c.Email, c.Phone)
		if c.Name == "" && c.Email == "" && c.Phone == "" {
			v.Add(f, "needs a name, e-mail or phone")
		}
	}
	for i, sc := range s.Schedules {
		f := fmt.Sprintf("service.schedules[%d]", i)
		if len(sc.Days) == 0 {
			v.Add(f+".days", "is required")
		}
		for j, d := range sc.Days {
			validate.OneOf(&v, fmt.Sprintf("%s.days[%d]", f, j), d, Weekdays, true)
		}
		if !clock.MatchString(sc.OpensAt) {
			v.Add(f+".opens_at", "must be a time HH:MM")
		}
		if !clock.MatchString(sc.ClosesAt) {
			v.Add(f+".closes_at", "must be a time HH:MM")
		} else if clock.MatchString(sc.OpensAt) && sc.ClosesAt <= sc.OpensAt {
			v.Add(f+".closes_at", "must be after opens_at")
		}
		validate.Text(&v, f+".description", sc.Description, 500, false)
	}
	return v.Err()
}

// ServicePaths are the update_mask paths UpdateService accepts.
var ServicePaths = []string{"name", "localized_names", "description", "localized_descriptions", "category", "languages", "eligibility", "accepting_referrals", "locations", "contacts", "schedules", "email", "url", "phone"}

// Apply copies the fields named in paths (pkg/fieldmask) from p into s
// and returns those fields.
func (s *Service) Apply(p *Service, paths []string) ([]string, error) {
	named, err := fieldmask.Resolve(paths, ServicePaths)
	if err != nil {
		return nil, err
	}
	for _, path := range named {
		switch path {
		case "name":
			s.Name = p.Name
		case "localized_names":
			s.LocalizedNames = p.LocalizedNames
		case "description":
			s.Description = p.Description
		case "localized_descriptions":
			s.LocalizedDescriptions = p.LocalizedDescriptions
		case "category":
			s.Category = p.Category
		case "languages":
			s.Languages = p.Languages
		case "eligibility":
			s.Eligibility = p.Eligibility
		case "accepting_referrals":
			s.AcceptingReferrals = p.AcceptingReferrals
		case "locations":
			locs, err := keepLocations(s.Locations, p.Locations)
			if err != nil {
				return nil, err
			}
			s.Locations = locs
		case "contacts":
			s.Contacts = p.Contacts
		case "schedules":
			s.Schedules = p.Schedules
		case "email":
			s.Email = p.Email
		case "url":
			s.URL = p.URL
		case "phone":
			s.Phone = p.Phone
		}
	}
	return named, nil
}

// NewLocationIDs gives every location of a new service an id of its own
// (ids sent with a new service are not kept).
func (s *Service) NewLocationIDs() {
	for i := range s.Locations {
		s.Locations[i].ID = ids.New()
	}
}

// Location returns the location of s with id.
func (s *Service) Location(id string) (Location, bool) {
	for _, l := range s.Locations {
		if l.ID == id {
			return l, true
		}
	}
	return Location{}, false
}

// keepLocations returns the locations of an update: one sent with the id of
// a current location replaces it and keeps the id, one sent without an id
// is new and gets one; current locations not sent are removed.
func keepLocations(current, sent []Location) ([]Location, error) {
	var v errs.Violations
	out := make([]Location, len(sent))
	seen := map[string]int{}
	for i, l := range sent {
		f := fmt.Sprintf("service.locations[%d].id", i)
		switch {
		case l.ID == "":
			l.ID = ids.New()
		case !ids.Valid(l.ID):
			v.Add(f, "must be the id of one of the service's locations, or empty for a new location")
		case !slices.ContainsFunc(current, func(c Location) bool { return c.ID == ids.Normalize(l.ID) }):
			v.Add(f, "is not a location of this service; leave it empty for a new location")
		default:
			l.ID = ids.Normalize(l.ID)
			if j, dup := seen[l.ID]; dup {
				v.Add(f, "the same location as locations[%d]", j)
			}
			seen[l.ID] = i
		}
		out[i] = l
	}
	return out, v.Err()
}

// ServiceFilter narrows a list of services.
type ServiceFilter struct {
	OrganisationID     string
	Category           string
	Municipality       string
	MunicipalityKey    string // MatchKey(Municipality), set by Validate
	Language           string
	AcceptingReferrals *bool
}

// Validate checks the filter.
func (f *ServiceFilter) Validate() error {
	var v errs.Violations
	f.Municipality = strings.TrimSpace(f.Municipality)
	f.MunicipalityKey = MatchKey(f.Municipality)
	f.Language = validate.LanguageCase(strings.TrimSpace(f.Language))
	idField(&v, "organisation_id", f.OrganisationID, false)
	validate.OneOf(&v, "category", f.Category, Categories, false)
	validate.Text(&v, "municipality", f.Municipality, 200, false)
	matchable(&v, "municipality", f.Municipality, f.MunicipalityKey)
	if f.Language != "" {
		validate.Language(&v, "language", f.Language)
	}
	return v.Err()
}
