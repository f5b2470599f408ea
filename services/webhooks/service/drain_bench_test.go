package service_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/webhooktest"
	"github.com/spona/spona/services/webhooks/internal/adapters"
	"github.com/spona/spona/services/webhooks/internal/domain"
	"github.com/spona/spona/services/webhooks/service"
)

// BenchmarkDrain measures how fast the real process drains a queue of
// deliveries to fast local receivers, all to one target or spread over ten,
// with the production worker and per-target settings: the dispatcher's
// throughput to one target against its throughput over several. The
// deliveries are queued due in an hour and then made due at once, so only
// the drain is timed (run with -benchtime=1x; each iteration drains 2 000).
func BenchmarkDrain(b *testing.B) {
	const n = 2000
	for _, targets := range []int{1, 10} {
		b.Run(fmt.Sprint("targets=", targets), func(b *testing.B) {
			s := start(b, func(c *service.Config) {
				c.Workers, c.TargetConcurrency, c.PollInterval, c.Lease = 64, 8, time.Second, time.Minute
			})
			sender := ids.New()
			rcvs := make([]*webhooktest.Receiver, targets)
			orgs := make([]string, targets)
			for i := range targets {
				rcvs[i], orgs[i] = webhooktest.Start(b, nil), ids.New()
				s.subscribe(b, orgs[i], rcvs[i].URL(), "referral.received")
			}
			var elapsed time.Duration
			ctx := context.Background()
			for it := range b.N {
				// Queue everything due in an hour, then make it due at
				// once: the drain alone is timed.
				s.in.SetClock(func() time.Time { return time.Now().Add(time.Hour) })
				for i := 0; i < n; i += 100 {
					evs := make([]domain.Event, 0, 100)
					for j := range 100 {
						evs = append(evs, referralEvent("referral.sent", ids.New(), sender, orgs[(i+j)%targets], "sent"))
					}
					s.inject(b, evs...)
				}
				start := time.Now()
				if _, err := s.pool.Exec(ctx, `WITH due AS (UPDATE deliveries SET next_attempt_time = now() WHERE status = 'pending')
					SELECT pg_notify($1, '')`, adapters.NotifyChannel); err != nil {
					b.Fatal(err)
				}
				for _, r := range rcvs {
					r.WaitFor(b, 5*time.Minute, "the drain", func(q []webhooktest.Request) bool { return len(q) >= (it+1)*n/targets })
				}
				elapsed += time.Since(start)
			}
			b.ReportMetric(float64(b.N*n)/elapsed.Seconds(), "deliveries/s")
		})
	}
}
