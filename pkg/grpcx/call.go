package grpcx

import (
	"context"
	"time"

	"google.golang.org/grpc"
)

// WithCallTimeout bounds every unary call of a connection to another Spona
// service by d (CALL_TIMEOUT): one deadline policy for every downstream
// call instead of one per adapter. A caller's earlier deadline wins; 0
// sets none. Streams (event feeds) are not bounded: they run until their
// caller stops them.
func WithCallTimeout(d time.Duration) grpc.DialOption {
	return grpc.WithChainUnaryInterceptor(callTimeout(d))
}

func callTimeout(d time.Duration) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if d > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, d)
			defer cancel()
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	}
}
