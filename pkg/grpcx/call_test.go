package grpcx

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc"
)

// A downstream call without a deadline, or with a later one, gets
// CALL_TIMEOUT; an earlier deadline of the caller stands; 0 sets none.
func TestCallTimeout(t *testing.T) {
	t.Parallel()
	const limit = 30 * time.Second
	for _, c := range []struct {
		name      string
		timeout   time.Duration
		caller    time.Duration // 0: no deadline
		want, max time.Duration // 0: no deadline wanted
	}{
		{"no deadline", limit, 0, limit - time.Second, limit},
		{"later deadline", limit, time.Hour, limit - time.Second, limit},
		{"earlier deadline", limit, 10 * time.Second, 9 * time.Second, 10 * time.Second},
		{"no timeout configured", 0, 0, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			if c.caller > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, c.caller)
				defer cancel()
			}
			err := callTimeout(c.timeout)(ctx, "/x.v1.S/M", nil, nil, nil, func(ctx context.Context, _ string, _, _ any, _ *grpc.ClientConn, _ ...grpc.CallOption) error {
				d, ok := ctx.Deadline()
				switch {
				case c.max == 0 && ok:
					t.Errorf("a deadline %v was set", time.Until(d))
				case c.max > 0 && !ok:
					t.Error("the call has no deadline")
				case c.max > 0 && (time.Until(d) < c.want || time.Until(d) > c.max):
					t.Errorf("the call has %v left, want between %v and %v", time.Until(d), c.want, c.max)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}
