package statustest_test

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"testing"

	"github.com/spona/spona/pkg/errs"
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

func TestWantError(t *testing.T) {
	t.Parallel()
	err := &errs.Error{Kind: errs.KindAborted, Reason: "ETAG_REQUIRED", Violations: []errs.FieldViolation{{Field: "x.etag", Description: "is required"}}}
	statustest.WantError(t, err, errs.KindAborted, "ETAG_REQUIRED", []string{"x.etag"})
	statustest.WantError(t, fmt.Errorf("wrapped: %w", err), errs.KindAborted, "", nil)
	for name, check := range map[string]func(testing.TB){
		"kind":       func(t testing.TB) { statustest.WantError(t, err, errs.KindInvalidArgument, "", nil) },
		"reason":     func(t testing.TB) { statustest.WantError(t, err, errs.KindAborted, "ETAG_MISMATCH", nil) },
		"violations": func(t testing.TB) { statustest.WantError(t, err, errs.KindAborted, "", []string{"y"}) },
		"plain":      func(t testing.TB) { statustest.WantError(t, errors.New("boom"), errs.KindAborted, "", nil) },
	} {
		r := &recorder{TB: t}
		done := make(chan struct{})
		go func() { defer close(done); check(r) }()
		<-done
		if !r.failed {
			t.Errorf("%s: a wrong error passed", name)
		}
	}
}

// recorder notes a failure instead of failing the test.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Fatalf(string, ...any) { r.failed = true; runtime.Goexit() }
