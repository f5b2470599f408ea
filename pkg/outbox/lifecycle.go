package outbox

import (
	"context"
	"time"

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

// HouseholdCopies is implemented by a PersonCopies that also keeps copies
// of households (the edge's stored responses): erasing a person blanks the
// free-text reference of every household they are or were a member of
// (beneficiary.erased names them in household_ids), and the copies go too.
type HouseholdCopies interface {
	// ForgetHouseholds removes the copies of the households, in the
	// consumer's transaction; it must be idempotent.
	ForgetHouseholds(ctx context.Context, householdIDs []string) error
}

// ConsentCopies is implemented by a PersonCopies that also keeps copies
// of consents (the edge's stored responses): erasing a person blanks the
// guardian's name of the consents of other persons that name her (a
// child's consent she gave as its guardian; beneficiary.erased names them
// in consent_ids), and the copies go too.
type ConsentCopies interface {
	// ForgetConsents removes the copies of the consents, in the
	// consumer's transaction; it must be idempotent.
	ForgetConsents(ctx context.Context, consentIDs []string) error
}

// PersonEventTypes are the beneficiaries feed's events PersonEvents applies.
var PersonEventTypes = []string{events.BeneficiaryErased, events.BeneficiaryMerged}

// PersonEvents translates beneficiary.erased and beneficiary.merged into
// calls of c (and of its HouseholdCopies and ConsentCopies, when it is
// one).
func PersonEvents(c PersonCopies) Handler {
	return func(ctx context.Context, _ pgx.Tx, ev *eventsv1.Event) error {
		switch ev.GetType() {
		case events.BeneficiaryErased:
			if err := c.ForgetBeneficiary(ctx, append([]string{ev.GetAggregateId()}, Strs(ev, "merged_ids")...)); err != nil {
				return err
			}
			if h, ok := c.(HouseholdCopies); ok {
				if households := Strs(ev, "household_ids"); len(households) > 0 {
					if err := h.ForgetHouseholds(ctx, households); err != nil {
						return err
					}
				}
			}
			if g, ok := c.(ConsentCopies); ok {
				if consents := Strs(ev, "consent_ids"); len(consents) > 0 {
					return g.ForgetConsents(ctx, consents)
				}
			}
			return nil
		case events.BeneficiaryMerged:
			return c.MoveBeneficiary(ctx, ev.GetAggregateId(), Str(ev, "survivor_id"))
		}
		return nil
	}
}

// PersonChanges is implemented by a service that keeps values derived from
// a beneficiary's record (the age band a referral was sent with): it is
// told which fields of a record changed, so it can take them again.
type PersonChanges interface {
	// BeneficiaryChanged is told the names of the fields of the
	// beneficiary's record that changed (beneficiary.updated). It is called
	// in the consumer's transaction and must be idempotent.
	BeneficiaryChanged(ctx context.Context, beneficiaryID string, fields []string) error
}

// PersonChangeEventTypes are the beneficiaries feed's events
// PersonChangeEvents applies.
var PersonChangeEventTypes = []string{events.BeneficiaryUpdated}

// PersonChangeEvents translates beneficiary.updated into calls of c.
func PersonChangeEvents(c PersonChanges) Handler {
	return func(ctx context.Context, _ pgx.Tx, ev *eventsv1.Event) error {
		if ev.GetType() != events.BeneficiaryUpdated {
			return nil
		}
		return c.BeneficiaryChanged(ctx, ev.GetAggregateId(), Strs(ev, "fields"))
	}
}

// ConsentEventTypes are the beneficiaries feed's events ConsentEvents applies.
var ConsentEventTypes = []string{events.ConsentWithdrawn, events.ConsentExpired}

// Reasons what was shared under a consent ends with (ConsentHolder).
const (
	ReasonConsentWithdrawn = "CONSENT_WITHDRAWN"
	ReasonConsentExpired   = "CONSENT_EXPIRED"
)

// ConsentHolder is implemented by a service that holds what was shared
// under a consent (the referrals sent under a referral_sharing consent): the
// beneficiaries service ends the access grants in the consent's own
// transaction; the holder ends the rest when the event reaches it.
type ConsentHolder interface {
	// ConsentEnded ends what was shared under the consent, for reason
	// ReasonConsentWithdrawn or ReasonConsentExpired. It is called in the
	// consumer's transaction and must be idempotent.
	ConsentEnded(ctx context.Context, consentID, reason string) error
}

// ConsentEvents translates consent.withdrawn and consent.expired into calls
// of c.
func ConsentEvents(c ConsentHolder) Handler {
	return func(ctx context.Context, _ pgx.Tx, ev *eventsv1.Event) error {
		switch ev.GetType() {
		case events.ConsentWithdrawn:
			return c.ConsentEnded(ctx, ev.GetAggregateId(), ReasonConsentWithdrawn)
		case events.ConsentExpired:
			return c.ConsentEnded(ctx, ev.GetAggregateId(), ReasonConsentExpired)
		}
		return nil
	}
}

// SharedCopies is implemented by a service that keeps copies of what
// organisations other than the person's own read about a person (the
// edge's stored responses): they go when a consent of the person ends.
type SharedCopies interface {
	// ForgetShared deletes the copies naming beneficiaryID kept for any
	// organisation but ownerID (the one that registered the person): those
	// whose access the consent's end ended, and those whose access ended
	// before it (the receiver of a referral already closed), which the
	// event does not name. It is called in the consumer's transaction and
	// must be idempotent.
	ForgetShared(ctx context.Context, beneficiaryID, ownerID string) error
}

// SharedEvents translates consent.withdrawn and consent.expired into calls
// of c: the event names the registering organisation first
// (events.ConsentWithdrawn).
func SharedEvents(c SharedCopies) Handler {
	return func(ctx context.Context, _ pgx.Tx, ev *eventsv1.Event) error {
		switch ev.GetType() {
		case events.ConsentWithdrawn, events.ConsentExpired:
			if orgs := ev.GetOrganisationIds(); len(orgs) > 0 {
				return c.ForgetShared(ctx, Str(ev, "beneficiary_id"), orgs[0])
			}
		}
		return nil
	}
}

// RegistrationCopies is implemented by a service that keeps copies of
// training registrations (the edge's stored responses, which hold a
// professional's name and e-mail): a deleted registration's go with it.
type RegistrationCopies interface {
	// ForgetRegistrations deletes the copies naming the deleted
	// participants. It is called in the consumer's transaction and must
	// be idempotent.
	ForgetRegistrations(ctx context.Context, participantIDs []string) error
}

// RegistrationEventTypes are the trainings feed's events RegistrationEvents
// applies.
var RegistrationEventTypes = []string{events.ParticipantDeleted}

// RegistrationEvents translates participant.deleted into calls of c.
func RegistrationEvents(c RegistrationCopies) Handler {
	return func(ctx context.Context, _ pgx.Tx, ev *eventsv1.Event) error {
		if ev.GetType() == events.ParticipantDeleted {
			return c.ForgetRegistrations(ctx, []string{ev.GetAggregateId()})
		}
		return nil
	}
}

// AssistanceHolder is implemented by a service whose records name
// assistance records of the beneficiaries service (a completed referral's
// outcome): it is told when one is voided, and when a voided one is
// replaced by its correction.
type AssistanceHolder interface {
	// AssistanceVoided is told that assistanceID, answering referralID,
	// was voided at at for reason (a void reason code).
	AssistanceVoided(ctx context.Context, referralID, assistanceID, reason string, at time.Time) error
	// AssistanceCorrected is told that assistanceID, answering
	// referralID, corrects correctsID, voided.
	AssistanceCorrected(ctx context.Context, referralID, correctsID, assistanceID string) error
}

// AssistanceEventTypes are the beneficiaries feed's events
// AssistanceEvents applies.
var AssistanceEventTypes = []string{events.AssistanceVoided, events.AssistanceCorrected}

// AssistanceEvents translates assistance.voided and assistance.corrected
// of records answering a referral into calls of h. Both are called in the
// consumer's transaction and must be idempotent. A void event without its
// void_time (emitted by an older release) is taken at its commit time.
func AssistanceEvents(h AssistanceHolder) Handler {
	return func(ctx context.Context, _ pgx.Tx, ev *eventsv1.Event) error {
		referral := Str(ev, "referral_id")
		if referral == "" {
			return nil
		}
		switch ev.GetType() {
		case events.AssistanceVoided:
			at, err := time.Parse(time.RFC3339Nano, Str(ev, "void_time"))
			if err != nil {
				at = ev.GetCreateTime().AsTime()
			}
			return h.AssistanceVoided(ctx, referral, ev.GetAggregateId(), Str(ev, "reason_code"), at)
		case events.AssistanceCorrected:
			return h.AssistanceCorrected(ctx, referral, Str(ev, "corrects_id"), ev.GetAggregateId())
		}
		return nil
	}
}

// Handlers applies each event with every one of hs, in order: one consumer
// (one cursor) of a feed serving several concerns.
func Handlers(hs ...Handler) Handler {
	return func(ctx context.Context, tx pgx.Tx, ev *eventsv1.Event) error {
		for _, h := range hs {
			if err := h(ctx, tx, ev); err != nil {
				return err
			}
		}
		return nil
	}
}
