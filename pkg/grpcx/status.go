package grpcx

import (
	"context"
	"errors"
	"log/slog"

	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/logging"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
)

var kindCodes = map[errs.Kind]codes.Code{
	errs.KindInvalidArgument:    codes.InvalidArgument,
	errs.KindNotFound:           codes.NotFound,
	errs.KindAlreadyExists:      codes.AlreadyExists,
	errs.KindFailedPrecondition: codes.FailedPrecondition,
	errs.KindAborted:            codes.Aborted,
	errs.KindPermissionDenied:   codes.PermissionDenied,
	errs.KindUnauthenticated:    codes.Unauthenticated,
	errs.KindUnavailable:        codes.Unavailable,
	errs.KindOutOfRange:         codes.OutOfRange,
}

// ErrorDomain names Spona in google.rpc.ErrorInfo details.
const ErrorDomain = "spona.org"

// ToStatus turns any error a handler returns into a gRPC status error.
// Classified errors keep their message and field violations; a status error
// from a downstream call passes through; anything else is logged and becomes
// a bare INTERNAL so no internals leak to the caller.
func ToStatus(ctx context.Context, log *slog.Logger, err error) error {
	if err == nil {
		return nil
	}
	var e *errs.Error
	if errors.As(err, &e) {
		code, ok := kindCodes[e.Kind]
		if !ok {
			log.ErrorContext(ctx, "internal error", logging.Err(err))
			return status.Error(codes.Internal, "internal error")
		}
		st := status.New(code, e.Message)
		var details []protoadapt.MessageV1
		if len(e.Violations) > 0 {
			br := &errdetails.BadRequest{}
			for _, v := range e.Violations {
				br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{Field: v.Field, Description: v.Description})
			}
			details = append(details, br)
		}
		reason := e.Reason
		if reason == "" && code == codes.Unavailable {
			// An outage a Spona service reports carries a reason, so that
			// a relay can tell it from its own transport's failure
			// (RelayTransportErrors).
			reason = ReasonUnavailable
		}
		if reason != "" {
			details = append(details, &errdetails.ErrorInfo{Reason: reason, Domain: ErrorDomain, Metadata: e.Metadata})
		}
		if withD, derr := st.WithDetails(details...); derr == nil {
			st = withD
		}
		return st.Err()
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	switch {
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, "request cancelled")
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, "deadline exceeded")
	}
	log.ErrorContext(ctx, "internal error", logging.Err(err))
	return status.Error(codes.Internal, "internal error")
}
