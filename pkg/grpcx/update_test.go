package grpcx_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/grpcx"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

func TestUpdatePaths(t *testing.T) {
	t.Parallel()
	body := &errdetails.ErrorInfo{Reason: "R", Metadata: map[string]string{"k": "v"}}
	tests := []struct {
		name string
		mask *fieldmaskpb.FieldMask
		body proto.Message
		want []string
	}{
		{"the mask when it names fields", &fieldmaskpb.FieldMask{Paths: []string{"domain"}}, body, []string{"domain"}},
		{"the fields set when it is empty", &fieldmaskpb.FieldMask{}, body, []string{"reason", "metadata"}},
		{"the fields set when it is absent", nil, body, []string{"reason", "metadata"}},
		{"nothing for an empty body", nil, &errdetails.ErrorInfo{}, nil},
		{"nothing for no body", nil, nil, nil},
		{"nothing for a nil body", nil, (*errdetails.ErrorInfo)(nil), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := grpcx.UpdatePaths(tt.mask, tt.body)
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// A path into a field must name a field of a message at every step: a
// scalar has no fields, so "reason.x" is a violation, never an update of
// reason (it was, through pkg/fieldmask's "a path into a message field
// names that field").
func TestUpdatePathsRefusesPathsIntoNoMessage(t *testing.T) {
	t.Parallel()
	body := &errdetails.BadRequest{}
	for _, tt := range []struct {
		paths []string
		field string
	}{
		{[]string{"field_violations.field"}, "update_mask.paths[0]"}, // a list has no fields
		{[]string{"field_violations", "field_violations.x.y"}, "update_mask.paths[1]"},
	} {
		_, err := grpcx.UpdatePaths(&fieldmaskpb.FieldMask{Paths: tt.paths}, body)
		if !refused(err, tt.field) {
			t.Errorf("%v: got %v, want a violation of %s", tt.paths, err, tt.field)
		}
	}
	info := &errdetails.ErrorInfo{}
	for _, p := range []string{"reason.x", "metadata.k", "domain.x.y"} {
		_, err := grpcx.UpdatePaths(&fieldmaskpb.FieldMask{Paths: []string{"reason", p}}, info)
		if !refused(err, "update_mask.paths[1]") {
			t.Errorf("%s: got %v, want a violation of update_mask.paths[1]", p, err)
		}
	}
	// Paths into a message field, and paths naming no field (left to
	// pkg/fieldmask), pass.
	retry := &errdetails.RetryInfo{}
	for _, p := range []string{"retry_delay.seconds", "retry_delay", "unknown.x", "*"} {
		if _, err := grpcx.UpdatePaths(&fieldmaskpb.FieldMask{Paths: []string{p}}, retry); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	if _, err := grpcx.UpdatePaths(&fieldmaskpb.FieldMask{Paths: []string{"retry_delay.x"}}, retry); !refused(err, "update_mask.paths[0]") {
		t.Errorf("retry_delay.x: got %v, want a violation", err)
	}
}

func refused(err error, field string) bool {
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.KindInvalidArgument {
		return false
	}
	for _, v := range e.Violations {
		if v.Field == field {
			return true
		}
	}
	return false
}
