package gateway

import (
	"math"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// enumNumberIn finds an enum field given a JSON number in data, a body
// protojson has decoded as a message of md: protojson takes an enum's
// number as well as its name ("urgency": 2 as URGENCY_HIGH; 99, a value
// no name stands for, is passed on for the service to refuse as unknown),
// while the REST API takes
// names only (README; the OpenAPI documents declare enum fields as
// strings listing the names), as the query does (enumNumber). It returns
// the first such field's path in the body (fieldAt's style:
// schedules[0].days[1], labels[key]) and its enum; ed is nil when there is
// none.
//
// Cheap by construction: a message none of whose fields can hold an enum,
// itself or in a message it holds, is not read at all (enumsIn); others
// are read once (walker), without allocating, looking up no field in a
// value that can hold no enum, and the path is only built for the field
// found.
func enumNumberIn(data []byte, md protoreflect.MessageDescriptor) (path string, ed protoreflect.EnumDescriptor) {
	if md == nil || !enumsIn(md) {
		return "", nil
	}
	w := walker{data: data, target: math.MaxInt, enums: true}
	if path, _ := w.value(shape{msg: md, enums: true}, true); w.enum != nil {
		return path, w.enum
	}
	return "", nil
}

// enumsIn reports whether a message of md can hold an enum field, itself
// or in a message it holds (a list's, a map's value); the well-known
// types (google.protobuf.*: Struct, Value, Timestamp, FieldMask, ...)
// hold none a client sets as an enum. Computed once per message.
func enumsIn(md protoreflect.MessageDescriptor) bool { return messageFieldsOf(md).enums }

func holdsEnum(md protoreflect.MessageDescriptor, seen map[protoreflect.FullName]bool) bool {
	if md.ParentFile().Package() == "google.protobuf" || seen[md.FullName()] {
		return false
	}
	seen[md.FullName()] = true
	fields := md.Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if fd.IsMap() {
			fd = fd.MapValue()
		}
		if clientEnum(fd) != nil || fd.Message() != nil && holdsEnum(fd.Message(), seen) {
			return true
		}
	}
	return false
}

// clientEnum is the enum of field fd a client gives by name; nil for any
// other field, and for google.protobuf.NullValue (a JSON null).
func clientEnum(fd protoreflect.FieldDescriptor) protoreflect.EnumDescriptor {
	if fd.Kind() != protoreflect.EnumKind || fd.Enum().FullName() == "google.protobuf.NullValue" {
		return nil
	}
	return fd.Enum()
}

func number(c byte) bool { return c == '-' || c >= '0' && c <= '9' }
