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
			if err := checkSubPaths(mask.GetPaths(), resource.ProtoReflect().Descriptor()); err != nil {
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

// checkSubPaths refuses the paths that go into a field of md which is not
// a singular message, or name a field its message does not have.
func checkSubPaths(paths []string, md protoreflect.MessageDescriptor) error {
	var v errs.Violations
	for i, p := range paths {
		steps := strings.Split(p, ".")
		if len(steps) < 2 || md.Fields().ByName(protoreflect.Name(steps[0])) == nil {
			continue
		}
		cur := md
		for j, s := range steps {
			fd := cur.Fields().ByName(protoreflect.Name(s))
			if fd == nil {
				v.Add(fmt.Sprintf("update_mask.paths[%d]", i), "unknown or read-only field %q: %s has no field %q", p, strings.Join(steps[:j], "."), s)
				break
			}
			if j == len(steps)-1 {
				break
			}
			if fd.Message() == nil || fd.IsList() || fd.IsMap() {
				v.Add(fmt.Sprintf("update_mask.paths[%d]", i), "unknown or read-only field %q: %s has no fields", p, strings.Join(steps[:j+1], "."))
				break
			}
			cur = fd.Message()
		}
	}
	return v.Err()
}
