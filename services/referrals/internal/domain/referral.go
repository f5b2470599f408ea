package domain

import (
	"time"

	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/etag"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/validate"
)

// Referral categories, urgencies and states.
var (
	Categories = []string{"legal", "psychosocial", "health", "education", "employment", "social_welfare", "accommodation", "material_aid", "interpretation", "child_protection", "information", "community", "other"}
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

// responseTime is how long the receiver has to answer a referral: hours,
// or calendar days.
type responseTime struct{ hours, days int }

// responseTimes are the response times of each urgency (README: 24 h,
// 72 h, 10 days).
var responseTimes = map[string]responseTime{
	"emergency": {hours: 24},
	"high":      {hours: 72},
	"normal":    {days: 10},
}

// DueAfter returns when a referral of urgency sent at sent is due, to the
// second: a response time in hours that many hours later; one in days at
// the same time of day that many days later on the calendar of sent's
// location (the report time zone), so that a referral sent at 09:00 on 25
// March in Belgrade is due at 09:00 on 4 April although summer time began
// in between (240 hours later is 10:00).
func DueAfter(urgency string, sent time.Time) time.Time {
	rt := responseTimes[urgency]
	return sent.Add(time.Duration(rt.hours)*time.Hour).AddDate(0, 0, rt.days).UTC().Truncate(time.Second)
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
	// ConsentExpireTime is when the consent it was sent under expires
	// (zero: no expiry, or sent before it was recorded).
	ConsentExpireTime time.Time
	ProjectID         string
	Notes             string
	SendTime          time.Time // zero while a draft
	CloseTime         time.Time // zero until declined, completed or cancelled
	// AcceptTime and CompleteTime are when the referral was accepted and
	// completed (zero until then); they stay when it is cancelled later.
	AcceptTime, CompleteTime time.Time
	CloseReason              string
	// EndReason is why the referral ended for good outside its parties'
	// hands, whatever its status then: the consent it was sent under ended
	// (ReasonConsentWithdrawn, ReasonConsentExpired) or the person was
	// erased (ReasonBeneficiaryErased); "" while neither happened. Stored
	// as consent_end_reason.
	EndReason   string
	OutcomeCode string
	OutcomeNote string
	// AssistanceID is the assistance record (beneficiaries service) the
	// completion created, if any, or the correction that replaced it.
	AssistanceID string
	// AssistanceVoidTime and AssistanceVoidReason (a void reason code of
	// the beneficiaries service) are set once the record AssistanceID
	// names was voided; zero while it counts.
	AssistanceVoidTime   time.Time
	AssistanceVoidReason string
	Snapshot             Snapshot // beneficiary dimensions at send time
	CreateTime           time.Time
	UpdateTime           time.Time
	Version              int64
}

// Snapshot holds the beneficiary's disaggregation dimensions (codes and
// bands only, nothing that identifies the person), taken when the referral
// is sent, so aggregates need no call to the beneficiaries service.
type Snapshot struct {
	Sex          string
	AgeBand      string
	LegalStatus  string
	Municipality string
}

// Etag identifies the stored version, for optimistic concurrency.
func (r *Referral) Etag() string { return etag.Of(r.Version) }

// EtagAt is the etag r is read with at now: the stored version's, marked
// "overdue" once r is overdue (Overdue), which time alone makes it, with no
// new version. So a conditional read (If-None-Match) of the etag read
// before sees it become overdue, while an action sent with that etag still
// passes (etag.Match compares the version).
func (r *Referral) EtagAt(now time.Time) string {
	if r.Overdue(now) {
		return etag.OfState(r.Version, "overdue")
	}
	return r.Etag()
}

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
	validate.Text(&v, "referral.notes", r.Notes, 4000, false)
	return v.Err()
}

// SameRequest reports whether r, the referral a request id made, is what
// the create n (prepared) asks for again: about the same person, to the
// same organisation and service, with the same category, urgency, reason,
// notes and project, and, while r is a draft, the same consent (sending
// records the consent it is sent under).
func (r *Referral) SameRequest(n *Referral) bool {
	return r.BeneficiaryID == n.BeneficiaryID && r.ToOrganisationID == n.ToOrganisationID && r.ToServiceID == n.ToServiceID &&
		r.Category == n.Category && r.Urgency == n.Urgency && r.Reason == n.Reason && r.Notes == n.Notes &&
		r.ProjectID == n.ProjectID && (r.Status != StatusDraft || r.ConsentID == n.ConsentID)
}

// Prepare fills the server-side fields of a new draft referral at now (in
// the report time zone, see DueAfter).
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
	// Stored (the column takes one), never shown: a draft is due
	// nowhere until it is sent (Due); sending sets it anew.
	r.DueTime = DueAfter(r.Urgency, now)
}

// Due is when the receiver must answer by: zero for a draft, which is due
// nowhere until sending sets its due time (README: urgency sets due_time
// from sending), and for a draft its sender cancelled, never sent.
func (r *Referral) Due() time.Time {
	if r.Status == StatusDraft || !r.WasSent() {
		return time.Time{}
	}
	return r.DueTime
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
	Category  string
	Overdue   DueFilter
}

// DueFilter narrows a list by whether its referrals are overdue (sent, not
// closed, and past due: Referral.Overdue).
type DueFilter int

const (
	AnyDue      DueFilter = iota // overdue or not
	OverdueOnly                  // only overdue referrals
	NotOverdue                   // only referrals that are not overdue
)

// Fingerprint is what a page token of the filter is bound to: true or
// false as when the filter was a bool (tokens issued then stay valid), a
// word for NotOverdue.
func (d DueFilter) Fingerprint() any {
	if d == NotOverdue {
		return "not overdue"
	}
	return d == OverdueOnly
}

// Validate checks the filter.
func (f ReferralFilter) Validate() error {
	var v errs.Violations
	validate.OneOf(&v, "status", f.Status, Statuses, false)
	validate.OneOf(&v, "category", f.Category, Categories, false)
	return v.Err()
}

// Event is one recorded transition of a referral.
type Event struct {
	ID                  int64
	ReferralID          string
	FromStatus          string // "" for the creation of the draft
	ToStatus            string
	ActorOrganisationID string // "" when the system made it (SystemClientID)
	ActorClientID       string
	Note                string
	CreateTime          time.Time
}
