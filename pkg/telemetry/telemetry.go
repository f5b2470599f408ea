// Package telemetry sets up OpenTelemetry tracing and metrics for a process.
//
// Metrics go to a process-wide Prometheus registry served by MetricsHandler
// (every admin port mounts it at /metrics): gRPC RED metrics come from the
// otelgrpc stats handlers, REST ones from HTTPMetrics, pool gauges from
// package db.
//
// With OTEL_EXPORTER_OTLP_ENDPOINT unset the tracer provider still samples and
// propagates context (so trace ids reach logs and downstream services) but
// exports nothing. With it set, spans go to that OTLP/gRPC endpoint; the
// exporter reads the standard OTEL_EXPORTER_OTLP_* variables itself.
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
	if os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "" {
		exp, err := otlptracegrpc.New(ctx)
		if err != nil {
			return nil, err
		}
		opts = append(opts, sdktrace.WithBatcher(exp))
	}
	tp := sdktrace.NewTracerProvider(opts...)
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	return tp.Shutdown, nil
}
