package outbox_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	eventsv1 "github.com/spona/spona/gen/go/spona/events/v1"
	"github.com/spona/spona/pkg/outbox"
	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"google.golang.org/grpc"
)

// TestAppliedCountFromStart: a consumer's outbox.consumer.applied series
// (outbox_consumer_applied_total{consumer=…}) is there from the start, at
// 0, as the webhooks' attempts are (r13), so an alert on its rate reads 0,
// not "no data", on a process that has applied nothing yet. Before, the
// series appeared with the first applied event.
func TestAppliedCountFromStart(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	prev := otel.GetMeterProvider()
	otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)))
	t.Cleanup(func() { otel.SetMeterProvider(prev) })
	// Never used: the consumer is made, not run.
	pool, err := pgxpool.New(context.Background(), "postgres://unused.invalid/x")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var conn *grpc.ClientConn
	if _, err := outbox.NewConsumer(outbox.ConsumerOptions{Name: "erasure", Pool: pool, Feed: eventsv1.NewEventFeedServiceClient(conn),
		Handle: func(context.Context, pgx.Tx, *eventsv1.Event) error { return nil }}); err != nil {
		t.Fatal(err)
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if s, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == "outbox.consumer.applied" {
				for _, dp := range s.DataPoints {
					if v, _ := dp.Attributes.Value("consumer"); v.AsString() == "erasure" && dp.Value == 0 {
						found = true
					}
				}
			}
		}
	}
	if !found {
		t.Fatalf("no outbox.consumer.applied{consumer=erasure} at 0 before any event: %+v", rm.ScopeMetrics)
	}
}
