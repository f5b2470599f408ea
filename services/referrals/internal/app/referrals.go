package app

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/audit"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/logging"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/services/referrals/internal/domain"
)

// CreateReferral drafts a referral of a beneficiary the caller can see to
// another organisation in the directory (and, optionally, one of its
// services that accepts referrals).
func (a *App) CreateReferral(ctx context.Context, p audit.Actor, r *domain.Referral, requestID string) (*domain.Referral, error) {
	if err := r.Validate(p.OrganisationID); err != nil {
		return nil, err
	}
	r.Prepare(p.OrganisationID, a.now().In(a.zone))
	if _, err := a.repo.GetOrganisation(ctx, r.ToOrganisationID); err != nil {
		return nil, notInDirectory(err, "referral.to_organisation_id", "organisation", r.ToOrganisationID)
	}
	if r.ToServiceID != "" {
		if err := a.serviceTakes(ctx, r); err != nil {
			return nil, err
		}
	}
	if r.ProjectID != "" {
		if err := a.projects.CheckTag(ctx, r.ProjectID); err != nil {
			return nil, err
		}
	}
	view, err := a.beneficiaries.View(ctx, r.BeneficiaryID)
	if err != nil {
		return nil, err
	}
	if !view.Owned {
		return nil, errs.PermissionDenied("only the organisation that registered a beneficiary may refer them")
	}
	if view.Erased {
		return nil, erased(r.BeneficiaryID)
	}
	if r.ConsentID != "" {
		if err := a.namesLiveConsent(ctx, r); err != nil {
			return nil, err
		}
	}
	out, err := a.repo.CreateReferral(ctx, r, p.ClientID, requestID, referralEvent(events.ReferralCreated, r, ""))
	if err != nil {
		return nil, err
	}
	if out.ID != r.ID && !out.SameRequest(r) {
		// Not a retry: another referral (maybe about another person) must
		// not be answered as if this one were made.
		return nil, errs.RequestIDReused("make referral " + out.ID + " with other data")
	}
	return a.shown(ctx, p, "referral.create", out), nil
}

// Audit of the personal data a referral holds: every response that carries
// it is recorded in the beneficiaries' audit log first (see record).
var (
	referralFields = []string{"referral.reason", "referral.notes", "referral.close_reason", "referral.outcome_note"}
	eventFields    = []string{"referral_event.note"}
)

// record writes one audit record per referral in rows for p doing action,
// before the data is returned; if the log cannot be written, the request
// fails (UNAVAILABLE) and nothing is returned.
func (a *App) record(ctx context.Context, p audit.Actor, action string, fields []string, rows ...*domain.Referral) error {
	if len(rows) == 0 {
		return nil
	}
	reads := make([]Read, len(rows))
	for i, r := range rows {
		reads[i] = Read{BeneficiaryID: r.BeneficiaryID, ReferralID: r.ID}
	}
	return a.audit.Record(ctx, p, action, fields, reads)
}

// shown returns r, just changed by p, as the response shows it: with its
// personal data once the read is recorded. The change itself is committed,
// so if the audit log cannot be written the response still succeeds, but
// without the personal data (read the referral again later).
func (a *App) shown(ctx context.Context, p audit.Actor, action string, r *domain.Referral) *domain.Referral {
	r.ViewFor(p.OrganisationID, a.now())
	if err := a.record(ctx, p, action, referralFields, r); err != nil {
		a.log.WarnContext(ctx, "audit log unavailable; answering without personal data",
			slog.String("referral_id", r.ID), logging.Err(err))
		r.WithoutPersonalData()
	}
	return r
}

// GetReferral returns a referral the caller sent or received.
func (a *App) GetReferral(ctx context.Context, p audit.Actor, id string) (*domain.Referral, error) {
	r, err := a.referral(ctx, p, id)
	if err != nil {
		return nil, err
	}
	return r, a.record(ctx, p, "referral.read", referralFields, r)
}

// referral returns a referral the caller sent or received as it may see it
// (see domain.Referral.ViewFor), without recording a read.
func (a *App) referral(ctx context.Context, p audit.Actor, id string) (*domain.Referral, error) {
	if err := ids.Check("id", id); err != nil {
		return nil, err
	}
	r, err := a.repo.GetReferral(ctx, p.OrganisationID, ids.Normalize(id))
	if err != nil {
		return nil, err
	}
	r.ViewFor(p.OrganisationID, a.now())
	return r, nil
}

// listKey is the kind of key of the referral list (see pagination.Key).
var listKey = pagination.Key(func(s string) bool { _, ok := domain.ParseListKey(s); return ok })

// ListReferrals lists referrals the caller sent or received, newest first
// (by domain.Referral.ListTime: sent ones by when they were sent).
func (a *App) ListReferrals(ctx context.Context, p audit.Actor, f domain.ReferralFilter, size int32, token string) ([]*domain.Referral, string, error) {
	if err := f.Validate(); err != nil {
		return nil, "", err
	}
	page, err := pagination.Parse(size, token, listKey, p.OrganisationID, pagination.Fingerprint(f.Direction, f.Status, f.Category, f.Overdue.Fingerprint()))
	if err != nil {
		return nil, "", err
	}
	rows, err := a.repo.ListReferrals(ctx, p.OrganisationID, f, a.now(), page)
	if err != nil {
		return nil, "", err
	}
	rows, next := pagination.Next(page, rows, func(r *domain.Referral) string { return r.ListKey().String() })
	for _, r := range rows {
		r.ViewFor(p.OrganisationID, a.now())
	}
	return rows, next, a.record(ctx, p, "referral.list", referralFields, rows...)
}

// ListEvents lists the transitions of a referral the caller can see.
func (a *App) ListEvents(ctx context.Context, p audit.Actor, referralID string, size int32, token string) ([]domain.Event, string, error) {
	// Named as the request names it (GET /v1/referrals/{referral_id}/events).
	if err := ids.Check("referral_id", referralID); err != nil {
		return nil, "", err
	}
	// The token first: another organisation's is refused as such, before
	// the referral is looked for.
	page, err := pagination.Parse(size, token, pagination.IntKey, p.OrganisationID, pagination.Fingerprint(ids.Normalize(referralID)))
	if err != nil {
		return nil, "", err
	}
	r, err := a.referral(ctx, p, referralID)
	if err != nil {
		return nil, "", err
	}
	rows, err := a.repo.ListEvents(ctx, r.ID, page)
	if err != nil {
		return nil, "", err
	}
	rows, next := pagination.Next(page, rows, func(e domain.Event) string { return strconv.FormatInt(e.ID, 10) })
	for i := range rows {
		r.EventViewFor(p.OrganisationID, a.now(), &rows[i])
	}
	return rows, next, a.record(ctx, p, "referral.events", eventFields, r)
}

// Transition moves a referral along the state machine.
//
// Sending checks the consent and grants the receiver access before the new
// state is committed, so a referral is never sent without the receiver's
// access: if the beneficiaries service fails, the referral stays a draft and
// the error (UNAVAILABLE for an outage) goes back to the caller; the grant is
// idempotent, so a retry is safe. Closing commits first and then revokes the
// grant; a revocation that fails is left pending and retried by
// RevokePending.
func (a *App) Transition(ctx context.Context, p audit.Actor, id string, c domain.Command) (*domain.Referral, error) {
	if err := ids.Check("id", id); err != nil {
		return nil, err
	}
	r, err := a.repo.GetReferral(ctx, p.OrganisationID, ids.Normalize(id))
	if err != nil {
		return nil, err
	}
	if r.Ended() {
		return nil, ended(r)
	}
	if again, err := a.repeats(ctx, p, c, r); err != nil || again {
		// An action retried after its answer was lost: answered as it
		// was, nothing changed.
		return a.repeated(ctx, p, r, err)
	}
	// An action the referral's state or the caller's side rules out is
	// refused as such before its fields are checked: filling them in
	// would not make it legal, nor the caller's.
	if err := domain.Allowed(r.Status, c.Action, r.PartyOf(p.OrganisationID)); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	version, now := r.Version, a.now().In(a.zone)
	next := *r
	from, err := next.Apply(c, next.PartyOf(p.OrganisationID), now)
	if err != nil {
		return nil, err
	}
	if c.Action.Continues() {
		// The receiver goes on working with the person only while the
		// consent the referral was sent under holds: asked live, now.
		if err := a.receiverMayAct(ctx, p, r); err != nil {
			return nil, err
		}
	}
	var delivered *domain.Assistance
	if c.Assistance != nil {
		rec, err := r.Delivered(*c.Assistance)
		if err != nil {
			return nil, err
		}
		delivered = &rec
	}
	if c.Action == domain.Send && r.ProjectID != "" {
		// A referral counts in its project's figures once sent, not as a
		// draft: the sender must still be one that may tag records with
		// the project (not taken off it, nor made a funder since).
		if err := a.projects.CheckTag(ctx, r.ProjectID); err != nil {
			return nil, err
		}
	}
	if c.Action == domain.Send && r.ToServiceID != "" {
		// The service may have stopped accepting referrals since the
		// draft was made.
		if err := a.serviceTakes(ctx, r); err != nil {
			return nil, err
		}
	}
	access := AccessNone
	switch {
	case c.Action == domain.Send:
		if err := a.share(ctx, &next, now); err != nil {
			return nil, err
		}
		access = AccessGranted
	case domain.Closed(next.Status) && domain.Open(from):
		access = AccessRevokePending
	}
	ev := domain.Event{ReferralID: r.ID, FromStatus: from, ToStatus: next.Status,
		ActorOrganisationID: p.OrganisationID, ActorClientID: p.ClientID, Note: c.Note}
	var out *domain.Referral
	commit := func(ctx context.Context) (err error) {
		out, err = a.repo.Transition(ctx, &next, version, ev, access, func(stored *domain.Referral) events.Event {
			return referralEvent(eventOf(c.Action, from), stored, from)
		})
		return err
	}
	if delivered != nil {
		err = a.completeWith(ctx, &next, version, *delivered, commit)
	} else {
		err = commit(ctx)
	}
	if err != nil {
		if c.Action == domain.Send {
			a.undoGrant(ctx, p, r)
		}
		if errs.KindOf(err) == errs.KindAborted {
			// Changed meanwhile: if it ended for good (the person was
			// erased, the consent ended), that is why.
			cur, gerr := a.repo.GetReferral(ctx, p.OrganisationID, r.ID)
			if gerr == nil && cur.Ended() {
				return nil, ended(cur)
			}
			if gerr == nil {
				if again, rerr := a.repeats(ctx, p, c, cur); rerr != nil || again {
					// The same action, sent again while the first
					// was under way, which committed it.
					return a.repeated(ctx, p, cur, rerr)
				}
				// Moved on meanwhile where the action no longer leads
				// (a cancel after the completion that won, a
				// completion after the cancel): illegal now, whatever
				// the etag.
				if err := domain.Allowed(cur.Status, c.Action, cur.PartyOf(p.OrganisationID)); err != nil {
					return nil, err
				}
				if cur.Version == version {
					// Not changed: a completion under way holds it
					// (completeWith); its etag is not stale.
					return nil, errs.ConcurrentUpdate(err)
				}
			}
			if c.Etag == "" {
				// The caller sent no etag, so none of its is stale: its
				// change ran into another (the other party's, a merge),
				// and the same call may succeed, or say why not, when
				// retried.
				return nil, errs.ConcurrentUpdate(err)
			}
		}
		return nil, err
	}
	if access == AccessRevokePending {
		if err := a.revoke(ctx, out); err != nil {
			a.log.WarnContext(ctx, "revoking referral access failed; will retry",
				slog.String("referral_id", out.ID), logging.Err(err))
		}
	}
	return a.shown(ctx, p, "referral."+string(c.Action), out), nil
}

// repeats reports whether c, taken by p, is the action that took r where
// it is sent again (domain.Referral.Repeats), reading the transition that
// did only when c is that action of p's side.
func (a *App) repeats(ctx context.Context, p audit.Actor, c domain.Command, r *domain.Referral) (bool, error) {
	party := r.PartyOf(p.OrganisationID)
	if !r.TakenBy(c.Action, party) {
		return false, nil
	}
	last, err := a.repo.LastEvent(ctx, r.ID)
	if err != nil {
		return false, err
	}
	return r.Repeats(c, party, last)
}

// repeated answers a retry of the action that took r where it is
// (repeats) with r as it is, or err. Nothing changed, so its answer is
// recorded as a read of r (referral.read), not as the action again.
func (a *App) repeated(ctx context.Context, p audit.Actor, r *domain.Referral, err error) (*domain.Referral, error) {
	if err != nil {
		return nil, err
	}
	return a.shown(ctx, p, "referral.read", r), nil
}

// completionClaim bounds how long a completion keeps other transitions of
// its referral off while it records the assistance (completeWith): longer
// than the call to the beneficiaries service may take.
const completionClaim = time.Minute

// completeWith records the assistance delivered answering r (moved to
// completed from version) and then commits the completion (commit). The
// referral decides between the completion and what races it (the
// sender's cancel, the consent's end): it is claimed for the completion
// before the assistance is recorded, so a cancel that committed first
// leaves nothing recorded (the claim finds the referral changed), and one
// that comes later is refused until the completion has committed, and
// then finds it completed. No database connection is kept while the
// beneficiaries service records it (which may read this service's
// directory). Recorded while the receiver's grant is live, under one
// request id, and kept on the referral (SetUncommittedAssistance) before
// the commit, which forgets it. When the commit fails after the record was
// made, the record is voided (reason completion_failed) while the claim
// still holds, so that a referral cancelled next leaves no assistance
// counted for it, and the void frees the request id, so a retry records it
// again. Should the void fail too (the beneficiaries service unreachable),
// the record kept on the referral is voided by VoidUncommitted once it can
// be; until then a retry finds the same record instead of making another.
func (a *App) completeWith(ctx context.Context, r *domain.Referral, version int64, delivered domain.Assistance, commit func(context.Context) error) error {
	claim, err := a.repo.ClaimCompletion(ctx, r.ID, version, completionClaim)
	if err != nil {
		return err
	}
	id, err := a.beneficiaries.RecordAssistance(ctx, r.BeneficiaryID, delivered, domain.AssistanceRequestID(r.ID))
	if err == nil {
		r.AssistanceID = id
		if err = a.repo.SetUncommittedAssistance(ctx, r.ID, id); err == nil {
			if err = commit(ctx); err == nil {
				return nil
			}
		}
	}
	// Failed: the others may act again at once (also when the caller
	// went away).
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), undoTimeout)
	defer cancel()
	if r.AssistanceID != "" {
		cur, verr := a.repo.GetReferral(rctx, r.ToOrganisationID, r.ID)
		if verr == nil {
			verr = a.voidUncommitted(rctx, cur, r.AssistanceID)
		}
		if verr != nil {
			a.log.WarnContext(ctx, "voiding the assistance of a failed completion failed; will retry",
				slog.String("referral_id", r.ID), slog.String("assistance_id", r.AssistanceID), logging.Err(verr))
		}
	}
	if rerr := a.repo.ReleaseCompletion(rctx, r.ID, claim); rerr != nil {
		a.log.WarnContext(ctx, "releasing a failed completion's claim; it lapses by itself",
			slog.String("referral_id", r.ID), logging.Err(rerr))
	}
	return err
}

// voidUncommitted voids assistance id, recorded for referral cur (as it
// is now) by a completion whose commit failed, unless the completion
// committed after all (the failure was the answer's, not the commit's):
// then cur names it. Either way the record is forgotten on cur. Acting
// for cur's receiver, which recorded it. A record no longer found (the
// person erased) has nothing left to void.
func (a *App) voidUncommitted(ctx context.Context, cur *domain.Referral, id string) error {
	if cur.Status != domain.StatusCompleted || cur.AssistanceID != id {
		if err := a.beneficiaries.VoidAssistance(ctx, id, "completion_failed"); err != nil && !errors.Is(err, errs.ErrNotFound) {
			return err
		}
	}
	return a.repo.ClearUncommittedAssistance(ctx, cur.ID, id)
}

// VoidUncommitted retries the voids of the assistance recorded by
// completions whose commit failed and whose own void failed too (kept on
// their referrals); it returns how many it settled. Each referral is
// claimed as a completion claims it, so that a completion retried
// meanwhile either committed first (the referral names the record, which
// stays) or is refused while the void runs (CONCURRENT_UPDATE) and, retried
// again, records the assistance anew.
func (a *App) VoidUncommitted(ctx context.Context) (int, error) {
	rows, err := a.repo.UncommittedAssistances(ctx, 100)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, u := range rows {
		claim, err := a.repo.ClaimCompletion(ctx, u.Referral.ID, u.Referral.Version, completionClaim)
		if errs.KindOf(err) == errs.KindAborted {
			continue // changed or claimed since it was read: a later pass
		}
		if err != nil {
			return n, err
		}
		actx, err := a.actor.As(ctx, u.Referral.ToOrganisationID)
		if err == nil {
			err = a.voidUncommitted(actx, u.Referral, u.AssistanceID)
		}
		if err != nil {
			a.log.WarnContext(ctx, "voiding the assistance of a failed completion failed; will retry",
				slog.String("referral_id", u.Referral.ID), slog.String("assistance_id", u.AssistanceID), logging.Err(err))
		} else {
			n++
		}
		if err := a.repo.ReleaseCompletion(ctx, u.Referral.ID, claim); err != nil {
			return n, err
		}
	}
	return n, nil
}

// namesLiveConsent checks that the consent a draft r names is the one it
// is to be sent under: the person's live referral_sharing consent (share
// takes that one when sending), not a photo or withdrawn consent, nor
// another person's, which the draft would show as the consent it was made
// under.
func (a *App) namesLiveConsent(ctx context.Context, r *domain.Referral) error {
	c, err := a.beneficiaries.ReferralConsent(ctx, r.BeneficiaryID)
	if err != nil {
		return err
	}
	var v errs.Violations
	switch {
	case !c.LiveAt(a.now()):
		v.Add("referral.consent_id", "the beneficiary has no live referral_sharing consent: leave it empty, and record one before sending")
	case c.ID != r.ConsentID:
		v.Add("referral.consent_id", "must be the beneficiary's live referral_sharing consent %s, or empty (sending takes that one)", c.ID)
	}
	return v.Err()
}

// serviceTakes checks that the directory service r names takes a referral
// to r's receiver now (domain.Service.TakesReferralTo).
func (a *App) serviceTakes(ctx context.Context, r *domain.Referral) error {
	s, err := a.repo.GetService(ctx, r.ToServiceID)
	if err != nil {
		return notInDirectory(err, "referral.to_service_id", "service", r.ToServiceID)
	}
	return s.TakesReferralTo(r.ToOrganisationID)
}

// notInDirectory makes the directory's not found for the id a request's
// field names (what: an organisation or a service) a violation of that
// field: the request's mistake, not a resource the route lacks. Other
// errors pass as they are.
func notInDirectory(err error, field, what, id string) error {
	if !errors.Is(err, errs.ErrNotFound) {
		return err
	}
	var v errs.Violations
	v.Add(field, "the directory has no %s %s (GET /v1/%ss lists them)", what, id, what)
	return v.Err()
}

// ended says why nothing can be done any more with r, whichever side asks.
func ended(r *domain.Referral) error {
	if r.EndReason == domain.ReasonBeneficiaryErased {
		return errs.FailedPrecondition(r.EndReason, "referral %s ended because the person it is about was erased", r.ID)
	}
	return errs.FailedPrecondition(r.EndReason,
		"referral %s ended because the consent it was sent under ended (%s)", r.ID, r.EndReason)
}

// erased refuses to refer beneficiary id, who was erased.
func erased(id string) error {
	return errs.FailedPrecondition(domain.ReasonBeneficiaryErased, "beneficiary %s was erased", id)
}

// receiverMayAct checks, with the beneficiaries service, that the caller's
// grant made for referral r is live: FAILED_PRECONDITION with the reason it
// ended (CONSENT_WITHDRAWN, CONSENT_EXPIRED, ...) otherwise.
func (a *App) receiverMayAct(ctx context.Context, p audit.Actor, r *domain.Referral) error {
	st, err := a.beneficiaries.GrantState(ctx, r.BeneficiaryID, r.ID)
	if errors.Is(err, errs.ErrNotFound) {
		st, err = GrantState{EndedReason: "GRANT_REVOKED"}, nil
	}
	if err != nil || st.Live {
		return err
	}
	return errs.FailedPrecondition(st.EndedReason,
		"access to the beneficiary of referral %s has ended (%s); the referral can no longer be worked on", r.ID, st.EndedReason)
}

// share checks the beneficiary's referral_sharing consent, takes the
// snapshot of its dimensions and grants the receiver access.
func (a *App) share(ctx context.Context, r *domain.Referral, now time.Time) error {
	view, err := a.beneficiaries.View(ctx, r.BeneficiaryID)
	if err != nil {
		return err
	}
	if view.Erased {
		return erased(r.BeneficiaryID)
	}
	consent, err := a.beneficiaries.ReferralConsent(ctx, r.BeneficiaryID)
	if err != nil {
		return err
	}
	if !consent.LiveAt(now) {
		return errs.FailedPrecondition(domain.ReasonConsentRequired,
			"the beneficiary has no live referral_sharing consent; record one before sending")
	}
	r.ConsentID, r.ConsentExpireTime = consent.ID, consent.Expires
	r.Snapshot = domain.Snapshot{
		Sex: view.Sex,
		// The age reached, from the birth year, in the year of the day
		// it is sent (in the report time zone), as every count by age.
		AgeBand:      aggregate.AgeBandInYear(view.BirthYear, aggregate.Today(a.zone, now)),
		LegalStatus:  view.LegalStatus,
		Municipality: view.Municipality,
	}
	return a.beneficiaries.GrantAccess(ctx, Grant{
		BeneficiaryID: r.BeneficiaryID,
		Grantee:       r.ToOrganisationID,
		SourceID:      r.ID,
		Reason:        "referral " + r.ID + " (" + r.Category + ")",
		Expires:       consent.Expires,
		ConsentID:     consent.ID,
	})
}

// undoGrant revokes the grant of a send whose commit failed, unless the
// referral was sent meanwhile (a concurrent send of the same referral shares
// the same idempotent grant). It runs to its end when the send failed
// because its caller went away (the client left, the call's deadline
// passed): the grant must not outlive a send never committed.
func (a *App) undoGrant(ctx context.Context, p audit.Actor, r *domain.Referral) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), undoTimeout)
	defer cancel()
	cur, err := a.repo.GetReferral(ctx, p.OrganisationID, r.ID)
	if err != nil || cur.Status != domain.StatusDraft {
		return
	}
	if err := a.beneficiaries.RevokeAccess(ctx, r.BeneficiaryID, r.ID); err != nil {
		a.log.WarnContext(ctx, "undoing the grant of a failed send", slog.String("referral_id", r.ID), logging.Err(err))
	}
}

// undoTimeout bounds undoGrant once its caller has gone.
const undoTimeout = 10 * time.Second

// revoke ends the receiver's access granted by r, acting for the sender
// (whose beneficiary it is), and records it.
func (a *App) revoke(ctx context.Context, r *domain.Referral) error {
	actx, err := a.actor.As(ctx, r.FromOrganisationID)
	if err != nil {
		return err
	}
	if err := a.beneficiaries.RevokeAccess(actx, r.BeneficiaryID, r.ID); err != nil && !errors.Is(err, errs.ErrNotFound) {
		return err
	}
	return a.repo.SetAccess(ctx, r.ID, AccessRevoked)
}

// RestampAgeBands takes again the age band of up to 100 stale referrals
// (StaleAgeBands: sent before the age was taken from the birth year alone,
// or before the person's birth year was corrected or their record
// merged): the band of the age the person reaches, from the birth year,
// in the year of the day the referral was sent, as the beneficiaries
// service gives it to the sender now (an erased person keeps the birth
// year). A referral whose
// person the sender can no longer read (merged away, not found) keeps its
// band. It returns how many were taken again; the others are retried.
func (a *App) RestampAgeBands(ctx context.Context) (int, error) {
	rows, err := a.repo.StaleAgeBands(ctx, 100)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range rows {
		band := r.Snapshot.AgeBand
		actx, err := a.actor.As(ctx, r.FromOrganisationID)
		if err != nil {
			return n, err
		}
		view, err := a.beneficiaries.View(actx, r.BeneficiaryID)
		switch k := errs.KindOf(err); {
		case err == nil:
			band = aggregate.AgeBandInYear(view.BirthYear, aggregate.Today(a.zone, r.SendTime))
		case k == errs.KindNotFound, k == errs.KindPermissionDenied, k == errs.KindFailedPrecondition, k == errs.KindInvalidArgument:
			a.log.WarnContext(ctx, "the stale age band of a referral could not be taken again; it keeps its band",
				slog.String("referral_id", r.ID), logging.Err(err))
		default:
			a.log.WarnContext(ctx, "taking a referral's age band again failed; will retry",
				slog.String("referral_id", r.ID), logging.Err(err))
			continue
		}
		if err := a.repo.SetAgeBand(ctx, r.ID, band); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// RevokePending retries the revocations left pending by closed referrals;
// it returns how many succeeded.
func (a *App) RevokePending(ctx context.Context) (int, error) {
	rows, err := a.repo.PendingRevocations(ctx, 100)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range rows {
		if err := a.revoke(ctx, r); err != nil {
			a.log.WarnContext(ctx, "revoking referral access failed; will retry",
				slog.String("referral_id", r.ID), logging.Err(err))
			continue
		}
		n++
	}
	return n, nil
}

// CountReferrals counts referrals under a project that reached stage in
// the period (domain.Stage: when they reached it, in the days of the
// report time zone); counts only, no personal data. organisationIDs, when
// given, keeps referrals sent by or to them.
func (a *App) CountReferrals(ctx context.Context, q aggregate.Query, organisationIDs []string, stage domain.Stage) (aggregate.Aggregate, error) {
	var v errs.Violations
	norm := make([]string, 0, len(organisationIDs))
	for i, id := range organisationIDs {
		if !ids.Valid(id) {
			v.Add("organisation_ids["+strconv.Itoa(i)+"]", "must be a UUID")
		}
		norm = append(norm, ids.Normalize(id))
	}
	if err := v.Err(); err != nil {
		return aggregate.Aggregate{}, err
	}
	return a.repo.CountReferrals(ctx, q, a.zone, norm, stage)
}

// Overdue reports whether r is past due and not closed, now, and the etag
// r is read with (domain.Referral.EtagAt), at that one instant, so the
// etag always follows what the answer says.
func (a *App) Overdue(r *domain.Referral) (overdue bool, tag string) {
	now := a.now()
	return r.Overdue(now), r.EtagAt(now)
}
