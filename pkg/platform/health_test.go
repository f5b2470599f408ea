package platform

import (
	"context"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	eventsv1 "github.com/spona/spona/gen/go/spona/events/v1"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestHealthOfEveryServiceFollowsTheDatabase: a probe naming a registered
// service answers what a probe of the whole server (the empty name)
// answers, SERVING while the database answers and NOT_SERVING once it does
// not; an unregistered name is NOT_FOUND.
func TestHealthOfEveryServiceFollowsTheDatabase(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pool, err := pgxpool.New(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	b := &Base{Name: "healthtest", Log: slog.New(slog.DiscardHandler), Pool: pool}
	srv := grpcx.NewServer(grpcx.ServerOptions{Log: b.Log})
	eventsv1.RegisterEventFeedServiceServer(srv.Server, eventsv1.UnimplementedEventFeedServiceServer{})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, lis, 5*time.Second) }()
	go b.watchReady(ctx, srv, 20*time.Millisecond)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	hc := healthpb.NewHealthClient(conn)
	names := []string{"", eventsv1.EventFeedService_ServiceDesc.ServiceName, healthpb.Health_ServiceDesc.ServiceName}

	await := func(want healthpb.HealthCheckResponse_ServingStatus) {
		t.Helper()
		for _, name := range names {
			var got healthpb.HealthCheckResponse_ServingStatus
			for deadline := time.Now().Add(30 * time.Second); ; {
				resp, err := hc.Check(ctx, &healthpb.HealthCheckRequest{Service: name})
				if err == nil {
					got = resp.GetStatus()
				}
				if got == want {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("health of %q: %v (err %v), want %v", name, got, err, want)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	}
	await(healthpb.HealthCheckResponse_SERVING)
	if _, err := hc.Check(ctx, &healthpb.HealthCheckRequest{Service: "spona.nope.v1.NoService"}); status.Code(err) != codes.NotFound {
		t.Errorf("health of an unregistered service: %v, want NotFound", err)
	}
	pool.Close() // the database no longer answers this process
	await(healthpb.HealthCheckResponse_NOT_SERVING)
	cancel()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
}
