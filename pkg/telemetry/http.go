package telemetry

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

const instrumentation = "github.com/spona/spona/pkg/telemetry"

type routeKey struct{}

type routeHolder struct{ route string }

// SetRoute names the route template ("GET /v1/beneficiaries/{id}") of the
// request ctx belongs to, for the metrics and the span HTTPServer records. A
// router calls it once it has matched the request; outside HTTPServer it
// does nothing.
func SetRoute(ctx context.Context, route string) {
	if h, ok := ctx.Value(routeKey{}).(*routeHolder); ok {
		h.route = route
	}
}

// HTTPServer traces and measures the requests next serves.
//
// Tracing: the caller's W3C trace context (traceparent, baggage) is
// continued by a server span named after the method and route template
// (the route below). Its url.path is recorded only when the request was
// served (status below 400): a refused request's path is whatever the
// caller sent, maybe a person's name where an id belongs, which the trace
// store would keep out of erasure's reach. The query string is never
// recorded (a search's name, a filter's value). A span
// sampled out records nothing and costs no attributes; its trace id still
// reaches the logs and the calls made downstream.
//
// Metrics: http.server.request.duration (seconds; its count is the request
// rate) labelled with the method, the route template and the status code.
// The route is what the router reported with SetRoute, else the pattern of
// the net/http ServeMux next is (when next is one), else "unmatched": never
// the raw path, whose ids would make every request a new series. A HEAD
// answered by a GET route is labelled with the route under HEAD ("HEAD
// /v1/beneficiaries/{id}"), its method's own series.
func HTTPServer(next http.Handler) http.Handler {
	duration, err := otel.Meter(instrumentation).Float64Histogram(
		"http.server.request.duration",
		metric.WithUnit("s"),
		metric.WithDescription("Duration of HTTP server requests by route and status."),
		metric.WithExplicitBucketBoundaries(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10),
	)
	if err != nil {
		otel.Handle(err)
		duration = nil
	}
	tracer := otel.Tracer(instrumentation)
	labels := &labelSets{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ctx := otel.GetTextMapPropagator().Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := tracer.Start(ctx, "edge", trace.WithSpanKind(trace.SpanKindServer), trace.WithTimestamp(start))
		recording := span.IsRecording()
		if recording {
			span.SetAttributes(requestAttributes(r)...)
		}
		holder := &routeHolder{}
		r = r.WithContext(context.WithValue(ctx, routeKey{}, holder))
		sw := &statusWriter{ResponseWriter: w}
		defer span.End() // after a panic too
		next.ServeHTTP(sw, r)
		route := holder.route
		if route == "" {
			route = r.Pattern
		}
		if route == "" {
			route = "unmatched"
		}
		if r.Method == http.MethodHead {
			// A HEAD served as its path's GET (a net/http pattern "GET
			// /x" matches HEAD, the edge's gateway serves HEAD as GET) is
			// a route of its own: "HEAD /x", not the GET's series.
			if rest, ok := strings.CutPrefix(route, http.MethodGet+" "); ok {
				route = http.MethodHead + " " + rest
			}
		}
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		if recording {
			if strings.HasPrefix(route, r.Method+" ") {
				span.SetName(route)
			} else {
				span.SetName(r.Method + " " + route)
			}
			span.SetAttributes(semconv.HTTPRoute(route), semconv.HTTPResponseStatusCode(sw.status))
			if sw.status < 400 {
				// A refused request's path is what the partner sent, a
				// person's name in place of an id perhaps; a served one
				// holds ids.
				span.SetAttributes(semconv.URLPath(r.URL.Path))
			}
			if sw.status >= 500 {
				span.SetStatus(codes.Error, "")
			}
		}
		if duration != nil {
			duration.Record(r.Context(), time.Since(start).Seconds(), labels.get(r.Method, route, sw.status))
		}
	})
}

// requestAttributes describe a request on its span (only when recorded).
func requestAttributes(r *http.Request) []attribute.KeyValue {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	attrs := []attribute.KeyValue{
		attribute.String("http.request.method", r.Method),
		semconv.URLScheme(scheme),
		semconv.ServerAddress(r.Host),
		semconv.NetworkProtocolVersion(strconv.Itoa(r.ProtoMajor) + "." + strconv.Itoa(r.ProtoMinor)),
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		attrs = append(attrs, semconv.NetworkPeerAddress(host), semconv.ClientAddress(host))
	}
	if ua := r.UserAgent(); ua != "" {
		attrs = append(attrs, semconv.UserAgentOriginal(ua))
	}
	return attrs
}

// labelSets keeps the attribute set of each method, route and status seen
// (a bounded number of them), so a measurement does not build its set anew.
type labelSets struct {
	m    sync.Map // label → metric.MeasurementOption
	n    sync.Mutex
	size int
}

type label struct {
	method, route string
	status        int
}

// maxLabelSets bounds the sets kept; beyond, sets are built per request.
const maxLabelSets = 4096

func (l *labelSets) get(method, route string, status int) metric.MeasurementOption {
	k := label{method, route, status}
	if v, ok := l.m.Load(k); ok {
		if o, ok := v.(metric.MeasurementOption); ok {
			return o
		}
	}
	o := metric.WithAttributeSet(attribute.NewSet(
		attribute.String("http.request.method", method),
		attribute.String("http.route", route),
		attribute.Int("http.response.status_code", status),
	))
	l.n.Lock()
	if l.size < maxLabelSets {
		if _, loaded := l.m.LoadOrStore(k, o); !loaded {
			l.size++
		}
	}
	l.n.Unlock()
	return o
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Started reports whether the answer of the request w writes has begun (its
// status line is sent), for w handed on by HTTPServer or wrapping such a
// writer (Unwrap); false for a writer HTTPServer did not hand on.
func Started(w http.ResponseWriter) bool {
	for {
		if sw, ok := w.(*statusWriter); ok {
			return sw.status != 0
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return false
		}
		w = u.Unwrap()
	}
}

// Flush passes streaming flushes through.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
