// Package errs holds the domain error vocabulary shared by every service.
//
// Domain and application code return these errors; the gRPC port maps them to
// status codes (see grpcx), and the database adapters translate PostgreSQL
// errors into them (see db). Nothing here knows about transport or SQL.
package errs

import (
	"errors"
	"fmt"
	"strings"
)

// Kind classifies an error by what the caller can do about it.
type Kind int

const (
	KindInternal           Kind = iota // a bug or an unexpected failure; not the caller's fault
	KindInvalidArgument                // the request itself is wrong
	KindNotFound                       // the resource does not exist or is not visible to the caller
	KindAlreadyExists                  // a unique key is taken
	KindFailedPrecondition             // the request is valid but the system is not in a state to accept it
	KindAborted                        // a concurrency conflict, e.g. a stale etag
	KindPermissionDenied               // the caller is known but may not do this
	KindUnauthenticated                // the caller is not known
	KindUnavailable                    // a dependency is down; retrying may help
	KindOutOfRange                     // a position (cursor, page) past what is still available
)

func (k Kind) String() string {
	switch k {
	case KindInvalidArgument:
		return "invalid argument"
	case KindNotFound:
		return "not found"
	case KindAlreadyExists:
		return "already exists"
	case KindFailedPrecondition:
		return "failed precondition"
	case KindAborted:
		return "aborted"
	case KindPermissionDenied:
		return "permission denied"
	case KindUnauthenticated:
		return "unauthenticated"
	case KindUnavailable:
		return "unavailable"
	case KindOutOfRange:
		return "out of range"
	default:
		return "internal"
	}
}

// FieldViolation names one bad field of a request.
type FieldViolation struct {
	Field       string // path in the request, e.g. "beneficiary.birth_date"
	Description string
}

// ReasonRequestIDReused is the reason of the InvalidArgument error for a
// request id (Idempotency-Key) sent again with a different request (a
// spreadsheet import's other file or options); the edge answers it 422,
// as it does an Idempotency-Key reused for a different request.
const ReasonRequestIDReused = "REQUEST_ID_REUSED"

// RequestIDReused is the error of a create whose request id made
// something else before: made says what ("register beneficiary <id>"). A
// create is answered with what its request id made only when it asks for
// that again (each resource's SameRequest says when); answering another
// request with it would tell the caller its record was made when it was
// not.
func RequestIDReused(made string) *Error {
	return &Error{Kind: KindInvalidArgument, Reason: ReasonRequestIDReused,
		Message: "the request id (Idempotency-Key) was used to " + made + "; use a new one for another request"}
}

// ReasonUploadInProgress is the reason of the Aborted error (409) for an
// upload repeating one (the same request id, or the same file and
// options) whose rows are still being read; the edge adds Retry-After, as
// for an Idempotency-Key whose first request is in progress.
const ReasonUploadInProgress = "UPLOAD_IN_PROGRESS"

// ReasonRequestInProgress is the reason of the Aborted error (409) for a
// request whose Idempotency-Key another attempt of it holds, still running;
// the edge adds Retry-After: the same request, sent again, gets that
// attempt's answer.
const ReasonRequestInProgress = "REQUEST_IN_PROGRESS"

// ReasonConcurrentUpdate is the reason of the Aborted error (409) of a
// change that ran into another at the same moment (a deadlock, a
// serialization failure): the same request may succeed when retried, so
// the edge adds Retry-After and keeps no copy of it for Idempotency-Key
// replay (unlike a stale etag's 409, which every retry gets).
const ReasonConcurrentUpdate = "CONCURRENT_UPDATE"

// ConcurrentUpdate is the error of a change that ran into another (cause)
// and may be retried as it is.
func ConcurrentUpdate(cause error) *Error {
	return &Error{Kind: KindAborted, Reason: ReasonConcurrentUpdate, Message: "concurrent update; retry", cause: cause}
}

// Error is a classified error with a message safe to show to the caller.
type Error struct {
	Kind       Kind
	Message    string
	Violations []FieldViolation
	// Reason is a short UPPER_SNAKE code for machines, e.g. "ETAG_MISMATCH".
	Reason string
	// Metadata qualifies Reason for machines (google.rpc.ErrorInfo metadata),
	// e.g. the oldest cursor still available.
	Metadata map[string]string
	cause    error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Message)
	for i, v := range e.Violations {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(v.Field)
		b.WriteString(": ")
		b.WriteString(v.Description)
	}
	if e.cause != nil {
		b.WriteString(": ")
		b.WriteString(e.cause.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.cause }

// Is lets errors.Is(err, errs.NotFound) style checks match on kind.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	return t.Message == "" && t.Kind == e.Kind && t.Reason == "" && len(t.Violations) == 0
}

// Sentinels for errors.Is checks by kind.
var (
	ErrNotFound           = &Error{Kind: KindNotFound}
	ErrAlreadyExists      = &Error{Kind: KindAlreadyExists}
	ErrInvalidArgument    = &Error{Kind: KindInvalidArgument}
	ErrFailedPrecondition = &Error{Kind: KindFailedPrecondition}
	ErrAborted            = &Error{Kind: KindAborted}
	ErrPermissionDenied   = &Error{Kind: KindPermissionDenied}
	ErrUnavailable        = &Error{Kind: KindUnavailable}
)

// New returns a classified error.
func New(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns a classified error that keeps cause for logs; only message is
// shown to the caller.
func Wrap(kind Kind, cause error, message string) *Error {
	return &Error{Kind: kind, Message: message, cause: cause}
}

// NotFound reports that a resource of the given type does not exist or is not
// visible to the caller. The two cases are deliberately indistinguishable.
func NotFound(resource, id string) *Error {
	return &Error{Kind: KindNotFound, Message: fmt.Sprintf("%s %q not found", resource, id)}
}

// FailedPrecondition reports a request the current state does not allow.
func FailedPrecondition(reason, format string, args ...any) *Error {
	return &Error{Kind: KindFailedPrecondition, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// PermissionDenied reports an authenticated caller lacking a right.
func PermissionDenied(format string, args ...any) *Error {
	return &Error{Kind: KindPermissionDenied, Message: fmt.Sprintf(format, args...)}
}

// KindOf returns the kind of err, KindInternal when it carries none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// Violations collects field violations while validating a request.
type Violations []FieldViolation

// Add records a violation of field.
func (v *Violations) Add(field, format string, args ...any) {
	*v = append(*v, FieldViolation{Field: field, Description: fmt.Sprintf(format, args...)})
}

// Err returns nil when nothing was recorded, otherwise an InvalidArgument
// error carrying every violation.
func (v Violations) Err() error {
	if len(v) == 0 {
		return nil
	}
	return &Error{Kind: KindInvalidArgument, Message: "invalid request", Violations: v}
}

// Required reports a missing required field.
func Required(field string) error {
	var v Violations
	v.Add(field, "is required")
	return v.Err()
}
