package grpcx

import (
	"github.com/spona/spona/pkg/errs"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// relayed are the codes of another service's verdict on input the caller
// gave, which the caller must see as given.
var relayed = map[codes.Code]errs.Kind{
	codes.InvalidArgument:    errs.KindInvalidArgument,
	codes.FailedPrecondition: errs.KindFailedPrecondition,
	codes.PermissionDenied:   errs.KindPermissionDenied,
	codes.AlreadyExists:      errs.KindAlreadyExists,
	codes.Aborted:            errs.KindAborted,
}

// Relay is FromDownstream for a call that carries the caller's own input,
// such as a record it asked for that another service stores: that
// service's refusal of the input (invalid argument with its field
// violations, failed precondition or aborted with its reason, permission
// denied) reaches the caller with its message and details, since it is
// the caller's to fix. Anything else is classified as FromDownstream does.
func Relay(err error, resource, id string) error {
	st, ok := status.FromError(err)
	if !ok || err == nil {
		return FromDownstream(err, resource, id)
	}
	kind, ok := relayed[st.Code()]
	if !ok {
		return FromDownstream(err, resource, id)
	}
	out := &errs.Error{Kind: kind, Message: st.Message()}
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.BadRequest:
			for _, fv := range d.GetFieldViolations() {
				out.Violations = append(out.Violations, errs.FieldViolation{Field: fv.GetField(), Description: fv.GetDescription()})
			}
		case *errdetails.ErrorInfo:
			out.Reason, out.Metadata = d.GetReason(), d.GetMetadata()
		}
	}
	return out
}
