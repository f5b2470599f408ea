package domain

import (
	"fmt"
	"time"

	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/validate"
)

// Referral categories, urgencies and states.
var (
	Categories = []string{"legal", "psychosocial", "health", "education", "employment", "social_welfare", "accommodation", "material_aid", "interpretation", "child_protection", "other"}
	Urgencies  = []string{"emergency", "high", "normal"}
	Statuses   = []string{StatusDraft, StatusSent, StatusAccepted, StatusDeclined, StatusInProgress, StatusCompleted, StatusCancelled}
)

// Referral states (see DESIGN.md).
const (
	StatusDraft      = "draft"
	StatusSent       = "sent"
	StatusAccepted   = "accepted"
	StatusDeclined   = "declined"
	StatusInProgress = "in_progress"
	StatusCompleted  = "completed"
	StatusCancelled  = "cancelled"
)

// ResponseTime is how long the receiver has to answer a referral of each urgency.
var ResponseTime = map[string]time.Duration{
	"emergency": 24 * time.Hour,
	"high":      72 * time.Hour,
	"normal":    10 * 24 * time.Hour,
}

// Referral asks another organisation to serve a beneficiary.
type Referral struct {
	ID                 string
	BeneficiaryID      string
	FromOrganisationID string
	ToOrganisationID   string
	ToServiceID        string
	Category           string
	Reason             string
	Urgency            string
	Status             string
	DueTime            time.Time
	ConsentID          string
	ProjectID          string
	CreateTime         time.Time
	UpdateTime         time.Time
	Version            int64
}

// Etag identifies the stored version, for optimistic concurrency.
func (r *Referral) Etag() string { return fmt.Sprintf(`W/"%d"`, r.Version) }

// Validate checks a new referral from organisation from.
func (r *Referral) Validate(from string) error {
	var v errs.Violations
	idField(&v, "referral.beneficiary_id", r.BeneficiaryID, true)
	idField(&v, "referral.to_organisation_id", r.ToOrganisationID, true)
	idField(&v, "referral.to_service_id", r.ToServiceID, false)
	idField(&v, "referral.consent_id", r.ConsentID, false)
	idField(&v, "referral.project_id", r.ProjectID, false)
	if r.ToOrganisationID != "" && ids.Normalize(r.ToOrganisationID) == from {
		v.Add("referral.to_organisation_id", "must be another organisation")
	}
	validate.OneOf(&v, "referral.category", r.Category, Categories, true)
	validate.OneOf(&v, "referral.urgency", r.Urgency, Urgencies, false)
	validate.Text(&v, "referral.reason", r.Reason, 2000, false)
	return v.Err()
}

// Prepare fills the server-side fields of a new draft referral at now.
func (r *Referral) Prepare(from string, now time.Time) {
	r.ID = ids.New()
	r.FromOrganisationID = from
	r.BeneficiaryID = ids.Normalize(r.BeneficiaryID)
	r.ToOrganisationID = ids.Normalize(r.ToOrganisationID)
	r.ToServiceID = ids.Normalize(r.ToServiceID)
	r.ConsentID = ids.Normalize(r.ConsentID)
	r.ProjectID = ids.Normalize(r.ProjectID)
	if r.Urgency == "" {
		r.Urgency = "normal"
	}
	r.Status = StatusDraft
	r.DueTime = now.Add(ResponseTime[r.Urgency]).UTC().Truncate(time.Second)
}

func idField(v *errs.Violations, field, id string, required bool) {
	if id == "" {
		if required {
			v.Add(field, "is required")
		}
		return
	}
	if !ids.Valid(id) {
		v.Add(field, "must be a UUID")
	}
}

// Direction of a referral relative to the viewing organisation.
type Direction int

// Directions.
const (
	Both Direction = iota
	Outgoing
	Incoming
)

// ReferralFilter narrows a list of referrals.
type ReferralFilter struct {
	Direction Direction
	Status    string
}

// Validate checks the filter.
func (f ReferralFilter) Validate() error {
	var v errs.Violations
	validate.OneOf(&v, "status", f.Status, Statuses, false)
	return v.Err()
}
