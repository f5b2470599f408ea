// Package domain holds the training events model and its rules. It knows
// nothing of gRPC or SQL.
package domain

import (
	"strings"
	"time"

	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/validate"
)

// Code sets, as lower-case codes.
var (
	EventTypes = []string{"seminar", "workshop", "training", "study_visit", "mentoring", "follow_up_meeting",
		"intercultural_day", "sports_cultural_event", "focus_group", "info_campaign", "working_group_meeting", "press_conference"}
	Sectors = []string{"justice", "police", "social_welfare", "education", "health", "labour", "ngo", "local_government"}
	Sexes   = []string{"female", "male", "other", "unknown"}
)

const (
	maxText     = 200
	maxAudience = 1000
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
	// ParticipantCount is computed: the participants registered so far.
	ParticipantCount int
	CreateTime       time.Time
}

// Normalize trims and canonicalises free input before validation.
func (e *TrainingEvent) Normalize() {
	e.ProjectID = ids.Normalize(e.ProjectID)
	e.Title = strings.TrimSpace(e.Title)
	e.Municipality = strings.TrimSpace(e.Municipality)
	e.Country = strings.ToUpper(strings.TrimSpace(e.Country))
	e.Audience = strings.TrimSpace(e.Audience)
}

// Validate checks e as a caller would submit it; field names are those of the
// API ("training_event.title").
func (e *TrainingEvent) Validate() error {
	var v errs.Violations
	const p = "training_event."
	validate.OneOf(&v, p+"type", e.Type, EventTypes, true)
	validate.Text(&v, p+"title", e.Title, maxText, true)
	validate.Text(&v, p+"municipality", e.Municipality, maxText, false)
	validate.Text(&v, p+"audience", e.Audience, maxAudience, false)
	validate.Country(&v, p+"country", e.Country)
	if e.ProjectID != "" && !ids.Valid(e.ProjectID) {
		v.Add(p+"project_id", "must be a UUID")
	}
	if e.StartDate.IsZero() {
		v.Add(p+"start_date", "is required")
	}
	if !e.StartDate.IsZero() && !e.EndDate.IsZero() && e.EndDate.Before(e.StartDate) {
		v.Add(p+"end_date", "must not be before start_date")
	}
	return v.Err()
}

// EventFilter narrows a list of training events.
type EventFilter struct {
	ProjectID string
	Type      string
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
	return v.Err()
}
