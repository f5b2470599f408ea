package service_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
	"github.com/spona/spona/services/edge/internal/gateway"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// bodyEnum is an enum field a route's JSON body can give: the body (as
// nested JSON values) giving it the number n, and the field's path in the
// request as the edge names a body's field (referral.urgency,
// service.schedules[0].days[0]).
type bodyEnum struct {
	path string
	body any
}

// bodyEnums lists the enum fields a body of message md can give, in the
// messages it holds (a list's element, a map's value) too, each given the
// number of its first value; prefix is the route's body field ("" for the
// whole request). Messages are followed once per path (no cycle), and not
// into the well-known types (google.protobuf.*), whose JSON is no
// message's fields.
func bodyEnums(md protoreflect.MessageDescriptor, prefix string, seen map[protoreflect.FullName]bool) []bodyEnum {
	if md.ParentFile().Package() == "google.protobuf" || seen[md.FullName()] {
		return nil
	}
	seen[md.FullName()] = true
	defer delete(seen, md.FullName())
	var out []bodyEnum
	fields := md.Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		name := string(fd.Name())
		path := name
		if prefix != "" {
			path = prefix + "." + name
		}
		// One value of the field, and how the path names it.
		wrap, suffix := func(v any) any { return v }, ""
		value := fd
		switch {
		case fd.IsMap():
			wrap, suffix, value = func(v any) any { return map[string]any{"k": v} }, "[k]", fd.MapValue()
		case fd.IsList():
			wrap, suffix = func(v any) any { return []any{v} }, "[0]"
		}
		switch {
		case value.Kind() == protoreflect.EnumKind && value.Enum().FullName() != "google.protobuf.NullValue":
			out = append(out, bodyEnum{path + suffix, map[string]any{name: wrap(value.Enum().Values().Get(min(1, value.Enum().Values().Len()-1)).Number())}})
		case value.Message() != nil:
			for _, e := range bodyEnums(value.Message(), path+suffix, seen) {
				out = append(out, bodyEnum{e.path, map[string]any{name: wrap(e.body)}})
			}
		}
	}
	return out
}

// pathVariable is a variable of a route's path template.
var pathVariable = regexp.MustCompile(`\{[^}]*\}`)

// TestBodyEnumNumbersRefused walks every route taking a JSON body (from
// the proto annotations the gateway serves: a new route is covered as it
// is added) and gives each enum field its body can hold, in nested
// messages and lists too, a JSON number (its first value's) in a body of
// that field alone: each is 400 INVALID_ARGUMENT with one field violation
// naming the field by its path in the request and listing the names it
// takes, localized, before any service sees it. The REST API takes an
// enum's names only (README; the OpenAPI documents declare these fields
// as strings listing the names), as the query does (TestListQueryRefusals);
// protojson takes numbers, and before the gateway passed every one of
// them on as the value of that number (60 fields of 25 routes).
func TestBodyEnumNumbersRefused(t *testing.T) {
	s := edgetest.Start(t, nil)
	admin := resttest.New(s.URL, s.CreateAdminKey(t).Key)
	a := resttest.New(s.URL, s.CreateKey(t, "a", "Body Enum NGO").Key)
	langs := []string{"en", "sr-Latn", "sr-Cyrl", "bs", "hr"}
	routes, probes, taken := 0, 0, 0
	for _, r := range gateway.AnnotatedRoutes() {
		if r.Body == "" || r.Upload {
			continue
		}
		md, prefix := r.Input, ""
		if r.Body != "*" {
			fd := r.Input.Fields().ByName(protoreflect.Name(r.Body))
			if fd == nil || fd.Message() == nil {
				continue
			}
			md, prefix = fd.Message(), r.Body
		}
		enums := bodyEnums(md, prefix, map[protoreflect.FullName]bool{})
		if len(enums) == 0 {
			continue
		}
		routes++
		path := pathVariable.ReplaceAllStringFunc(r.Template, func(string) string { return ids.New() })
		for _, e := range enums {
			body := e.body
			lang := langs[probes%len(langs)]
			probes++
			res := a.Do(t, r.Method, path, body, "Accept-Language", lang)
			if res.Status == 403 {
				res = admin.Do(t, r.Method, path, body, "Accept-Language", lang)
			}
			v := res.Violations()
			if res.Status != 400 || !strings.HasPrefix(v[e.path], "must be one of ") {
				taken++
				t.Errorf("%s %s with %s a number: HTTP %d %.300s, want 400 naming %s", r.Method, r.Template, e.path, res.Status, res.Raw, e.path)
				continue
			}
			if code, _ := res.Body["code"].(float64); code != 3 || len(v) != 1 || strings.Contains(v[e.path], "UNSPECIFIED") ||
				reasonOf(res) != gateway.ReasonMalformedBody {
				t.Errorf("%s %s with %s a number: %.300s, want code 3, reason MALFORMED_BODY and one violation listing the names", r.Method, r.Template, e.path, res.Raw)
			}
			if _, _, fields := localized(t, res); fields[e.path][0] != lang || fields[e.path][1] == fallback[lang] ||
				!strings.Contains(fields[e.path][1], ": ") {
				t.Errorf("%s %s with %s a number in %s: localized as %v", r.Method, r.Template, e.path, lang, fields[e.path])
			}
		}
	}
	if routes < 10 {
		t.Fatalf("%d routes with an enum in their body: the walk missed them", routes)
	}
	t.Logf("%d routes, %d enum fields of bodies probed, %d taken as numbers", routes, probes, taken)
}
