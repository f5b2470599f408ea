package grpcx

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/testkit/syncbuf"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// plantedName is a person's name a panicking handler puts in its panic
// value; it must reach no log.
const plantedName = "Jovanka Panicmarker"

type panicking struct {
	benv1.UnimplementedBeneficiaryServiceServer
}

func (panicking) CreateBeneficiary(_ context.Context, req *benv1.CreateBeneficiaryRequest) (*benv1.CreateBeneficiaryResponse, error) {
	panic(fmt.Sprintf("no household for %s", req.GetBeneficiary().GetGivenName()))
}

func (panicking) GetBeneficiary(_ context.Context, req *benv1.GetBeneficiaryRequest) (*benv1.GetBeneficiaryResponse, error) {
	parts := strings.Split(req.GetId(), "/")
	return nil, fmt.Errorf("no %s", parts[3]) // a runtime fault: index out of range
}

// A handler's panic is answered INTERNAL with no details and logged with
// its type and where it happened, never its value: a value formatted from
// a request's fields carries personal data. Over a real server on
// loopback, a panic with a message and a runtime fault; and a streaming
// handler's panic through the stream interceptor.
func TestPanicLoggedWithoutItsValue(t *testing.T) {
	t.Parallel()
	logs := &syncbuf.Buffer{}
	keys, iss := edgeKeys(t)
	srv := NewServer(ServerOptions{Log: slog.New(slog.NewJSONHandler(logs, nil)),
		Verifier: keys.Verifier("beneficiaries", auth.MaxTTL), MaxCallTime: time.Minute})
	benv1.RegisterBeneficiaryServiceServer(srv, panicking{})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Server.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conn, err := NewClient(lis.Addr().String(), Peer{Audience: "beneficiaries", Issuer: iss})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	c := benv1.NewBeneficiaryServiceClient(conn)
	ctx := auth.WithPrincipal(t.Context(), auth.Principal{OrganisationID: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", ClientID: "test", Scopes: auth.AllScopes})

	check := func(t *testing.T, err error, want ...string) {
		t.Helper()
		if s := status.Convert(err); s.Code() != codes.Internal || s.Message() != "internal error" || len(s.Details()) > 0 {
			t.Errorf("answer %v, want INTERNAL \"internal error\" without details", err)
		}
		if strings.Contains(status.Convert(err).Message(), plantedName) {
			t.Errorf("the answer carries the panic's value: %v", err)
		}
		got := logs.String()
		if strings.Contains(got, plantedName) {
			t.Errorf("the log carries the panic's value:\n%s", got)
		}
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("the log does not say %s:\n%s", w, got)
			}
		}
	}
	_, err = c.CreateBeneficiary(ctx, &benv1.CreateBeneficiaryRequest{Beneficiary: &benv1.Beneficiary{GivenName: plantedName}})
	check(t, err, `"msg":"panic in handler"`, `"type":"string"`,
		`"at":"github.com/spona/spona/pkg/grpcx.panicking.CreateBeneficiary (`, "panic_test.go:")
	_, err = c.GetBeneficiary(ctx, &benv1.GetBeneficiaryRequest{Id: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c"})
	check(t, err, `"type":"runtime.boundsError"`, `"at":"github.com/spona/spona/pkg/grpcx.panicking.GetBeneficiary (`)

	// A streaming handler (an event feed's WatchEvents).
	err = recoverStream(slog.New(slog.NewJSONHandler(logs, nil)))(nil, idleStream{ctx: context.Background()},
		&grpc.StreamServerInfo{FullMethod: "/spona.events.v1.EventFeedService/WatchEvents"},
		func(any, grpc.ServerStream) error { panic(fmt.Errorf("cannot send event of %s", plantedName)) })
	check(t, err, `"method":"/spona.events.v1.EventFeedService/WatchEvents"`, `"type":"*errors.errorString"`,
		`"at":"github.com/spona/spona/pkg/grpcx.TestPanicLoggedWithoutItsValue.func`)
}

// idleStream is a server stream that only has a context.
type idleStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s idleStream) Context() context.Context { return s.ctx }
func (s idleStream) SetTrailer(metadata.MD)   {}
