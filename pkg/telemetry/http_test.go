package telemetry

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel"
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
