package grpcx

import (
	"context"
	"time"

	"github.com/spona/spona/pkg/auth"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
)

// retryPolicy retries calls that failed with UNAVAILABLE. Only the outermost
// caller (the edge) retries: if every hop retried, an outage deep in the
// chain would multiply into attempts^hops calls. Calls through the edge are
// reads or carry request ids, so a retry is safe.
const retryPolicy = `{
  "loadBalancingConfig": [{"round_robin": {}}],
  "methodConfig": [{
    "name": [{}],
    "retryPolicy": {
      "maxAttempts": 4,
      "initialBackoff": "0.1s",
      "maxBackoff": "1s",
      "backoffMultiplier": 2,
      "retryableStatusCodes": ["UNAVAILABLE"]
    }
  }]
}`

// roundRobin spreads calls over every address the target resolves to (a
// headless Kubernetes Service lists one per replica) instead of pinning one.
const roundRobin = `{"loadBalancingConfig": [{"round_robin": {}}]}`

// reconnect caps the wait between connection attempts at a second, so a
// restarted service is used again within about a second of coming back
// (gRPC's default backoff grows to two minutes).
var reconnect = grpc.ConnectParams{
	Backoff:           backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: time.Second},
	MinConnectTimeout: 5 * time.Second,
}

// NewClient connects to another Spona service. Calls forward the principal of
// the incoming request (see auth) and are traced. gRPC still retries
// transparently when a request never reached the server.
func NewClient(target string, opts ...grpc.DialOption) (*grpc.ClientConn, error) {
	base := []grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithStatsHandler(otelgrpc.NewClientHandler()),
		grpc.WithChainUnaryInterceptor(forwardPrincipal),
		grpc.WithConnectParams(reconnect),
		grpc.WithDefaultServiceConfig(roundRobin),
	}
	return grpc.NewClient(target, append(base, opts...)...)
}

// WithRetries makes a client retry UNAVAILABLE with backoff; for the edge.
func WithRetries() grpc.DialOption { return grpc.WithDefaultServiceConfig(retryPolicy) }

func forwardPrincipal(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	if tok, ok := auth.TokenFromContext(ctx); ok {
		if md, _ := metadata.FromOutgoingContext(ctx); len(md.Get(auth.MetadataKey)) == 0 {
			ctx = metadata.AppendToOutgoingContext(ctx, auth.MetadataKey, tok)
		}
	}
	return invoker(ctx, method, req, reply, cc, opts...)
}

// IdempotencyKeyMetadata is the metadata key the edge fills from the
// Idempotency-Key HTTP header.
const IdempotencyKeyMetadata = "idempotency-key"

// RequestID returns the request id of a create call: the request_id field when
// set, otherwise the Idempotency-Key the edge forwarded.
func RequestID(ctx context.Context, field string) string {
	if field != "" {
		return field
	}
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get(IdempotencyKeyMetadata); len(v) > 0 {
		return v[0]
	}
	return ""
}
