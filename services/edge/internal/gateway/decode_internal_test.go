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

// TestDecodeViolationOneof: a body giving two fields of one oneof (a
// training participant's professional and beneficiary_id) is refused by
// protojson before any handler runs; the refusal is a field violation
// naming the field given second and the fields of which only one may be
// given, as every other bad input is (before: a bare 400 with protojson's
// English message and no field).
func TestDecodeViolationOneof(t *testing.T) {
	for msg, field := range map[string]string{
		"proto: (line 1:58): error parsing \"professional\", oneof spona.trainings.v1.Participant.person is already set":       "professional",
		"proto:\u00a0(line 1:40): error parsing \"beneficiaryId\", oneof spona.trainings.v1.Participant.person is already set": "beneficiary_id",
	} {
		st := decodeViolation(context.Background(), slog.New(slog.DiscardHandler), status.New(codes.InvalidArgument, msg))
		var got []*errdetails.BadRequest_FieldViolation
		for _, d := range st.Details() {
			if br, ok := d.(*errdetails.BadRequest); ok {
				got = append(got, br.GetFieldViolations()...)
			}
		}
		if len(got) != 1 || got[0].GetField() != field || got[0].GetDescription() != "only one of professional, beneficiary_id may be given" {
			t.Errorf("%q: field violations %v, want one for %s naming professional and beneficiary_id", msg, got, field)
		}
	}
}
