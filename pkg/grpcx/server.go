// Package grpcx builds the gRPC servers and clients of every process the
// same way: OpenTelemetry stats handlers, panic recovery, principal
// verification, domain-error mapping, health and reflection, and graceful
// shutdown.
package grpcx

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spona/spona/pkg/auth"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"
)

// Scopes maps full method names ("/pkg.Service/Method") to the scope a caller
// needs. A method absent from the map is refused: access is opt-in.
type Scopes map[string]string

// Public marks a method that needs a verified principal but no scope.
const Public = ""

// ServerOptions configures NewServer.
type ServerOptions struct {
	Log    *slog.Logger
	Signer *auth.Signer
	Scopes Scopes
}

// Server is a gRPC server with its health service.
type Server struct {
	*grpc.Server
	Health *health.Server
	log    *slog.Logger
}

// NewServer returns a server with the standard interceptors, health and
// reflection registered.
func NewServer(o ServerOptions) *Server {
	s := grpc.NewServer(
		grpc.StatsHandler(otelgrpc.NewServerHandler()),
		grpc.ChainUnaryInterceptor(
			recoverUnary(o.Log),
			logUnary(o.Log),
			errorsUnary(o.Log),
			authUnary(o.Signer, o.Scopes),
		),
	)
	h := health.NewServer()
	healthpb.RegisterHealthServer(s, h)
	reflection.Register(s)
	return &Server{Server: s, Health: h, log: o.Log}
}

// Serve serves on lis until ctx ends, then marks the server NOT_SERVING,
// drains in-flight calls for up to timeout and stops.
func (s *Server) Serve(ctx context.Context, lis net.Listener, timeout time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- s.Server.Serve(lis) }()
	s.Health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	select {
	case err := <-errc:
		return fmt.Errorf("grpc serve: %w", err)
	case <-ctx.Done():
	}
	s.Health.Shutdown()
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

func exempt(method string) bool {
	return strings.HasPrefix(method, "/grpc.health.v1.") || strings.HasPrefix(method, "/grpc.reflection.")
}

func authUnary(signer *auth.Signer, scopes Scopes) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if exempt(info.FullMethod) {
			return handler(ctx, req)
		}
		md, _ := metadata.FromIncomingContext(ctx)
		vals := md.Get(auth.MetadataKey)
		if len(vals) != 1 {
			return nil, status.Error(codes.Unauthenticated, "missing principal")
		}
		p, err := signer.Verify(vals[0])
		if err != nil {
			return nil, status.Error(codes.Unauthenticated, err.Error())
		}
		scope, known := scopes[info.FullMethod]
		if !known {
			return nil, status.Errorf(codes.PermissionDenied, "method %s is not open to callers", info.FullMethod)
		}
		if scope != Public && !p.Has(scope) {
			return nil, status.Errorf(codes.PermissionDenied, "scope %q required", scope)
		}
		return handler(auth.WithPrincipal(ctx, p, vals[0]), req)
	}
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
		log.Log(ctx, level, "rpc", slog.String("method", info.FullMethod), slog.String("code", code.String()),
			slog.Duration("elapsed", time.Since(start)))
		return resp, err
	}
}

func recoverUnary(log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if r := recover(); r != nil {
				log.ErrorContext(ctx, "panic in handler", slog.String("method", info.FullMethod),
					slog.Any("panic", r), slog.String("stack", string(debug.Stack())))
				resp, err = nil, status.Error(codes.Internal, "internal error")
			}
		}()
		return handler(ctx, req)
	}
}
