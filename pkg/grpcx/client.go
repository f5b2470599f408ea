package grpcx

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/spona/spona/pkg/auth"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

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

// Peer is the service a connection calls, and how.
type Peer struct {
	// Audience is the called process: the principal of every call is
	// issued for it alone.
	Audience string
	// Issuer issues the principal of every call (this process's).
	Issuer *auth.Issuer
	// Credentials secure the connection (mTLS, pkg/tlsconfig); nil is
	// plaintext.
	Credentials credentials.TransportCredentials
}

// NewClient connects to another Spona service. Every call made with a
// context acting as a principal (auth.WithPrincipal: the caller of the
// request being served, or whom a background job acts for) carries a
// principal issued for that one call: this audience, the called method's
// scope, a short expiry. Calls are traced; gRPC still retries
// transparently when a request never reached the server.
func NewClient(target string, peer Peer, opts ...grpc.DialOption) (*grpc.ClientConn, error) {
	return newClient(target, peer, defaultTuning, opts...)
}

func newClient(target string, peer Peer, t tuning, opts ...grpc.DialOption) (*grpc.ClientConn, error) {
	if peer.Audience == "" || peer.Issuer == nil {
		return nil, fmt.Errorf("grpcx: a connection to %s needs its audience and this process's issuer", target)
	}
	creds := peer.Credentials
	if creds == nil {
		creds = insecure.NewCredentials()
	}
	base := []grpc.DialOption{
		grpc.WithTransportCredentials(creds),
		grpc.WithStatsHandler(t.statsHandler(true)),
		grpc.WithChainUnaryInterceptor(issueUnary(peer)),
		grpc.WithChainStreamInterceptor(issueStream(peer)),
		grpc.WithConnectParams(reconnect),
		grpc.WithDefaultServiceConfig(roundRobin),
	}
	return grpc.NewClient(target, slices.Concat(base, t.client, opts)...)
}

// withPrincipal adds the principal of the call to ctx's metadata, unless
// the caller put one there itself (tests) or ctx acts as nobody (health).
func withPrincipal(ctx context.Context, peer Peer, method string) (context.Context, error) {
	if len(metadata.ValueFromOutgoingContext(ctx, auth.MetadataKey)) > 0 {
		return ctx, nil
	}
	p, ok := auth.FromContext(ctx)
	if !ok {
		return ctx, nil
	}
	if _, ok := auth.ScopeFor(method); !ok {
		return ctx, nil // the server refuses it, naming the method
	}
	tok, err := peer.Issuer.Issue(p, peer.Audience, method)
	if err != nil {
		return nil, status.Errorf(codes.PermissionDenied, "%s: %v", method, err)
	}
	return metadata.AppendToOutgoingContext(ctx, auth.MetadataKey, tok), nil
}

func issueUnary(peer Peer) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		ctx, err := withPrincipal(ctx, peer, method)
		if err != nil {
			return err
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	}
}

func issueStream(peer Peer) grpc.StreamClientInterceptor {
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		ctx, err := withPrincipal(ctx, peer, method)
		if err != nil {
			return nil, err
		}
		return streamer(ctx, desc, cc, method, opts...)
	}
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
	if v := metadata.ValueFromIncomingContext(ctx, IdempotencyKeyMetadata); len(v) > 0 {
		return v[0]
	}
	return ""
}
