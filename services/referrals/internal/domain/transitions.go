package domain

import (
	"slices"
	"strings"
	"time"

	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/etag"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/validate"
)

// Action is something an organisation does to a referral.
type Action string

// Actions, each a custom method of the API (POST /v1/referrals/{id}:<action>).
const (
	Send     Action = "send"
	Accept   Action = "accept"
	Decline  Action = "decline"
	Start    Action = "start"
	Complete Action = "complete"
	Cancel   Action = "cancel"
)

// Actions lists every action.
var Actions = []Action{Send, Accept, Decline, Start, Complete, Cancel}

// Continues reports whether the action goes on working with the person
// (accept, start, complete), as opposed to sending or ending the referral:
// such an action needs the receiver's access, under the consent, to be live.
func (a Action) Continues() bool { return a == Accept || a == Start || a == Complete }

// Party is the side of a referral an organisation is on.
type Party int

// Parties.
const (
	Sender Party = iota + 1
	Receiver
)

func (p Party) String() string {
	if p == Sender {
		return "sender"
	}
	return "receiver"
}

// transition is one edge of the state machine: who may take it and where it
// leads.
type transition struct {
	by Party
	to string
}

// Transitions is the referral state machine of DESIGN.md as a table:
// state -> action -> (party allowed, next state). Anything absent is illegal.
// A draft made by mistake is cancelled by its sender: it is never sent (no
// send time, no due time), so the receiver, who never saw it, does not see
// it cancelled either (Referral.WasSent).
var Transitions = map[string]map[Action]transition{
	StatusDraft:      {Send: {Sender, StatusSent}, Cancel: {Sender, StatusCancelled}},
	StatusSent:       {Accept: {Receiver, StatusAccepted}, Decline: {Receiver, StatusDeclined}, Cancel: {Sender, StatusCancelled}},
	StatusAccepted:   {Start: {Receiver, StatusInProgress}, Cancel: {Sender, StatusCancelled}},
	StatusInProgress: {Complete: {Receiver, StatusCompleted}, Cancel: {Sender, StatusCancelled}},
	StatusDeclined:   {},
	StatusCompleted:  {},
	StatusCancelled:  {},
}

// WasSent reports whether r left draft: the receiver sees r (and is told
// of what happens to it) only then. A draft cancelled by its sender never
// was.
func (r *Referral) WasSent() bool { return !r.SendTime.IsZero() }

// Closed reports whether a referral in status has reached an end state.
func Closed(status string) bool {
	return status == StatusDeclined || status == StatusCompleted || status == StatusCancelled
}

// Open reports whether a referral in status has been sent and is not closed:
// the receiver holds an access grant to the beneficiary.
func Open(status string) bool {
	return status == StatusSent || status == StatusAccepted || status == StatusInProgress
}

// Stage is how far referrals got, for counting them (CountReferrals). A
// referral counts at a stage once it has reached it, in the period holding
// the time it did (ReachedAt), whatever happened to it after: a referral
// accepted in March and cancelled in May, or ended by a consent withdrawn
// in May, stays among March's accepted referrals. So a closed period's
// figures do not change after the fact.
type Stage string

// Stages.
const (
	StageSent      Stage = ""          // sent (left draft), at its send time
	StageAccepted  Stage = "accepted"  // accepted, at its accept time
	StageCompleted Stage = "completed" // completed with an outcome, at its completion
)

// Stages lists every stage.
var Stages = []Stage{StageSent, StageAccepted, StageCompleted}

// ReachedAt returns when r reached stage s; zero when it has not.
func (s Stage) ReachedAt(r *Referral) time.Time {
	switch s {
	case StageAccepted:
		return r.AcceptTime
	case StageCompleted:
		return r.CompleteTime
	}
	return r.SendTime
}

// Error reasons (google.rpc.ErrorInfo.reason) of refused transitions.
const (
	ReasonIllegalTransition = "ILLEGAL_TRANSITION"
	ReasonConsentRequired   = "CONSENT_REQUIRED"
)

// Close reasons the system sets when a referral ends for good outside its
// parties' hands: the consent it was sent under ended, or the person it is
// about was erased. An open referral is cancelled with this reason, as its
// close_reason and the note of its event.
const (
	ReasonConsentWithdrawn  = "CONSENT_WITHDRAWN"
	ReasonConsentExpired    = "CONSENT_EXPIRED"
	ReasonBeneficiaryErased = "BENEFICIARY_ERASED"
)

// SystemCloseReasons are the close reasons only the system sets: codes,
// which travel in events and survive erasure. Any other close reason is a
// person's free text, however much it looks like a code (a document
// number, a name in capitals).
var SystemCloseReasons = []string{ReasonConsentWithdrawn, ReasonConsentExpired, ReasonBeneficiaryErased}

// IsSystemCloseReason reports whether reason is one of SystemCloseReasons.
func IsSystemCloseReason(reason string) bool { return slices.Contains(SystemCloseReasons, reason) }

// SystemClientID names Spona itself as the client of a transition no
// organisation asked for (a referral ended because its consent did, or
// because the person was erased).
const SystemClientID = "spona-referrals"

// End cancels r, at now, for reason (one of SystemCloseReasons): the
// consent it was sent under ended, or the person was erased. Only an open
// referral ends; ok is false for a draft or a closed one, whose status is
// left as it is (the end is recorded on every referral it reaches all the
// same: EndReason). It returns the previous status.
func (r *Referral) End(reason string, now time.Time) (from string, ok bool) {
	if !Open(r.Status) || !IsSystemCloseReason(reason) {
		return "", false
	}
	from = r.Status
	r.Status, r.CloseReason, r.CloseTime = StatusCancelled, reason, now.UTC()
	r.EndReason = reason
	return from, true
}

// Ended reports whether r ended for good for a system reason (its consent
// ended or its person was erased), whether r was open then or not: no
// party may act on it any more.
func (r *Referral) Ended() bool { return r.EndReason != "" }

// SharingEnded reports whether, at now, the receiver no longer reads what
// was shared with it under r's consent: r ended for good (Ended), or the
// consent has expired, from its expiry time itself, before its expiry
// reaches r as an end.
func (r *Referral) SharingEnded(now time.Time) bool {
	return r.Ended() || (!r.ConsentExpireTime.IsZero() && !now.Before(r.ConsentExpireTime))
}

// ViewFor reduces r to what org may see at now. Once the sharing has ended
// (SharingEnded: the consent it was sent under has ended, or the person
// was erased), the receiver keeps the referral's facts (status, dates,
// category, urgency, outcome code, and the close reason when it is a code
// the system recorded) but no longer sees the free texts that may hold
// personal data shared under that consent: reason, notes, outcome note and
// a close reason someone wrote (a cancel or decline reason); so too for a
// referral already closed when the consent ended. Otherwise, once the
// referral is closed (Closed), the receiver's access to the person has
// ended with it (DESIGN.md: a grant ends when its referral is closed), and
// with it its reading of what the sender shared for the work: the reason
// and the notes (and the notes of the sender's transitions before the
// close, EventViewFor). The answer that closed it (decline or cancel
// reason, outcome note) stays readable to both parties.
func (r *Referral) ViewFor(org string, now time.Time) {
	if !r.receiverOnly(org) {
		return
	}
	switch {
	case r.SharingEnded(now):
		r.Reason, r.Notes, r.OutcomeNote = "", "", ""
		if !IsSystemCloseReason(r.CloseReason) {
			r.CloseReason = ""
		}
	case Closed(r.Status):
		r.Reason, r.Notes = "", ""
	}
}

// receiverOnly reports whether org is r's receiver and not its sender.
func (r *Referral) receiverOnly(org string) bool {
	return org == r.ToOrganisationID && org != r.FromOrganisationID
}

// WithoutPersonalData clears the free texts of r that may describe the
// person: reason, notes, close reason and outcome note.
func (r *Referral) WithoutPersonalData() {
	r.Reason, r.Notes, r.CloseReason, r.OutcomeNote = "", "", "", ""
}

// EventViewFor reduces an event of r the same way at now: once the sharing
// has ended, its note, unless it is the code the system recorded; once r
// is closed, the note of a transition the sender took before the close
// (sending it), while the receiver's own notes and the closing one stay.
func (r *Referral) EventViewFor(org string, now time.Time, e *Event) {
	if !r.receiverOnly(org) {
		return
	}
	switch {
	case r.SharingEnded(now):
		if e.Note != r.EndReason {
			e.Note = ""
		}
	case Closed(r.Status):
		if e.ActorOrganisationID == r.FromOrganisationID && !Closed(e.ToStatus) {
			e.Note = ""
		}
	}
}

// Next returns the state action leads to from status, or a
// FAILED_PRECONDITION error (reason ILLEGAL_TRANSITION) when the state
// machine has no such edge. Who may act is checked by Authorize.
func Next(status string, a Action) (string, error) {
	t, ok := Transitions[status][a]
	if !ok {
		return "", errs.FailedPrecondition(ReasonIllegalTransition, "cannot %s a referral that is %s", a, strings.ReplaceAll(status, "_", " "))
	}
	return t.to, nil
}

// Authorize checks that party may take action (for a legal action). A
// receiver trying a sender's action, or the reverse, is PERMISSION_DENIED.
func Authorize(status string, a Action, p Party) error {
	t, ok := Transitions[status][a]
	if !ok {
		return nil
	}
	if t.by != p {
		return errs.PermissionDenied("only the %s of a referral may %s it", t.by, a)
	}
	return nil
}

// Allowed checks that party may take action on a referral in status: the
// state machine has the edge (else ILLEGAL_TRANSITION, Next) and party is
// the side that takes it (else PERMISSION_DENIED, Authorize). Nothing the
// request carries changes either, so they are answered before its fields.
func Allowed(status string, a Action, p Party) error {
	if _, err := Next(status, a); err != nil {
		return err
	}
	return Authorize(status, a, p)
}

// PartyOf returns the side org is on, or 0 when it is neither.
func (r *Referral) PartyOf(org string) Party {
	switch org {
	case r.FromOrganisationID:
		return Sender
	case r.ToOrganisationID:
		return Receiver
	}
	return 0
}

// Outcome codes reported on completion.
var OutcomeCodes = []string{"service_provided", "partially_provided", "not_eligible", "beneficiary_did_not_attend", "beneficiary_declined", "referred_onward", "other"}

// Command is a request to move a referral along the state machine.
type Command struct {
	Action      Action
	Etag        string // optional: must match the stored version
	Note        string // free text recorded on the event (the reason for decline/cancel)
	OutcomeCode string // complete only
	// Assistance, on completion, is the service delivered, to record for
	// the beneficiary in the same call.
	Assistance *Assistance
}

// Assistance is a service the receiver delivered, recorded for the
// beneficiary (in the beneficiaries service, which checks it) when the
// referral is completed. Codes and dates as the beneficiaries API takes them.
type Assistance struct {
	Type       string // assistance type code, e.g. "psychosocial_counselling"
	Date       string // YYYY-MM-DD
	ServiceID  string
	LocationID string
	ProjectID  string
	Notes      string
	ReferralID string
}

// deliveringOutcomes are the outcomes under which a service was delivered.
var deliveringOutcomes = []string{"service_provided", "partially_provided"}

// Delivered returns the assistance of a completion of r, as it is
// recorded: answering r, by r's service unless another is named.
func (r *Referral) Delivered(a Assistance) (Assistance, error) {
	if a.ReferralID != "" && ids.Normalize(a.ReferralID) != r.ID {
		var v errs.Violations
		v.Add("assistance.referral_id", "must be this referral (%s) or empty", r.ID)
		return a, v.Err()
	}
	a.ReferralID = r.ID
	if a.ServiceID == "" {
		a.ServiceID = r.ToServiceID
	}
	return a, nil
}

// AssistanceRequestID is the request id under which the completion of
// referral id records its assistance: the same on every retry, so the
// record is made once.
func AssistanceRequestID(id string) string { return "referral-complete:" + id }

// Validate checks the command's own fields.
func (c Command) Validate() error {
	var v errs.Violations
	// Each action's request names the text its own way: a decline's or
	// cancel's reason, a completion's outcome note, the others' note.
	switch c.Action {
	case Decline, Cancel:
		validate.Text(&v, "reason", c.Note, 2000, c.Action == Decline)
	case Complete:
		validate.OneOf(&v, "outcome.code", c.OutcomeCode, OutcomeCodes, true)
		validate.Text(&v, "outcome.note", c.Note, 2000, false)
	default:
		validate.Text(&v, "note", c.Note, 2000, false)
	}
	if c.Assistance != nil {
		switch {
		case c.Action != Complete:
			v.Add("assistance", "is recorded only when a referral is completed")
		case c.OutcomeCode != "" && !slices.Contains(deliveringOutcomes, c.OutcomeCode):
			v.Add("assistance", "is recorded only with outcome SERVICE_PROVIDED or PARTIALLY_PROVIDED, not %s",
				strings.ToUpper(c.OutcomeCode))
		}
		// The beneficiaries service checks the record itself; these are
		// what a completion cannot do without.
		if c.Assistance.Type == "" {
			v.Add("assistance.type", "is required")
		}
		if c.Assistance.Date == "" {
			v.Add("assistance.date", "is required")
		}
	}
	return v.Err()
}

// Apply moves r by the command taken by party at now (in the report time
// zone, whose calendar a due time in days counts: DueAfter). It checks the
// state machine, the party and then the etag (reading the referral again
// would not make the action legal, nor the caller its other party; and an
// action retried with the etag it was first sent with is told that the
// referral is already where it took it), and sets the fields the
// transition changes. It returns the previous status.
func (r *Referral) Apply(c Command, p Party, now time.Time) (from string, err error) {
	to, err := Next(r.Status, c.Action)
	if err != nil {
		return "", err
	}
	if err := Authorize(r.Status, c.Action, p); err != nil {
		return "", err
	}
	if err := etag.Match("etag", c.Etag, r.Version); err != nil {
		return "", err
	}
	from = r.Status
	local := now
	now = now.UTC()
	r.Status = to
	switch c.Action {
	case Send:
		r.SendTime = now
		r.DueTime = DueAfter(r.Urgency, local)
	case Accept:
		r.AcceptTime = now
	case Decline, Cancel:
		r.CloseReason = c.Note
	case Complete:
		r.OutcomeCode = c.OutcomeCode
		r.OutcomeNote = c.Note
		r.CompleteTime = now
	}
	if Closed(to) {
		r.CloseTime = now
	}
	return from, nil
}

// TakenBy reports whether action a taken by party p is the one that took
// r where it is: r's status is where a leads (each status but draft is
// reached by one action only, of one side) and p is the side that takes
// it. Such an action sent again may be a retry whose answer was lost
// (Repeats); any other action on a referral in that state is refused as
// before (ILLEGAL_TRANSITION, or PERMISSION_DENIED for the other side).
func (r *Referral) TakenBy(a Action, p Party) bool {
	for _, edges := range Transitions {
		if t, ok := edges[a]; ok && t.to == r.Status {
			return t.by == p
		}
	}
	return false
}

// Repeats reports whether c, taken by party p, is the action that took r
// where it is, sent again: TakenBy, and last, the transition that did
// (r's latest), was its party's with the note c carries (the decline's or
// cancel's reason, the completion's outcome note, the others' note: each
// action's text, recorded as the event's note); a completion also with the
// outcome code r was completed with and an assistance when, and only
// when, the completion recorded one (whatever its details: the
// completion's record is made once, AssistanceRequestID). Such a command
// is a retry whose answer was lost (a connection cut after the commit, a
// 5xx that released its Idempotency-Key, a client sending none): it is
// answered with r as it is, changing nothing, as a first attempt that
// succeeded, not refused as ILLEGAL_TRANSITION, which would tell the
// client its action failed. An etag it carries must be one r had before
// (the one the first attempt was sent with): a malformed one is
// INVALID_ARGUMENT, and one of a version r never had is no retry.
func (r *Referral) Repeats(c Command, p Party, last Event) (bool, error) {
	if !r.TakenBy(c.Action, p) || last.ReferralID != r.ID || last.ToStatus != r.Status ||
		last.ActorOrganisationID != r.organisationOf(p) || last.Note != c.Note {
		return false, nil
	}
	if c.Action == Complete && (c.OutcomeCode != r.OutcomeCode || (c.Assistance != nil) != (r.AssistanceID != "")) {
		return false, nil
	}
	if c.Etag == "" {
		return true, nil
	}
	if !etag.WellFormed(c.Etag) {
		return false, etag.Malformed("etag")
	}
	n, _ := etag.Version(c.Etag)
	return n < r.Version, nil
}

// organisationOf returns the organisation on side p of r.
func (r *Referral) organisationOf(p Party) string {
	switch p {
	case Sender:
		return r.FromOrganisationID
	case Receiver:
		return r.ToOrganisationID
	}
	return ""
}

// Overdue reports whether r is past its due time at now and not closed.
// The due time is the last instant still on time: a referral is overdue
// from the microsecond after it (PostgreSQL keeps microseconds, so now is
// read at the microsecond, as the overdue sweep and the list's overdue
// filter read it: due_time < now).
func (r *Referral) Overdue(now time.Time) bool {
	return Open(r.Status) && now.Truncate(time.Microsecond).After(r.DueTime)
}

// Statuses of referrals that are sent and not closed, for queries.
var OpenStatuses = slices.DeleteFunc(slices.Clone(Statuses), func(s string) bool { return !Open(s) })
