package grpcx

import (
	"context"

	"go.opentelemetry.io/otel/trace"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"
)

// untoldRefusals is a call's OpenTelemetry stats handler (otelgrpc's),
// given the end of a call its server refused (the caller's mistake or a
// refusal: INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION,
// PERMISSION_DENIED…) without the status message: in its place the
// ErrorInfo reason, when the status has one (ETAG_MISMATCH), else nothing.
// otelgrpc writes a client call's status message into its span's status,
// and a refusal's message is made for the caller from what it sent (taxonomy
// "<a name sent where an id goes>" not found), which the trace store would
// keep out of erasure's reach. The span keeps the status code
// (rpc.response.status_code) and is still marked as an error on the
// client's side; the server's own failures (INTERNAL, UNAVAILABLE,
// DEADLINE_EXCEEDED…: serverFailure) keep their message, which their
// makers keep free of input ("internal error", a transport's failure). A
// call not recorded (sampled out) is passed on as it is.
type untoldRefusals struct{ stats.Handler }

func (h untoldRefusals) HandleRPC(ctx context.Context, rs stats.RPCStats) {
	if end, ok := rs.(*stats.End); ok && end.Error != nil && trace.SpanFromContext(ctx).IsRecording() {
		if st, ok := status.FromError(end.Error); ok && st.Message() != "" && !serverFailure(st.Code()) {
			told := *end
			told.Error = status.Error(st.Code(), reasonOf(st))
			rs = &told
		}
	}
	h.Handler.HandleRPC(ctx, rs)
}

// reasonOf is the ErrorInfo reason of st, or "".
func reasonOf(st *status.Status) string {
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info.GetReason()
		}
	}
	return ""
}
