package app

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/spona/spona/services/webhooks/internal/domain"
	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// recorder fakes the Dispatch a delivery attempt records its outcome with.
type recorder struct{ Repository }

func (recorder) Record(context.Context, Claimed, *domain.Delivery, SubscriptionHealth) (bool, error) {
	return false, nil
}

// answers200 fakes a receiver answering 200.
type answers200 struct{}

func (answers200) Send(context.Context, Message) domain.Attempt {
	return domain.Attempt{Code: 200, Latency: time.Millisecond}
}

// TestRedeliveryIsNoDeliveryLag: spona_webhooks_delivery_lag_seconds (the
// change's commit to its delivery) is recorded for a delivery's first
// success, not for a manual :redeliver of an old delivery, which is a
// partner's request and not lag: before, redelivering a week-old delivery
// put a week into the histogram, and a p99 or mean of delivery lag jumped
// whenever a partner replayed its log. A redelivery's attempt still counts
// in spona_webhooks_attempts_total.
func TestRedeliveryIsNoDeliveryLag(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	prev := otel.GetMeterProvider()
	otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)))
	t.Cleanup(func() { otel.SetMeterProvider(prev) })
	a, err := New(recorder{}, answers200{}, &targets{}, Options{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	weekAgo := now.Add(-7 * 24 * time.Hour)
	sub := &domain.Subscription{ID: hookID, Secret: domain.NewSecret(), State: domain.StateActive}
	attempt := func(d *domain.Delivery) {
		t.Helper()
		a.deliver(context.Background(), Claimed{Delivery: d, Subscription: sub, Lease: "l"}, func() {})
	}
	lag := func() (n uint64, sum float64) {
		t.Helper()
		var rm metricdata.ResourceMetrics
		if err := reader.Collect(context.Background(), &rm); err != nil {
			t.Fatal(err)
		}
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				if h, ok := m.Data.(metricdata.Histogram[float64]); ok && m.Name == "spona.webhooks.delivery.lag" {
					for _, dp := range h.DataPoints {
						n, sum = n+dp.Count, sum+dp.Sum
					}
				}
			}
		}
		return n, sum
	}
	// Delivered a second after its change: one second of lag.
	fresh := &domain.Delivery{ID: "d1", EventType: domain.TypeReferralReceived, Status: domain.DeliveryPending,
		EventTime: now.Add(-time.Second), CreateTime: now.Add(-time.Second), RetryStart: now.Add(-time.Second)}
	attempt(fresh)
	if n, sum := lag(); n != 1 || sum > 60 {
		t.Fatalf("a delivery a second after its change: %d lag samples, %.0f s in all; want one of about a second", n, sum)
	}
	// A week-old delivery redelivered now.
	old := &domain.Delivery{ID: "d2", EventType: domain.TypeReferralReceived, Status: domain.DeliverySucceeded,
		EventTime: weekAgo, CreateTime: weekAgo, RetryStart: weekAgo, Attempts: 1, DeliverTime: weekAgo}
	old.Redeliver(now)
	attempt(old)
	if n, sum := lag(); n != 1 || sum > 60 {
		t.Errorf("after a redelivery of a week-old delivery: %d lag samples, %.0f s in all; want the first one only", n, sum)
	}
}
