package grpcx

import (
	"context"
	"net"
	"sync"
	"testing"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	refv1 "github.com/spona/spona/gen/go/spona/referrals/v1"
	whv1 "github.com/spona/spona/gen/go/spona/webhooks/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// flaky is a beneficiaries server that acts on every call it receives (a
// create is stored) and then answers UNAVAILABLE to the first failures
// calls of each method, as a process whose answer is lost after its commit.
type flaky struct {
	benv1.UnimplementedBeneficiaryServiceServer
	failures int
	code     codes.Code // the failure; UNAVAILABLE when unset

	mu    sync.Mutex
	calls map[string]int
}

func (f *flaky) answer(method string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[method]++
	if f.calls[method] <= f.failures {
		code := f.code
		if code == codes.OK {
			code = codes.Unavailable
		}
		return status.Error(code, "the answer was lost")
	}
	return nil
}

func (f *flaky) count(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method]
}

func (f *flaky) CreateBeneficiary(context.Context, *benv1.CreateBeneficiaryRequest) (*benv1.CreateBeneficiaryResponse, error) {
	if err := f.answer("create"); err != nil {
		return nil, err
	}
	return &benv1.CreateBeneficiaryResponse{}, nil
}

func (f *flaky) GetBeneficiary(context.Context, *benv1.GetBeneficiaryRequest) (*benv1.GetBeneficiaryResponse, error) {
	if err := f.answer("get"); err != nil {
		return nil, err
	}
	return &benv1.GetBeneficiaryResponse{}, nil
}

func (f *flaky) UpdateBeneficiary(context.Context, *benv1.UpdateBeneficiaryRequest) (*benv1.UpdateBeneficiaryResponse, error) {
	if err := f.answer("update"); err != nil {
		return nil, err
	}
	return &benv1.UpdateBeneficiaryResponse{}, nil
}

func (f *flaky) MergeBeneficiaries(context.Context, *benv1.MergeBeneficiariesRequest) (*benv1.MergeBeneficiariesResponse, error) {
	if err := f.answer("merge"); err != nil {
		return nil, err
	}
	return &benv1.MergeBeneficiariesResponse{}, nil
}

// serveFlaky serves f on loopback and returns a client of it with the
// edge's retries.
func serveFlaky(t *testing.T, f *flaky) benv1.BeneficiaryServiceClient {
	t.Helper()
	f.calls = map[string]int{}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	benv1.RegisterBeneficiaryServiceServer(srv, f)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	_, iss := edgeKeys(t)
	conn, err := NewClient(lis.Addr().String(), Peer{Audience: "beneficiaries", Issuer: iss}, WithRetries())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return benv1.NewBeneficiaryServiceClient(conn)
}

// Against a real gRPC server that acts and then answers UNAVAILABLE: reads
// and creates carrying a request id are sent again until they succeed (at
// most four attempts); a create without one, an update and a custom method
// are attempted once, so nothing is done twice; other failures are not
// retried.
func TestRetries(t *testing.T) {
	t.Parallel()
	withKey := func(ctx context.Context) context.Context {
		return metadata.AppendToOutgoingContext(ctx, IdempotencyKeyMetadata, "client-1/key-1")
	}
	for _, c := range []struct {
		name     string
		failures int
		code     codes.Code
		call     func(context.Context, benv1.BeneficiaryServiceClient) error
		method   string
		attempts int
		want     codes.Code
	}{
		{name: "a read is retried", failures: 2, method: "get", attempts: 3, want: codes.OK,
			call: func(ctx context.Context, c benv1.BeneficiaryServiceClient) error {
				_, err := c.GetBeneficiary(ctx, &benv1.GetBeneficiaryRequest{Id: "x"})
				return err
			}},
		{name: "a read fails after four attempts", failures: 10, method: "get", attempts: 4, want: codes.Unavailable,
			call: func(ctx context.Context, c benv1.BeneficiaryServiceClient) error {
				_, err := c.GetBeneficiary(ctx, &benv1.GetBeneficiaryRequest{Id: "x"})
				return err
			}},
		{name: "a read failing otherwise is not retried", failures: 1, code: codes.Internal, method: "get", attempts: 1, want: codes.Internal,
			call: func(ctx context.Context, c benv1.BeneficiaryServiceClient) error {
				_, err := c.GetBeneficiary(ctx, &benv1.GetBeneficiaryRequest{Id: "x"})
				return err
			}},
		{name: "a create without a request id is attempted once", failures: 1, method: "create", attempts: 1, want: codes.Unavailable,
			call: func(ctx context.Context, c benv1.BeneficiaryServiceClient) error {
				_, err := c.CreateBeneficiary(ctx, &benv1.CreateBeneficiaryRequest{})
				return err
			}},
		{name: "a create with a request id is retried", failures: 1, method: "create", attempts: 2, want: codes.OK,
			call: func(ctx context.Context, c benv1.BeneficiaryServiceClient) error {
				_, err := c.CreateBeneficiary(ctx, &benv1.CreateBeneficiaryRequest{RequestId: "r-1"})
				return err
			}},
		{name: "a create with an Idempotency-Key is retried", failures: 1, method: "create", attempts: 2, want: codes.OK,
			call: func(ctx context.Context, c benv1.BeneficiaryServiceClient) error {
				_, err := c.CreateBeneficiary(withKey(ctx), &benv1.CreateBeneficiaryRequest{})
				return err
			}},
		{name: "an update is attempted once", failures: 1, method: "update", attempts: 1, want: codes.Unavailable,
			call: func(ctx context.Context, c benv1.BeneficiaryServiceClient) error {
				_, err := c.UpdateBeneficiary(withKey(ctx), &benv1.UpdateBeneficiaryRequest{})
				return err
			}},
		{name: "a custom method is attempted once, even with an Idempotency-Key", failures: 1, method: "merge", attempts: 1, want: codes.Unavailable,
			call: func(ctx context.Context, c benv1.BeneficiaryServiceClient) error {
				_, err := c.MergeBeneficiaries(withKey(ctx), &benv1.MergeBeneficiariesRequest{Id: "a", DuplicateId: "b"})
				return err
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := &flaky{failures: c.failures, code: c.code}
			client := serveFlaky(t, f)
			err := c.call(t.Context(), client)
			if got := status.Code(err); got != c.want {
				t.Errorf("the call ended %v (%v), want %v", got, err, c.want)
			}
			if got := f.count(c.method); got != c.attempts {
				t.Errorf("the server saw %d attempts, want %d", got, c.attempts)
			}
		})
	}
}

// The rule is read from the protos of every service: GET routes are reads,
// requests with a request_id are deduplicated creates, anything else is
// sent once.
func TestRetryable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	key := metadata.AppendToOutgoingContext(ctx, IdempotencyKeyMetadata, "client-1/k")
	for _, c := range []struct {
		ctx    context.Context
		method string
		req    any
		want   bool
	}{
		{ctx, refv1.ReferralService_ListReferrals_FullMethodName, &refv1.ListReferralsRequest{}, true},
		{ctx, refv1.ReferralService_GetReferral_FullMethodName, &refv1.GetReferralRequest{}, true},
		{ctx, whv1.ChangeFeedService_ListChanges_FullMethodName, &whv1.ListChangesRequest{}, true},
		{ctx, refv1.ReferralService_CreateReferral_FullMethodName, &refv1.CreateReferralRequest{}, false},
		{ctx, refv1.ReferralService_CreateReferral_FullMethodName, &refv1.CreateReferralRequest{RequestId: "r"}, true},
		{key, refv1.ReferralService_CreateReferral_FullMethodName, &refv1.CreateReferralRequest{}, true},
		{key, refv1.ReferralService_AcceptReferral_FullMethodName, &refv1.AcceptReferralRequest{}, false},
		{key, whv1.WebhookService_DeleteWebhook_FullMethodName, &whv1.DeleteWebhookRequest{}, false},
		{key, whv1.WebhookService_UpdateWebhook_FullMethodName, &whv1.UpdateWebhookRequest{}, false},
		{key, whv1.WebhookService_RotateWebhookSecret_FullMethodName, &whv1.RotateWebhookSecretRequest{}, false},
		{ctx, "/spona.unknown.v1.S/Get", nil, false},
	} {
		if got := Retryable(c.ctx, c.method, c.req); got != c.want {
			t.Errorf("Retryable(%s, %v) = %v, want %v", c.method, c.req, got, c.want)
		}
	}
}
