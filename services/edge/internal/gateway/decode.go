package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/spona/spona/pkg/errs"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// jsonMarshaler is the gateway's JSON marshaler; its decoder names the
// field a body it cannot decode is refused at (bodyDecoder).
type jsonMarshaler struct{ *runtime.JSONPb }

func (m jsonMarshaler) NewDecoder(r io.Reader) runtime.Decoder {
	return &bodyDecoder{r: r, m: m.JSONPb}
}

// bodyRefusal is the decoder's refusal of a body: the field, by its path
// in the body, and what is wrong with it. The gateway passes on only its
// text (Error), which the error handler reads back (refusedBody) to name
// the field by its path in the request (the route's body field first).
type bodyRefusal struct{ path, description string }

func (e *bodyRefusal) Error() string {
	return "body field " + strconv.Quote(e.path) + ": " + e.description
}

var bodyRefused = regexp.MustCompile(`(?s)^body field ("(?:[^"\\]|\\.)*"): (.*)$`)

// refusedBody returns the field violation a route's body was refused with,
// from the message of the gateway's error: the field by its path in the
// request (bodyField is the route's body: "*" for the whole request, when
// the field is "" if the body was refused as a whole).
func refusedBody(msg, bodyField string) (errs.FieldViolation, bool) {
	m := bodyRefused.FindStringSubmatch(msg)
	if m == nil || bodyField == "" {
		return errs.FieldViolation{}, false
	}
	path, err := strconv.Unquote(m[1])
	switch {
	case err != nil:
		return errs.FieldViolation{}, false
	case bodyField != "*" && path == "":
		path = bodyField
	case bodyField != "*" && strings.HasPrefix(path, "["):
		path = bodyField + path
	case bodyField != "*":
		path = bodyField + "." + path
	}
	// path "": a route whose body is the whole request, refused as a
	// whole (the caller answers without a field).
	return errs.FieldViolation{Field: path, Description: m[2]}, true
}

// bodyDecoder decodes a JSON body: one JSON value, and nothing after it
// but white space (runtime.JSONPb's decoder ignores what follows, so of
// two objects sent one after the other the first was made and answered
// 200, the second dropped without a word); when protojson refuses the
// value, or it is not JSON, its error is a bodyRefusal naming the field by
// its path in the body (urgency, schedules[0].opens_at,
// localized_names[sr]), which the error handler completes with the route's
// body field to name it as the services name the fields they refuse
// (referral.urgency). An enum given as a number, which protojson takes,
// is refused as well (enumNumberIn).
type bodyDecoder struct {
	r io.Reader
	m *runtime.JSONPb
}

func (d *bodyDecoder) Decode(v any) error {
	data, err := io.ReadAll(d.r)
	if err != nil {
		return err
	}
	var raw json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil {
		if errors.Is(err, io.EOF) {
			return err // no body: the request's fields stay unset
		}
		// Cut short: the innermost object or array left open.
		at := len(data) + 1
		var se *json.SyntaxError
		if errors.As(err, &se) {
			at = int(se.Offset) - 1
		}
		return refuse(data, at, v, "is not valid JSON: %s", err)
	}
	end := int(dec.InputOffset())
	if rest := bytes.TrimLeft(data[end:], " \t\r\n"); len(rest) > 0 {
		// The body as a whole: what follows belongs to no field.
		return refuse(data, len(data), v, "is not valid JSON: more follows the value that ends at byte %d; send one JSON value", end)
	}
	if err := d.m.Unmarshal(raw, v); err != nil {
		return refuseDecoded(raw, v, err)
	}
	// An enum given as a number (protojson takes it): refused as a name
	// the enum lacks is (refuseDecoded), listing the names.
	if path, ed := enumNumberIn(raw, messageOf(v)); ed != nil {
		return &bodyRefusal{path: path, description: "must be one of " + enumValues(ed)}
	}
	return nil
}

// refuseDecoded is protojson's refusal of raw (well-formed JSON) at the
// field of the position its message gives.
func refuseDecoded(raw []byte, v any, err error) error {
	m := protojsonError.FindStringSubmatch(err.Error())
	if m == nil {
		// Without a position (a value out of range): the body as a whole.
		return refuse(raw, 0, v, "is not valid here: %s", err)
	}
	line, _ := strconv.Atoi(m[1])
	col, _ := strconv.Atoi(m[2])
	at, what := offsetOf(raw, line, col), m[3]
	switch {
	case invalidValue.MatchString(what):
		x := invalidValue.FindStringSubmatch(what)
		if x[1] == "enum" {
			// Name the values the field takes, as for a query parameter
			// (queryValueRule), so that a client need not look them up
			// (URGENCY_HIGH, not HIGH).
			path := fieldAt(raw, at, messageOf(v))
			if ed := enumAt(messageOf(v), path); ed != nil {
				return &bodyRefusal{path: path, description: "must be one of " + enumValues(ed)}
			}
			// An enum value is a code the caller misspelt: shown.
			return refuse(raw, at, v, "is not a valid enum value: %s", x[2])
		}
		// Not the value: it may be the personal data the field was
		// meant for (a JMBG or phone number sent as a JSON number), and a
		// refused create's answer is kept for Idempotency-Key replay under
		// no person, where erasure cannot reach it.
		return refuse(raw, at, v, "is not a valid %s value", x[1])
	case invalidWKT.MatchString(what):
		return refuse(raw, at, v, "is not a valid %s value", strings.ToLower(invalidWKT.FindStringSubmatch(what)[1]))
	case wktRange.MatchString(what):
		// A time in year 0 or 10000, a duration over 10000 years: the
		// type's words, not the value echoed.
		return refuse(raw, at, v, "is not a valid %s value: out of its range", strings.ToLower(wktRange.FindStringSubmatch(what)[1]))
	case unknownField.MatchString(what):
		return refuse(raw, at, v, "unknown or read-only field %s", unknownField.FindStringSubmatch(what)[1])
	case oneofSet.MatchString(what):
		return refuse(raw, at, v, "only one of %s may be given", strings.Join(oneofFields(oneofSet.FindStringSubmatch(what)[1]), ", "))
	case duplicate.MatchString(what):
		return refuse(raw, at, v, "is given more than once")
	case unexpected.MatchString(what):
		return refuse(raw, at, v, "is of the wrong JSON type: unexpected %s", jsonKind(unexpected.FindStringSubmatch(what)[1]))
	default:
		return refuse(raw, at, v, "is not valid here: %s", what)
	}
}

// jsonKind names the JSON type of a token protojson did not expect (a
// string, a number, ...), not its text, which may be personal data (see
// refuseDecoded): brackets and literals as they are.
func jsonKind(token string) string {
	switch {
	case strings.HasPrefix(token, `"`):
		return "string"
	case token == "[", token == "{", token == "true", token == "false", token == "null":
		return token
	case token != "" && (token[0] == '-' || token[0] >= '0' && token[0] <= '9'):
		return "number"
	}
	return "value"
}

// How protojson words its refusals: "proto:" and a space or, in some
// builds, a no-break space, the position, then what is wrong.
var (
	protojsonError = regexp.MustCompile(`^proto:[ \x{00a0}]+(?:syntax error )?\(line (\d+):(\d+)\): (.*)$`)
	invalidValue   = regexp.MustCompile(`^invalid value for (\w+) (?:field \w+|key): (.*)$`)
	invalidWKT     = regexp.MustCompile(`^invalid google\.protobuf\.(\w+)(?: value)?:? (.*)$`)
	wktRange       = regexp.MustCompile(`^google\.protobuf\.(\w+) value out of range`)
	unknownField   = regexp.MustCompile(`^unknown field (.+)$`)
	oneofSet       = regexp.MustCompile(`^error parsing "[^"]+", oneof ([\w.]+) is already set$`)
	duplicate      = regexp.MustCompile(`^duplicate (?:field|map key) `)
	unexpected     = regexp.MustCompile(`^unexpected token (.*)$`)
)

// enumAt returns the enum of the field at path (as fieldAt names it) in
// md, nil when path names no enum field.
func enumAt(md protoreflect.MessageDescriptor, path string) protoreflect.EnumDescriptor {
	var fd protoreflect.FieldDescriptor
	for _, name := range strings.Split(indexes.ReplaceAllString(path, ""), ".") {
		if md == nil {
			return nil
		}
		if fd = md.Fields().ByName(protoreflect.Name(name)); fd == nil {
			return nil
		}
		if fd.IsMap() {
			fd = fd.MapValue()
		}
		md = fd.Message()
	}
	if fd == nil {
		return nil
	}
	return fd.Enum()
}

// indexes are the [i] and [key] parts of a field's path.
var indexes = regexp.MustCompile(`\[[^\]]*\]`)

// refuse is the refusal of the field whose key or value starts at byte at
// of data.
func refuse(data []byte, at int, v any, format string, args ...any) error {
	return &bodyRefusal{path: fieldAt(data, at, messageOf(v)), description: fmt.Sprintf(format, args...)}
}

// messageOf returns the message descriptor of a decoding target (a
// message, or a pointer to a message field such as **Referral), nil if it
// is none.
func messageOf(v any) protoreflect.MessageDescriptor {
	for t := reflect.TypeOf(v); t != nil && t.Kind() == reflect.Pointer; t = t.Elem() {
		if m, ok := reflect.Zero(t).Interface().(proto.Message); ok {
			return m.ProtoReflect().Descriptor()
		}
	}
	return nil
}

// offsetOf is the byte offset of protojson's line and column (1-based, the
// column in characters).
func offsetOf(data []byte, line, col int) int {
	at := 0
	for ; line > 1; line-- {
		i := bytes.IndexByte(data[at:], '\n')
		if i < 0 {
			return len(data)
		}
		at += i + 1
	}
	for ; col > 1 && at < len(data); col-- {
		_, n := utf8.DecodeRune(data[at:])
		at += n
	}
	return at
}

// fieldAt returns the path, in the request message md, of the field whose
// key or value holds byte at of the JSON data (walker): proto names joined
// by ".", "[i]" for a list's element and "[key]" for a map's entry, as the
// services name fields. It reads what it can of data that is not JSON,
// and stops at the field the data went wrong in.
func fieldAt(data []byte, at int, md protoreflect.MessageDescriptor) string {
	w := walker{data: data, target: at}
	path, _ := w.value(shape{msg: md}, true)
	return path
}
