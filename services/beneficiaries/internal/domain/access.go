package domain

import (
	"fmt"
	"regexp"

	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/validate"
)

// AccessCheck is how an organisation sees a beneficiary now.
type AccessCheck struct {
	// Access is AccessOwner, AccessGranted, or "" when the grant asked
	// about ended (EndedReason says why).
	Access      string
	EndedReason string
	ConsentID   string
}

// Read is data of a beneficiary another service returned to a reader,
// through one of its resources ("referrals/{id}").
type Read struct {
	BeneficiaryID string
	Resource      string
}

// maxReads bounds one RecordAccess call (a page of a list is at most 100).
const maxReads = 1000

var auditCode = regexp.MustCompile(`^[a-z][a-z0-9_.:]{0,99}$`)

// ValidateReads checks the reads another service reports: an action code,
// field codes, and valid beneficiary ids and resource names.
func ValidateReads(action string, fields []string, reads []Read) error {
	var v errs.Violations
	if !auditCode.MatchString(action) {
		v.Add("action", "must be a lower-case code such as referral.read")
	}
	for i, f := range fields {
		if !auditCode.MatchString(f) {
			v.Add(fmt.Sprintf("fields[%d]", i), "must be a lower-case code such as referral.reason")
		}
	}
	switch {
	case len(reads) == 0:
		v.Add("resources", "is required")
	case len(reads) > maxReads:
		v.Add("resources", "must have at most %d entries", maxReads)
	}
	for i, r := range reads {
		f := fmt.Sprintf("resources[%d]", i)
		if !ids.Valid(ids.Normalize(r.BeneficiaryID)) {
			v.Add(f+".beneficiary_id", "must be a UUID")
		}
		validate.Text(&v, f+".resource", r.Resource, 200, true)
	}
	return v.Err()
}
