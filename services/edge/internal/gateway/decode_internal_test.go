package gateway

import (
	"context"
	"log/slog"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// protojson writes "proto:" and then a space or a no-break space (chosen
// per build); both must become the same field violation.
func TestDecodeViolationEitherSpace(t *testing.T) {
	for _, msg := range []string{
		"proto: (line 1:15): invalid value for string field addressLine1: 5",
		"proto:\u00a0(line 1:15): invalid value for string field addressLine1: 5",
		"proto:\u00a0(line 1:2): unknown field \"address_line1\"",
	} {
		st := decodeViolation(context.Background(), slog.New(slog.DiscardHandler), status.New(codes.InvalidArgument, msg))
		var fields []string
		for _, d := range st.Details() {
			if br, ok := d.(*errdetails.BadRequest); ok {
				for _, v := range br.GetFieldViolations() {
					fields = append(fields, v.GetField())
				}
			}
		}
		if len(fields) != 1 || fields[0] != "address_line1" {
			t.Errorf("%q: field violations %v, want address_line1", msg, fields)
		}
	}
}
