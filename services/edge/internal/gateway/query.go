package gateway

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/protoenum"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// ignoredQuery refuses the query parameters of r that grpc-gateway would
// drop in silence: names of no field of the route's request message (a
// typo, or ?from=… for start_date, which would answer for every date), and
// fields the route's path or body sets; and the values it would take that
// the API does not (an enum's number: enumNumber). Each is a field violation
// naming the parameter as sent; nil, without allocating, when the query is
// empty.
// Names are matched as the gateway matches them: a dotted path of proto or
// JSON field names, a map field followed by [key].
func (m *matched) ignoredQuery(r *http.Request) error {
	if r.URL.RawQuery == "" || m.Input == nil {
		return nil
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return malformedQuery(r.URL.RawQuery)
	}
	var v errs.Violations
	for key, values := range q {
		fds := queryFields(m.Input, key)
		if why := m.queryField(fds); why != "" {
			v.Add(strings.ToValidUTF8(key, "\uFFFD"), "%s", why)
		} else if why := enumNumber(fds, values); why != "" {
			v.Add(strings.ToValidUTF8(key, "\uFFFD"), "%s", why)
		}
	}
	slices.SortFunc(v, func(a, b errs.FieldViolation) int { return strings.Compare(a.Field, b.Field) })
	return v.Err()
}

// malformedQuery refuses a query url.ParseQuery cannot split into
// parameters (the gateway would refuse it in Go's words, naming no
// parameter, or, on a route whose body is the whole request, not read
// it at all): a field violation for each parameter whose name or value
// is not percent-encoded correctly (%zz, a % at the end), or that holds
// a semicolon (Go no longer takes ; as a separator), naming the
// parameter as sent, never its value.
func malformedQuery(raw string) error {
	var v errs.Violations
	add := func(field, desc string) {
		field = strings.ToValidUTF8(field, "\uFFFD")
		if !slices.ContainsFunc(v, func(fv errs.FieldViolation) bool { return fv.Field == field }) {
			v.Add(field, "%s", desc)
		}
	}
	for pair := range strings.SplitSeq(raw, "&") {
		key, val, _ := strings.Cut(pair, "=")
		name, keyErr := url.QueryUnescape(key)
		if keyErr != nil {
			name = key
		}
		_, valErr := url.QueryUnescape(val)
		switch {
		case strings.Contains(pair, ";"):
			add(name, "contains a semicolon; separate query parameters with &")
		case keyErr != nil:
			add(name, "is not percent-encoded correctly (its name): a % must be followed by two hexadecimal digits")
		case valErr != nil:
			add(name, "is not percent-encoded correctly: a % must be followed by two hexadecimal digits")
		}
	}
	slices.SortFunc(v, func(a, b errs.FieldViolation) int { return strings.Compare(a.Field, b.Field) })
	return v.Err()
}

// queryField says why a query parameter naming fds (queryFields; nil: it
// names no field) sets nothing; "" when it sets a field.
func (m *matched) queryField(fds []protoreflect.FieldDescriptor) string {
	if fds == nil {
		return "is not a parameter of " + m.Method + " " + m.Template
	}
	path := make([]string, len(fds))
	for i, fd := range fds {
		path[i] = string(fd.Name())
	}
	field := strings.Join(path, ".")
	switch {
	case m.Body == "*" || m.Body == path[0]:
		return "is given in the request body of " + m.Method + " " + m.Template + ", not in the query"
	case slices.ContainsFunc(m.pathVars, func(p string) bool { return p == field || strings.HasPrefix(field, p+".") }):
		return "is given by the path of " + m.Method + " " + m.Template + ", not in the query"
	}
	return ""
}

// enumNumber says why values of a query parameter naming fds (queryFields)
// are refused when it names an enum field and one of them is a number
// (?status=3): the REST API takes an enum's names only
// (REFERRAL_STATUS_SENT), as its documents list them, while grpc-gateway
// would take the number too, so a client could depend on a numbering that
// is the protos' and no part of the API. "" otherwise (a name the enum lacks is the gateway's to refuse,
// in the same words).
func enumNumber(fds []protoreflect.FieldDescriptor, values []string) string {
	if len(fds) == 0 || fds[len(fds)-1].Kind() != protoreflect.EnumKind {
		return ""
	}
	for _, val := range values {
		if _, err := strconv.ParseInt(strings.TrimSpace(val), 10, 64); err == nil {
			return "must be one of " + enumValues(fds[len(fds)-1].Enum())
		}
	}
	return ""
}

// queryFields resolves query parameter key, as the gateway does (a dotted
// path of proto or JSON field names, a map field followed by [key]), to the
// fields of md it names, outermost first; nil when it names none.
func queryFields(md protoreflect.MessageDescriptor, key string) []protoreflect.FieldDescriptor {
	name, _, _ := strings.Cut(key, "[")
	var path []protoreflect.FieldDescriptor
	for seg := range strings.SplitSeq(name, ".") {
		if md == nil {
			return nil
		}
		fields := md.Fields()
		fd := fields.ByName(protoreflect.Name(seg))
		if fd == nil {
			fd = fields.ByJSONName(seg)
		}
		if fd == nil {
			return nil
		}
		path = append(path, fd)
		md = nil
		if fd.Message() != nil && !fd.IsList() && !fd.IsMap() {
			md = fd.Message()
		}
	}
	return path
}

// queryValueRule says what a value of the query parameter the gateway
// refused must be, for the field the gateway names by its own name (name),
// found among the parameters of r on the route's request message in: the
// gateway's own words are Go's (strconv.ParseBool: parsing "maybe":
// invalid syntax), which tell a partner nothing they can act on.
func queryValueRule(in protoreflect.MessageDescriptor, r *http.Request, name string) string {
	for key := range r.URL.Query() {
		fds := queryFields(in, key)
		if len(fds) == 0 || string(fds[len(fds)-1].Name()) != name {
			continue
		}
		fd := fds[len(fds)-1]
		switch fd.Kind() {
		case protoreflect.BoolKind:
			return "must be true or false"
		case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
			return fmt.Sprintf("must be a whole number between %d and %d", math.MinInt32, math.MaxInt32)
		case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
			return fmt.Sprintf("must be a whole number between %d and %d", math.MinInt64, math.MaxInt64)
		case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
			return fmt.Sprintf("must be a whole number between 0 and %d", uint32(math.MaxUint32))
		case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
			return fmt.Sprintf("must be a whole number between 0 and %d", uint64(math.MaxUint64))
		case protoreflect.EnumKind:
			return "must be one of " + enumValues(fd.Enum())
		case protoreflect.MessageKind:
			if fd.Message().FullName() == "google.protobuf.Timestamp" {
				return "must be an RFC 3339 time, e.g. 2026-12-06T08:00:00Z"
			}
		}
	}
	return "is not a valid value of this query parameter"
}

// enumValues lists the values a client may give an enum field,
// comma-separated: all but the zero value (*_UNSPECIFIED).
func enumValues(ed protoreflect.EnumDescriptor) string {
	return strings.Join(protoenum.Names(ed), ", ")
}
