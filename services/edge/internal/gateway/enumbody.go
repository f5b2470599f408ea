package gateway

import (
	"bytes"
	"encoding/json"
	"strconv"
	"sync"

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
// are read once, without allocating but for the names of members whose
// value is a number, an object or a list (a string member is skipped
// unread), and the path is only built for the field found.
func enumNumberIn(data []byte, md protoreflect.MessageDescriptor) (path string, ed protoreflect.EnumDescriptor) {
	if md == nil || !enumsIn(md) {
		return "", nil
	}
	s := enumScan{data: data}
	s.space()
	if s.pos >= len(data) || data[s.pos] != '{' {
		return "", nil
	}
	return s.message(md)
}

// enumsIn reports whether a message of md can hold an enum field, itself
// or in a message it holds (a list's, a map's value); the well-known
// types (google.protobuf.*: Struct, Value, Timestamp, FieldMask, ...)
// hold none a client sets as an enum. Computed once per message.
func enumsIn(md protoreflect.MessageDescriptor) bool { return enumMessageOf(md).enums }

// enumMessage is what enumNumberIn reads a message's object with.
type enumMessage struct {
	enums bool // enumsIn
	// The fields by their JSON and proto names, looked up by a member's
	// key without allocating (a map index of string(bytes)).
	fields map[string]protoreflect.FieldDescriptor
}

func enumMessageOf(md protoreflect.MessageDescriptor) *enumMessage {
	if v, ok := enumMessages.Load(md); ok {
		if m, ok := v.(*enumMessage); ok {
			return m
		}
	}
	m := &enumMessage{enums: holdsEnum(md, map[protoreflect.FullName]bool{}), fields: map[string]protoreflect.FieldDescriptor{}}
	fields := md.Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		m.fields[string(fd.Name())] = fd
	}
	for i := range fields.Len() {
		fd := fields.Get(i)
		m.fields[fd.JSONName()] = fd // as protojson, the JSON name first
	}
	if v, loaded := enumMessages.LoadOrStore(md, m); loaded {
		if first, ok := v.(*enumMessage); ok {
			return first
		}
	}
	return m
}

var enumMessages sync.Map // protoreflect.MessageDescriptor -> *enumMessage

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

// enumScan reads well-formed JSON (protojson decoded it) for enumNumberIn.
type enumScan struct {
	data []byte
	pos  int
}

// message reads the object at s.pos, of message md.
func (s *enumScan) message(md protoreflect.MessageDescriptor) (string, protoreflect.EnumDescriptor) {
	fields := enumMessageOf(md).fields
	s.pos++ // {
	for {
		key, end, ok := s.member()
		if !ok {
			return "", nil
		}
		switch c := s.data[s.pos]; {
		case c == '"' || c == 't' || c == 'f' || c == 'n':
			s.skip() // a name, or no number
			continue
		case c != '{' && c != '[' && !number(c):
			return "", nil
		}
		fd := s.fieldNamed(fields, key, end)
		if fd == nil {
			s.skip()
			continue
		}
		if sub, ed := s.field(fd); ed != nil {
			return fieldPath(string(fd.Name()), sub), ed
		}
	}
}

// field reads the value of field fd at s.pos: its path below the field
// ("", [i], [i].x, [key]) and enum when it gives an enum a number.
func (s *enumScan) field(fd protoreflect.FieldDescriptor) (string, protoreflect.EnumDescriptor) {
	c := s.data[s.pos]
	switch {
	case fd.IsList() && c == '[':
		return s.list(fd)
	case fd.IsMap() && c == '{':
		return s.dict(fd.MapValue())
	case fd.IsList() || fd.IsMap():
		s.skip()
		return "", nil
	}
	return s.single(fd)
}

// single reads one value of field fd (its own, or a list's element, a
// map's value).
func (s *enumScan) single(fd protoreflect.FieldDescriptor) (string, protoreflect.EnumDescriptor) {
	c := s.data[s.pos]
	switch ed := clientEnum(fd); {
	case ed != nil && number(c):
		s.skip()
		return "", ed
	case c == '{' && fd.Message() != nil && enumsIn(fd.Message()):
		return s.message(fd.Message())
	}
	s.skip()
	return "", nil
}

func (s *enumScan) list(fd protoreflect.FieldDescriptor) (string, protoreflect.EnumDescriptor) {
	if clientEnum(fd) == nil && (fd.Message() == nil || !enumsIn(fd.Message())) {
		s.skip()
		return "", nil
	}
	s.pos++ // [
	for i := 0; ; {
		s.space()
		if s.pos >= len(s.data) {
			return "", nil
		}
		switch s.data[s.pos] {
		case ']':
			s.pos++
			return "", nil
		case ',':
			s.pos++
			i++
			continue
		}
		at := s.pos
		if sub, ed := s.single(fd); ed != nil {
			return "[" + strconv.Itoa(i) + "]" + dotted(sub), ed
		} else if s.pos == at {
			return "", nil // not JSON: protojson refused it already
		}
	}
}

// dict reads a map's object, whose values are of field value.
func (s *enumScan) dict(value protoreflect.FieldDescriptor) (string, protoreflect.EnumDescriptor) {
	if clientEnum(value) == nil && (value.Message() == nil || !enumsIn(value.Message())) {
		s.skip()
		return "", nil
	}
	s.pos++ // {
	for {
		key, end, ok := s.member()
		if !ok {
			return "", nil
		}
		if sub, ed := s.single(value); ed != nil {
			return "[" + s.text(key, end) + "]" + dotted(sub), ed
		}
	}
}

// member reads the next member of the object s.pos is in, up to its
// value: the span of its key in s.data; ok is false at the object's end
// (or at data that is not JSON, which protojson refused already).
func (s *enumScan) member() (start, end int, ok bool) {
	for {
		s.space()
		if s.pos >= len(s.data) {
			return 0, 0, false
		}
		switch s.data[s.pos] {
		case '}':
			s.pos++
			return 0, 0, false
		case ',':
			s.pos++
			continue
		case '"':
		default:
			return 0, 0, false
		}
		start = s.pos
		s.skipString()
		end = s.pos
		s.space()
		if s.pos >= len(s.data) || s.data[s.pos] != ':' {
			return 0, 0, false
		}
		s.pos++
		s.space()
		return start, end, s.pos < len(s.data)
	}
}

// fieldNamed is the field (of fields, a message's) of the member key data[start:end] (a JSON
// string), by its JSON name or its proto name, as protojson takes either.
func (s *enumScan) fieldNamed(fields map[string]protoreflect.FieldDescriptor, start, end int) protoreflect.FieldDescriptor {
	raw := s.data[start+1 : max(start+1, end-1)]
	if bytes.IndexByte(raw, '\\') < 0 {
		return fields[string(raw)]
	}
	return fields[s.text(start, end)]
}

// fieldPath joins a field's name and its path below it.
func fieldPath(name, sub string) string { return name + dotted(sub) }

// dotted is a path below a field as it follows the field: [i] as it is,
// a member's name after a dot.
func dotted(sub string) string {
	if sub == "" || sub[0] == '[' {
		return sub
	}
	return "." + sub
}

func number(c byte) bool { return c == '-' || c >= '0' && c <= '9' }

// text is the text of the JSON string data[start:end].
func (s *enumScan) text(start, end int) string {
	raw := s.data[start+1 : max(start+1, end-1)]
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw)
	}
	var text string
	if json.Unmarshal(s.data[start:end], &text) != nil {
		return string(raw)
	}
	return text
}

// skip reads past the JSON value at s.pos.
func (s *enumScan) skip() {
	depth := 0
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case '"':
			s.skipString()
			if depth == 0 {
				return
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return // the end of the object or list the value is in
			}
			depth--
			if depth == 0 {
				s.pos++
				return
			}
		case ',', ' ', '\t', '\r', '\n', ':':
			if depth == 0 {
				return
			}
		}
		s.pos++
	}
}

// skipString reads past the JSON string at s.pos.
func (s *enumScan) skipString() {
	for i := s.pos + 1; i < len(s.data); i++ {
		switch s.data[i] {
		case '\\':
			i++
		case '"':
			s.pos = i + 1
			return
		}
	}
	s.pos = len(s.data)
}

func (s *enumScan) space() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\r', '\n':
			s.pos++
		default:
			return
		}
	}
}
