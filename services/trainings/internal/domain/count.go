package domain

import (
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
// Attendance.Completes) or certified.
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
