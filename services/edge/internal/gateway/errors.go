package gateway

import (
	"net/http"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// writeStatus writes st as google.rpc.Status JSON with the HTTP status of
// its code.
func writeStatus(w http.ResponseWriter, r *http.Request, st *status.Status) {
	writeStatusCode(w, r, runtime.HTTPStatusFromCode(st.Code()), st)
}

// writeStatusCode writes st as google.rpc.Status JSON with HTTP status code.
func writeStatusCode(w http.ResponseWriter, _ *http.Request, code int, st *status.Status) {
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
