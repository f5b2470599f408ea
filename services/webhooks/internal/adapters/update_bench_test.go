package adapters

import (
	"context"
	"testing"
	"time"

	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/services/webhooks/internal/domain"
)

// BenchmarkUpdateSubscription measures a PATCH of a subscription to every
// event type that disables or enables it (in turn), the update that stamps
// when it took its types (event_types_since) anew on an enabling.
func BenchmarkUpdateSubscription(b *testing.B) {
	ctx := context.Background()
	_, repo := benchRepo(b)
	now := time.Now()
	s, err := repo.CreateSubscription(ctx, &domain.Subscription{ID: ids.New(), OrganisationID: ids.New(), URL: "http://127.0.0.1:9/",
		EventTypes: domain.EventTypes, Secret: domain.NewSecret(), State: domain.StateActive, CreateTime: now, UpdateTime: now}, "")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if s.State == domain.StateActive {
			s.Disable(domain.DisabledByOrganisationCode, domain.DisabledByOrganisation, time.Now())
		} else {
			s.Enable()
		}
		if s, err = repo.UpdateSubscription(ctx, s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
}
