package ports

import (
	"context"
	"log/slog"
	"slices"
	"testing"

	adminv1 "github.com/spona/spona/gen/go/spona/admin/v1"
	"github.com/spona/spona/pkg/auth"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// TestOutOfRangeTimesAreFieldViolations: a Timestamp or Duration outside
// its type's range (which a gRPC client can send and JSON cannot) is
// refused as INVALID_ARGUMENT with a field violation naming the field, as
// every other invalid field is, before key management is reached (nil
// here: reaching it would panic). Before, it was a bare status whose
// message named the field, which the edge's localization cannot read.
func TestOutOfRangeTimesAreFieldViolations(t *testing.T) {
	admin := func(context.Context) (auth.Principal, bool) {
		return auth.Principal{Scopes: []string{auth.ScopePlatformAdmin}}, true
	}
	s := NewAPIKeys(nil, admin, slog.New(slog.DiscardHandler))
	ctx := context.Background()
	tooLate := &timestamppb.Timestamp{Seconds: 1 << 40}
	tooLong := &durationpb.Duration{Seconds: 1 << 40}
	_, createErr := s.CreateApiKey(ctx, &adminv1.CreateApiKeyRequest{ApiKey: &adminv1.ApiKey{DisplayName: "k", ExpireTime: tooLate}})
	_, rotateErr := s.RotateApiKey(ctx, &adminv1.RotateApiKeyRequest{Id: "0190a1b2-0000-7000-8000-000000000001", Overlap: tooLong, ExpireTime: tooLate})
	for _, c := range []struct {
		err    error
		fields []string
	}{{createErr, []string{"api_key.expire_time"}}, {rotateErr, []string{"expire_time", "overlap"}}} {
		st := status.Convert(c.err)
		var got []string
		for _, d := range st.Details() {
			if br, ok := d.(*errdetails.BadRequest); ok {
				for _, fv := range br.GetFieldViolations() {
					got = append(got, fv.GetField())
				}
			}
		}
		slices.Sort(got)
		if st.Code() != codes.InvalidArgument || !slices.Equal(got, c.fields) {
			t.Errorf("%v: code %v, field violations on %v, want INVALID_ARGUMENT on %v", c.err, st.Code(), got, c.fields)
		}
	}
}
