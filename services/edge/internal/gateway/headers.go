package gateway

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
)

// apiCSP forbids everything: API responses are data, never documents.
const apiCSP = "default-src 'none'; frame-ancestors 'none'"

// securityHeaders sets the headers every response carries. The docs page
// sets its own, looser Content-Security-Policy.
func securityHeaders(hstsMaxAge time.Duration) Middleware {
	hsts := ""
	if hstsMaxAge > 0 {
		hsts = "max-age=" + strconv.FormatInt(int64(hstsMaxAge/time.Second), 10) + "; includeSubDomains"
	}
	always := http.Header{}
	always.Set("X-Content-Type-Options", "nosniff")
	always.Set("X-Frame-Options", "DENY")
	always.Set("Referrer-Policy", "no-referrer")
	always.Set("Content-Security-Policy", apiCSP)
	always.Set("Cross-Origin-Resource-Policy", "same-site")
	if hsts != "" {
		always.Set("Strict-Transport-Security", hsts)
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			setShared(w.Header(), always)
			next.ServeHTTP(w, r)
		})
	}
}

// setShared sets the headers of values (canonical keys) on h, sharing their
// value slices instead of allocating them per response: net/http only reads
// them, Set replaces a slice and Add copies one that is full (they are kept
// at their length).
func setShared(h, values http.Header) {
	for k, v := range values {
		h[k] = v
	}
}

var cacheNoStore = http.Header{"Cache-Control": {"no-store"}}

// noStore keeps API responses (personal data) out of caches.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setShared(w.Header(), cacheNoStore)
		next.ServeHTTP(w, r)
	})
}

// CORS configures cross-origin access from browsers.
type CORS struct {
	// AllowedOrigins are exact origins ("https://app.example.org"); "*"
	// allows any origin. Empty: no cross-origin access.
	AllowedOrigins []string
	MaxAge         time.Duration
}

func (c CORS) allows(origin string) bool {
	return slices.Contains(c.AllowedOrigins, "*") || slices.Contains(c.AllowedOrigins, origin)
}

// The request headers a browser app may send (every one the edge reads:
// the etag a change is made against or a read is conditional on, the purpose of a read of personal
// data, the language of errors and of the directory's names, the trace
// context), and the response headers it may read (when to retry, a
// replay, a resource's etag, a download's file name, the language of a
// localized answer).
const (
	corsMethods = "GET, HEAD, POST, PATCH, DELETE"
	corsHeaders = "Authorization, Content-Type, " + IdempotencyKeyHeader + ", " + IfMatchHeader + ", " + IfNoneMatchHeader + ", " + PurposeHeader +
		", Accept-Language, X-Request-Id, Traceparent, Tracestate, Baggage"
	corsExpose = "Retry-After, " + ReplayedHeader + ", ETag, Content-Disposition, Content-Language, X-Request-Id"
)

// cors answers preflight requests and marks responses to allowed origins.
// Credentials are bearer tokens, never cookies, so credentials mode is off.
func cors(c CORS) Middleware {
	maxAge := strconv.Itoa(int(c.MaxAge / time.Second))
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			origin := r.Header.Get("Origin")
			if origin == "" {
				next.ServeHTTP(w, r)
				return
			}
			h := w.Header()
			h.Add("Vary", "Origin")
			preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
			if !c.allows(origin) {
				if preflight {
					writeStatus(w, r, edgeStatus(codes.PermissionDenied, ReasonOriginNotAllowed, "origin "+origin+" is not allowed"))
					return
				}
				next.ServeHTTP(w, r) // the browser withholds the response
				return
			}
			h.Set("Access-Control-Allow-Origin", origin)
			if !preflight {
				h.Set("Access-Control-Expose-Headers", corsExpose)
				next.ServeHTTP(w, r)
				return
			}
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			method := r.Header.Get("Access-Control-Request-Method")
			if !slices.Contains(strings.Split(corsMethods, ", "), method) {
				writeStatus(w, r, edgeStatus(codes.PermissionDenied, ReasonOriginNotAllowed, "method "+method+" is not allowed"))
				return
			}
			h.Set("Access-Control-Allow-Methods", corsMethods)
			h.Set("Access-Control-Allow-Headers", corsHeaders)
			if c.MaxAge > 0 {
				h.Set("Access-Control-Max-Age", maxAge)
			}
			w.WriteHeader(http.StatusNoContent)
		})
	}
}

type headKey struct{}

// headAsGet serves a HEAD request as the GET of its path (RFC 9110 section
// 9.3.2): the same status and headers (the ETag, Content-Length), no body
// (net/http drops what a handler writes in answer to HEAD). Everything the
// GET does is done: authentication, the route's scope, the audit of a read
// of personal data (a HEAD tells whether the person exists, and the
// version). A path without a GET is 405 naming HEAD (requestMethod).
func headAsGet(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			r = r.WithContext(context.WithValue(r.Context(), headKey{}, true))
			r.Method = http.MethodGet
		}
		next.ServeHTTP(w, r)
	})
}

// requestMethod is the method r was sent with (HEAD for one headAsGet
// serves as GET).
func requestMethod(r *http.Request) string {
	if head, _ := r.Context().Value(headKey{}).(bool); head {
		return http.MethodHead
	}
	return r.Method
}

// limitBody refuses bodies over max bytes with 413.
func limitBody(max int64) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if max > 0 && r.ContentLength > max {
				writeStatusCode(w, r, http.StatusRequestEntityTooLarge, bodyTooLarge(max))
				return
			}
			if max > 0 && r.Body != nil {
				r.Body = http.MaxBytesReader(w, r.Body, max)
			}
			next.ServeHTTP(w, r)
		})
	}
}
