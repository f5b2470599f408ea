package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/spona/spona/pkg/audit"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/telemetry"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

// Route is one REST binding of an RPC, from its google.api.http annotation.
type Route struct {
	Method   string // HTTP method
	Template string // path template as annotated: /v1/referrals/{id}:accept
	RPC      string // full gRPC method name: /spona.referrals.v1.ReferralService/AcceptReferral
	Scope    string // scope the caller needs
	// Upload routes take a file as their raw body (the RPC's body field is
	// a google.api.HttpBody): they get the upload body limit.
	Upload bool
	// Body is the request field the HTTP body fills ("*": all of them;
	// "": none, every field but the path's comes from the query).
	Body string
	// Input is the RPC's request message.
	Input protoreflect.MessageDescriptor
	// Answer is the message the HTTP answer holds (the RPC's response, or
	// its response_body field).
	Answer protoreflect.MessageDescriptor
	// Etag is the request field an If-Match etag goes in (etagField; ""
	// if the route takes no etag).
	Etag string
	// Credential routes may answer with a secret (a field marked
	// debug_redact, such as a webhook's signing secret): no copy of an
	// answer that carries one is kept for Idempotency-Key replay
	// (SecretIn).
	Credential bool
}

// Routes maps the gateway's matched patterns to the RPC and scope behind
// them. It is derived from the proto annotations: the google.api.http binding
// and the (spona.auth.v1.scope) option of the RPC, so a route's scope has one
// source of truth, the proto the service is built from.
type Routes struct {
	byPattern map[string]matched // key: method + " " + canonical pattern
	list      []Route
	segments  [][]string // of each route of list, its template split at "/"
}

// matched is a route with what serving it needs, computed once.
type matched struct {
	Route
	label    string   // metricsRoute
	pathVars []string // the field paths the path template sets
}

// AnnotatedRoutes lists the REST bindings of every Spona RPC in the proto
// registry (the generated packages register themselves when imported).
func AnnotatedRoutes() []Route {
	var out []Route
	protoregistry.GlobalFiles.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		if !strings.HasPrefix(string(fd.Package()), "spona.") {
			return true
		}
		svcs := fd.Services()
		for i := range svcs.Len() {
			sd := svcs.Get(i)
			methods := sd.Methods()
			for j := range methods.Len() {
				md := methods.Get(j)
				rule, ok := proto.GetExtension(md.Options(), annotations.E_Http).(*annotations.HttpRule)
				if !ok || rule == nil {
					continue
				}
				rpc := "/" + string(sd.FullName()) + "/" + string(md.Name())
				for _, r := range append([]*annotations.HttpRule{rule}, rule.GetAdditionalBindings()...) {
					if m, t := httpBinding(r); m != "" {
						answer := answerOf(md, r.GetResponseBody())
						route := Route{Method: m, Template: t, RPC: rpc, Upload: httpBodyField(md, r.GetBody()),
							Body: r.GetBody(), Input: md.Input(), Answer: answer, Credential: carriesSecret(answer, nil)}
						route.Etag = etagField(route)
						out = append(out, route)
					}
				}
			}
		}
		return true
	})
	sort.Slice(out, func(i, j int) bool {
		if out[i].Template != out[j].Template {
			return out[i].Template < out[j].Template
		}
		return out[i].Method < out[j].Method
	})
	return out
}

func httpBinding(r *annotations.HttpRule) (method, template string) {
	switch p := r.GetPattern().(type) {
	case *annotations.HttpRule_Get:
		return http.MethodGet, p.Get
	case *annotations.HttpRule_Post:
		return http.MethodPost, p.Post
	case *annotations.HttpRule_Patch:
		return http.MethodPatch, p.Patch
	case *annotations.HttpRule_Put:
		return http.MethodPut, p.Put
	case *annotations.HttpRule_Delete:
		return http.MethodDelete, p.Delete
	case *annotations.HttpRule_Custom:
		return p.Custom.GetKind(), p.Custom.GetPath()
	}
	return "", ""
}

// httpBodyField reports whether the request field named body is a
// google.api.HttpBody (the raw request body).
func httpBodyField(md protoreflect.MethodDescriptor, body string) bool {
	if body == "" || body == "*" {
		return false
	}
	f := md.Input().Fields().ByName(protoreflect.Name(body))
	return f != nil && f.Message() != nil && f.Message().FullName() == "google.api.HttpBody"
}

// answerOf is the message of an RPC's HTTP answer: its response, or the
// response field responseBody names.
func answerOf(md protoreflect.MethodDescriptor, responseBody string) protoreflect.MessageDescriptor {
	if f := md.Output().Fields().ByName(protoreflect.Name(responseBody)); responseBody != "" && f != nil && f.Message() != nil {
		return f.Message()
	}
	return md.Output()
}

// NotKept reports whether the edge keeps no Idempotency-Key copy of an
// answer of the route: one that carries a secret (SecretIn), and every
// answer of an upload. An import's answer quotes the cells of its refused
// rows, personal data that an erasure finds in the service's import
// records (by the person's name) but could not find in a copy here, which
// names no person's id; the service answers a retry from the request id
// the key became, with the import as it is then, which the edge localizes
// for the retry's Accept-Language (localizeImports), as a first answer is
// (TestImportReplayInItsOwnLanguage).
func (r Route) NotKept(body []byte) bool { return r.Upload || r.SecretIn(body) }

// SecretIn reports whether an answer of the route (its JSON body) carries
// a secret: a field marked debug_redact that is set. An answer that does
// not decode as the route's is taken to carry one.
func (r Route) SecretIn(body []byte) bool {
	if !r.Credential {
		return false
	}
	m := dynamicpb.NewMessage(r.Answer)
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(body, m); err != nil {
		return true
	}
	return secretSet(m)
}

// secretSet reports whether m or a message it holds has a debug_redact
// field set.
func secretSet(m protoreflect.Message) bool {
	found := false
	m.Range(func(f protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if o, ok := f.Options().(*descriptorpb.FieldOptions); ok && o.GetDebugRedact() {
			found = true
		} else if f.Message() != nil && !f.IsMap() {
			if f.IsList() {
				for i := range v.List().Len() {
					found = found || secretSet(v.List().Get(i).Message())
				}
			} else {
				found = secretSet(v.Message())
			}
		}
		return !found
	})
	return found
}

// carriesSecret reports whether a message of type m can hold a field
// marked debug_redact (a credential), itself or in a message it holds.
func carriesSecret(m protoreflect.MessageDescriptor, seen map[protoreflect.FullName]bool) bool {
	if seen[m.FullName()] {
		return false
	}
	if seen == nil {
		seen = map[protoreflect.FullName]bool{}
	}
	seen[m.FullName()] = true
	fields := m.Fields()
	for i := range fields.Len() {
		f := fields.Get(i)
		if o, ok := f.Options().(*descriptorpb.FieldOptions); ok && o.GetDebugRedact() {
			return true
		}
		if f.Message() != nil && carriesSecret(f.Message(), seen) {
			return true
		}
	}
	return false
}

var bareVar = regexp.MustCompile(`\{([^}=]+)\}`)

// canonical writes a template the way runtime.Pattern.String does: a bare
// variable {id} is {id=*}.
func canonical(template string) string {
	return bareVar.ReplaceAllString(template, "{$1=*}")
}

// NewRoutes builds the route table with scopeOf (auth.ScopeFor in the edge);
// every annotated RPC must have a scope.
func NewRoutes(scopeOf func(fullMethod string) (string, bool)) (*Routes, error) {
	rt := &Routes{byPattern: map[string]matched{}}
	var missing []string
	for _, r := range AnnotatedRoutes() {
		scope, ok := scopeOf(r.RPC)
		if !ok {
			missing = append(missing, r.RPC)
			continue
		}
		r.Scope = scope
		var vars []string
		for _, v := range bareVar.FindAllStringSubmatch(r.Template, -1) {
			vars = append(vars, v[1])
		}
		rt.byPattern[r.Method+" "+canonical(r.Template)] = matched{Route: r, label: metricsRoute(r.Method, canonical(r.Template)), pathVars: vars}
		rt.list = append(rt.list, r)
		rt.segments = append(rt.segments, splitPath(r.Template))
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("REST routes whose RPC declares no (spona.auth.v1.scope): %v", missing)
	}
	return rt, nil
}

// allowOrder is the order of the methods of an Allow header.
var allowOrder = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// Allowed returns the methods of the routes whose template matches path,
// for the Allow header of a 405: those of that path, not of the API, with
// HEAD wherever GET is (headAsGet).
func (rt *Routes) Allowed(path string) []string {
	segs := splitPath(path)
	var out []string
	for _, m := range allowOrder {
		for i, r := range rt.list {
			if r.Method == m && templateMatches(rt.segments[i], segs) {
				out = append(out, m)
				if m == http.MethodGet {
					out = append(out, http.MethodHead)
				}
				break
			}
		}
	}
	return out
}

// List returns every route.
func (rt *Routes) List() []Route { return append([]Route(nil), rt.list...) }

// Lookup returns the route the gateway matched for a request.
func (rt *Routes) Lookup(method string, p runtime.Pattern) (Route, bool) {
	m, ok := rt.byPattern[method+" "+p.String()]
	return m.Route, ok
}

// bodyOf returns the body field of the route the gateway matched for a
// request ("" if none).
func (rt *Routes) bodyOf(ctx context.Context, method string) string {
	return rt.routeOf(ctx, method).Body
}

// routeOf returns the route the gateway matched for a request (the zero
// Route if none).
func (rt *Routes) routeOf(ctx context.Context, method string) Route {
	if p, ok := runtime.HTTPPattern(ctx); ok {
		if r, ok := rt.Lookup(method, p); ok {
			return r
		}
	}
	return Route{}
}

// routed runs inside the gateway mux once a route matched (so
// runtime.HTTPPattern is known), looking the route up once for all it does:
//
//   - it labels the request's metrics with the route template;
//   - it refuses, before anything is forwarded, a caller without the
//     route's scope, and a route missing from the table (access is opt-in,
//     as in the services);
//   - it refuses path variables and query values that are not UTF-8
//     (invalidUTF8) with 400 rather than fail to encode them (500), a
//     purpose header the services would refuse (purposeRefused), and
//     query parameters the gateway would ignore (ignoredQuery);
//   - it refuses an If-Match that is no etag, or on a change that takes
//     none, and an If-None-Match on a change, and passes an If-Match etag
//     on to the call and a read's If-None-Match to its answer
//     (preconditions);
//   - it refuses a compressed body (encoded) and one that is not JSON
//     (notJSON) with 415, an Accept that accepts no JSON where the answer
//     is JSON (notAcceptable) with 406, and applies the route's body limit
//     and tags uploads (limit);
//   - it replays or records Idempotency-Key writes (idem, may be nil),
//     keeping no copy of an answer that carries a secret or of an
//     upload's (NotKept).
func (rt *Routes) routed(log *slog.Logger, maxBody, maxUpload int64, idem *idempotency) runtime.Middleware {
	if idem != nil && idem.lock <= 0 {
		idem.lock = 30 * time.Second
	}
	return func(next runtime.HandlerFunc) runtime.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request, params map[string]string) {
			pat, ok := runtime.HTTPPattern(r.Context())
			var m matched
			if ok {
				key := pat.String()
				m, ok = rt.byPattern[r.Method+" "+key]
				if !ok {
					m.label = metricsRoute(r.Method, key)
				}
				telemetry.SetRoute(r.Context(), m.label)
			}
			if !ok {
				writeStatus(w, r, edgeStatus(codes.PermissionDenied, ReasonRouteNotOpen, "route is not open to callers"))
				return
			}
			p, _ := principalFrom(r)
			if !p.MayCall(m.RPC) {
				writeStatus(w, r, scopeRequired(m.Scope, m.Method, m.Template))
				return
			}
			if err := invalidUTF8(r, params); err != nil {
				writeStatus(w, r, status.Convert(grpcx.ToStatus(r.Context(), log, err)))
				return
			}
			if err := purposeRefused(r); err != nil {
				writeStatus(w, r, status.Convert(grpcx.ToStatus(r.Context(), log, err)))
				return
			}
			if err := m.ignoredQuery(r); err != nil {
				writeStatus(w, r, status.Convert(grpcx.ToStatus(r.Context(), log, err)))
				return
			}
			r, err := m.preconditions(r)
			if err != nil {
				writeStatus(w, r, status.Convert(grpcx.ToStatus(r.Context(), log, err)))
				return
			}
			if encoded(w, r, log) || m.notJSON(w, r, log) || m.notAcceptable(w, r, log) || !limit(w, r, m.Upload, maxBody, maxUpload) {
				return
			}
			if idem.applies(r) {
				idem.serve(w, r, m.NotKept, func(w http.ResponseWriter, r *http.Request) { next(w, r, params) })
				return
			}
			next(w, r, params)
		}
	}
}

// purposeRefused checks the X-Spona-Purpose of every route as the services
// that record it in their audit logs do (audit.CheckPurpose: at most 200
// characters of UTF-8 without NUL, refused naming x-spona-purpose). Every
// operation declares the header; a route whose service keeps no audit log
// (a project's delete, a webhook's secret rotation, a training event's
// create) took a purpose it would refuse with 200 and dropped it.
func purposeRefused(r *http.Request) error {
	for _, p := range r.Header.Values(PurposeHeader) {
		if err := audit.CheckPurpose(p); err != nil {
			return err
		}
	}
	return nil
}
