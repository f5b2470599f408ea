// Package statustest reads what a gRPC status error says, for tests: its
// code, the fields its google.rpc.BadRequest names and the reason of its
// google.rpc.ErrorInfo, and (WantError) the domain errors use-case tests
// get before they become a status. Every service's tests assert errors
// with it.
package statustest

import (
	"errors"
	"slices"
	"testing"

	"github.com/spona/spona/pkg/errs"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Code returns the status code of err (OK for nil, Unknown for an error
// that is not a status).
func Code(err error) codes.Code { return status.Code(err) }

// Reason returns the reason of err's google.rpc.ErrorInfo, "" when it has
// none.
func Reason(err error) string { return Info(err).GetReason() }

// Info returns err's google.rpc.ErrorInfo, nil when it has none.
func Info(err error) *errdetails.ErrorInfo {
	for _, d := range status.Convert(err).Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info
		}
	}
	return nil
}

// Violations returns the fields err's google.rpc.BadRequest names, in
// order.
func Violations(err error) []string {
	var fields []string
	for _, fv := range FieldViolations(err) {
		fields = append(fields, fv.GetField())
	}
	return fields
}

// Descriptions returns the description of each field err's
// google.rpc.BadRequest names.
func Descriptions(err error) map[string]string {
	out := map[string]string{}
	for _, fv := range FieldViolations(err) {
		out[fv.GetField()] = fv.GetDescription()
	}
	return out
}

// FieldViolations returns the field violations of err's
// google.rpc.BadRequest.
func FieldViolations(err error) []*errdetails.BadRequest_FieldViolation {
	var out []*errdetails.BadRequest_FieldViolation
	for _, d := range status.Convert(err).Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			out = append(out, br.GetFieldViolations()...)
		}
	}
	return out
}

// Want fails the test unless err is a status with code; what says which
// call it was (the failure names the line in any case).
func Want(t testing.TB, err error, code codes.Code, what string) {
	t.Helper()
	if status.Code(err) != code {
		t.Fatalf("%sgot %v, want %v", prefix(what), err, code)
	}
}

func prefix(what string) string {
	if what == "" {
		return ""
	}
	return what + ": "
}

// WantReason fails the test unless err is a status with code and an
// google.rpc.ErrorInfo with reason.
func WantReason(t testing.TB, err error, code codes.Code, reason, what string) {
	t.Helper()
	if status.Code(err) != code || Reason(err) != reason {
		t.Fatalf("%sgot %v (reason %q), want %v %s", prefix(what), err, Reason(err), code, reason)
	}
}

// WantError fails the test unless err is an *errs.Error (the domain's
// error, before it becomes a status) of kind, with reason when reason is
// not "" and naming exactly the fields violations lists when it is not
// nil. Use-case tests assert the application's errors with it.
func WantError(t testing.TB, err error, kind errs.Kind, reason string, violations []string) {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != kind || (reason != "" && e.Reason != reason) {
		t.Fatalf("got %v, want kind %v reason %q", err, kind, reason)
	}
	fields := make([]string, 0, len(e.Violations))
	for _, v := range e.Violations {
		fields = append(fields, v.Field)
	}
	if violations != nil && !slices.Equal(fields, violations) {
		t.Errorf("violations %v, want %v", fields, violations)
	}
}
