package gateway

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"sync"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// walker reads a JSON body against the message it stands for (a member
// by its field's JSON or proto name, a list field's elements, a map
// field's entries) to the first key or value it stops at, and returns
// that value's path in the message: proto names joined by ".", "[i]" for
// a list's element and "[key]" for a map's entry, as the services name
// fields. fieldAt stops it at a byte, enumNumberIn at an enum given as a
// number. The path is built only on the way back from where the walk
// stopped, so a walk that stops nowhere allocates nothing. It reads what
// it can of data that is not JSON, and stops where the data goes wrong.
type walker struct {
	data []byte
	pos  int
	// target: stop at the key or value holding this byte (fieldAt).
	target int
	// enums: stop at an enum given as a number, its enum in enum, and
	// read a value that can hold no enum as JSON alone, looking up no
	// field in it (enumNumberIn).
	enums bool
	enum  protoreflect.EnumDescriptor
}

// shape is what a JSON value stands for: a message (msg) or an enum
// (enum), a list field's elements or a map field's (dict) entries, of
// shape element; all zero: not known. enums: a value of it can hold an
// enum (enumsIn).
type shape struct {
	msg     protoreflect.MessageDescriptor
	enum    protoreflect.EnumDescriptor
	element *shape
	dict    bool
	enums   bool
}

// fieldShape is the shape of field fd's JSON value.
func fieldShape(fd protoreflect.FieldDescriptor) shape {
	one := fd
	if fd.IsMap() {
		one = fd.MapValue()
	}
	v := shape{msg: one.Message(), enum: clientEnum(one)}
	v.enums = v.enum != nil || v.msg != nil && holdsEnum(v.msg, map[protoreflect.FullName]bool{})
	if fd.IsList() || fd.IsMap() {
		return shape{element: &v, dict: fd.IsMap(), enums: v.enums}
	}
	return v
}

// key is a member's key: the span of a JSON string in the data, open when
// the data ends before its closing quote.
type key struct {
	start, end int
	open       bool
}

// value reads the JSON value at w.pos, of shape s; stop is true when the
// walk stopped in it, at path below it ("" for itself). root: the value's
// own path is "" (the body, or a member named "" of it).
func (w *walker) value(s shape, root bool) (path string, stop bool) {
	w.space()
	if w.pos >= len(w.data) {
		return "", true
	}
	if w.enums && !s.enums {
		s = shape{} // read as JSON alone, no field looked up
	}
	switch c := w.data[w.pos]; {
	case w.enums && s.enum != nil && number(c):
		w.enum = s.enum
		return "", true
	case (c == '{' || c == '[') && w.target <= w.pos:
		return "", true
	case c == '{':
		return w.object(s, root)
	case c == '[':
		return w.array(s)
	case c == '"':
		w.skipString()
	default:
		for w.pos < len(w.data) && strings.IndexByte(",]} \t\r\n", w.data[w.pos]) < 0 {
			w.pos++
		}
	}
	// A scalar holds the target up to the character after it (where a
	// syntax error in it is found).
	return "", w.target <= w.pos
}

func (w *walker) object(s shape, root bool) (string, bool) {
	var fields map[string]*field
	if s.msg != nil {
		fields = messageFieldsOf(s.msg).fields
	}
	w.pos++ // {
	for {
		if _, end, stop := w.next('}'); end {
			return "", stop
		} else if w.data[w.pos] != '"' {
			return "", true // not JSON
		}
		k := key{start: w.pos}
		k.open = !w.skipString()
		k.end = w.pos
		// The target in the key, or a key without a value.
		if w.space(); w.target < k.end || w.pos >= len(w.data) || w.data[w.pos] != ':' {
			return w.memberPath(s, k, root, ""), true
		}
		w.pos++
		w.space()
		// A string or a literal reads alike whatever its field: its
		// field is looked up only for an object, a list or a number.
		var ms shape
		if c := w.peek(); c != '"' && c != 't' && c != 'f' && c != 'n' {
			if s.dict {
				ms = *s.element
			} else if f := w.field(fields, k); f != nil {
				ms = f.shape
			}
		}
		// A member named "" of the body is named "", as the body is.
		named := s.dict || k.end-k.start > 2
		if sub, stop := w.value(ms, root && !named); stop {
			return w.memberPath(s, k, root, sub), true
		}
	}
}

func (w *walker) array(s shape) (string, bool) {
	var element shape
	if s.element != nil {
		element = *s.element
	}
	w.pos++ // [
	for i := 0; ; {
		commas, end, stop := w.next(']')
		if i += commas; end {
			return "", stop
		}
		at := w.pos
		// A value read up to nothing: not JSON.
		if sub, stop := w.value(element, false); stop || w.pos == at {
			return "[" + strconv.Itoa(i) + "]" + sub, true
		}
	}
}

// next reads past white space and commas (counted) to the next member or
// element of the object or list w.pos is in; end when there is none: at
// the data's end, where the walk stops, or at its close, which the walk
// stops at when it holds the target.
func (w *walker) next(close byte) (commas int, end, stop bool) {
	for {
		w.space()
		switch {
		case w.pos >= len(w.data):
			return commas, true, true
		case w.data[w.pos] == close:
			w.pos++
			return commas, true, w.target < w.pos
		case w.data[w.pos] != ',':
			return commas, false, false
		}
		w.pos++
		commas++
	}
}

// memberPath is the path of the member k of an object of shape s, then
// sub: its field's proto name (its key for a field not known) after a dot
// unless the object is root, [key] for a map's entry.
func (w *walker) memberPath(s shape, k key, root bool, sub string) string {
	if s.dict {
		return "[" + w.text(k) + "]" + sub
	}
	var name string
	if s.msg != nil {
		if f := w.field(messageFieldsOf(s.msg).fields, k); f != nil {
			name = string(f.fd.Name())
		}
	}
	if name == "" {
		name = w.text(k)
	}
	if !root {
		name = "." + name
	}
	return name + sub
}

// field is the field of fields (a message's) the member k names, by its
// JSON name or its proto name, as protojson takes either; nil when it
// names none.
func (w *walker) field(fields map[string]*field, k key) *field {
	if raw := w.raw(k); bytes.IndexByte(raw, '\\') < 0 {
		return fields[string(raw)] // not allocating
	}
	return fields[w.text(k)]
}

// raw is the text of key k as it stands in the data, escapes unread.
func (w *walker) raw(k key) []byte {
	if k.open {
		return w.data[k.start+1 : min(k.end, len(w.data))]
	}
	return w.data[k.start+1 : k.end-1]
}

// text is the text of key k.
func (w *walker) text(k key) string {
	var text string
	if k.open || json.Unmarshal(w.data[k.start:k.end], &text) != nil {
		return string(w.raw(k))
	}
	return text
}

// messageFields is what the walker reads a message's object with.
type messageFields struct {
	enums bool // enumsIn
	// The fields by their JSON and proto names, looked up by a member's
	// key without allocating (a map index of string(bytes)).
	fields map[string]*field
}

// field is a message's field and the shape of its value.
type field struct {
	fd    protoreflect.FieldDescriptor
	shape shape
}

func messageFieldsOf(md protoreflect.MessageDescriptor) *messageFields {
	if v, ok := messageFieldsCache.Load(md); ok {
		if m, ok := v.(*messageFields); ok {
			return m
		}
	}
	m := &messageFields{enums: holdsEnum(md, map[protoreflect.FullName]bool{}), fields: map[string]*field{}}
	fields := md.Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		m.fields[string(fd.Name())] = &field{fd: fd, shape: fieldShape(fd)}
	}
	for i := range fields.Len() {
		fd := fields.Get(i)
		m.fields[fd.JSONName()] = m.fields[string(fd.Name())] // as protojson, the JSON name first
	}
	if v, loaded := messageFieldsCache.LoadOrStore(md, m); loaded {
		if first, ok := v.(*messageFields); ok {
			return first
		}
	}
	return m
}

var messageFieldsCache sync.Map // protoreflect.MessageDescriptor -> *messageFields

// skipString reads past the JSON string at w.pos; false when the data
// ends before its closing quote (w.pos is then past the data's end by one
// when it ends in the escape's backslash).
func (w *walker) skipString() bool {
	for w.pos++; w.pos < len(w.data); w.pos++ {
		switch w.data[w.pos] {
		case '\\':
			w.pos++
		case '"':
			w.pos++
			return true
		}
	}
	return false
}

// peek is the byte at w.pos, 0 past the data's end.
func (w *walker) peek() byte {
	if w.pos < len(w.data) {
		return w.data[w.pos]
	}
	return 0
}

func (w *walker) space() {
	for w.pos < len(w.data) {
		switch w.data[w.pos] {
		case ' ', '\t', '\r', '\n':
			w.pos++
		default:
			return
		}
	}
}
