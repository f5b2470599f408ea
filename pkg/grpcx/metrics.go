package grpcx

import (
	"context"
	"net"
	"strconv"
	"strings"
	"sync"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/semconv/v1.43.0/rpcconv"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"
)

// The calls' duration histograms (rpc.server.call.duration and
// rpc.client.call.duration) are the ones otelgrpc records, under its
// instrumentation scope, with the same attributes and buckets
// (TestMetricsAsOtelgrpc compares them), but each call's attribute set is
// made once per method, status code and peer and then reused: otelgrpc
// builds and hashes a new set for every call, a few percent of a process's
// CPU. otelgrpc still does the tracing.

// durationBuckets are otelgrpc's bucket boundaries, in seconds.
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

// meteredHandler is otelgrpc's stats handler for the traces, and records
// the duration of every call.
type meteredHandler struct {
	stats.Handler // otelgrpc's, with metrics off
	client        bool
	duration      metric.Float64Histogram // seconds
	sets          sync.Map                // setKey → attribute.Set
}

type setKey struct {
	method string
	code   codes.Code
	peer   string // the server's address, for a client
}

type callKey struct{}

// call is what a call's stats carry between its events.
type call struct {
	method string
	peer   string
}

// newMeteredHandler returns a client's or a server's handler recording
// into mp (the process's: otel.GetMeterProvider()).
func newMeteredHandler(client bool, mp metric.MeterProvider) stats.Handler {
	meter := mp.Meter(otelgrpc.ScopeName,
		metric.WithInstrumentationVersion(otelgrpc.Version), metric.WithSchemaURL(semconv.SchemaURL))
	bounds := metric.WithExplicitBucketBoundaries(durationBuckets...)
	traces := otelgrpc.WithMeterProvider(noop.NewMeterProvider())
	h := &meteredHandler{client: client}
	var err error
	if client {
		h.Handler = otelgrpc.NewClientHandler(traces)
		var d rpcconv.ClientCallDuration
		d, err = rpcconv.NewClientCallDuration(meter, bounds)
		h.duration = d.Inst()
	} else {
		h.Handler = otelgrpc.NewServerHandler(traces)
		var d rpcconv.ServerCallDuration
		d, err = rpcconv.NewServerCallDuration(meter, bounds)
		h.duration = d.Inst()
	}
	if err != nil {
		otel.Handle(err) // the instrument records nothing
	}
	return h
}

func (h *meteredHandler) TagRPC(ctx context.Context, info *stats.RPCTagInfo) context.Context {
	ctx = h.Handler.TagRPC(ctx, info)
	return context.WithValue(ctx, callKey{}, &call{method: info.FullMethodName})
}

func (h *meteredHandler) HandleRPC(ctx context.Context, rs stats.RPCStats) {
	h.Handler.HandleRPC(ctx, rs)
	c, _ := ctx.Value(callKey{}).(*call)
	if c == nil {
		return
	}
	switch rs := rs.(type) {
	case *stats.OutHeader:
		if rs.Client && rs.RemoteAddr != nil {
			c.peer = rs.RemoteAddr.String()
		}
	case *stats.End:
		k := setKey{method: c.method, code: status.Code(rs.Error), peer: c.peer}
		v, ok := h.sets.Load(k)
		if !ok {
			v, _ = h.sets.LoadOrStore(k, h.attributes(k))
		}
		set, _ := v.(attribute.Set) // only sets are stored
		h.duration.Record(ctx, rs.EndTime.Sub(rs.BeginTime).Seconds(), metric.WithAttributeSet(set))
	}
}

// attributes are those otelgrpc gives a call's duration: the method, the
// RPC system, the status code, the error type for a code counted as an
// error (every code but OK for a client; for a server the codes that are
// its own failure), and a client's server address and port.
func (h *meteredHandler) attributes(k setKey) attribute.Set {
	var kv []attribute.KeyValue
	if name, ok := strings.CutPrefix(k.method, "/"); ok {
		kv = append(kv, semconv.RPCMethod(name))
	}
	kv = append(kv, semconv.RPCSystemNameGRPC)
	if h.client && k.peer != "" {
		if host, port, err := net.SplitHostPort(k.peer); err != nil {
			kv = append(kv, semconv.ServerAddress(k.peer))
		} else if p, err := strconv.Atoi(port); err != nil {
			kv = append(kv, semconv.ServerAddress(host))
		} else {
			kv = append(kv, semconv.ServerAddress(host), semconv.ServerPort(p))
		}
	}
	code := codeName(k.code)
	kv = append(kv, semconv.RPCResponseStatusCode(code))
	if k.code != codes.OK && (h.client || serverFailure(k.code)) {
		kv = append(kv, semconv.ErrorTypeKey.String(code))
	}
	return attribute.NewSet(kv...)
}

// serverFailure reports whether a server's answer with code is its own
// failure rather than the caller's mistake or a refusal.
func serverFailure(code codes.Code) bool {
	switch code {
	case codes.Unknown, codes.DeadlineExceeded, codes.Unimplemented, codes.Internal, codes.Unavailable, codes.DataLoss:
		return true
	}
	return false
}

// codeNames are the status codes as the gRPC specification spells them.
var codeNames = [...]string{
	codes.OK: "OK", codes.Canceled: "CANCELLED", codes.Unknown: "UNKNOWN", codes.InvalidArgument: "INVALID_ARGUMENT",
	codes.DeadlineExceeded: "DEADLINE_EXCEEDED", codes.NotFound: "NOT_FOUND", codes.AlreadyExists: "ALREADY_EXISTS",
	codes.PermissionDenied: "PERMISSION_DENIED", codes.ResourceExhausted: "RESOURCE_EXHAUSTED",
	codes.FailedPrecondition: "FAILED_PRECONDITION", codes.Aborted: "ABORTED", codes.OutOfRange: "OUT_OF_RANGE",
	codes.Unimplemented: "UNIMPLEMENTED", codes.Internal: "INTERNAL", codes.Unavailable: "UNAVAILABLE",
	codes.DataLoss: "DATA_LOSS", codes.Unauthenticated: "UNAUTHENTICATED",
}

func codeName(c codes.Code) string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return "CODE(" + strconv.FormatUint(uint64(c), 10) + ")"
}
