// Package ids creates and checks the UUIDv7 identifiers of every resource.
package ids

import (
	"strings"

	"github.com/google/uuid"
	"github.com/spona/spona/pkg/errs"
)

// New returns a new time-ordered UUIDv7 string.
func New() string { return uuid.Must(uuid.NewV7()).String() }

// Valid reports whether s is a UUID in canonical form.
func Valid(s string) bool {
	if len(s) != 36 {
		return false
	}
	_, err := uuid.Parse(s)
	return err == nil
}

// Normalize lower-cases a UUID so lookups match however a client spelled it.
func Normalize(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Check validates a required id field of a request.
func Check(field, id string) error {
	var v errs.Violations
	if id == "" {
		v.Add(field, "is required")
	} else if !Valid(id) {
		v.Add(field, "must be a UUID")
	}
	return v.Err()
}
