// Package etag is optimistic concurrency, one way for every service
// (AIP-154): a versioned resource's etag is W/"<version>"; an update
// (PATCH) must send the etag it read (ETAG_REQUIRED otherwise), and any
// other etag is refused with ETAG_MISMATCH, both ABORTED (HTTP 409); a
// custom method or a delete may send one, checked only when given.
//
// A service checks the etag after the change has validated (a bad change is
// INVALID_ARGUMENT whatever its etag) and before it asks other services or
// stores it; the store checks the version again (Mismatch when it moved).
package etag

import (
	"strconv"

	"github.com/spona/spona/pkg/errs"
)

// Reasons of the errors in google.rpc.ErrorInfo (pkg/i18n localizes them).
const (
	ReasonMismatch = "ETAG_MISMATCH"
	ReasonRequired = "ETAG_REQUIRED"
)

// Of returns the etag of a stored version: a weak entity tag, W/"<version>".
func Of(version int64) string { return `W/"` + strconv.FormatInt(version, 10) + `"` }

// Mismatch is the error for a stale etag, also when a concurrent change is
// found while writing (the stored version moved since it was read).
func Mismatch() error {
	return &errs.Error{Kind: errs.KindAborted, Reason: ReasonMismatch,
		Message: "the resource was changed since it was read (stale etag): read it again and send its current etag"}
}

// Require checks the etag of an update: given must be the etag of version.
// An empty etag is refused (ABORTED, ETAG_REQUIRED, a violation naming
// field); any other etag is a Mismatch.
func Require(field, given string, version int64) error {
	if given == "" {
		return &errs.Error{Kind: errs.KindAborted, Reason: ReasonRequired,
			Message:    "the etag of the version read is required to change it",
			Violations: []errs.FieldViolation{{Field: field, Description: "is required"}}}
	}
	return Match(given, version)
}

// Match checks an optional etag: nil when given is empty or the etag of
// version, Mismatch otherwise.
func Match(given string, version int64) error {
	if given == "" || given == Of(version) {
		return nil
	}
	return Mismatch()
}
