package domain

import (
	"time"

	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/validate"
)

// Assistance is a service delivered to a beneficiary.
type Assistance struct {
	ID             string
	BeneficiaryID  string
	OrganisationID string
	ProjectID      string
	Type           string
	Date           date.Date
	Notes          string
	CreateTime     time.Time
}

// Validate checks a new assistance record.
func (a *Assistance) Validate(today date.Date) error {
	var v errs.Violations
	if a.ProjectID != "" && !ids.Valid(a.ProjectID) {
		v.Add("assistance.project_id", "must be a UUID")
	}
	validate.OneOf(&v, "assistance.type", a.Type, AssistanceTypes, true)
	switch {
	case a.Date.IsZero():
		v.Add("assistance.date", "is required")
	case a.Date.After(today.AddDays(1)):
		v.Add("assistance.date", "must not be in the future")
	}
	validate.Text(&v, "assistance.notes", a.Notes, 4000, false)
	return v.Err()
}
