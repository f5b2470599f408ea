package domain

import (
	"slices"
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
	// ServiceID and LocationID name the directory service that delivered it
	// and where; ServiceCategory is that service's category when recorded,
	// kept for counting.
	ServiceID       string
	LocationID      string
	ServiceCategory string
	// ReferralID is the referral the assistance answers.
	ReferralID string
	// VoidTime and VoidReason (one of AssistanceVoidReasons) are set when
	// the recording organisation voided it: no report counts it then.
	VoidTime   time.Time
	VoidReason string
}

// AssistanceVoidReasons are the reasons an assistance record is voided.
var AssistanceVoidReasons = []string{"wrong_beneficiary", "wrong_details", "duplicate", "not_delivered", "completion_failed"}

// VoidCompletionFailed is the void reason of a record a referral's
// completion made before it failed: only the referrals service gives it.
const VoidCompletionFailed = "completion_failed"

// CheckVoidReason checks the reason a void gives; byReferrals says the
// referrals service voids (a failed completion's record), which alone may
// give VoidCompletionFailed.
func CheckVoidReason(reason string, byReferrals bool) error {
	var v errs.Violations
	validate.OneOf(&v, "reason", reason, AssistanceVoidReasons, true)
	if reason == VoidCompletionFailed && !byReferrals {
		v.Add("reason", "ASSISTANCE_VOID_REASON_COMPLETION_FAILED is given by the referrals service to the record of a completion that failed; "+
			"give the reason the record is wrong (WRONG_BENEFICIARY, WRONG_DETAILS, DUPLICATE or NOT_DELIVERED)")
	}
	return v.Err()
}

// VoidWrongDetails is the void reason of a record whose details were
// wrong: the person was assisted, so a corrected record may replace it.
const VoidWrongDetails = "wrong_details"

// CorrectsVoided reports whether made, recorded for a person by an
// organisation whose access to them ended with the referral it answered,
// corrects a record of that referral voided as wrong_details, and returns
// that record's id: recorded are all that organisation's records of the
// person for the referral (made and the voided ones included); the one
// voided last is so voided (a correction voided again as a duplicate, or
// as not delivered, says the person was not assisted after all, whatever
// an earlier void said), and no record but made is live (one correction
// at a time).
func CorrectsVoided(recorded []*Assistance, made string) (string, bool) {
	var last *Assistance
	for _, r := range recorded {
		switch {
		case r.VoidTime.IsZero() && r.ID != made:
			return "", false
		case !r.VoidTime.IsZero() && (last == nil || r.VoidTime.After(last.VoidTime)):
			last = r
		}
	}
	if last == nil || last.VoidReason != VoidWrongDetails {
		return "", false
	}
	return last.ID, true
}

// DirectoryService is a service of the directory (the referrals service),
// as much of it as an assistance record needs.
type DirectoryService struct {
	ID             string
	OrganisationID string
	Category       string
	LocationIDs    []string
}

// Normalize canonicalises the ids of a new record.
func (a *Assistance) Normalize() {
	a.ProjectID = ids.Normalize(a.ProjectID)
	a.ServiceID = ids.Normalize(a.ServiceID)
	a.LocationID = ids.Normalize(a.LocationID)
	a.ReferralID = ids.Normalize(a.ReferralID)
}

// SameRequest reports whether a, the assistance a request id recorded,
// is what the create n (normalized) asks for again: for the same person,
// of the same type, date, project, service, location, referral and notes.
// A referral's completion records its assistance under a request id of
// its own (one per referral): byReferral says n is such a record, and a
// completion retried (after its commit failed) is the same completion
// whatever details it sends again, so that the referral has one record.
func (a *Assistance) SameRequest(n *Assistance, byReferral bool) bool {
	if a.BeneficiaryID != n.BeneficiaryID {
		return false
	}
	if byReferral && a.ReferralID != "" && a.ReferralID == n.ReferralID {
		return true
	}
	return a.Type == n.Type && a.Date == n.Date && a.ProjectID == n.ProjectID && a.ServiceID == n.ServiceID &&
		a.LocationID == n.LocationID && a.ReferralID == n.ReferralID && a.Notes == n.Notes
}

// Validate checks a new assistance record; today is the day it is in the
// report time zone (REPORT_TIME_ZONE), the last day an assistance can
// have happened on, as for a training session's attendance.
func (a *Assistance) Validate(today date.Date) error {
	var v errs.Violations
	for field, id := range map[string]string{"assistance.project_id": a.ProjectID, "assistance.service_id": a.ServiceID,
		"assistance.location_id": a.LocationID, "assistance.referral_id": a.ReferralID} {
		if id != "" && !ids.Valid(id) {
			v.Add(field, "must be a UUID")
		}
	}
	if a.LocationID != "" && a.ServiceID == "" {
		v.Add("assistance.location_id", "needs service_id: a location is one of a service's locations")
	}
	validate.OneOf(&v, "assistance.type", a.Type, AssistanceTypes, true)
	switch {
	case a.Date.IsZero():
		v.Add("assistance.date", "is required")
	case a.Date.After(today):
		v.Add("assistance.date", "must not be after today (%s in the report time zone)", today)
	default:
		date.CheckMinYear(&v, "assistance.date", a.Date)
	}
	validate.Text(&v, "assistance.notes", a.Notes, 4000, false)
	return v.Err()
}

// CheckBorn refuses an assistance to b dated before b was born: before
// the birth date, or, when only the birth year is known or the date is
// estimated, before the birth year. Counts would put it in a period the
// person did not live in yet. An organisation seeing b through a grant
// is held to the birth year, all that its view shows (Reduce), so that
// its refusals do not give the birth date away.
func (a *Assistance) CheckBorn(b *Beneficiary) error {
	var v errs.Violations
	b.checkBorn(&v, "assistance.date", a.Date, b.Access == AccessOwner)
	return v.Err()
}

// AnswersReferral checks a against the referral it names (ReferralID),
// sent on the day sent to the recording organisation for the same person;
// sent is zero when there is no such referral.
func (a *Assistance) AnswersReferral(sent date.Date) error {
	var v errs.Violations
	switch {
	case sent.IsZero():
		v.Add("assistance.referral_id", "must be a referral sent to your organisation for this beneficiary "+
			"(GET /v1/referrals?direction=DIRECTION_INCOMING lists them), or empty")
	case a.Date.Before(sent):
		v.Add("assistance.date", "must not be before the referral it answers was sent (%s)", sent)
	}
	return v.Err()
}

// checkBorn adds a violation of field when day is before b was born:
// before its birth date (when withDate and the date is not estimated),
// else before its birth year.
func (b *Beneficiary) checkBorn(v *errs.Violations, field string, day date.Date, withDate bool) {
	switch b.unbornOn(day, withDate) {
	case "date":
		v.Add(field, "must not be before the beneficiary's birth date (%s)", b.BirthDate)
	case "year":
		v.Add(field, "must not be before the beneficiary's birth year (%d)", b.BirthYear)
	}
}

// unbornOn says by what day is before b was born: "date" when it is
// before its birth date (when withDate and the date is not estimated),
// "year" when before its birth year, "" when neither.
func (b *Beneficiary) unbornOn(day date.Date, withDate bool) string {
	switch {
	case withDate && !b.BirthDate.IsZero() && !b.BirthDateEstimated && day.Before(b.BirthDate):
		return "date"
	case b.BirthYear > 0 && day.Year < b.BirthYear:
		return "year"
	}
	return ""
}

// CheckMergedStatuses adds a violation of duplicate_id when a legal
// status in the duplicate's history (history), which a merge gives the
// survivor, starts before the survivor was born (its birth date, or its
// birth year when the date is unknown or estimated): the survivor would
// hold a status from before its birth, which legal_status_since is
// refused for on any other write. The dates are not quoted, as in
// CheckMergedBirth.
func CheckMergedStatuses(v *errs.Violations, survivor *Beneficiary, history []LegalStatusChange) {
	for _, c := range history {
		if c.LegalStatus == "" {
			continue // no status: the end of one
		}
		if what := survivor.unbornOn(c.Since, true); what != "" {
			v.Add("duplicate_id", "has held a legal status (%s, history entry %s) since before the birth %s of beneficiary %s, which would get it: "+
				"correct the one that is wrong first (the duplicate's history entry or legal_status_since, or the birth)", c.LegalStatus, c.ID, what, survivor.ID)
			return
		}
	}
}

// DeliveredBy records that s (the directory's answer for a.ServiceID)
// delivered a: its location must be one of s's, and its category is kept.
// Whether the recording organisation may name s is the caller's to check.
func (a *Assistance) DeliveredBy(s DirectoryService) error {
	if a.LocationID != "" && !slices.Contains(s.LocationIDs, a.LocationID) {
		var v errs.Violations
		v.Add("assistance.location_id", "is not a location of service %s; its locations are listed at GET /v1/services/%s", s.ID, s.ID)
		return v.Err()
	}
	a.ServiceCategory = s.Category
	return nil
}
