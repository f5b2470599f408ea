package db

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// InstrumentPool publishes the statistics of pool, named name, as observable
// metrics (pgxpool.* in Prometheus as pgxpool_*): connections by state, the
// pool's size limit, and counters of acquires, their total wait, waits on an
// empty pool and cancelled acquires. The returned function stops publishing
// (call it before closing the pool).
func InstrumentPool(pool *pgxpool.Pool, name string) (stop func() error, err error) {
	m := otel.Meter("github.com/spona/spona/pkg/db")
	conns, err := m.Int64ObservableGauge("pgxpool.connections", metric.WithUnit("{connection}"),
		metric.WithDescription("Connections in the pool by state (acquired, idle, constructing) and in total."))
	if err != nil {
		return nil, err
	}
	maxConns, err := m.Int64ObservableGauge("pgxpool.max_connections", metric.WithUnit("{connection}"),
		metric.WithDescription("Maximum size of the pool."))
	if err != nil {
		return nil, err
	}
	acquires, err := m.Int64ObservableCounter("pgxpool.acquires", metric.WithUnit("{acquire}"),
		metric.WithDescription("Successful acquires of a connection from the pool."))
	if err != nil {
		return nil, err
	}
	acquireWait, err := m.Float64ObservableCounter("pgxpool.acquire.duration", metric.WithUnit("s"),
		metric.WithDescription("Total time spent acquiring connections."))
	if err != nil {
		return nil, err
	}
	emptyAcquires, err := m.Int64ObservableCounter("pgxpool.empty_acquires", metric.WithUnit("{acquire}"),
		metric.WithDescription("Acquires that had to wait because the pool was empty."))
	if err != nil {
		return nil, err
	}
	canceled, err := m.Int64ObservableCounter("pgxpool.canceled_acquires", metric.WithUnit("{acquire}"),
		metric.WithDescription("Acquires cancelled by their context."))
	if err != nil {
		return nil, err
	}
	poolAttr := attribute.String("pool.name", name)
	state := func(s string) metric.ObserveOption {
		return metric.WithAttributes(poolAttr, attribute.String("state", s))
	}
	attrs := metric.WithAttributes(poolAttr)
	reg, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		s := pool.Stat()
		o.ObserveInt64(conns, int64(s.AcquiredConns()), state("acquired"))
		o.ObserveInt64(conns, int64(s.IdleConns()), state("idle"))
		o.ObserveInt64(conns, int64(s.ConstructingConns()), state("constructing"))
		o.ObserveInt64(conns, int64(s.TotalConns()), state("total"))
		o.ObserveInt64(maxConns, int64(s.MaxConns()), attrs)
		o.ObserveInt64(acquires, s.AcquireCount(), attrs)
		o.ObserveFloat64(acquireWait, s.AcquireDuration().Seconds(), attrs)
		o.ObserveInt64(emptyAcquires, s.EmptyAcquireCount(), attrs)
		o.ObserveInt64(canceled, s.CanceledAcquireCount(), attrs)
		return nil
	}, conns, maxConns, acquires, acquireWait, emptyAcquires, canceled)
	if err != nil {
		return nil, err
	}
	return reg.Unregister, nil
}
