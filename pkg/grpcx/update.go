package grpcx

import (
	"fmt"
	"strings"

	"github.com/spona/spona/pkg/errs"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// UpdatePaths returns the paths an update changes (AIP-134): those of mask
// when it names any, otherwise the fields present in resource, the body of
// the update. The REST gateway fills an empty mask with the keys of the
// JSON body, so that is what "present" means over REST; over gRPC it is
// the fields set (a field of proto3 scalar type is present when it is not
// its zero value: to clear one, name it in the mask). The domain applies
// the paths with pkg/fieldmask.
//
// A path into a field of resource ("eligibility.min_age") must name a
// field of that message at every step: "given_name.x" is a violation of
// update_mask.paths[i], never an update of given_name. Paths whose first
// step names no field of resource are left to pkg/fieldmask, which knows
// which fields may be updated.
func UpdatePaths(mask *fieldmaskpb.FieldMask, resource proto.Message) ([]string, error) {
	if len(mask.GetPaths()) > 0 {
		if resource != nil {
			if err := checkSubPaths(mask.GetPaths(), resource); err != nil {
				return nil, err
			}
		}
		return mask.GetPaths(), nil
	}
	var paths []string
	if resource == nil {
		return nil, nil
	}
	resource.ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
		paths = append(paths, string(fd.Name()))
		return true
	})
	return paths, nil
}

// checkSubPaths refuses the paths into a field of resource that are not
// valid field mask paths of it (fieldmaskpb's rules: every step a field,
// only a singular message field followed by more steps).
func checkSubPaths(paths []string, resource proto.Message) error {
	var v errs.Violations
	fields := resource.ProtoReflect().Descriptor().Fields()
	for i, p := range paths {
		top, _, sub := strings.Cut(p, ".")
		if !sub || fields.ByName(protoreflect.Name(top)) == nil {
			continue
		}
		if !(&fieldmaskpb.FieldMask{Paths: []string{p}}).IsValid(resource) {
			v.Add(fmt.Sprintf("update_mask.paths[%d]", i), "unknown or read-only field %q: %s has no such field", p, top)
		}
	}
	return v.Err()
}
