// Package jaegerstorage is Spona's memory-only replacement for Jaeger's
// jaeger_storage extension, used by the trimmed Jaeger that the trace test
// runs (deploy/jaeger/build.sh). It keeps the component type, the
// configuration keys of the memory backend and the lookup functions that
// jaeger_query and jaeger_storage_exporter call, and leaves out the other
// backends, whose client libraries dominate Jaeger's build time.
package jaegerstorage

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"

	"github.com/jaegertracing/jaeger/internal/metrics"
	storage "github.com/jaegertracing/jaeger/internal/storage/v1"
	v1memory "github.com/jaegertracing/jaeger/internal/storage/v1/memory"
	"github.com/jaegertracing/jaeger/internal/storage/v2/api/tracestore"
	"github.com/jaegertracing/jaeger/internal/storage/v2/memory"
	"github.com/jaegertracing/jaeger/internal/telemetry"
)

var componentType = component.MustNewType("jaeger_storage")

// ID identifies the extension; jaeger_query depends on it.
var ID = component.NewID(componentType)

// Config names the trace stores; only `memory` backends exist here.
type Config struct {
	TraceBackends map[string]TraceBackend `mapstructure:"backends"`
}

// TraceBackend configures one named store.
type TraceBackend struct {
	Memory *v1memory.Configuration `mapstructure:"memory"`
}

// Validate refuses a configuration this build cannot serve.
func (c *Config) Validate() error {
	if len(c.TraceBackends) == 0 {
		return errors.New("at least one storage backend is required")
	}
	for name, b := range c.TraceBackends {
		if b.Memory == nil {
			return fmt.Errorf("storage %q: this Jaeger build supports only the memory backend", name)
		}
	}
	return nil
}

// NewFactory creates the extension factory.
func NewFactory() extension.Factory {
	return extension.NewFactory(componentType,
		func() component.Config { return &Config{} },
		func(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
			return &storageExt{config: cfg.(*Config), telset: set.TelemetrySettings, stores: map[string]tracestore.Factory{}}, nil
		},
		component.StabilityLevelDevelopment)
}

type storageExt struct {
	config *Config
	telset component.TelemetrySettings
	stores map[string]tracestore.Factory
}

func (s *storageExt) Start(_ context.Context, host component.Host) error {
	for name, b := range s.config.TraceBackends {
		telset := telemetry.FromOtelComponent(s.telset, host)
		telset.Metrics = telset.Metrics.Namespace(metrics.NSOptions{
			Name: "jaeger_storage", Tags: map[string]string{"name": name, "kind": "memory"},
		})
		f, err := memory.NewFactory(*b.Memory, telset)
		if err != nil {
			return fmt.Errorf("storage %q: %w", name, err)
		}
		s.stores[name] = f
	}
	return nil
}

func (*storageExt) Shutdown(context.Context) error { return nil }

func find(host component.Host) (*storageExt, error) {
	for id, ext := range host.GetExtensions() {
		if id.Type() == componentType {
			if s, ok := ext.(*storageExt); ok {
				return s, nil
			}
		}
	}
	return nil, fmt.Errorf("extension %q not configured", componentType)
}

// GetTraceStoreFactory returns the named trace store of the host's extension.
func GetTraceStoreFactory(name string, host component.Host) (tracestore.Factory, error) {
	s, err := find(host)
	if err != nil {
		return nil, err
	}
	f, ok := s.stores[name]
	if !ok {
		return nil, fmt.Errorf("no trace storage %q in extension %q", name, componentType)
	}
	return f, nil
}

// GetMetricStorageFactory always fails: this build has no metric storage
// (jaeger_query asks only when one is configured).
func GetMetricStorageFactory(name string, _ component.Host) (storage.MetricStoreFactory, error) {
	return nil, fmt.Errorf("no metric storage %q: this Jaeger build has none", name)
}
