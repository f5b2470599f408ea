// Package etag is optimistic concurrency, one way for every service
// (AIP-154): a versioned resource's etag is W/"<version>"; an update
// (PATCH) must send the etag it read (ETAG_REQUIRED otherwise), and the
// etag of another version is refused with ETAG_MISMATCH, both ABORTED (HTTP
// 409); a custom method or a delete may send one, checked only when given.
// A value that is no etag of this form ("5", "garbage") was never read
// from any resource: it is INVALID_ARGUMENT (400) naming the field, not a
// conflict that reading again would resolve.
//
// A service checks the etag after the change has validated (a bad change is
// INVALID_ARGUMENT whatever its etag) and before it asks other services or
// stores it; the store checks the version again (Mismatch when it moved).
package etag

import (
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/spona/spona/pkg/errs"
)

// Reasons of the errors in google.rpc.ErrorInfo (pkg/i18n localizes them).
const (
	ReasonMismatch = "ETAG_MISMATCH"
	ReasonRequired = "ETAG_REQUIRED"
)

// Of returns the etag of a stored version: a weak entity tag, W/"<version>".
func Of(version int64) string { return `W/"` + strconv.FormatInt(version, 10) + `"` }

// OfState returns the etag of a stored version whose representation also
// shows a state derived at read time, which changes without a new version
// (a referral that became overdue because time passed): W/"<version>-<state>",
// or Of(version) when state is "". state is lowercase letters. A
// conditional read compares the whole tag (Same), so a client holding the
// etag read before sees the change; a change made against either tag
// checks the version alone (Match, Version), so it still passes: the
// stored data it was read from is unchanged.
func OfState(version int64, state string) string {
	if state == "" {
		return Of(version)
	}
	return `W/"` + strconv.FormatInt(version, 10) + "-" + state + `"`
}

// OfView returns the etag of a stored version as read in a view: what a
// reader's answer depends on beyond the version (a funder reads an
// indicator suppressed at the project's threshold, over its planned span),
// written as one string, "" for a reader whose answer is the version
// alone. The view goes into the tag as a state (OfState) of lowercase
// letters that a change of the view changes (a digest: the tag names no
// threshold), so a conditional read (If-None-Match) made with the etag
// read in another view gets the answer, not 304; a change made against
// it still checks the version alone. The etag of a view "" is Of(version).
func OfView(version int64, view string) string {
	if view == "" {
		return Of(version)
	}
	h := fnv.New64a()
	h.Write([]byte(view))
	n := h.Sum64()
	state := make([]byte, viewLetters)
	for i := range state {
		state[i] = byte('a' + n%26)
		n /= 26
	}
	return OfState(version, string(state))
}

// viewLetters is the length of a view's state in its etag (OfView): 26^13
// (about 2^61) states, so two views of one version are told apart.
const viewLetters = 13

// Mismatch is the error for a stale etag, also when a concurrent change is
// found while writing (the stored version moved since it was read).
func Mismatch() error {
	return &errs.Error{Kind: errs.KindAborted, Reason: ReasonMismatch,
		Message: "the resource was changed since it was read (stale etag): read it again and send its current etag"}
}

// Require checks the etag of an update: given must be the etag of version.
// An empty etag is refused (ABORTED, ETAG_REQUIRED, a violation naming
// field); a malformed one is Malformed; the etag of another version is a
// Mismatch.
func Require(field, given string, version int64) error {
	if given == "" {
		return &errs.Error{Kind: errs.KindAborted, Reason: ReasonRequired,
			Message:    "the etag of the version read is required to change it",
			Violations: []errs.FieldViolation{{Field: field, Description: "is required"}}}
	}
	return Match(field, given, version)
}

// Match checks an optional etag in field: nil when given is empty or the
// etag of version, Malformed when it is no etag at all, Mismatch
// otherwise.
// The etag of the version in a derived state (OfState) is the version's.
func Match(field, given string, version int64) error {
	if given == "" || given == Of(version) {
		return nil
	}
	if !WellFormed(given) {
		return Malformed(field)
	}
	if n, _ := Version(given); n == version {
		return nil
	}
	return Mismatch()
}

// Malformed is the error for a value in field that is no etag this system
// hands out (W/"<version>"): INVALID_ARGUMENT with a violation naming it.
func Malformed(field string) error {
	return &errs.Error{Kind: errs.KindInvalidArgument,
		Message: "not an etag: send the etag as read from the resource",
		Violations: []errs.FieldViolation{{Field: field,
			Description: `must be an etag as read from the resource, W/"<version>"`}}}
}

// WellFormed reports whether s is W/"<version>" or W/"<version>-<state>"
// for some version: an etag this system hands out (the form a body's etag
// field takes).
func WellFormed(s string) bool {
	_, ok := Version(s)
	return ok && strings.HasPrefix(s, "W/")
}

// Version returns the version an entity tag of an HTTP precondition
// (If-Match, If-None-Match) names. It compares as RFC 9110's weak
// comparison does (section 8.8.3.2): the opaque tag counts, weak or not,
// so W/"7" and "7" both name version 7, as W/"7-overdue" does (OfState).
// It reports false for a tag this system never hands out ("abc", W/"07",
// *).
func Version(tag string) (int64, bool) {
	v, ok := opaque(tag)
	if !ok {
		return 0, false
	}
	if n, state, cut := strings.Cut(v, "-"); cut {
		if state == "" || strings.TrimFunc(state, func(r rune) bool { return 'a' <= r && r <= 'z' }) != "" {
			return 0, false
		}
		v = n
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || strconv.FormatInt(n, 10) != v {
		return 0, false
	}
	return n, true
}

// opaque returns the quoted text of an entity tag, weak (W/"…") or not.
func opaque(tag string) (string, bool) {
	v, ok := strings.CutPrefix(strings.TrimPrefix(tag, "W/"), `"`)
	if !ok {
		return "", false
	}
	return strings.CutSuffix(v, `"`)
}

// Same reports whether two entity tags are one by RFC 9110's weak
// comparison (section 8.8.3.2), the comparison of a conditional read
// (If-None-Match): their quoted text is equal, weak or not, so W/"7" and
// "7" are one, W/"7" and W/"7-overdue" (OfState) two. Tags this system
// never hands out are no etag of any resource: never the same.
func Same(a, b string) bool {
	if _, ok := Version(a); !ok {
		return false
	}
	x, _ := opaque(a)
	y, ok := opaque(b)
	return ok && x == y
}
