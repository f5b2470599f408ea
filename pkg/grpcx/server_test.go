package grpcx

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc"
)

// A call without a deadline, or with a later one, gets MaxCallTime; an
// earlier deadline of the caller stands.
func TestDeadlineUnary(t *testing.T) {
	t.Parallel()
	const limit = time.Minute
	for _, c := range []struct {
		name      string
		caller    time.Duration // 0: no deadline
		want, max time.Duration
	}{
		{"no deadline", 0, limit - time.Second, limit},
		{"later deadline", time.Hour, limit - time.Second, limit},
		{"earlier deadline", 10 * time.Second, 9 * time.Second, 10 * time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			if c.caller > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, c.caller)
				defer cancel()
			}
			var left time.Duration
			_, err := deadlineUnary(limit)(ctx, nil, &grpc.UnaryServerInfo{}, func(ctx context.Context, _ any) (any, error) {
				d, ok := ctx.Deadline()
				if !ok {
					t.Fatal("the handler's context has no deadline")
				}
				left = time.Until(d)
				return nil, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if left < c.want || left > c.max {
				t.Errorf("the handler has %v left, want between %v and %v", left, c.want, c.max)
			}
		})
	}
	// 0 leaves calls unbounded.
	_, _ = deadlineUnary(0)(context.Background(), nil, &grpc.UnaryServerInfo{}, func(ctx context.Context, _ any) (any, error) {
		if _, ok := ctx.Deadline(); ok {
			t.Error("MaxCallTime 0 set a deadline")
		}
		return nil, nil
	})
}
