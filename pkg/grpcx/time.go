package grpcx

import (
	"time"

	"github.com/spona/spona/pkg/errs"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Time returns a request's optional timestamp field: the zero time when
// it is unset, a violation of field when it is out of Timestamp's range
// (a JSON client cannot send one; a gRPC client can).
func Time(v *errs.Violations, field string, ts *timestamppb.Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	if err := ts.CheckValid(); err != nil {
		v.Add(field, "is not a valid timestamp")
		return time.Time{}
	}
	return ts.AsTime()
}
