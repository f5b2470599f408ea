package domain

import (
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/validate"
)

// Who a participant count counts.
const (
	KindProfessional = "professional"
	KindBeneficiary  = "beneficiary"
)

// How far the counted participants got at an event: registered, trained
// (completed: attendance reaching the event's completion threshold, see
// Attendance.Completes) or certified (holds a certificate of an event
// completed, as its attendance and threshold stand: so never more than
// trained).
const (
	StageRegistered = "registered"
	StageTrained    = "trained"
	StageCertified  = "certified"
)

var (
	kinds  = []string{KindProfessional, KindBeneficiary}
	stages = []string{StageRegistered, StageTrained, StageCertified}
)

// ValidateCount checks the kind and stage of a participant count.
func ValidateCount(kind, stage string) error {
	var v errs.Violations
	validate.OneOf(&v, "kind", kind, kinds, true)
	validate.OneOf(&v, "stage", stage, stages, true)
	return v.Err()
}

// The dimensions a count of beneficiary participants may be broken down
// by. The trainings service holds the events and registrations: the event
// type and municipality, the organisation that registered the participant
// at the event (the organiser) and its kind in the directory. It does not
// hold the person: their sex, age band and legal status (PersonDimensions)
// are counted by the beneficiaries service, over the participants' ids
// (see Cohort).
var (
	BeneficiaryDimensions = []string{"event_type", "municipality", "organisation", "organisation_kind", "sex", "age_band", "legal_status"}
	PersonDimensions      = []string{"sex", "age_band", "legal_status"}
)

// DimOrganisationKind is the dimension of the organisation's directory
// kind; DimAgeBand the one counted in each member's AgeYear,
// DimLegalStatus the one counted on each member's StatusDate.
const (
	DimOrganisationKind = "organisation_kind"
	DimAgeBand          = "age_band"
	DimLegalStatus      = "legal_status"
)

// A Cohort is a group of beneficiary participants sharing the values of
// the dimensions the trainings service counts by (Labels), for the
// beneficiaries service to count by the persons' own data.
type Cohort struct {
	Labels  map[string]string
	Members []CohortMember
}

// CohortMember is a beneficiary participant of a cohort, the organisers
// of the events they took part in (who registered them there, and so
// could see them), the year the first of those events started, the year
// their age band is taken in, and the day the last of them started, the
// day their legal status is taken on (the status they had when they last
// took part).
type CohortMember struct {
	BeneficiaryID string
	Organisers    []string
	AgeYear       int
	StatusDate    date.Date
}

// HeldBy is the end of the period of a count of events held, asked to
// end on to (zero: open), when today is the day it is (in the report time
// zone): an event is held once it has started, so one planned for after
// today is not counted, whatever period is asked for (a funder's report
// covers the project's planned span, which runs into the future).
func HeldBy(to, today date.Date) date.Date {
	if to.IsZero() || to.After(today) {
		return today
	}
	return to
}

// CountMembers returns how many distinct persons the cohorts hold.
func CountMembers(cohorts []Cohort) int64 {
	seen := map[string]bool{}
	for _, c := range cohorts {
		for _, m := range c.Members {
			seen[m.BeneficiaryID] = true
		}
	}
	return int64(len(seen))
}
