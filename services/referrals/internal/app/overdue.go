package app

import (
	"context"

	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/services/referrals/internal/domain"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
)

// overdueBatch bounds the referrals marked in one transaction.
const overdueBatch = 100

var tracer = otel.Tracer("github.com/spona/spona/services/referrals")

// EmitOverdue emits referral.overdue (to both parties) for every open
// referral whose due time has passed unanswered or unfinished: once per
// referral, whichever replica gets to it first. It returns how many it
// emitted.
func (a *App) EmitOverdue(ctx context.Context) (int, error) {
	total := 0
	for {
		now := a.now()
		sctx, span := tracer.Start(ctx, "referrals overdue")
		rs, err := a.repo.MarkOverdue(sctx, now, overdueBatch, func(r *domain.Referral) events.Event {
			return referralEvent(events.ReferralOverdue, r, "")
		})
		span.SetAttributes(attribute.Int("referrals.overdue", len(rs)))
		span.End()
		total += len(rs)
		if err != nil || len(rs) < overdueBatch {
			return total, err
		}
	}
}
