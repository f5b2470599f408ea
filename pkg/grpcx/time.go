package grpcx

import (
	"time"

	"github.com/spona/spona/pkg/errs"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The bounds of a google.protobuf.Timestamp: 0001-01-01T00:00:00Z and
// 9999-12-31T23:59:59Z, in seconds of the Unix epoch.
const (
	minTimestampSeconds = -62135596800
	maxTimestampSeconds = 253402300799
)

// Time reads a timestamp field of a request, the one way every port does
// (its cases are timestamppb's CheckValid's, told apart, and the zero time):
//
//   - unset (nil): the zero time, which the domains take for "not given";
//   - 0001-01-01T00:00:00Z, the zero time itself (what a client writes for
//     a time it never set): a violation, since it would read as unset (a
//     consent given now, a window without an end);
//   - seconds out of Timestamp's range, or nanos outside 0 to 999,999,999
//     (a JSON client cannot send either; a gRPC client can): a violation;
//   - otherwise the time, in UTC.
//
// A refused field is named field and read as the zero time; the caller
// answers v.Err() before using it. pkg/i18n localizes each description.
func Time(v *errs.Violations, field string, ts *timestamppb.Timestamp) time.Time {
	switch {
	case ts == nil:
		return time.Time{}
	case ts.GetNanos() < 0 || ts.GetNanos() > 999_999_999:
		v.Add(field, "is not a valid timestamp: its nanos must be between 0 and 999999999")
	case ts.GetSeconds() < minTimestampSeconds || ts.GetSeconds() > maxTimestampSeconds:
		v.Add(field, "must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999999Z")
	case ts.GetSeconds() == minTimestampSeconds && ts.GetNanos() == 0:
		v.Add(field, "must not be 0001-01-01T00:00:00Z, the zero time; leave the field unset instead")
	default:
		return ts.AsTime()
	}
	return time.Time{}
}

// Duration reads a duration field of a request: 0 when unset (the caller
// tells unset from 0s by the field itself), a violation of field when it
// is not a valid google.protobuf.Duration (seconds beyond ±10,000 years,
// nanos out of range or of the other sign; only a gRPC client can send
// one).
func Duration(v *errs.Violations, field string, d *durationpb.Duration) time.Duration {
	if d == nil {
		return 0
	}
	if d.CheckValid() != nil {
		v.Add(field, "is not a valid duration")
		return 0
	}
	return d.AsDuration()
}
