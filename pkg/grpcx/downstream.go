package grpcx

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/spona/spona/pkg/errs"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
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

// ReasonUnavailable is the reason of an UNAVAILABLE a Spona service
// answers without a more specific one (a dependency of its own is down).
const ReasonUnavailable = "UNAVAILABLE"

// RelayTransportErrors is for a process that passes other services' errors
// on to its own clients as they are (the edge): a call's UNAVAILABLE that
// no Spona service answered (the connection to service failed: dial,
// reset, closing) becomes "<service> service unavailable; retry later",
// since grpc-go's own message names internal addresses; the original is
// logged. An UNAVAILABLE a service answered (it carries an ErrorInfo of
// ErrorDomain) passes unchanged.
func RelayTransportErrors(service string, log *slog.Logger) []grpc.DialOption {
	relay := func(ctx context.Context, method string, err error) error {
		st, ok := status.FromError(err)
		if !ok || st.Code() != codes.Unavailable {
			return err
		}
		for _, d := range st.Details() {
			if ei, ok := d.(*errdetails.ErrorInfo); ok && ei.GetDomain() == ErrorDomain {
				return err
			}
		}
		log.WarnContext(ctx, "backend unavailable", slog.String("service", service), slog.String("method", method), slog.String("error", st.Message()))
		return status.Error(codes.Unavailable, service+" service unavailable; retry later")
	}
	return []grpc.DialOption{
		grpc.WithChainUnaryInterceptor(func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
			return relay(ctx, method, invoker(ctx, method, req, reply, cc, opts...))
		}),
		grpc.WithChainStreamInterceptor(func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
			cs, err := streamer(ctx, desc, cc, method, opts...)
			if err != nil {
				return nil, relay(ctx, method, err)
			}
			return &relayStream{ClientStream: cs, relay: func(err error) error { return relay(ctx, method, err) }}, nil
		}),
	}
}

// relayStream passes a stream's errors through RelayTransportErrors' relay.
type relayStream struct {
	grpc.ClientStream
	relay func(error) error
}

func (s *relayStream) SendMsg(m any) error { return s.relay(s.ClientStream.SendMsg(m)) }
func (s *relayStream) RecvMsg(m any) error { return s.relay(s.ClientStream.RecvMsg(m)) }
func (s *relayStream) CloseSend() error    { return s.relay(s.ClientStream.CloseSend()) }

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
