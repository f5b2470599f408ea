// Package telemetry sets up OpenTelemetry tracing and metrics for a process.
//
// Metrics go to a process-wide Prometheus registry served by MetricsHandler
// (every admin port mounts it at /metrics): gRPC RED metrics come from the
// stats handlers of pkg/grpcx (otelgrpc's metrics), REST ones from
// HTTPMetrics, pool gauges from package db.
//
// With OTEL_EXPORTER_OTLP_ENDPOINT unset the tracer provider records only
// the traces a caller sampled and exports nothing, but it still propagates
// context (so trace ids reach logs and downstream services). With it set,
// spans go to that OTLP/gRPC endpoint; the exporter reads the standard
// OTEL_EXPORTER_OTLP_* variables itself. Sampling is parent-based; the
// standard OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG choose another
// sampler, e.g. parentbased_traceidratio and 0.1 to record a tenth of the
// traces that start here (see defaultSampler).
package telemetry

import (
	"context"
	"errors"
	"os"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// Setup installs the global tracer provider and W3C trace-context + baggage
// propagators. The returned function flushes and stops the provider.
func Setup(ctx context.Context, service, version string) (shutdown func(context.Context) error, err error) {
	res, err := resource.Merge(resource.Default(), resource.NewWithAttributes(semconv.SchemaURL,
		semconv.ServiceName(service),
		semconv.ServiceVersion(version),
		semconv.ServiceNamespace("spona"),
	))
	if err != nil && !errors.Is(err, resource.ErrSchemaURLConflict) {
		return nil, err
	}
	if err := setupMetrics(res); err != nil {
		return nil, err
	}
	opts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res)}
	exporting := os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
	if exporting {
		exp, err := otlptracegrpc.New(ctx)
		if err != nil {
			return nil, err
		}
		opts = append(opts, sdktrace.WithBatcher(exp))
	}
	if s := defaultSampler(exporting); s != nil {
		opts = append(opts, sdktrace.WithSampler(s))
	}
	tp := sdktrace.NewTracerProvider(opts...)
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	return tp.Shutdown, nil
}

// defaultSampler is the sampler unless OTEL_TRACES_SAMPLER names one (the
// SDK then reads it and OTEL_TRACES_SAMPLER_ARG itself, e.g.
// parentbased_traceidratio with 0.1): nil then. The default is parent-based,
// so a call is sampled when its caller's traceparent says so and a trace is
// whole or absent across the processes. A trace started here is sampled
// when spans are exported and not otherwise: nothing would see its spans,
// and a span sampled out costs little (no attributes, no recording; the
// database tracer skips it altogether). Trace ids still reach the logs and
// the processes downstream.
func defaultSampler(exporting bool) sdktrace.Sampler {
	if os.Getenv("OTEL_TRACES_SAMPLER") != "" {
		return nil
	}
	if exporting {
		return sdktrace.ParentBased(sdktrace.AlwaysSample())
	}
	return sdktrace.ParentBased(sdktrace.NeverSample())
}
