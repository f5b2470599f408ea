package grpcx

import (
	"fmt"

	"github.com/spona/spona/pkg/errs"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// FromDownstream translates the error of a call to another Spona service
// about resource id into the domain vocabulary, so the caller sees what it
// can act on: not found stays not found, an outage is unavailable (retry),
// and anything else is an internal error whose details stay in the logs.
func FromDownstream(err error, resource, id string) error {
	if err == nil {
		return nil
	}
	st, ok := status.FromError(err)
	if !ok {
		return errs.Wrap(errs.KindInternal, err, "calling "+resource+" service")
	}
	switch st.Code() {
	case codes.NotFound:
		return errs.NotFound(resource, id)
	case codes.Unavailable, codes.DeadlineExceeded, codes.ResourceExhausted:
		return errs.Wrap(errs.KindUnavailable, err, resource+" service unavailable; retry later")
	case codes.PermissionDenied:
		return errs.Wrap(errs.KindPermissionDenied, err, fmt.Sprintf("not allowed to read %s", resource))
	case codes.Unauthenticated:
		return errs.Wrap(errs.KindUnauthenticated, err, "credentials refused by "+resource+" service")
	case codes.Canceled:
		return errs.Wrap(errs.KindUnavailable, err, "request cancelled")
	default:
		return errs.Wrap(errs.KindInternal, err, "calling "+resource+" service")
	}
}

// Reason returns the google.rpc.ErrorInfo reason of a status error from
// another Spona service ("" when it carries none), so a caller can act on
// the machine-readable cause (CONSENT_WITHDRAWN, BENEFICIARY_ERASED, ...).
func Reason(err error) string {
	st, ok := status.FromError(err)
	if !ok {
		return ""
	}
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info.GetReason()
		}
	}
	return ""
}
