package gateway

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/spona/spona/pkg/httpserver"
	"github.com/spona/spona/pkg/i18n"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

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
	writeStatusCode(w, r, http.StatusRequestTimeout, status.New(codes.DeadlineExceeded, slow.Error()))
	return true
}
