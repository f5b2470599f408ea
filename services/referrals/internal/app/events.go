package app

import (
	"context"
	"slices"
	"time"

	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/services/referrals/internal/domain"
)

// transitionEvents names the event of each action.
var transitionEvents = map[domain.Action]string{
	domain.Send:     events.ReferralSent,
	domain.Accept:   events.ReferralAccepted,
	domain.Decline:  events.ReferralDeclined,
	domain.Start:    events.ReferralStarted,
	domain.Complete: events.ReferralCompleted,
	domain.Cancel:   events.ReferralCancelled,
}

// eventOf is the type of the event of action c moving a referral from
// status from: a cancelled draft's is its own (referral.draft_cancelled),
// so that no consumer tells its receiver, who never saw it, of a
// referral.cancelled.
func eventOf(c domain.Action, from string) string {
	if c == domain.Cancel && from == domain.StatusDraft {
		return events.ReferralDraftCancelled
	}
	return transitionEvents[c]
}

// referralEvent is event typ of r, which moved from status from ("" for a
// new draft). A draft concerns only its sender; a sent referral both parties.
func referralEvent(typ string, r *domain.Referral, from string) events.Event {
	data := map[string]any{
		"referral_id": r.ID, "beneficiary_id": r.BeneficiaryID,
		"from_organisation_id": r.FromOrganisationID, "to_organisation_id": r.ToOrganisationID,
		"category": r.Category, "urgency": r.Urgency, "status": r.Status,
	}
	opt := map[string]string{"to_service_id": r.ToServiceID, "project_id": r.ProjectID, "from_status": from,
		"outcome_code": r.OutcomeCode, "assistance_id": r.AssistanceID, "assistance_void_reason_code": r.AssistanceVoidReason}
	if due := r.Due(); !due.IsZero() { // a draft is due nowhere
		opt["due_time"] = events.Time(due)
	}
	if r.Ended() && r.CloseReason == r.EndReason {
		// Closed by the system's end (domain.Referral.End), not by a
		// party whose reason reads like one of its codes.
		opt["close_reason_code"] = r.CloseReason
	}
	for k, v := range opt {
		if v != "" {
			data[k] = v
		}
	}
	return events.Event{Type: typ, AggregateType: events.AggregateReferral, AggregateID: r.ID, OrganisationIDs: concerned(r), Data: data}
}

// concerned are the organisations an event of r concerns: a draft only its
// sender (the receiver never saw it), also once the sender cancelled it; a
// sent referral both parties.
func concerned(r *domain.Referral) []string {
	if r.Status == domain.StatusDraft || !r.WasSent() {
		return []string{r.FromOrganisationID}
	}
	return []string{r.FromOrganisationID, r.ToOrganisationID}
}

// ForgetBeneficiary removes the personal data of erased beneficiaries from
// their referrals (a beneficiary.erased event) and ends them: the
// beneficiaries are recorded as erased first, so a referral about them is
// no longer created (also one whose create is under way: it waits for
// this and is refused), and once the transitions of their referrals under
// way have committed, their open referrals are cancelled with
// ReasonBeneficiaryErased as ConsentEnded cancels them (close reason and
// event note, referral.cancelled), every referral of theirs records that
// reason as its end, so no party can act on it (and write text about the
// person) any more, and reasons, notes, outcome notes, free-text close
// reasons and transition notes are wiped. Status, dates, category,
// urgency, organisations and the aggregate dimensions stay, so report
// counts by stage do not change. Each referral whose text was wiped emits
// referral.redacted. It runs in the transaction ctx carries; a repeat
// changes nothing.
func (a *App) ForgetBeneficiary(ctx context.Context, beneficiaryIDs []string) error {
	var valid []string
	for _, id := range beneficiaryIDs {
		if id = ids.Normalize(id); ids.Valid(id) {
			valid = append(valid, id)
		}
	}
	if len(valid) == 0 {
		return nil
	}
	open, err := a.repo.ForgetBeneficiaries(ctx, valid)
	if err != nil {
		return err
	}
	if err := a.endAll(ctx, open, domain.ReasonBeneficiaryErased); err != nil {
		return err
	}
	if err := a.repo.MarkErased(ctx, valid); err != nil {
		return err
	}
	changed, err := a.repo.RedactBeneficiary(ctx, valid)
	if err != nil {
		return err
	}
	evs := make([]events.Event, len(changed))
	for i, r := range changed {
		evs[i] = events.Event{Type: events.ReferralRedacted, AggregateType: events.AggregateReferral, AggregateID: r.ID,
			OrganisationIDs: concerned(r),
			Data:            map[string]any{"referral_id": r.ID, "beneficiary_id": r.BeneficiaryID}}
	}
	return a.repo.Emit(ctx, evs...)
}

// endAll cancels the open referrals rows for reason (domain.Referral.End),
// as the system: the reason is their close reason and the note of their
// transition, whose actor is the system (client domain.SystemClientID, no
// organisation: neither party did it), so both parties see why; and the
// receiver's access is recorded as revoked (the beneficiaries service
// ended it).
func (a *App) endAll(ctx context.Context, rows []*domain.Referral, reason string) error {
	now := a.now()
	for _, r := range rows {
		next := *r
		from, ok := next.End(reason, now)
		if !ok {
			continue
		}
		ev := domain.Event{ReferralID: r.ID, FromStatus: from, ToStatus: next.Status,
			ActorClientID: domain.SystemClientID, Note: reason}
		if _, err := a.repo.Transition(ctx, &next, r.Version, ev, AccessRevoked, func(stored *domain.Referral) events.Event {
			return referralEvent(events.ReferralCancelled, stored, from)
		}); err != nil {
			return err
		}
	}
	return nil
}

// MoveBeneficiary points the referrals of a merged beneficiary at the
// survivor (a beneficiary.merged event), so that they read and count as
// the one person: in the age band of the survivor's birth year, as the
// persons assisted count them (their bands are taken again,
// RestampAgeBands).
func (a *App) MoveBeneficiary(ctx context.Context, from, to string) error {
	from, to = ids.Normalize(from), ids.Normalize(to)
	if !ids.Valid(from) || !ids.Valid(to) || from == to {
		return nil
	}
	if _, err := a.repo.RepointBeneficiary(ctx, from, to); err != nil {
		return err
	}
	return a.repo.MarkAgeBandsStale(ctx, []string{to})
}

// ageFields are the fields of a beneficiary's record a referral's age band
// is taken from (the birth year, which a birth date sets).
var ageFields = []string{"birth_year", "birth_date"}

// BeneficiaryChanged takes again the age bands of the person's sent
// referrals when their birth year changed (a beneficiary.updated event):
// an estimate corrected from a document moves the referrals into the band
// the persons assisted count the person in, so a person is in one band
// in every metric of a report. The bands are taken by RestampAgeBands.
func (a *App) BeneficiaryChanged(ctx context.Context, beneficiaryID string, fields []string) error {
	id := ids.Normalize(beneficiaryID)
	if !ids.Valid(id) || !slices.ContainsFunc(fields, func(f string) bool { return slices.Contains(ageFields, f) }) {
		return nil
	}
	return a.repo.MarkAgeBandsStale(ctx, []string{id})
}

// AssistanceVoided records that the assistance record the outcome of
// referralID names was voided at at for reason (the beneficiaries
// service's assistance.voided), as a new version of the referral, and
// tells its parties (referral.outcome_changed). A void of another record
// (one recorded before the completion, or a completion's that failed)
// changes nothing. Runs in the consumer's transaction; a repeat changes
// nothing.
func (a *App) AssistanceVoided(ctx context.Context, referralID, assistanceID, reason string, at time.Time) error {
	if !ids.Valid(referralID) || !ids.Valid(assistanceID) {
		return nil
	}
	r, err := a.repo.OutcomeAssistanceVoided(ctx, ids.Normalize(referralID), ids.Normalize(assistanceID), reason, at)
	return a.outcomeChanged(ctx, r, err)
}

// AssistanceCorrected makes the outcome of referralID, whose record
// correctsID was voided, name assistanceID, its receiver's correction
// (assistance.corrected), as a new version, and tells its parties
// (referral.outcome_changed). Runs in the consumer's transaction; a repeat
// changes nothing.
func (a *App) AssistanceCorrected(ctx context.Context, referralID, correctsID, assistanceID string) error {
	if !ids.Valid(referralID) || !ids.Valid(correctsID) || !ids.Valid(assistanceID) {
		return nil
	}
	r, err := a.repo.OutcomeAssistanceCorrected(ctx, ids.Normalize(referralID), ids.Normalize(correctsID), ids.Normalize(assistanceID))
	return a.outcomeChanged(ctx, r, err)
}

// outcomeChanged emits referral.outcome_changed for r, when changed.
func (a *App) outcomeChanged(ctx context.Context, r *domain.Referral, err error) error {
	if err != nil || r == nil {
		return err
	}
	return a.repo.Emit(ctx, referralEvent(events.ReferralOutcomeChanged, r, ""))
}

// ConsentEnded cancels every open referral sent under the consent, because
// it was withdrawn or expired (reason CONSENT_WITHDRAWN or CONSENT_EXPIRED):
// the reason is the referral's close reason and the note of its
// transition, so both parties see why, and records the consent's end on it
// (End). It then records the consent's end on the other
// referrals sent under it, closed ones included, so that no receiver
// sees the personal data shared under it any more (domain.Referral.ViewFor).
// The beneficiaries service already ended the receiver's access grant in
// the consent's own transaction. Runs in the transaction ctx carries (the
// consumer's); a referral already closed keeps its status, and a repeat
// changes nothing.
func (a *App) ConsentEnded(ctx context.Context, consentID, reason string) error {
	if consentID = ids.Normalize(consentID); !ids.Valid(consentID) {
		return nil
	}
	// Recorded first: a send under the consent under way now commits
	// first and is found below, a later one is refused.
	if err := a.repo.EndConsent(ctx, consentID, reason); err != nil {
		return err
	}
	rows, err := a.repo.OpenReferralsUnderConsent(ctx, consentID)
	if err != nil {
		return err
	}
	if err := a.endAll(ctx, rows, reason); err != nil {
		return err
	}
	return a.repo.MarkConsentEnded(ctx, consentID, reason)
}
