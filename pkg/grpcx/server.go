// Package grpcx builds the gRPC servers and clients of every process the
// same way: OpenTelemetry stats handlers, panic recovery, principal
// verification, domain-error mapping, health and reflection, and graceful
// shutdown.
package grpcx

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/logging"
	"github.com/spona/spona/pkg/tlsconfig"
	"github.com/spona/spona/pkg/validate"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// ServerOptions configures NewServer.
type ServerOptions struct {
	Log *slog.Logger
	// Verifier accepts the principals issued for this process.
	Verifier *auth.Verifier
	// Credentials secure the server (mTLS); nil is plaintext.
	Credentials credentials.TransportCredentials
	// MaxRecvMsgBytes raises gRPC's 4 MiB limit on a request (uploads).
	MaxRecvMsgBytes int
	// MaxCallTime bounds a unary call that brings no deadline or a later
	// one, so a call queued for a busy resource (a database connection)
	// gives up instead of waiting without end; 0 leaves calls unbounded.
	MaxCallTime time.Duration
}

// Server is a gRPC server with its health service.
type Server struct {
	*grpc.Server
	Health *health.Server
	log    *slog.Logger
	// stopping ends when Serve begins to stop: the server-streaming calls
	// still open end then (endsAtStop).
	stopping context.Context
	stop     context.CancelFunc
}

// tuning is how every process's gRPC servers and clients are set beyond
// gRPC's defaults, for CPU per call (BenchmarkCall compares it with the
// defaults in one run).
type tuning struct {
	server []grpc.ServerOption
	client []grpc.DialOption
	// metered: the calls' duration metrics from attribute sets made once
	// (metrics.go) instead of otelgrpc's, made for every call.
	metered bool
}

// statsHandler is the OpenTelemetry handler of a server's or a client's
// calls; its spans tell a refusal by its code and reason, never by its
// message (untoldRefusals).
func (t tuning) statsHandler(client bool) stats.Handler {
	switch {
	case t.metered:
		return untoldRefusals{newMeteredHandler(client, otel.GetMeterProvider())}
	case client:
		return untoldRefusals{otelgrpc.NewClientHandler()}
	default:
		return untoldRefusals{otelgrpc.NewServerHandler()}
	}
}

// defaultTuning:
//   - a call runs on one of 64 long-lived goroutines instead of a new one
//     per call, whose stack grew again on every call (copystack, about 3%
//     of the beneficiaries process's CPU under make load). 64 is more than
//     the calls a process serves at once on a few cores (its database pool
//     is 4 × GOMAXPROCS); when all are busy gRPC starts a goroutine as
//     before;
//   - flow-control windows of 1 MiB from the start, on both sides, instead
//     of 64 KiB grown by bandwidth-delay estimation: that estimation sends a
//     PING (and its answer) on received data, extra writes and reads for a
//     small call. 1 MiB per round trip still moves gigabytes a second
//     between processes of one network, and a window is credit, not memory
//     set aside;
//   - the duration metrics recorded with attribute sets made once;
//   - files (google.api.HttpBody: uploads, downloads) sent without a copy
//     and received with one (bodycodec.go): a 20 MiB upload held once by
//     the edge while it sends it, and decoded into 40 MiB at the most
//     instead of 60;
//   - keepalive pings on quiet connections, so that a connection whose
//     peer is gone without a word (its host lost, a NAT or firewall that
//     forgot it) fails within seconds instead of never: an event consumer
//     waiting on a feed's stream notices and resumes over a new
//     connection, and a feed's server lets go of the stream of a consumer
//     that is gone.
var defaultTuning = tuning{
	metered: true,
	server: []grpc.ServerOption{grpc.NumStreamWorkers(64), grpc.InitialWindowSize(window), grpc.InitialConnWindowSize(window),
		grpc.ForceServerCodecV2(newBodyCodec()),
		grpc.KeepaliveParams(keepalive.ServerParameters{Time: 30 * time.Second, Timeout: pingTimeout}),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: pingEvery / 2})},
	client: []grpc.DialOption{grpc.WithInitialWindowSize(window), grpc.WithInitialConnWindowSize(window),
		grpc.WithDefaultCallOptions(grpc.ForceCodecV2(newBodyCodec())),
		grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: pingEvery, Timeout: pingTimeout})},
}

// A client pings a connection with calls open (a feed's stream) after
// pingEvery without traffic (gRPC's shortest), and gives it up when the
// answer takes pingTimeout; servers accept pings that often.
const (
	pingEvery   = 10 * time.Second
	pingTimeout = 10 * time.Second
)

const window = 1 << 20

// NewServer returns a server with the standard interceptors, health and
// reflection registered.
func NewServer(o ServerOptions) *Server { return newServer(o, defaultTuning) }

func newServer(o ServerOptions, t tuning) *Server {
	opts := slices.Clone(t.server)
	if o.MaxRecvMsgBytes > 0 {
		opts = append(opts, grpc.MaxRecvMsgSize(o.MaxRecvMsgBytes))
	}
	if o.Credentials != nil {
		opts = append(opts, grpc.Creds(o.Credentials))
	}
	stopping, stop := context.WithCancel(context.Background())
	s := grpc.NewServer(append(opts,
		grpc.StatsHandler(t.statsHandler(false)),
		grpc.ChainUnaryInterceptor(
			recoverUnary(o.Log),
			deadlineUnary(o.MaxCallTime),
			logUnary(o.Log),
			errorsUnary(o.Log),
			authUnary(o.Verifier),
			requestIDUnary,
		),
		grpc.ChainStreamInterceptor(
			recoverStream(o.Log),
			errorsStream(o.Log),
			authStream(o.Verifier),
			requestIDStream,
			endsAtStop(stopping),
		),
	)...)
	h := health.NewServer()
	healthpb.RegisterHealthServer(s, h)
	reflection.Register(s)
	return &Server{Server: s, Health: h, log: o.Log, stopping: stopping, stop: stop}
}

// Serve serves on lis until ctx ends, then marks the server NOT_SERVING,
// drains in-flight calls for up to timeout and stops.
func (s *Server) Serve(ctx context.Context, lis net.Listener, timeout time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- s.Server.Serve(lis) }()
	s.SetServingStatus(healthpb.HealthCheckResponse_SERVING)
	select {
	case err := <-errc:
		return fmt.Errorf("grpc serve: %w", err)
	case <-ctx.Done():
	}
	s.Health.Shutdown()
	s.stop() // the open feeds end; calls in flight drain
	done := make(chan struct{})
	go func() { s.GracefulStop(); close(done) }()
	select {
	case <-done:
	case <-time.After(timeout):
		s.log.Warn("graceful stop timed out; closing remaining calls")
		s.Stop()
	}
	return nil
}

// SetServingStatus sets the health of the server as a whole (the empty
// service name) and of every service registered on it, so that a probe
// naming a service (spona.beneficiaries.v1.BeneficiaryService) sees what a
// probe of the server sees. Call it after the services are registered.
func (s *Server) SetServingStatus(st healthpb.HealthCheckResponse_ServingStatus) {
	s.Health.SetServingStatus("", st)
	for name := range s.GetServiceInfo() {
		s.Health.SetServingStatus(name, st)
	}
}

func exempt(method string) bool {
	return strings.HasPrefix(method, "/grpc.health.v1.") || strings.HasPrefix(method, "/grpc.reflection.")
}

// authorize verifies the caller's principal (issued for this process and
// this method by a process that may make the call, unexpired, see
// auth.Verifier) and the scope the method declares in its proto
// (auth.ScopeFor); a method without one is refused. It returns ctx acting
// as the principal.
func authorize(ctx context.Context, verifier *auth.Verifier, method string) (context.Context, error) {
	if exempt(method) {
		return ctx, nil
	}
	// Only the principal's values, not a copy of all the call's metadata.
	vals := metadata.ValueFromIncomingContext(ctx, auth.MetadataKey)
	if len(vals) != 1 {
		return nil, status.Error(codes.Unauthenticated, "missing principal")
	}
	scope, known := auth.ScopeFor(method)
	if !known {
		return nil, status.Errorf(codes.PermissionDenied, "method %s is not open to callers", method)
	}
	p, err := verifier.Verify(vals[0], method)
	if errors.Is(err, auth.ErrDelegation) {
		return nil, status.Error(codes.PermissionDenied, err.Error())
	}
	if err != nil {
		return nil, status.Error(codes.Unauthenticated, err.Error())
	}
	// Over mTLS, the principal must come from the process that issued it:
	// a token taken from one process's calls is no use from another.
	if names, ok := tlsconfig.Identity(ctx); ok && !slices.Contains(names, p.IssuedBy) {
		return nil, status.Errorf(codes.Unauthenticated, "a principal issued by %s arrived over another process's connection", p.IssuedBy)
	}
	if !p.MayCall(method) {
		return nil, status.Errorf(codes.PermissionDenied, "scope %q required", scope)
	}
	return auth.WithPrincipal(ctx, p), nil
}

func authUnary(verifier *auth.Verifier) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		ctx, err := authorize(ctx, verifier, info.FullMethod)
		if err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

func authStream(verifier *auth.Verifier) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx, err := authorize(ss.Context(), verifier, info.FullMethod)
		if err != nil {
			return err
		}
		return handler(srv, &ctxStream{ServerStream: ss, ctx: ctx})
	}
}

// errStopping is the cause of a server stream's context ended by the
// server's stop.
var errStopping = errors.New("the server is stopping")

// endsAtStop ends a server-streaming call (one request, answers until the
// caller leaves: WatchEvents, a health Watch) when the server begins to
// stop, with UNAVAILABLE, so that its caller resumes from its cursor on
// another replica or after the restart. GracefulStop waits for every call
// to end, and such a call never ends by itself: without this, every stop
// of a service whose feed has a consumer would take the whole
// SHUTDOWN_TIMEOUT. Client streams (uploads) are left to drain.
func endsAtStop(stopping context.Context) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		if info.IsClientStream || !info.IsServerStream {
			return handler(srv, ss)
		}
		ctx, cancel := context.WithCancelCause(ss.Context())
		defer cancel(nil)
		release := context.AfterFunc(stopping, func() { cancel(errStopping) })
		defer release()
		err := handler(srv, &ctxStream{ServerStream: ss, ctx: ctx})
		if errors.Is(context.Cause(ctx), errStopping) {
			return status.Error(codes.Unavailable, "the service is stopping; call again to resume")
		}
		return err
	}
}

// ctxStream is a server stream with another context (the verified
// principal's, or one the server's stop ends).
type ctxStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *ctxStream) Context() context.Context { return s.ctx }

// requestIDUnary refuses a call whose request_id field (any request that
// has one: the creates) is not a request id (validate.IsRequestID) before
// its handler stores it: a NUL or a very long id would otherwise fail in
// PostgreSQL (INTERNAL) instead of being the client's mistake. The
// Idempotency-Key the edge forwards was checked there (and is prefixed
// with the client's id).
func requestIDUnary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if err := checkRequestID(req); err != nil {
		return nil, err
	}
	return handler(ctx, req)
}

// requestIDStream checks the request_id of a client stream's first message
// (an import's), as requestIDUnary does a unary request's.
func requestIDStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if !info.IsClientStream {
		return handler(srv, ss)
	}
	return handler(srv, &firstChecked{ServerStream: ss})
}

// firstChecked checks the request_id of the first message received.
type firstChecked struct {
	grpc.ServerStream
	done bool
}

func (s *firstChecked) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil || s.done {
		return err
	}
	s.done = true
	return checkRequestID(m)
}

// checkRequestID checks the request_id field of req, when it has one.
func checkRequestID(req any) error {
	m, ok := req.(proto.Message)
	if !ok {
		return nil
	}
	r := m.ProtoReflect()
	f := r.Descriptor().Fields().ByName("request_id")
	if f == nil || f.Kind() != protoreflect.StringKind || f.IsList() {
		return nil
	}
	var v errs.Violations
	validate.RequestID(&v, "request_id", r.Get(f).String())
	return v.Err()
}

func errorsUnary(log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		resp, err := handler(ctx, req)
		if err != nil {
			return nil, ToStatus(ctx, log, err)
		}
		return resp, nil
	}
}

func errorsStream(log *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		if err := handler(srv, ss); err != nil {
			return ToStatus(ss.Context(), log, err)
		}
		return nil
	}
}

func logUnary(log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		start := time.Now()
		resp, err := handler(ctx, req)
		code := status.Code(err)
		level := slog.LevelDebug
		switch code {
		case codes.OK, codes.NotFound, codes.InvalidArgument, codes.AlreadyExists, codes.FailedPrecondition, codes.Aborted:
		case codes.Internal, codes.Unknown, codes.DataLoss:
			level = slog.LevelError
		default:
			level = slog.LevelWarn
		}
		if log.Enabled(ctx, level) { // the attributes are built only for a record kept
			log.Log(ctx, level, "rpc", slog.String("method", info.FullMethod), slog.String("code", code.String()),
				slog.Duration("elapsed", time.Since(start)))
		}
		return resp, err
	}
}

func recoverUnary(log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if r := recover(); r != nil {
				log.ErrorContext(ctx, "panic in handler", slog.String("method", info.FullMethod), logging.Panic(r))
				resp, err = nil, status.Error(codes.Internal, "internal error")
			}
		}()
		return handler(ctx, req)
	}
}

func recoverStream(log *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		defer func() {
			if r := recover(); r != nil {
				log.ErrorContext(ss.Context(), "panic in handler", slog.String("method", info.FullMethod), logging.Panic(r))
				err = status.Error(codes.Internal, "internal error")
			}
		}()
		return handler(srv, ss)
	}
}

// deadlineUnary gives a call at most max, or the caller's earlier deadline.
func deadlineUnary(max time.Duration) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if max <= 0 {
			return handler(ctx, req)
		}
		if d, ok := ctx.Deadline(); ok && time.Until(d) <= max {
			return handler(ctx, req)
		}
		ctx, cancel := context.WithTimeout(ctx, max)
		defer cancel()
		return handler(ctx, req)
	}
}
