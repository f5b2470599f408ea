package grpcx_test

import (
	"slices"
	"testing"

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
			got := grpcx.UpdatePaths(tt.mask, tt.body)
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}
