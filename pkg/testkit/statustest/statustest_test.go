package statustest_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestRead(t *testing.T) {
	t.Parallel()
	st, err := status.New(codes.InvalidArgument, "invalid request").WithDetails(
		&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{
			{Field: "a", Description: "is required"}, {Field: "b.c", Description: "must be a UUID"}}},
		&errdetails.ErrorInfo{Reason: "ETAG_REQUIRED", Domain: "spona.org"})
	if err != nil {
		t.Fatal(err)
	}
	e := st.Err()
	if statustest.Code(e) != codes.InvalidArgument || statustest.Reason(e) != "ETAG_REQUIRED" {
		t.Fatalf("code %v reason %q", statustest.Code(e), statustest.Reason(e))
	}
	if got := statustest.Violations(e); !slices.Equal(got, []string{"a", "b.c"}) {
		t.Fatalf("violations %v", got)
	}
	if d := statustest.Descriptions(e); d["b.c"] != "must be a UUID" || len(d) != 2 {
		t.Fatalf("descriptions %v", d)
	}
	statustest.Want(t, e, codes.InvalidArgument, "the status")
	statustest.WantReason(t, e, codes.InvalidArgument, "ETAG_REQUIRED", "the status")

	plain := errors.New("boom")
	if statustest.Code(plain) != codes.Unknown || statustest.Reason(plain) != "" || statustest.Violations(plain) != nil || statustest.Info(nil) != nil {
		t.Fatal("a plain error carries no details")
	}
}
