// Package gateway is the REST/JSON face of Spona: grpc-gateway handlers for
// the four services behind API-key authentication, with errors written as
// google.rpc.Status JSON.
package gateway

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	refv1 "github.com/spona/spona/gen/go/spona/referrals/v1"
	repv1 "github.com/spona/spona/gen/go/spona/reporting/v1"
	trnv1 "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/gen/openapi"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/telemetry"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	noopmetric "go.opentelemetry.io/otel/metric/noop"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
)

// Authenticator turns an API credential into a principal.
type Authenticator interface {
	Verify(ctx context.Context, credential string) (auth.Principal, error)
}

// Backends are the connections to the four services.
type Backends struct {
	Beneficiaries, Referrals, Trainings, Reporting grpc.ClientConnInterface
}

// Options configures the handler.
type Options struct {
	Log          *slog.Logger
	Auth         Authenticator
	Signer       *auth.Signer
	Backends     Backends
	MaxBodyBytes int64
}

type principalKey struct{}

var marshaler = &runtime.JSONPb{
	MarshalOptions:   protojson.MarshalOptions{UseProtoNames: true},
	UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
}

// New returns the edge's HTTP handler.
func New(ctx context.Context, o Options) (http.Handler, error) {
	mux := runtime.NewServeMux(
		runtime.WithMarshalerOption(runtime.MIMEWildcard, marshaler),
		runtime.WithErrorHandler(errorHandler(o.Log)),
		runtime.WithRoutingErrorHandler(routingErrorHandler(o.Log)),
		runtime.WithIncomingHeaderMatcher(incomingHeaders),
		runtime.WithOutgoingHeaderMatcher(func(string) (string, bool) { return "", false }),
		runtime.WithDisableHTTPMethodOverride(),
		runtime.WithMiddlewares(routeMetrics),
		runtime.WithMetadata(func(ctx context.Context, r *http.Request) metadata.MD {
			p, ok := r.Context().Value(principalKey{}).(auth.Principal)
			if !ok {
				return nil
			}
			tok, err := o.Signer.Sign(p)
			if err != nil {
				return nil
			}
			return metadata.Pairs(auth.MetadataKey, tok)
		}),
	)
	b := o.Backends
	registrations := []error{
		benv1.RegisterBeneficiaryServiceHandlerClient(ctx, mux, benv1.NewBeneficiaryServiceClient(b.Beneficiaries)),
		refv1.RegisterDirectoryServiceHandlerClient(ctx, mux, refv1.NewDirectoryServiceClient(b.Referrals)),
		refv1.RegisterReferralServiceHandlerClient(ctx, mux, refv1.NewReferralServiceClient(b.Referrals)),
		trnv1.RegisterTrainingServiceHandlerClient(ctx, mux, trnv1.NewTrainingServiceClient(b.Trainings)),
		repv1.RegisterReportingServiceHandlerClient(ctx, mux, repv1.NewReportingServiceClient(b.Reporting)),
	}
	if err := errors.Join(registrations...); err != nil {
		return nil, err
	}

	root := http.NewServeMux()
	root.Handle("/v1/", authenticate(o, mux))
	root.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(openapi.Spec)
	})
	root.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok\n"))
	})
	root.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeStatus(w, r, status.New(codes.NotFound, "no such resource: "+r.URL.Path))
	})
	var h http.Handler = telemetry.HTTPMetrics(root)
	h = limitBody(o.MaxBodyBytes, h)
	h = otelhttp.NewHandler(h, "edge", otelhttp.WithMeterProvider(noopmetric.NewMeterProvider()), otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
		return r.Method + " " + r.URL.Path
	}))
	return h, nil
}

// wildcard matches a single-segment variable as the gateway prints it ({id=*}).
var wildcard = regexp.MustCompile(`\{([A-Za-z0-9_.]+)=\*\}`)

// routeMetrics labels the request's metrics with its route template
// (telemetry.HTTPMetrics records them; otelhttp's own would only see "/v1/").
func routeMetrics(next runtime.HandlerFunc) runtime.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, params map[string]string) {
		if p, ok := runtime.HTTPPattern(r.Context()); ok {
			telemetry.SetRoute(r.Context(), r.Method+" "+wildcard.ReplaceAllString(p.String(), "{$1}"))
		}
		next(w, r, params)
	}
}

// incomingHeaders forwards only what services need; the Authorization header
// stays at the edge.
func incomingHeaders(key string) (string, bool) {
	switch strings.ToLower(key) {
	case "idempotency-key":
		return grpcx.IdempotencyKeyMetadata, true
	case "x-request-id":
		return "x-request-id", true
	}
	return "", false
}

func authenticate(o Options, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		scheme, cred, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(cred) == "" {
			writeStatus(w, r, status.New(codes.Unauthenticated, "missing API key: send Authorization: Bearer <key>"))
			return
		}
		p, err := o.Auth.Verify(r.Context(), strings.TrimSpace(cred))
		switch {
		case errors.Is(err, auth.ErrInvalidCredential):
			writeStatus(w, r, status.New(codes.Unauthenticated, "invalid API key"))
			return
		case err != nil:
			o.Log.ErrorContext(r.Context(), "authenticate", slog.String("error", err.Error()))
			writeStatus(w, r, status.New(codes.Unavailable, "authentication temporarily unavailable; retry"))
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}

func limitBody(max int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if max > 0 && r.ContentLength > max {
			writeStatus(w, r, status.Newf(codes.InvalidArgument, "request body larger than %d bytes", max))
			return
		}
		if max > 0 && r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, max)
		}
		next.ServeHTTP(w, r)
	})
}

func writeStatus(w http.ResponseWriter, r *http.Request, st *status.Status) {
	code := runtime.HTTPStatusFromCode(st.Code())
	if st.Code() == codes.Unauthenticated {
		w.Header().Set("WWW-Authenticate", `Bearer realm="spona"`)
	}
	if st.Code() == codes.InvalidArgument && strings.Contains(st.Message(), "larger than") {
		code = http.StatusRequestEntityTooLarge
	}
	body, err := marshaler.Marshal(st.Proto())
	if err != nil {
		body = []byte(`{"code":13,"message":"internal error"}`)
		code = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(body)
}

func errorHandler(log *slog.Logger) runtime.ErrorHandlerFunc {
	return func(ctx context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeStatus(w, r, status.Newf(codes.InvalidArgument, "request body larger than %d bytes", mbe.Limit))
			return
		}
		st := status.Convert(err)
		if st.Code() == codes.Unknown {
			// The gateway reports some decoding failures as Unknown; they are
			// the client's input, never a server fault.
			log.WarnContext(ctx, "gateway error", slog.String("error", err.Error()))
			st = status.New(codes.InvalidArgument, st.Message())
		}
		writeStatus(w, r, st)
	}
}

func routingErrorHandler(log *slog.Logger) runtime.RoutingErrorHandlerFunc {
	return func(ctx context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, r *http.Request, httpStatus int) {
		switch httpStatus {
		case http.StatusMethodNotAllowed:
			w.Header().Set("Allow", "GET, POST, PATCH, DELETE")
			body, _ := marshaler.Marshal(status.New(codes.Unimplemented, r.Method+" is not allowed on "+r.URL.Path).Proto())
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusMethodNotAllowed)
			_, _ = w.Write(body)
		case http.StatusBadRequest:
			writeStatus(w, r, status.New(codes.InvalidArgument, "malformed request path"))
		default:
			writeStatus(w, r, status.New(codes.NotFound, "no such resource: "+r.URL.Path))
		}
	}
}
