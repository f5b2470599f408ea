// Package statustest reads what a gRPC status error says, for tests: its
// code, the fields its google.rpc.BadRequest names and the reason of its
// google.rpc.ErrorInfo. Every service's tests assert errors with it.
package statustest

import (
	"testing"

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
