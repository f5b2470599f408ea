package grpcx

import (
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
func UpdatePaths(mask *fieldmaskpb.FieldMask, resource proto.Message) []string {
	if len(mask.GetPaths()) > 0 {
		return mask.GetPaths()
	}
	var paths []string
	if resource == nil {
		return nil
	}
	resource.ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
		paths = append(paths, string(fd.Name()))
		return true
	})
	return paths
}
