// Package domain holds the training events model and its rules. It knows
// nothing of gRPC or SQL.
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
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/validate"
)

// Code sets, as lower-case codes.
var (
	EventTypes = []string{"seminar", "workshop", "training", "study_visit", "mentoring", "follow_up_meeting",
		"intercultural_day", "sports_cultural_event", "focus_group", "info_campaign", "working_group_meeting", "press_conference",
		"conference", "roundtable", "community_event", "info_session"}
	Sectors = []string{"justice", "police", "social_welfare", "education", "health", "labour", "ngo", "local_government", "other"}
	Sexes   = []string{"female", "male", "other", "unknown"}
)

const (
	maxText     = 200
	maxAudience = 1000
	maxTopics   = 50
	// DefaultCompletionThreshold is the attendance (percent of sessions) that
	// completes an event unless the event says otherwise.
	DefaultCompletionThreshold = 80
)

// TrainingEvent is a capacity-building or community event an organisation
// organises. It is not personal data, but only its organiser sees it.
type TrainingEvent struct {
	ID                      string
	OrganiserOrganisationID string
	ProjectID               string
	Type                    string
	Title                   string
	StartDate               date.Date
	EndDate                 date.Date
	Municipality            string
	Country                 string
	Audience                string
	Location                string
	Topics                  []string
	Language                string
	// CompletionThreshold is the percent of sessions a participant must
	// attend to complete the event (and be certified); 1–100.
	CompletionThreshold int
	// ParticipantCount and SessionCount are computed.
	ParticipantCount int
	SessionCount     int
	Version          int64
	CreateTime       time.Time
	UpdateTime       time.Time
}

// Etag identifies the stored version, for optimistic concurrency, as read
// with its participant and session counts (etag.OfView): these change
// without a new version (a registration, a session added or deleted), so
// a conditional read made with the etag read before gets the event anew,
// while a change made with it checks the version alone.
func (e *TrainingEvent) Etag() string {
	return etag.OfView(e.Version, fmt.Sprintf("%d participants, %d sessions", e.ParticipantCount, e.SessionCount))
}

// Normalize trims and canonicalises free input before validation.
func (e *TrainingEvent) Normalize() {
	e.ProjectID = ids.Normalize(e.ProjectID)
	e.Title = strings.TrimSpace(e.Title)
	e.Municipality = strings.TrimSpace(e.Municipality)
	e.Country = strings.ToUpper(strings.TrimSpace(e.Country))
	e.Audience = strings.TrimSpace(e.Audience)
	e.Location = strings.TrimSpace(e.Location)
	// Stored in its canonical case: "SR-latn" and "sr-Latn" are one tag.
	e.Language = validate.LanguageCase(strings.TrimSpace(e.Language))
	topics := make([]string, 0, len(e.Topics))
	for _, t := range e.Topics {
		if t = strings.TrimSpace(t); t != "" && !slices.Contains(topics, t) {
			topics = append(topics, t)
		}
	}
	e.Topics = topics
	if e.CompletionThreshold == 0 {
		e.CompletionThreshold = DefaultCompletionThreshold
	}
}

// SameRequest reports whether e, the event a request id made, is what the
// create n (normalized) asks for again: every field the same. An event
// changed by an update since no longer is.
func (e *TrainingEvent) SameRequest(n *TrainingEvent) bool {
	return e.ProjectID == n.ProjectID && e.Type == n.Type && e.Title == n.Title && e.StartDate == n.StartDate &&
		e.EndDate == n.EndDate && e.Municipality == n.Municipality && e.Country == n.Country && e.Audience == n.Audience &&
		e.Location == n.Location && slices.Equal(e.Topics, n.Topics) && e.Language == n.Language &&
		e.CompletionThreshold == n.CompletionThreshold
}

// Validate checks e as a caller would submit it; field names are those of the
// API ("training_event.title").
func (e *TrainingEvent) Validate() error { return e.validateChange(true) }

// validateChange checks e as Validate does, its country only when
// country is true: when the event is new or the change names the
// country (its update mask), whatever the value sent. A country stored
// before validate.Country knew the ISO 3166-1 codes may no longer be one;
// an update of other fields leaves it as it is, rather than be refused for
// a field it does not name, and one that names it must give a code, the
// stored one resent too (YU resent as YU is refused, not taken for a
// code: a client that sends every field learns that its copy is wrong).
func (e *TrainingEvent) validateChange(country bool) error {
	var v errs.Violations
	const p = "training_event."
	validate.OneOf(&v, p+"type", e.Type, EventTypes, true)
	validate.Text(&v, p+"title", e.Title, maxText, true)
	validate.Text(&v, p+"municipality", e.Municipality, maxText, false)
	validate.Text(&v, p+"audience", e.Audience, maxAudience, false)
	validate.Text(&v, p+"location", e.Location, maxText, false)
	if country {
		validate.Country(&v, p+"country", e.Country)
	}
	if e.Language != "" {
		validate.Language(&v, p+"language", e.Language)
	}
	if len(e.Topics) > maxTopics {
		v.Add(p+"topics", "at most %d topics", maxTopics)
	}
	for i, t := range e.Topics {
		validate.Text(&v, fmt.Sprintf("%stopics[%d]", p, i), t, maxText, false)
	}
	if e.ProjectID != "" && !ids.Valid(e.ProjectID) {
		v.Add(p+"project_id", "must be a UUID")
	}
	if e.StartDate.IsZero() {
		v.Add(p+"start_date", "is required")
	}
	date.CheckMinYear(&v, p+"start_date", e.StartDate)
	date.CheckMinYear(&v, p+"end_date", e.EndDate)
	if !e.StartDate.IsZero() && !e.EndDate.IsZero() && e.EndDate.Before(e.StartDate) {
		v.Add(p+"end_date", "must not be before start_date")
	}
	if e.CompletionThreshold < 1 || e.CompletionThreshold > 100 {
		v.Add(p+"completion_threshold_percent", "must be between 1 and 100")
	}
	return v.Err()
}

// LastDay is the event's last day: its end date, or its start date when it
// has none.
func (e *TrainingEvent) LastDay() date.Date {
	if e.EndDate.IsZero() {
		return e.StartDate
	}
	return e.EndDate
}

// Apply copies the fields named in paths (pkg/fieldmask) from patch onto e
// and validates the result (validateChange: a stored country that is no
// longer valid does not refuse a change that does not name it). A
// completion_threshold_percent named with 0 is refused; under "*" an
// unset threshold is the default.
func (e *TrainingEvent) Apply(patch *TrainingEvent, paths []string) ([]string, error) {
	named, err := fieldmask.Apply(paths,
		fieldmask.Field{Path: "project_id", Set: func() { e.ProjectID = patch.ProjectID }},
		fieldmask.Field{Path: "type", Set: func() { e.Type = patch.Type }},
		fieldmask.Field{Path: "title", Set: func() { e.Title = patch.Title }},
		fieldmask.Field{Path: "start_date", Set: func() { e.StartDate = patch.StartDate }},
		fieldmask.Field{Path: "end_date", Set: func() { e.EndDate = patch.EndDate }},
		fieldmask.Field{Path: "municipality", Set: func() { e.Municipality = patch.Municipality }},
		fieldmask.Field{Path: "country", Set: func() { e.Country = patch.Country }},
		fieldmask.Field{Path: "audience", Set: func() { e.Audience = patch.Audience }},
		fieldmask.Field{Path: "location", Set: func() { e.Location = patch.Location }},
		fieldmask.Field{Path: "topics", Set: func() { e.Topics = patch.Topics }},
		fieldmask.Field{Path: "language", Set: func() { e.Language = patch.Language }},
		fieldmask.Field{Path: "completion_threshold_percent", Set: func() { e.CompletionThreshold = patch.CompletionThreshold }},
	)
	if err != nil {
		return nil, err
	}
	if patch.CompletionThreshold == 0 && slices.Contains(paths, "completion_threshold_percent") {
		// Named on its own (a REST body's "completion_threshold_percent":
		// 0), 0 is a value asked for, not the default: taken as 80 it
		// would raise the threshold and change who completed the event
		// without a word. "*" replaces every field, an unset one with its
		// default (80), as on create.
		var v errs.Violations
		v.Add("training_event.completion_threshold_percent", "must be between 1 and 100 (%d is the default of a new event)", DefaultCompletionThreshold)
		return nil, v.Err()
	}
	e.Normalize()
	return named, e.validateChange(slices.Contains(named, "country"))
}

// ChangesCounts reports whether e, as it was before an update, differs
// from after in what the figures of its project count it by: its type,
// the day that puts it in a report's period, its place, and the
// threshold that says who completed it.
func (e *TrainingEvent) ChangesCounts(after *TrainingEvent) bool {
	return e.Type != after.Type || e.StartDate != after.StartDate || e.Municipality != after.Municipality ||
		e.Country != after.Country || e.CompletionThreshold != after.CompletionThreshold
}

// CheckSessions refuses event dates that would leave sessions, held from
// first to last (zero when there are none), outside the event.
func (e *TrainingEvent) CheckSessions(first, last date.Date) error {
	var v errs.Violations
	if !first.IsZero() && first.Before(e.StartDate) {
		v.Add("training_event.start_date", "a session is held on %s; move or delete it first", first)
	}
	if !last.IsZero() && last.After(e.LastDay()) {
		v.Add("training_event.end_date", "a session is held on %s; move or delete it first", last)
	}
	return v.Err()
}

// ReasonCertificatesIssued is the ErrorInfo reason of a session added to
// an event that has issued certificates.
const ReasonCertificatesIssued = "CERTIFICATES_ISSUED"

// CheckSessionAdded refuses a session added to an event that has issued
// certificates (FAILED_PRECONDITION, ReasonCertificatesIssued).
// A certificate attests completion of the event's programme as it stood:
// a session added after it would lower the attendance share of every
// certified participant not marked present at it, and take them out of
// the trained and certified figures already reported to the project's
// donors, though nothing they did changed. Corrections still change who
// completed, certified or not: a mark changed, a session entered by
// mistake deleted, the completion threshold changed (each told to the
// feed, with participant.completion_withdrawn for whom it un-completes).
func (e *TrainingEvent) CheckSessionAdded(certified int) error {
	if certified == 0 {
		return nil
	}
	return errs.FailedPrecondition(ReasonCertificatesIssued, "training event %s has issued %d certificate(s): its sessions "+
		"are those the certificates attest, and a session added now would take certified participants out of the "+
		"trained and certified counts; record a further session as an event of its own", e.ID, certified)
}

// EventFilter narrows a list of training events.
type EventFilter struct {
	ProjectID string
	Type      string
	// From and To bound the start date (inclusive; zero is open).
	From, To date.Date
}

// Normalize canonicalises the filter.
func (f *EventFilter) Normalize() { f.ProjectID = ids.Normalize(f.ProjectID) }

// Validate checks the filter.
func (f EventFilter) Validate() error {
	var v errs.Violations
	if f.ProjectID != "" && !ids.Valid(f.ProjectID) {
		v.Add("project_id", "must be a UUID")
	}
	validate.OneOf(&v, "type", f.Type, EventTypes, false)
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		v.Add("period.end_date", "must not be before start_date")
	}
	return v.Err()
}

// Session is one part of an event's programme.
type Session struct {
	ID         string
	EventID    string
	Date       date.Date
	StartTime  string // HH:MM or ""
	EndTime    string
	Topic      string
	Trainer    string
	CreateTime time.Time
	Version    int64
	UpdateTime time.Time
}

// Etag identifies the stored version of s, for optimistic concurrency.
func (s *Session) Etag() string { return etag.Of(s.Version) }

// SessionPaths are the update_mask paths of a session.
var SessionPaths = []string{"date", "start_time", "end_time", "topic", "trainer"}

// Apply copies the fields named in paths (pkg/fieldmask; "event_id" names
// the parent) from patch onto s and returns their paths; the caller
// validates the result against the event (Validate).
func (s *Session) Apply(patch *Session, paths []string) ([]string, error) {
	named, err := fieldmask.Resolve(paths, SessionPaths, "event_id")
	if err != nil {
		return nil, err
	}
	for _, path := range named {
		switch path {
		case "date":
			s.Date = patch.Date
		case "start_time":
			s.StartTime = patch.StartTime
		case "end_time":
			s.EndTime = patch.EndTime
		case "topic":
			s.Topic = patch.Topic
		case "trainer":
			s.Trainer = patch.Trainer
		}
	}
	s.Normalize()
	return named, nil
}

// CheckMoved refuses a session moved from before's day to a day not held
// by today while participants are marked present at it (present): a
// present mark is refused there (CheckMarks), and one kept would count a
// participant as trained at a session not held yet.
func (s *Session) CheckMoved(before *Session, present int, today date.Date) error {
	if present == 0 || s.Date == before.Date || s.Held(today) {
		return nil
	}
	return errs.FailedPrecondition(ReasonSessionNotHeld, "%d participant(s) are marked present at the session: %s; "+
		"mark them absent first if it was not held", present, s.NotHeldMessage())
}

// Normalize trims free input.
func (s *Session) Normalize() {
	s.StartTime = strings.TrimSpace(s.StartTime)
	s.EndTime = strings.TrimSpace(s.EndTime)
	s.Topic = strings.TrimSpace(s.Topic)
	s.Trainer = strings.TrimSpace(s.Trainer)
}

// SameRequest reports whether s, the session a request id added, is what
// the create n (normalized) asks for again: the same day, times (9:00 is
// 09:00), topic and trainer.
func (s *Session) SameRequest(n *Session) bool {
	sameClock := func(a, b string) bool {
		ta, errA := time.Parse("15:04", a)
		tb, errB := time.Parse("15:04", b)
		return a == b || errA == nil && errB == nil && ta.Equal(tb)
	}
	return s.Date == n.Date && sameClock(s.StartTime, n.StartTime) && sameClock(s.EndTime, n.EndTime) &&
		s.Topic == n.Topic && s.Trainer == n.Trainer
}

// Validate checks s against the event it belongs to.
func (s *Session) Validate(e *TrainingEvent) error {
	var v errs.Violations
	const p = "session."
	switch {
	case s.Date.IsZero():
		v.Add(p+"date", "is required")
	case e != nil && (s.Date.Before(e.StartDate) || s.Date.After(e.LastDay())):
		v.Add(p+"date", "must be within the event's dates (%s to %s)", e.StartDate, e.LastDay())
	}
	start, okStart := clock(&v, p+"start_time", s.StartTime)
	end, okEnd := clock(&v, p+"end_time", s.EndTime)
	if okStart && okEnd && !end.After(start) {
		v.Add(p+"end_time", "must be after start_time")
	}
	validate.Text(&v, p+"topic", s.Topic, maxText, false)
	validate.Text(&v, p+"trainer", s.Trainer, maxText, false)
	return v.Err()
}

// clock parses an optional HH:MM time of day.
func clock(v *errs.Violations, field, s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse("15:04", s)
	if err != nil {
		v.Add(field, "must be a time of day in HH:MM form")
		return time.Time{}, false
	}
	return t, true
}
