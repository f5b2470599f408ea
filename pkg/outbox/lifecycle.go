package outbox

import (
	"context"

	"github.com/jackc/pgx/v5"
	eventsv1 "github.com/spona/spona/gen/go/spona/events/v1"
	"github.com/spona/spona/pkg/events"
)

// PersonCopies is implemented by a service that keeps copies of, or
// references to, beneficiaries: it reacts to the beneficiaries feed so that
// erasure and merge reach every copy.
type PersonCopies interface {
	// ForgetBeneficiary removes the personal data of the erased
	// beneficiaries (the erased record and the records merged into it)
	// from the service's copies, keeping ids and codes so counts do not
	// change. It is called in the consumer's transaction and must be
	// idempotent.
	ForgetBeneficiary(ctx context.Context, beneficiaryIDs []string) error
	// MoveBeneficiary makes the references to a merged beneficiary (from)
	// references to the survivor (to), so it counts as one person.
	MoveBeneficiary(ctx context.Context, from, to string) error
}

// PersonEventTypes are the beneficiaries feed's events PersonEvents applies.
var PersonEventTypes = []string{events.BeneficiaryErased, events.BeneficiaryMerged}

// PersonEvents translates beneficiary.erased and beneficiary.merged into
// calls of c.
func PersonEvents(c PersonCopies) Handler {
	return func(ctx context.Context, _ pgx.Tx, ev *eventsv1.Event) error {
		switch ev.GetType() {
		case events.BeneficiaryErased:
			return c.ForgetBeneficiary(ctx, append([]string{ev.GetAggregateId()}, Strs(ev, "merged_ids")...))
		case events.BeneficiaryMerged:
			return c.MoveBeneficiary(ctx, ev.GetAggregateId(), Str(ev, "survivor_id"))
		}
		return nil
	}
}
