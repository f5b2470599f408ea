package gateway

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/httpserver"
	"github.com/spona/spona/pkg/i18n"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Reasons (google.rpc.ErrorInfo, domain spona.org) of the refusals the
// edge answers itself, before or instead of a service: a client tells
// them apart by reason, as it does a service's (a path the API does not
// have from a record it cannot see, both 404 NOT_FOUND).
const (
	ReasonRouteNotFound        = "ROUTE_NOT_FOUND"        // 404: no such path (or file) in the API
	ReasonMethodNotAllowed     = "METHOD_NOT_ALLOWED"     // 405: the path has no such method (Allow names its methods)
	ReasonMalformedPath        = "MALFORMED_PATH"         // 400: the path does not decode
	ReasonMalformedRequest     = "MALFORMED_REQUEST"      // 400: the request line or a header is not HTTP/1.1 (a field violation names the header when it can)
	ReasonHeadersTooLarge      = "HEADERS_TOO_LARGE"      // 431: the request's headers are over the server's limit
	ReasonCredentialsMissing   = "CREDENTIALS_MISSING"    // 401: no Authorization: Bearer …
	ReasonCredentialsInvalid   = "CREDENTIALS_INVALID"    // 401: unknown, revoked or expired key or token
	ReasonScopeRequired        = "SCOPE_REQUIRED"         // 403: the key lacks the route's scope (metadata scope)
	ReasonRouteNotOpen         = "ROUTE_NOT_OPEN"         // 403: the route is open to no caller
	ReasonOriginNotAllowed     = "CORS_NOT_ALLOWED"       // 403: a CORS preflight of an origin or method not allowed
	ReasonRateLimited          = "RATE_LIMITED"           // 429: the client's request rate (Retry-After)
	ReasonAuthFailuresLimited  = "AUTH_FAILURES_LIMITED"  // 429: failed authentications from the address (Retry-After)
	ReasonTooManyConnections   = "TOO_MANY_CONNECTIONS"   // 429: connections from the address
	ReasonUnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE" // 415: Content-Type or Content-Encoding (the field violation names which)
	ReasonNotAcceptable        = "NOT_ACCEPTABLE"         // 406: Accept (the field violation names it)
	ReasonMalformedBody        = "MALFORMED_BODY"         // 400: the body is no JSON of the request (the field violation names where)
	ReasonBodyTooSlow          = "BODY_TOO_SLOW"          // 408: the body stopped arriving
)

// edgeStatus is a refusal the edge answers itself: code, msg and an
// ErrorInfo with reason, as a service's refusal with a reason is.
func edgeStatus(code codes.Code, reason, msg string) *status.Status {
	return withReason(status.New(code, msg), reason)
}

// scopeRequired is the refusal of a caller without the route's scope,
// which its ErrorInfo names (metadata scope).
func scopeRequired(scope, method, template string) *status.Status {
	st := status.Newf(codes.PermissionDenied, "scope %q required for %s %s", scope, method, template)
	if out, err := st.WithDetails(&errdetails.ErrorInfo{Reason: ReasonScopeRequired, Domain: grpcx.ErrorDomain,
		Metadata: map[string]string{"scope": scope}}); err == nil {
		return out
	}
	return st
}

// withReason is st with a google.rpc.ErrorInfo of reason (domain
// spona.org) added to its details; st itself when it has one already.
func withReason(st *status.Status, reason string) *status.Status {
	for _, d := range st.Details() {
		if _, ok := d.(*errdetails.ErrorInfo); ok {
			return st
		}
	}
	if out, err := st.WithDetails(&errdetails.ErrorInfo{Reason: reason, Domain: grpcx.ErrorDomain}); err == nil {
		return out
	}
	return st
}

// writeStatus writes st as google.rpc.Status JSON with the HTTP status of
// its code.
func writeStatus(w http.ResponseWriter, r *http.Request, st *status.Status) {
	writeStatusCode(w, r, runtime.HTTPStatusFromCode(st.Code()), st)
}

// writeStatusCode writes st as google.rpc.Status JSON with HTTP status code,
// with a google.rpc.LocalizedMessage in the language of the request's
// Accept-Language (the English message stays as it is).
func writeStatusCode(w http.ResponseWriter, r *http.Request, code int, st *status.Status) {
	if msg := st.Message(); !utf8.ValidString(msg) {
		// A message that echoes the request (its path, its Origin) must
		// still encode as JSON.
		p := st.Proto()
		p.Message = strings.ToValidUTF8(msg, "\uFFFD")
		st = status.FromProto(p)
	}
	st = i18n.Localize(st, i18n.Negotiate(r.Header.Get("Accept-Language")))
	w.Header().Add("Vary", "Accept-Language")
	if st.Code() == codes.Unauthenticated {
		w.Header().Set("WWW-Authenticate", `Bearer realm="spona"`)
	}
	body, err := marshaler.Marshal(st.Proto())
	if err != nil {
		body = []byte(`{"code":13,"message":"internal error"}`)
		code = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Del("Content-Length")
	w.WriteHeader(code)
	_, _ = w.Write(body)
}

// tooSlow answers 408 (DEADLINE_EXCEEDED, saying the rule) when r's body
// stopped arriving in time, whatever error reading it became on the way;
// it reports whether it did.
func tooSlow(w http.ResponseWriter, r *http.Request) bool {
	slow := httpserver.BodyTooSlow(r)
	if slow == nil {
		return false
	}
	writeStatusCode(w, r, http.StatusRequestTimeout, edgeStatus(codes.DeadlineExceeded, ReasonBodyTooSlow, slow.Error()))
	return true
}

// Unparsed answers a request net/http refused before the edge saw it
// (pkg/httpserver's Refused: status and message are net/http's) with a
// Status body of the edge's shape, localized, and the security headers,
// where net/http would answer in plain text: a path that does not decode
// 400 MALFORMED_PATH; headers over the limit 431 HEADERS_TOO_LARGE; any
// other request that is not HTTP/1.1 400 MALFORMED_REQUEST, with a field
// violation on the header when one is to blame (no Host, a
// Transfer-Encoding net/http does not know, which it would answer 501).
// A client's mistake is never a 5xx, so a protocol version net/http does
// not speak (505) is 400 too.
func Unparsed(log *slog.Logger, hstsMaxAge time.Duration) func(w http.ResponseWriter, r *http.Request, status int, message string) {
	headers := securityHeaders(hstsMaxAge)
	return func(w http.ResponseWriter, r *http.Request, code int, message string) {
		headers(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if code == http.StatusRequestHeaderFieldsTooLarge {
				writeStatusCode(w, r, code, edgeStatus(codes.InvalidArgument, ReasonHeadersTooLarge, message))
				return
			}
			var v errs.Violations
			e := &errs.Error{Kind: errs.KindInvalidArgument, Reason: ReasonMalformedRequest, Message: "malformed request"}
			_, pathErr := url.ParseRequestURI(r.RequestURI)
			switch {
			case code == http.StatusBadRequest && message == "" && r.Method != "" && pathErr != nil:
				// net/http says nothing of a request target that does not
				// parse; its own words say why (invalid URL escape "%zz"),
				// without the rest of the path.
				e.Reason, e.Message = ReasonMalformedPath, "malformed request path"
				var ue *url.Error
				if errors.As(pathErr, &ue) {
					e.Message += ": " + ue.Err.Error()
				}
			case code == http.StatusNotImplemented:
				v.Add("Transfer-Encoding", "is not supported: send the body with Content-Length, or with Transfer-Encoding: chunked")
			case message == "missing required Host header":
				v.Add("Host", "is required")
			case message == "malformed Host header":
				v.Add("Host", "is not a valid host")
			case code == http.StatusHTTPVersionNotSupported:
				e.Message = "malformed request: unsupported protocol version; send HTTP/1.1"
			case message != "":
				e.Message = "malformed request: " + message
			default:
				e.Message = "malformed request: its request line or a header is not HTTP/1.1"
			}
			e.Violations = v
			writeStatusCode(w, r, http.StatusBadRequest, status.Convert(grpcx.ToStatus(r.Context(), log, e)))
		})).ServeHTTP(w, r)
	}
}
