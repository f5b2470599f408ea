package grpcx

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/spona/spona/pkg/testkit/syncbuf"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
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

// TestShutdownEndsServerStreams: a server-streaming call that would run
// until its caller leaves (an event feed's WatchEvents, a health Watch)
// ends when the server stops, with UNAVAILABLE, so the caller resumes
// elsewhere and the graceful stop does not wait SHUTDOWN_TIMEOUT for it
// and then cut every call still draining.
func TestShutdownEndsServerStreams(t *testing.T) {
	logs := &syncbuf.Buffer{}
	srv := NewServer(ServerOptions{Log: slog.New(slog.NewTextHandler(logs, nil))})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, lis, 10*time.Second) }()

	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	watch, err := healthpb.NewHealthClient(conn).Watch(context.Background(), &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for {
		resp, err := watch.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			break
		}
	}

	stop()
	var end error
	for end == nil {
		_, end = watch.Recv()
	}
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	if s := status.Convert(end); s.Code() != codes.Unavailable {
		t.Errorf("the stream ended with %v, want UNAVAILABLE", end)
	}
	if strings.Contains(logs.String(), "graceful stop timed out") {
		t.Errorf("the graceful stop waited for the open stream until its timeout:\n%s", logs.String())
	}
}
