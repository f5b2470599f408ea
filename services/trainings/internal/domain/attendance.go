package domain

import (
	"fmt"
	"strings"

	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/ids"
)

// Mark is a participant's presence at one session.
type Mark struct {
	ParticipantID string
	Present       bool
	// BeneficiaryID is the participant's beneficiary, on marks read back
	// ("" for a professional).
	BeneficiaryID string
	// BeneficiaryErased tells, on marks read back, that the beneficiary
	// was erased (the participation is anonymous).
	BeneficiaryErased bool
	// Changed tells, on marks read back after they were recorded, that
	// the call recorded the mark anew or changed it (not the same mark
	// recorded again).
	Changed bool
	// WasPresent tells, on marks read back after they were recorded,
	// whether the participant was present at the session before the call
	// (false for a mark recorded anew).
	WasPresent bool
}

// Moved is how the mark moved the participant's sessions attended: 1 made
// present, -1 made absent, 0 recorded as it was or absent anew.
func (m Mark) Moved() int {
	switch {
	case m.Present && !m.WasPresent:
		return 1
	case !m.Present && m.WasPresent:
		return -1
	}
	return 0
}

// maxMarks bounds one attendance request.
const maxMarks = 1000

// ValidateMarks checks and normalises the marks of one request: each names a
// participant once.
func ValidateMarks(marks []Mark) error {
	var v errs.Violations
	switch {
	case len(marks) == 0:
		v.Add("marks", "is required")
	case len(marks) > maxMarks:
		v.Add("marks", "at most %d marks per request", maxMarks)
	}
	seen := map[string]bool{}
	for i := range marks {
		field := fmt.Sprintf("marks[%d].participant_id", i)
		id := ids.Normalize(marks[i].ParticipantID)
		switch {
		case id == "":
			v.Add(field, "is required")
		case !ids.Valid(id):
			v.Add(field, "must be a UUID")
		case seen[id]:
			v.Add(field, "participant %s marked twice", id)
		}
		seen[id] = true
		marks[i].ParticipantID = id
	}
	return v.Err()
}

// ReasonSessionNotHeld is the ErrorInfo reason of a present mark at a
// session not held yet.
const ReasonSessionNotHeld = "SESSION_NOT_HELD"

// Held reports whether s has been held by today (a day in the report time
// zone): its day is today or before.
func (s *Session) Held(today date.Date) bool { return !s.Date.After(today) }

// NotHeldMessage says why nobody is present at s yet.
func (s *Session) NotHeldMessage() string {
	return fmt.Sprintf("the session of %s has not been held yet: nobody is present at it before its day "+
		"(a participant marked present in advance would count as trained, and be certified, before the event took place)", s.Date)
}

// CheckMarks refuses present marks at s before it is held by today
// (FAILED_PRECONDITION, ReasonSessionNotHeld); absent marks are taken.
func (s *Session) CheckMarks(marks []Mark, today date.Date) error {
	if s.Held(today) {
		return nil
	}
	for _, m := range marks {
		if m.Present {
			return errs.FailedPrecondition(ReasonSessionNotHeld, "%s", s.NotHeldMessage())
		}
	}
	return nil
}

// SortKey orders sessions in programme order (date, start time, id) for
// keyset pagination.
func (s *Session) SortKey() string {
	start := s.StartTime
	if start == "" {
		start = "00:00"
	}
	return s.Date.String() + "|" + start + "|" + s.ID
}

// ParseSessionKey reads a SortKey back; ok is false for a malformed key.
func ParseSessionKey(key string) (d date.Date, start, id string, ok bool) {
	parts := strings.Split(key, "|")
	if len(parts) != 3 {
		return d, "", "", false
	}
	d, err := date.Parse(parts[0])
	if err != nil || !ids.Valid(parts[2]) || len(parts[1]) != 5 {
		return d, "", "", false
	}
	return d, parts[1], parts[2], true
}
