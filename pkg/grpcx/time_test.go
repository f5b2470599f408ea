package grpcx_test

import (
	"testing"
	"time"

	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/grpcx"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// TestTime: a timestamp field is read as the time it holds (in UTC, to the
// nanosecond, at both ends of the range but the zero time), unset as the
// zero time without a violation, and refused with a violation naming the
// field, read as the zero time, when it is the zero time itself, out of
// range, or has nanos out of range.
func TestTime(t *testing.T) {
	const zero = -62135596800 // 0001-01-01T00:00:00Z
	for _, c := range []struct {
		name string
		ts   *timestamppb.Timestamp
		want time.Time
		desc string // the violation's description; "" for none
	}{
		{"unset", nil, time.Time{}, ""},
		{"epoch", &timestamppb.Timestamp{}, time.Unix(0, 0).UTC(), ""},
		{"a time", timestamppb.New(time.Date(2026, 12, 8, 1, 2, 3, 4, time.FixedZone("CET", 3600))),
			time.Date(2026, 12, 8, 0, 2, 3, 4, time.UTC), ""},
		{"just after the zero time", &timestamppb.Timestamp{Seconds: zero, Nanos: 1}, time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC), ""},
		{"the last instant", &timestamppb.Timestamp{Seconds: 253402300799, Nanos: 999_999_999},
			time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC), ""},
		{"the zero time", &timestamppb.Timestamp{Seconds: zero}, time.Time{},
			"must not be 0001-01-01T00:00:00Z, the zero time; leave the field unset instead"},
		{"before year 1", &timestamppb.Timestamp{Seconds: zero - 1, Nanos: 999_999_999}, time.Time{},
			"must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999999Z"},
		{"after year 9999", &timestamppb.Timestamp{Seconds: 253402300800}, time.Time{},
			"must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999999Z"},
		{"negative nanos", &timestamppb.Timestamp{Seconds: 10, Nanos: -1}, time.Time{},
			"is not a valid timestamp: its nanos must be between 0 and 999999999"},
		{"a second of nanos", &timestamppb.Timestamp{Seconds: 10, Nanos: 1_000_000_000}, time.Time{},
			"is not a valid timestamp: its nanos must be between 0 and 999999999"},
		{"nanos of the zero time", &timestamppb.Timestamp{Seconds: zero, Nanos: -1}, time.Time{},
			"is not a valid timestamp: its nanos must be between 0 and 999999999"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var v errs.Violations
			got := grpcx.Time(&v, "consent.expire_time", c.ts)
			if !got.Equal(c.want) || got.Location() != time.UTC {
				t.Errorf("time %v (%v), want %v", got, got.Location(), c.want)
			}
			switch {
			case c.desc == "" && len(v) != 0:
				t.Errorf("violations %v, want none", v)
			case c.desc != "" && (len(v) != 1 || v[0].Field != "consent.expire_time" || v[0].Description != c.desc):
				t.Errorf("violations %v, want consent.expire_time: %s", v, c.desc)
			}
		})
	}
}

// TestDuration: a duration field is read as its duration, unset as 0, and
// refused with a violation naming the field when it is not a valid
// google.protobuf.Duration.
func TestDuration(t *testing.T) {
	for _, c := range []struct {
		name string
		d    *durationpb.Duration
		want time.Duration
		bad  bool
	}{
		{"unset", nil, 0, false},
		{"zero", &durationpb.Duration{}, 0, false},
		{"an hour and a half", durationpb.New(90 * time.Minute), 90 * time.Minute, false},
		{"negative", durationpb.New(-time.Second), -time.Second, false},
		{"nanos of the other sign", &durationpb.Duration{Seconds: 1, Nanos: -1}, 0, true},
		{"a second of nanos", &durationpb.Duration{Nanos: 1_000_000_000}, 0, true},
		{"over 10,000 years", &durationpb.Duration{Seconds: 315576000001}, 0, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var v errs.Violations
			got := grpcx.Duration(&v, "overlap", c.d)
			if got != c.want {
				t.Errorf("duration %v, want %v", got, c.want)
			}
			if bad := len(v) == 1 && v[0].Field == "overlap" && v[0].Description == "is not a valid duration"; bad != c.bad || len(v) > 1 {
				t.Errorf("violations %v, want a bad overlap: %v", v, c.bad)
			}
		})
	}
}
