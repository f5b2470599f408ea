package telemetry

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// TestServerSpanKeepsNoRefusedPath: a partner who puts a person's name
// where an id belongs (GET /v1/beneficiaries/Zorislava) is refused, and the
// exported span names the route, not the path: the name would otherwise
// sit in the trace store, out of erasure's reach. A path that was served
// (its ids) is kept as url.path.
func TestServerSpanKeepsNoRefusedPath(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	t.Cleanup(func() { otel.SetTracerProvider(prev) })

	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/beneficiaries/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != "0190a1b2-0000-7000-8000-000000000001" {
			http.Error(w, "no such beneficiary", http.StatusNotFound)
		}
	})
	h := HTTPServer(mux)
	for _, path := range []string{"/v1/beneficiaries/Zorislava%20Kvrgi%C4%87eva", "/v1/nothing/Zorislava", "/v1/beneficiaries/0190a1b2-0000-7000-8000-000000000001"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
	}
	spans := rec.Ended()
	if len(spans) != 3 {
		t.Fatalf("%d spans", len(spans))
	}
	for i, want := range []string{"GET /v1/beneficiaries/{id}", "GET unmatched", "GET /v1/beneficiaries/{id}"} {
		if spans[i].Name() != want {
			t.Errorf("span %d is named %q, want %q", i, spans[i].Name(), want)
		}
	}
	for _, sp := range spans[:2] {
		for _, a := range sp.Attributes() {
			if strings.Contains(a.Value.String(), "Zorislava") {
				t.Errorf("span %q: %s = %q", sp.Name(), a.Key, a.Value.String())
			}
		}
	}
	var path string
	for _, a := range spans[2].Attributes() {
		if a.Key == "url.path" {
			path = a.Value.AsString()
		}
	}
	if path != "/v1/beneficiaries/0190a1b2-0000-7000-8000-000000000001" {
		t.Errorf("served request's url.path = %q", path)
	}
}

// TestHeadHasItsOwnRoute: a HEAD answered by a GET route is measured under
// the route named with HEAD, whether the route comes from a net/http
// pattern ("GET /docs", which net/http also serves HEAD with) or from a
// router's SetRoute (the edge's gateway, which serves HEAD as GET); a GET
// keeps its own. Before, a HEAD was counted under the GET's route label
// (with method HEAD), so a dashboard by route added HEADs to the GETs,
// and its span was named "HEAD GET /docs".
func TestHeadHasItsOwnRoute(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	prevMP := otel.GetMeterProvider()
	otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)))
	t.Cleanup(func() { otel.SetMeterProvider(prevMP) })
	spans := tracetest.NewSpanRecorder()
	prevTP := otel.GetTracerProvider()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)))
	t.Cleanup(func() { otel.SetTracerProvider(prevTP) })

	mux := http.NewServeMux()
	mux.HandleFunc("GET /docs", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("/v1/", func(_ http.ResponseWriter, r *http.Request) {
		SetRoute(r.Context(), "GET /v1/beneficiaries/{id}") // as the gateway labels a HEAD it serves as GET
	})
	h := HTTPServer(mux)
	for _, method := range []string{"GET", "HEAD", "HEAD"} {
		for _, path := range []string{"/docs", "/v1/beneficiaries/0190a1b2-0000-7000-8000-000000000001"} {
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(method, path, nil))
		}
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(t.Context(), &rm); err != nil {
		t.Fatal(err)
	}
	got := map[string]uint64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if hist, ok := m.Data.(metricdata.Histogram[float64]); ok && m.Name == "http.server.request.duration" {
				for _, dp := range hist.DataPoints {
					method, _ := dp.Attributes.Value(attribute.Key("http.request.method"))
					route, _ := dp.Attributes.Value(attribute.Key("http.route"))
					got[method.AsString()+" | "+route.AsString()] += dp.Count
				}
			}
		}
	}
	want := map[string]uint64{
		"GET | GET /docs": 1, "HEAD | HEAD /docs": 2,
		"GET | GET /v1/beneficiaries/{id}": 1, "HEAD | HEAD /v1/beneficiaries/{id}": 2,
	}
	if !maps.Equal(got, want) {
		t.Errorf("requests by method | route: %v, want %v", got, want)
	}
	var names []string
	for _, sp := range spans.Ended() {
		names = append(names, sp.Name())
	}
	if want := []string{"GET /docs", "GET /v1/beneficiaries/{id}", "HEAD /docs", "HEAD /v1/beneficiaries/{id}", "HEAD /docs", "HEAD /v1/beneficiaries/{id}"}; !slices.Equal(names, want) {
		t.Errorf("spans %q, want %q", names, want)
	}
}
