package telemetry

import (
	"net/http"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
)

// The metrics pipeline is process-wide: one Prometheus registry, fed by the
// OpenTelemetry metrics SDK, installed as the global meter provider the first
// time Setup runs. Prometheus pulls, so there is nothing to flush at exit and
// the provider lives as long as the process (tests that start several
// services in one process share it).
var (
	registry    = prometheus.NewRegistry()
	metricsOnce sync.Once
	metricsErr  error
)

func setupMetrics(res *resource.Resource) error {
	metricsOnce.Do(func() {
		registry.MustRegister(
			collectors.NewGoCollector(),
			collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		)
		exp, err := otelprom.New(otelprom.WithRegisterer(registry), otelprom.WithoutScopeInfo())
		if err != nil {
			metricsErr = err
			return
		}
		otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithResource(res), sdkmetric.WithReader(exp)))
	})
	return metricsErr
}

// MetricsHandler serves the process's metrics in the Prometheus text format;
// every admin port mounts it at /metrics.
func MetricsHandler() http.Handler {
	return promhttp.HandlerFor(registry, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}
