// Package gateway is the REST/JSON face of Spona: grpc-gateway handlers for
// the five services behind authentication (API keys or OIDC JWTs), per-route
// scopes, per-client rate limits, body limits, CORS, security headers and
// Idempotency-Key replay, with errors written as google.rpc.Status JSON.
package gateway

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	adminv1 "github.com/spona/spona/gen/go/spona/admin/v1"
	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	impv1 "github.com/spona/spona/gen/go/spona/imports/v1"
	refv1 "github.com/spona/spona/gen/go/spona/referrals/v1"
	repv1 "github.com/spona/spona/gen/go/spona/reporting/v1"
	trnv1 "github.com/spona/spona/gen/go/spona/trainings/v1"
	whv1 "github.com/spona/spona/gen/go/spona/webhooks/v1"
	"github.com/spona/spona/gen/openapi"
	"github.com/spona/spona/pkg/audit"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/etag"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/logging"
	"github.com/spona/spona/pkg/telemetry"
	"github.com/spona/spona/pkg/validate"
	"github.com/spona/spona/services/edge/internal/docs"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// Authenticator turns an API credential into a principal.
type Authenticator interface {
	Verify(ctx context.Context, credential string) (auth.Principal, error)
}

// Backends are the connections to the five services, and the edge's own
// services (served in process).
type Backends struct {
	Beneficiaries, Referrals, Trainings, Reporting, Webhooks grpc.ClientConnInterface
	// APIKeys is the administrator's key management (nil: unimplemented).
	APIKeys adminv1.ApiKeyServiceServer
}

// Middleware wraps an HTTP handler.
type Middleware = func(http.Handler) http.Handler

// Options configures the handler.
type Options struct {
	Log          *slog.Logger
	Auth         Authenticator
	Backends     Backends
	MaxBodyBytes int64
	// UploadMaxBytes is the body limit of upload routes (spreadsheet
	// imports); MaxBodyBytes applies to every other route.
	UploadMaxBytes int64
	RateLimit      RateLimit
	// AuthFailures limits failed authentications per client address
	// (RPS = failures per second allowed on average, Burst at once).
	AuthFailures RateLimit
	CORS         CORS
	// HSTSMaxAge, when positive, sends Strict-Transport-Security (set it
	// when the edge is reached over HTTPS).
	HSTSMaxAge time.Duration
	// Idempotency stores first responses for Idempotency-Key replay; nil
	// turns replay off (keys are still forwarded to the services).
	Idempotency IdempotencyStore
	// IdempotencyLock is how long a request's key stays held once its edge
	// stops renewing it (every third of it while the request runs), before
	// another attempt may take it over (after a crash).
	IdempotencyLock time.Duration
	// Middleware wraps the whole handler inside tracing, outermost first
	// (e.g. metrics).
	Middleware []Middleware
	// PublicDirectory lets callers without credentials read the HSDS API
	// (/hsds); off, it needs a key like /v1.
	PublicDirectory bool
}

func principalFrom(r *http.Request) (auth.Principal, bool) { return Caller(r.Context()) }

// Caller returns the authenticated principal of a request; the edge's own
// services (Backends.APIKeys) get it from their context.
func Caller(ctx context.Context) (auth.Principal, bool) { return auth.FromContext(ctx) }

// actingAs returns r acting as p: the calls made for it to the services
// carry principals the edge issues from p, one per call (see pkg/grpcx).
func actingAs(r *http.Request, p auth.Principal) *http.Request {
	return r.WithContext(auth.WithPrincipal(r.Context(), p))
}

var marshaler = jsonMarshaler{&runtime.JSONPb{
	MarshalOptions:   protojson.MarshalOptions{UseProtoNames: true},
	UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
}}

// New returns the edge's HTTP handler.
func New(ctx context.Context, o Options) (http.Handler, error) {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	routes, err := NewRoutes(auth.ScopeFor)
	if err != nil {
		return nil, err
	}
	var idem *idempotency
	if o.Idempotency != nil {
		idem = &idempotency{store: o.Idempotency, log: o.Log, lock: o.IdempotencyLock}
	}
	mux := runtime.NewServeMux(
		// google.api.HttpBody responses (report exports) are written as
		// they are, with their own content type; everything else is JSON.
		runtime.WithMarshalerOption(runtime.MIMEWildcard, &runtime.HTTPBodyMarshaler{Marshaler: marshaler}),
		// Uploads (imports) are decoded as raw files.
		runtime.WithMarshalerOption(uploadMIME, uploadMarshaler{Marshaler: &runtime.HTTPBodyMarshaler{Marshaler: marshaler}}),
		runtime.WithErrorHandler(errorHandler(o.Log, routes)),
		// An import's problems in the request's language (negotiated).
		runtime.WithForwardResponseOption(localizeImports),
		runtime.WithRoutingErrorHandler(routingErrorHandler(routes)),
		runtime.WithIncomingHeaderMatcher(incomingHeaders),
		runtime.WithOutgoingHeaderMatcher(outgoingHeaders),
		runtime.WithDisableHTTPMethodOverride(),
		// A resource's etag in the ETag header too.
		runtime.WithForwardResponseOption(etagHeader),
		// A form POST to a path with no POST is 405 like any other verb
		// the path lacks, not run as its GET (grpc-gateway's fallback).
		runtime.WithDisablePathLengthFallback(),
		runtime.WithMetadata(func(ctx context.Context, r *http.Request) metadata.MD {
			p, ok := principalFrom(r)
			if !ok {
				return nil
			}
			var md metadata.MD
			if key := r.Header.Get(IdempotencyKeyHeader); key != "" && validate.IsRequestID(key) {
				// Keys are the client's own namespace: two partners may
				// both send "1".
				md = metadata.Pairs(grpcx.IdempotencyKeyMetadata, p.ClientID+"/"+key)
			}
			if purpose := r.Header.Get(PurposeHeader); purpose != "" {
				// Why the caller reads or changes personal data (audit
				// log), as the UTF-8 the client sent: in binary metadata,
				// which gRPC carries whatever the letters (the services
				// check it).
				md = metadata.Join(md, metadata.Pairs(audit.PurposeBinMetadata, purpose))
			}
			return md
		}),
		// After routing: the route's metrics label, its scope, UTF-8 in its
		// parameters, its body limit, then replay (routed: one lookup of the
		// route for all).
		runtime.WithMiddlewares(routes.routed(o.Log, o.MaxBodyBytes, o.UploadMaxBytes, idem)),
	)
	// An If-Match etag goes into the call's etag field (ifMatchConn).
	b := o.Backends
	for _, c := range []*grpc.ClientConnInterface{&b.Beneficiaries, &b.Referrals, &b.Trainings, &b.Reporting, &b.Webhooks} {
		if *c != nil {
			*c = ifMatchConn{ClientConnInterface: *c, log: o.Log}
		}
	}
	if err := Register(ctx, mux, b); err != nil {
		return nil, err
	}

	authn, limit := authenticate(o, newFailures(o.AuthFailures)), rateLimit(newBuckets(o.RateLimit))
	// HEAD is served wherever GET is, as GET without the body.
	gw := headAsGet(mux)
	api := chain(gw, noStore, authn, limit, negotiated)

	root := http.NewServeMux()
	root.Handle("/v1/", api)
	hsds := hsdsAPI(gw, authn, o.PublicDirectory, limit)
	root.Handle(HSDSPrefix, hsds)
	root.Handle(HSDSPrefix+"/", hsds)
	// The documents (and the docs page) are revalidated by their ETag.
	root.Handle("GET /openapi.json", docs.File("application/json", openapi.Spec))
	root.Handle("GET /openapi/v3.json", docs.File("application/json", openapi.SpecV3))
	notFound := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeStatus(w, r, edgeStatus(codes.NotFound, ReasonRouteNotFound, "no such resource: "+r.URL.Path))
	})
	onlyGet := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", "GET, HEAD")
		writeStatusCode(w, r, http.StatusMethodNotAllowed, edgeStatus(codes.Unimplemented, ReasonMethodNotAllowed,
			r.Method+" is not allowed on "+r.URL.Path+"; allowed: GET, HEAD"))
	})
	page := docs.Handler(notFound)
	root.Handle("GET /docs", page)
	root.Handle("GET /docs/", page)
	root.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok\n"))
	})
	// The edge's own paths answer another method 405 naming theirs, as
	// an API path does, rather than 404 as if they did not exist.
	for _, p := range []string{"/openapi.json", "/openapi/v3.json", "/docs", "/docs/", "/healthz"} {
		root.Handle(p, onlyGet)
	}
	root.Handle("/", notFound)

	// Traces and metrics see every answer (413, 429, CORS refusals too);
	// metrics read the route from the gateway (routed) or from root's
	// pattern.
	outer := append([]Middleware{telemetry.HTTPServer, recoverPanics(o.Log)}, o.Middleware...)
	// The route's own limit is applied once it is known (limit).
	outer = append(outer, securityHeaders(o.HSTSMaxAge), cors(o.CORS), limitBody(max(o.MaxBodyBytes, o.UploadMaxBytes)))
	return chain(root, outer...), nil
}

// recoverPanics answers a request whose handling panicked (a bug: in the
// gateway, or the edge's own key service, which runs in the request) 500
// with a Status body, as a service's panic is answered INTERNAL, and logs
// the panic at error level with its type and where, never its value (one
// formatted from a request may carry a person's data): net/http would
// log it only at debug level (the edge's HTTP error log), value and all,
// and drop the connection without an answer. A panic after the answer
// began aborts the connection: the client sees its answer cut short. Inside
// telemetry.HTTPServer, so the request is measured and traced as a 500.
func recoverPanics(log *slog.Logger) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				p := recover()
				if p == nil {
					return
				}
				if p == http.ErrAbortHandler { // net/http's own way to abort quietly
					panic(p)
				}
				log.ErrorContext(r.Context(), "panic serving a request", slog.String("method", r.Method), logging.Panic(p))
				if telemetry.Started(w) {
					panic(http.ErrAbortHandler)
				}
				writeStatus(w, r, status.New(codes.Internal, "internal error"))
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// wildcard matches a single-segment variable as the gateway prints it ({id=*}).
var wildcard = regexp.MustCompile(`\{([A-Za-z0-9_.]+)=\*\}`)

// metricsRoute is the route template the request metrics are labelled with
// (telemetry.HTTPServer records them): the matched pattern, with its
// single-segment variables written {id}.
func metricsRoute(method, pattern string) string {
	return method + " " + wildcard.ReplaceAllString(pattern, "{$1}")
}

// Register registers the REST handlers of the five services and the edge's
// own on mux.
func Register(ctx context.Context, mux *runtime.ServeMux, b Backends) error {
	var apiKeys adminv1.ApiKeyServiceServer = adminv1.UnimplementedApiKeyServiceServer{}
	if b.APIKeys != nil {
		apiKeys = b.APIKeys
	}
	// The gateway tries a method's patterns in the reverse order of their
	// registration, one by one: the services most called come last (the
	// people, their referrals), so their requests are matched first.
	// TestEveryRouteHasTheScopeOfItsRPC checks that every route still
	// reaches its own RPC.
	return errors.Join(
		adminv1.RegisterApiKeyServiceHandlerServer(ctx, mux, apiKeys),
		whv1.RegisterChangeFeedServiceHandlerClient(ctx, mux, whv1.NewChangeFeedServiceClient(b.Webhooks)),
		whv1.RegisterWebhookServiceHandlerClient(ctx, mux, whv1.NewWebhookServiceClient(b.Webhooks)),
		// Imports live in the service that imported; ask each in turn.
		impv1.RegisterImportServiceHandlerClient(ctx, mux, importsFanout{
			impv1.NewImportServiceClient(b.Beneficiaries), impv1.NewImportServiceClient(b.Trainings)}),
		trnv1.RegisterParticipantImportServiceHandlerClient(ctx, mux, trnv1.NewParticipantImportServiceClient(b.Trainings)),
		benv1.RegisterBeneficiaryImportServiceHandlerClient(ctx, mux, benv1.NewBeneficiaryImportServiceClient(b.Beneficiaries)),
		repv1.RegisterReportingServiceHandlerClient(ctx, mux, repv1.NewReportingServiceClient(b.Reporting)),
		refv1.RegisterOpenReferralServiceHandlerClient(ctx, mux, refv1.NewOpenReferralServiceClient(b.Referrals)),
		trnv1.RegisterTrainingServiceHandlerClient(ctx, mux, trnv1.NewTrainingServiceClient(b.Trainings)),
		refv1.RegisterDirectoryServiceHandlerClient(ctx, mux, refv1.NewDirectoryServiceClient(b.Referrals)),
		refv1.RegisterReferralServiceHandlerClient(ctx, mux, refv1.NewReferralServiceClient(b.Referrals)),
		benv1.RegisterBeneficiaryServiceHandlerClient(ctx, mux, benv1.NewBeneficiaryServiceClient(b.Beneficiaries)),
	)
}

// chain wraps h in mws, the first outermost.
func chain(h http.Handler, mws ...Middleware) http.Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		if mws[i] != nil {
			h = mws[i](h)
		}
	}
	return h
}

// incomingHeaders forwards only what services need; the Authorization header
// stays at the edge, and the Idempotency-Key is forwarded with the client's
// id by the metadata annotator.
func incomingHeaders(key string) (string, bool) {
	for _, h := range forwardedHeaders {
		if strings.EqualFold(key, h) {
			return h, true
		}
	}
	return "", false
}

// PurposeHeader declares why the caller reads or changes personal data; it
// goes to the services as audit.PurposeBinMetadata.
const PurposeHeader = "X-Spona-Purpose"

// forwardedHeaders are the request headers passed on to the services, as
// metadata keys (PurposeHeader goes by the metadata annotator).
var forwardedHeaders = []string{
	"x-request-id",
	// The language of the HSDS API's names and descriptions.
	"accept-language",
}

// ParseBearer returns the credential of an Authorization header value.
func ParseBearer(h string) (string, bool) {
	scheme, cred, ok := strings.Cut(h, " ")
	cred = strings.TrimSpace(cred)
	if !ok || !strings.EqualFold(scheme, "Bearer") || cred == "" || strings.ContainsAny(cred, " \t") {
		return "", false
	}
	return cred, true
}

// outgoingHeaders passes on only the Content-Disposition a service sets for
// a file download and the Content-Language of a localized answer; other
// response metadata stays inside.
func outgoingHeaders(key string) (string, bool) {
	switch {
	case strings.EqualFold(key, "content-disposition"):
		return "Content-Disposition", true
	case strings.EqualFold(key, "content-language"):
		return "Content-Language", true
	case strings.EqualFold(key, "idempotent-replayed"):
		// The answer to an upload repeating an earlier one (the
		// service's importsgrpc.ReplayedHeader).
		return ReplayedHeader, true
	}
	return "", false
}

func authenticate(o Options, fails *failures) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if len(r.Header.Values("Authorization")) > 1 {
				// Which of two credentials the caller meant is not the
				// edge's to guess (RFC 9110: Authorization is one value).
				var v errs.Violations
				v.Add("Authorization", "is given more than once")
				writeStatus(w, r, status.Convert(grpcx.ToStatus(r.Context(), o.Log, v.Err())))
				return
			}
			cred, ok := ParseBearer(r.Header.Get("Authorization"))
			if !ok {
				writeStatus(w, r, edgeStatus(codes.Unauthenticated, ReasonCredentialsMissing, "missing credentials: send Authorization: Bearer <API key or access token>"))
				return
			}
			if wait := fails.refused(r); wait > 0 {
				tooMany(w, r, wait, ReasonAuthFailuresLimited, "too many failed authentications from this address")
				return
			}
			p, err := o.Auth.Verify(r.Context(), cred)
			switch {
			case errors.Is(err, auth.ErrInvalidCredential):
				fails.failed(r)
				writeStatus(w, r, edgeStatus(codes.Unauthenticated, ReasonCredentialsInvalid, "invalid credentials"))
				return
			case errs.KindOf(err) == errs.KindPermissionDenied:
				// Authentic, but of an organisation that may not act.
				writeStatus(w, r, status.Convert(grpcx.ToStatus(r.Context(), o.Log, err)))
				return
			case err != nil:
				o.Log.ErrorContext(r.Context(), "authenticate", logging.Err(err))
				writeStatus(w, r, edgeStatus(codes.Unavailable, grpcx.ReasonUnavailable, "authentication temporarily unavailable; retry"))
				return
			}
			// The credential stays here: the gateway would otherwise pass it
			// on to the services as "authorization" metadata.
			r.Header.Del("Authorization")
			next.ServeHTTP(w, actingAs(r, p))
		})
	}
}

func errorHandler(log *slog.Logger, routes *Routes) runtime.ErrorHandlerFunc {
	return func(ctx context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
		switch {
		case errors.Is(err, errNotModified):
			notModified(w)
			return
		case errors.Is(err, errIfMatchFailed):
			ifMatchFailed(ctx, log, w, r)
			return
		}
		if tooSlow(w, r) {
			return
		}
		mbe := tooLarge(r)
		if mbe != nil || errors.As(err, &mbe) {
			writeStatusCode(w, r, http.StatusRequestEntityTooLarge, bodyTooLarge(mbe.Limit))
			return
		}
		st := status.Convert(err)
		if v, ok := refusedBody(st.Message(), routes.bodyOf(ctx, r.Method)); ok && v.Field == "" {
			st = edgeStatus(codes.InvalidArgument, ReasonMalformedBody, "the request body "+v.Description)
		} else if ok {
			// The body's field the decoder refused (bodyDecoder), by its
			// path in the request.
			st = status.Convert(grpcx.ToStatus(ctx, log, &errs.Error{Kind: errs.KindInvalidArgument, Reason: ReasonMalformedBody,
				Message: "invalid request", Violations: errs.Violations{v}}))
		} else if st.Code() == codes.Unknown {
			// The gateway reports some decoding failures as Unknown; they are
			// the client's input, never a server fault.
			log.WarnContext(ctx, "gateway error", logging.Err(err))
			st = status.New(codes.InvalidArgument, st.Message())
		}
		if st.Code() == codes.InvalidArgument && len(st.Details()) == 0 {
			st = decodeViolation(ctx, log, r, st, routes.routeOf(ctx, r.Method).Input)
		}
		// As for an Idempotency-Key: a request id reused for a different
		// request is 422, and a repeat of a request in progress is 409 with
		// Retry-After, as is a change that ran into another.
		switch reason := grpcx.Reason(err); {
		case st.Code() == codes.InvalidArgument && reason == errs.ReasonRequestIDReused:
			writeStatusCode(w, r, http.StatusUnprocessableEntity, st)
			return
		case st.Code() == codes.Aborted && reason == etag.ReasonMismatch && r.Header.Get(IfMatchHeader) != "":
			// The etag of If-Match is stale: its precondition failed
			// (RFC 9110), where the body's etag is a conflict (409).
			writeStatusCode(w, r, http.StatusPreconditionFailed, st)
			return
		case st.Code() == codes.Aborted && (reason == errs.ReasonUploadInProgress || reason == errs.ReasonConcurrentUpdate):
			// The same request may succeed in a moment (and, with an
			// Idempotency-Key, is not kept for replay).
			w.Header().Set("Retry-After", "1")
		}
		writeStatus(w, r, st)
	}
}

// queryParse is how the gateway refuses a query parameter's value that is
// not of its field's type (a number, a boolean, an enum value).
var queryParse = regexp.MustCompile(`^parsing field "([^"]+)": (.+)$`)

// queryRepeated is how the gateway refuses a parameter that takes one value
// given more than once.
var queryRepeated = regexp.MustCompile(`^too many values for field "([^"]+)": `)

// decodeViolation turns the gateway's refusal of a query parameter's value
// into a field violation naming the parameter and what its values must be
// (queryValueRule, from in, the route's request message), as every other
// bad input is; st otherwise (a body's refusal is named by its decoder:
// jsonBody).
func decodeViolation(ctx context.Context, log *slog.Logger, r *http.Request, st *status.Status, in protoreflect.MessageDescriptor) *status.Status {
	var v errs.Violations
	msg := st.Message()
	if m := queryParse.FindStringSubmatch(msg); m != nil {
		v.Add(queryField(r, m[1]), "%s", queryValueRule(in, r, m[1]))
	} else if m := queryRepeated.FindStringSubmatch(msg); m != nil {
		v.Add(queryField(r, m[1]), "is given more than once")
	} else {
		return st
	}
	return status.Convert(grpcx.ToStatus(ctx, log, v.Err()))
}

// queryField is the path of the query parameter whose field the gateway
// names by its own name (start_date): the parameter sent under a path
// ending in it (period.start_date), the name otherwise.
func queryField(r *http.Request, name string) string {
	for key := range r.URL.Query() {
		if strings.HasSuffix(key, "."+name) {
			return key
		}
	}
	return name
}

// oneofFields returns the proto names of the fields of the oneof named
// fullName (the oneof's own name when no registered message has it).
func oneofFields(fullName string) []string {
	name := protoreflect.FullName(fullName)
	if msg, err := protoregistry.GlobalFiles.FindDescriptorByName(name.Parent()); err == nil {
		if md, ok := msg.(protoreflect.MessageDescriptor); ok {
			if od := md.Oneofs().ByName(name.Name()); od != nil {
				out := make([]string, od.Fields().Len())
				for i := range out {
					out[i] = string(od.Fields().Get(i).Name())
				}
				return out
			}
		}
	}
	return []string{string(name.Name())}
}

func routingErrorHandler(routes *Routes) runtime.RoutingErrorHandlerFunc {
	return func(ctx context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, r *http.Request, httpStatus int) {
		switch httpStatus {
		case http.StatusMethodNotAllowed:
			// Allow names the methods of this path (RFC 9110 requires it,
			// empty if none).
			allow := strings.Join(routes.Allowed(r.URL.Path), ", ")
			w.Header().Set("Allow", allow)
			msg := requestMethod(r) + " is not allowed on " + r.URL.Path
			if allow != "" {
				msg += "; allowed: " + allow
			}
			writeStatusCode(w, r, http.StatusMethodNotAllowed, edgeStatus(codes.Unimplemented, ReasonMethodNotAllowed, msg))
		case http.StatusBadRequest:
			writeStatus(w, r, edgeStatus(codes.InvalidArgument, ReasonMalformedPath, "malformed request path"))
		default:
			writeStatus(w, r, edgeStatus(codes.NotFound, ReasonRouteNotFound, "no such resource: "+r.URL.Path))
		}
	}
}
