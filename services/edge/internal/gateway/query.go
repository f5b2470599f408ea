package gateway

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/spona/spona/pkg/errs"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// ignoredQuery refuses the query parameters of r that grpc-gateway would
// drop in silence: names of no field of the route's request message (a
// typo, or ?from=… for start_date, which would answer for every date), and
// fields the route's path or body sets. Each is a field violation naming the
// parameter as sent; nil, without allocating, when the query is empty.
// Names are matched as the gateway matches them: a dotted path of proto or
// JSON field names, a map field followed by [key].
func (m *matched) ignoredQuery(r *http.Request) error {
	if r.URL.RawQuery == "" || m.Input == nil {
		return nil
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil // the gateway refuses a malformed query with 400 itself
	}
	var v errs.Violations
	for key := range q {
		if why := m.queryField(key); why != "" {
			v.Add(strings.ToValidUTF8(key, "\uFFFD"), "%s", why)
		}
	}
	slices.SortFunc(v, func(a, b errs.FieldViolation) int { return strings.Compare(a.Field, b.Field) })
	return v.Err()
}

// queryField says why query parameter key sets nothing; "" when it sets a
// field.
func (m *matched) queryField(key string) string {
	name, _, _ := strings.Cut(key, "[")
	md := m.Input
	var path []string
	for seg := range strings.SplitSeq(name, ".") {
		if md == nil {
			return "is not a parameter of " + m.Method + " " + m.Template
		}
		fields := md.Fields()
		fd := fields.ByName(protoreflect.Name(seg))
		if fd == nil {
			fd = fields.ByJSONName(seg)
		}
		if fd == nil {
			return "is not a parameter of " + m.Method + " " + m.Template
		}
		path = append(path, string(fd.Name()))
		md = nil
		if fd.Message() != nil && !fd.IsList() && !fd.IsMap() {
			md = fd.Message()
		}
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
