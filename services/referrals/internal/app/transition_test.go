package app

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/spona/spona/pkg/audit"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/etag"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/testkit/statustest"
	"github.com/spona/spona/services/referrals/internal/domain"
)

// Use-case tests of Transition: the state machine, who may act, consent and
// grants, and what is stored, against small fakes of the ports it uses
// (the PostgreSQL and gRPC scenario tests in service/ stay).

const (
	sender   = "0190a000-0000-7000-8000-00000000000a"
	receiver = "0190a000-0000-7000-8000-00000000000b"
	stranger = "0190a000-0000-7000-8000-00000000000c"
	refID    = "0190a000-0000-7000-8000-000000000001"
	benID    = "0190a000-0000-7000-8000-000000000002"
)

// referralStore fakes the part of the Repository a transition uses
// (ReferralStore: GetReferral, Transition, SetAccess); anything else
// panics on the nil embedded interface.
type referralStore struct {
	Repository
	row      domain.Referral
	access   Access
	events   []domain.Event
	outbox   []events.Event
	failSave error
	// endedMeanwhile, when set, ends the referral for that reason just
	// before a transition is stored (a concurrent erasure, say), which
	// then finds it changed.
	endedMeanwhile string
	// changedMeanwhile, when set, changes the referral just before a
	// transition is stored (the other party's transition, a merge
	// pointing it at the survivor), which then finds it changed.
	changedMeanwhile bool
}

func (s *referralStore) GetReferral(_ context.Context, viewer, id string) (*domain.Referral, error) {
	r := s.row
	visible := viewer == r.FromOrganisationID || (viewer == r.ToOrganisationID && r.Status != domain.StatusDraft)
	if id != r.ID || !visible {
		return nil, errs.NotFound("referral", id)
	}
	return &r, nil
}

func (s *referralStore) Transition(_ context.Context, r *domain.Referral, version int64, ev domain.Event, access Access, event func(*domain.Referral) events.Event) (*domain.Referral, error) {
	if s.failSave != nil {
		return nil, s.failSave
	}
	if s.endedMeanwhile != "" {
		s.row.EndReason, s.endedMeanwhile = s.endedMeanwhile, ""
		s.row.Version++
	}
	if s.changedMeanwhile {
		s.row.Version, s.changedMeanwhile = s.row.Version+1, false
	}
	if version != s.row.Version {
		return nil, etag.Mismatch()
	}
	s.row = *r
	s.row.Version++
	s.access = access
	s.events = append(s.events, ev)
	out := s.row
	s.outbox = append(s.outbox, event(&out))
	return &out, nil
}

func (s *referralStore) LastEvent(_ context.Context, id string) (domain.Event, error) {
	if len(s.events) == 0 || id != s.row.ID {
		return domain.Event{}, errs.NotFound("referral", id)
	}
	return s.events[len(s.events)-1], nil
}

func (s *referralStore) ClaimCompletion(_ context.Context, id string, version int64, _ time.Duration) (time.Time, error) {
	if id != s.row.ID || version != s.row.Version {
		return time.Time{}, etag.Mismatch()
	}
	return time.Unix(1, 0), nil
}

func (s *referralStore) ReleaseCompletion(context.Context, string, time.Time) error { return nil }

func (s *referralStore) SetUncommittedAssistance(context.Context, string, string) error { return nil }

func (s *referralStore) ClearUncommittedAssistance(context.Context, string, string) error { return nil }

func (s *referralStore) SetAccess(_ context.Context, _ string, access Access) error {
	s.access = access
	return nil
}

// beneficiaries fakes the beneficiaries service.
type beneficiaries struct {
	erased  bool // View says so
	consent Consent
	grant   GrantState
	down    bool // every call UNAVAILABLE
	granted []Grant
	revoked []string
	// recorded holds the request ids of the assistance records made; the
	// real service makes one record per request id (until it is voided).
	recorded []string
	voided   []string
}

func (b *beneficiaries) unavailable() error {
	if b.down {
		return errs.New(errs.KindUnavailable, "beneficiaries unavailable")
	}
	return nil
}

func (b *beneficiaries) View(context.Context, string) (BeneficiaryView, error) {
	return BeneficiaryView{Owned: true, Erased: b.erased, Sex: "female", BirthYear: 1990, LegalStatus: "asylum_seeker", Municipality: "Beograd"}, b.unavailable()
}

func (b *beneficiaries) ReferralConsent(context.Context, string) (Consent, error) {
	return b.consent, b.unavailable()
}

func (b *beneficiaries) GrantAccess(_ context.Context, g Grant) error {
	if err := b.unavailable(); err != nil {
		return err
	}
	b.granted = append(b.granted, g)
	return nil
}

func (b *beneficiaries) RevokeAccess(_ context.Context, _, sourceID string) error {
	if err := b.unavailable(); err != nil {
		return err
	}
	b.revoked = append(b.revoked, sourceID)
	return nil
}

func (b *beneficiaries) GrantState(context.Context, string, string) (GrantState, error) {
	return b.grant, b.unavailable()
}

func (b *beneficiaries) RecordAssistance(_ context.Context, _ string, a domain.Assistance, requestID string) (string, error) {
	if err := b.unavailable(); err != nil {
		return "", err
	}
	if a.ReferralID != refID || a.ServiceID == "" {
		return "", errs.New(errs.KindInvalidArgument, "assistance %+v", a)
	}
	if !slices.Contains(b.recorded, requestID) {
		b.recorded = append(b.recorded, requestID)
	}
	return "0190a000-0000-7000-8000-0000000000a5", nil
}

func (b *beneficiaries) VoidAssistance(_ context.Context, id, reason string) error {
	if err := b.unavailable(); err != nil {
		return err
	}
	if reason != "completion_failed" {
		return errs.New(errs.KindInvalidArgument, "reason %q", reason)
	}
	b.voided = append(b.voided, id)
	b.recorded = b.recorded[:len(b.recorded)-1]
	return nil
}

type auditLog struct{ actions []string }

func (l *auditLog) Record(_ context.Context, _ audit.Actor, action string, _ []string, _ []Read) error {
	l.actions = append(l.actions, action)
	return nil
}

type actor struct{}

func (actor) As(ctx context.Context, _ string) (context.Context, error) { return ctx, nil }

func TestTransitionUseCase(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	live := Consent{Live: true, ID: "0190a000-0000-7000-8000-000000000003"}
	type want struct {
		kind    errs.Kind // 0 (KindInternal is never wanted here): no error
		reason  string
		status  string // the stored status afterwards
		access  Access
		granted bool     // the receiver was granted access
		revoked bool     // the receiver's access was revoked
		event   string   // the outbox event written, if any
		fields  []string // the fields an error's violations name, if checked
	}
	tests := []struct {
		name    string
		status  string // stored before
		by      string
		cmd     domain.Command
		consent Consent
		grant   GrantState
		down    bool
		closeBy string // CloseReason stored before
		ended   string // EndReason stored before
		erased  bool   // the beneficiaries service says the person was erased
		// meanwhile: the referral ends for this reason just before the
		// transition is stored.
		meanwhile string
		// changed: the referral changes otherwise just before the
		// transition is stored.
		changed bool
		want    want
	}{
		{name: "send with live consent grants the receiver", status: domain.StatusDraft, by: sender, cmd: domain.Command{Action: domain.Send},
			consent: live, want: want{status: domain.StatusSent, access: AccessGranted, granted: true, event: events.ReferralSent}},
		{name: "send without consent stays a draft", status: domain.StatusDraft, by: sender, cmd: domain.Command{Action: domain.Send},
			want: want{kind: errs.KindFailedPrecondition, reason: domain.ReasonConsentRequired, status: domain.StatusDraft}},
		{name: "send with expired consent stays a draft", status: domain.StatusDraft, by: sender, cmd: domain.Command{Action: domain.Send},
			consent: Consent{Live: true, Expires: now.Add(-time.Minute)},
			want:    want{kind: errs.KindFailedPrecondition, reason: domain.ReasonConsentRequired, status: domain.StatusDraft}},
		{name: "send while beneficiaries is down stays a draft", status: domain.StatusDraft, by: sender, cmd: domain.Command{Action: domain.Send},
			consent: live, down: true, want: want{kind: errs.KindUnavailable, status: domain.StatusDraft}},
		{name: "a draft is invisible to the receiver", status: domain.StatusDraft, by: receiver, cmd: domain.Command{Action: domain.Send},
			consent: live, want: want{kind: errs.KindNotFound, status: domain.StatusDraft}},
		{name: "a stranger sees nothing", status: domain.StatusSent, by: stranger, cmd: domain.Command{Action: domain.Accept},
			want: want{kind: errs.KindNotFound, status: domain.StatusSent}},
		{name: "receiver accepts under a live grant", status: domain.StatusSent, by: receiver, cmd: domain.Command{Action: domain.Accept},
			grant: GrantState{Live: true}, want: want{status: domain.StatusAccepted, access: AccessNone, event: events.ReferralAccepted}},
		{name: "receiver cannot accept once the consent is withdrawn", status: domain.StatusSent, by: receiver, cmd: domain.Command{Action: domain.Accept},
			grant: GrantState{EndedReason: domain.ReasonConsentWithdrawn},
			want:  want{kind: errs.KindFailedPrecondition, reason: domain.ReasonConsentWithdrawn, status: domain.StatusSent}},
		{name: "sender cannot accept", status: domain.StatusSent, by: sender, cmd: domain.Command{Action: domain.Accept},
			grant: GrantState{Live: true}, want: want{kind: errs.KindPermissionDenied, status: domain.StatusSent}},
		{name: "receiver declines and loses access", status: domain.StatusSent, by: receiver, cmd: domain.Command{Action: domain.Decline, Note: "no capacity"},
			want: want{status: domain.StatusDeclined, access: AccessRevoked, revoked: true, event: events.ReferralDeclined}},
		{name: "decline needs a reason", status: domain.StatusSent, by: receiver, cmd: domain.Command{Action: domain.Decline},
			want: want{kind: errs.KindInvalidArgument, status: domain.StatusSent}},
		{name: "receiver starts", status: domain.StatusAccepted, by: receiver, cmd: domain.Command{Action: domain.Start},
			grant: GrantState{Live: true}, want: want{status: domain.StatusInProgress, access: AccessNone, event: events.ReferralStarted}},
		{name: "receiver completes and loses access", status: domain.StatusInProgress, by: receiver, cmd: domain.Command{Action: domain.Complete, OutcomeCode: "service_provided"},
			grant: GrantState{Live: true}, want: want{status: domain.StatusCompleted, access: AccessRevoked, revoked: true, event: events.ReferralCompleted}},
		{name: "sender cancels in progress", status: domain.StatusInProgress, by: sender, cmd: domain.Command{Action: domain.Cancel},
			want: want{status: domain.StatusCancelled, access: AccessRevoked, revoked: true, event: events.ReferralCancelled}},
		{name: "receiver cannot cancel", status: domain.StatusAccepted, by: receiver, cmd: domain.Command{Action: domain.Cancel},
			want: want{kind: errs.KindPermissionDenied, status: domain.StatusAccepted}},
		{name: "nothing after completion", status: domain.StatusCompleted, by: sender, cmd: domain.Command{Action: domain.Cancel},
			want: want{kind: errs.KindFailedPrecondition, reason: domain.ReasonIllegalTransition, status: domain.StatusCompleted}},
		{name: "a stale etag changes nothing", status: domain.StatusSent, by: receiver, cmd: domain.Command{Action: domain.Accept, Etag: etag.Of(1)},
			grant: GrantState{Live: true}, want: want{kind: errs.KindAborted, reason: etag.ReasonMismatch, status: domain.StatusSent}},
		{name: "a bare version is no etag: a bad request naming it", status: domain.StatusSent, by: receiver, cmd: domain.Command{Action: domain.Accept, Etag: "5"},
			grant: GrantState{Live: true}, want: want{kind: errs.KindInvalidArgument, fields: []string{"etag"}, status: domain.StatusSent}},
		{name: "garbage is no etag: a bad request naming it", status: domain.StatusInProgress, by: sender, cmd: domain.Command{Action: domain.Cancel, Etag: "garbage"},
			want: want{kind: errs.KindInvalidArgument, fields: []string{"etag"}, status: domain.StatusInProgress}},
		{name: "the current etag is taken", status: domain.StatusSent, by: receiver, cmd: domain.Command{Action: domain.Accept, Etag: etag.Of(4)},
			grant: GrantState{Live: true}, want: want{status: domain.StatusAccepted, access: AccessNone, event: events.ReferralAccepted}},
		// Without an etag the caller read nothing stale: it ran into another
		// change, and the same call may succeed when retried (Retry-After,
		// not kept for Idempotency-Key replay); with one, that etag is stale.
		{name: "a change without an etag that ran into another may be retried", status: domain.StatusSent, by: receiver,
			cmd: domain.Command{Action: domain.Accept}, grant: GrantState{Live: true}, changed: true,
			want: want{kind: errs.KindAborted, reason: errs.ReasonConcurrentUpdate, status: domain.StatusSent}},
		{name: "a change with an etag that ran into another: the etag is stale", status: domain.StatusSent, by: receiver,
			cmd: domain.Command{Action: domain.Accept, Etag: etag.Of(4)}, grant: GrantState{Live: true}, changed: true,
			want: want{kind: errs.KindAborted, reason: etag.ReasonMismatch, status: domain.StatusSent}},
		{name: "ended by consent withdrawal: the reason, whoever asks", status: domain.StatusCancelled, closeBy: domain.ReasonConsentWithdrawn,
			ended: domain.ReasonConsentWithdrawn, by: sender, cmd: domain.Command{Action: domain.Cancel},
			want: want{kind: errs.KindFailedPrecondition, reason: domain.ReasonConsentWithdrawn, status: domain.StatusCancelled}},
		{name: "a completed referral whose consent expired says so", status: domain.StatusCompleted, ended: domain.ReasonConsentExpired, by: receiver,
			cmd: domain.Command{Action: domain.Start}, want: want{kind: errs.KindFailedPrecondition, reason: domain.ReasonConsentExpired, status: domain.StatusCompleted}},
		{name: "an erased person's draft is not sent", status: domain.StatusDraft, by: sender, cmd: domain.Command{Action: domain.Send},
			consent: live, erased: true, want: want{kind: errs.KindFailedPrecondition, reason: domain.ReasonBeneficiaryErased, status: domain.StatusDraft}},
		{name: "ended by the person's erasure: no text taken", status: domain.StatusCancelled, closeBy: domain.ReasonBeneficiaryErased,
			ended: domain.ReasonBeneficiaryErased, by: sender, cmd: domain.Command{Action: domain.Cancel, Note: "Amir lives at Ulica 5"},
			want: want{kind: errs.KindFailedPrecondition, reason: domain.ReasonBeneficiaryErased, status: domain.StatusCancelled}},
		{name: "an erased person's draft refuses anything", status: domain.StatusDraft, ended: domain.ReasonBeneficiaryErased, by: sender,
			cmd: domain.Command{Action: domain.Send}, consent: live,
			want: want{kind: errs.KindFailedPrecondition, reason: domain.ReasonBeneficiaryErased, status: domain.StatusDraft}},
		{name: "a decline overtaken by the erasure says so", status: domain.StatusSent, by: receiver, meanwhile: domain.ReasonBeneficiaryErased,
			cmd:  domain.Command{Action: domain.Decline, Note: "Amir lives at Ulica 5"},
			want: want{kind: errs.KindFailedPrecondition, reason: domain.ReasonBeneficiaryErased, status: domain.StatusSent}},
		{name: "a reason typed like a code is the receiver's text, not a closing code", status: domain.StatusSent, by: receiver,
			cmd:  domain.Command{Action: domain.Decline, Note: domain.ReasonConsentWithdrawn},
			want: want{status: domain.StatusDeclined, access: AccessRevoked, revoked: true, event: events.ReferralDeclined}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store := &referralStore{row: domain.Referral{ID: refID, BeneficiaryID: benID, FromOrganisationID: sender, ToOrganisationID: receiver,
				Category: "legal", Urgency: "normal", Status: tt.status, CloseReason: tt.closeBy,
				EndReason: tt.ended, Version: 4}, endedMeanwhile: tt.meanwhile, changedMeanwhile: tt.changed}
			ben := &beneficiaries{erased: tt.erased, consent: tt.consent, grant: tt.grant, down: tt.down}
			log := &auditLog{}
			a := New(store, ben, log, nil, actor{}, slog.New(slog.DiscardHandler))
			a.now = func() time.Time { return now }
			p := audit.Actor{Principal: auth.Principal{OrganisationID: tt.by, ClientID: "client"}}

			out, err := a.Transition(context.Background(), p, refID, tt.cmd)

			if tt.want.kind != 0 {
				statustest.WantError(t, err, tt.want.kind, tt.want.reason, tt.want.fields)
				if len(store.events) != 0 || len(store.outbox) != 0 || len(ben.granted) != 0 || len(log.actions) != 0 {
					t.Errorf("a refused transition left traces: events %v, outbox %v, grants %v, audit %v", store.events, store.outbox, ben.granted, log.actions)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if out.Status != tt.want.status || out.Version != 5 {
					t.Errorf("returned %s v%d, want %s v5", out.Status, out.Version, tt.want.status)
				}
				if len(store.events) != 1 || store.events[0].FromStatus != tt.status || store.events[0].ActorOrganisationID != tt.by {
					t.Errorf("transition events %+v", store.events)
				}
				if len(store.outbox) != 1 || store.outbox[0].Type != tt.want.event {
					t.Errorf("outbox %+v, want one %s", store.outbox, tt.want.event)
				}
				if !slices.Equal(log.actions, []string{"referral." + string(tt.cmd.Action)}) {
					t.Errorf("audit %v: the response's personal data was not recorded as read", log.actions)
				}
				if store.access != tt.want.access {
					t.Errorf("access %q, want %q", store.access, tt.want.access)
				}
			}
			if store.row.Status != tt.want.status {
				t.Errorf("stored %s, want %s", store.row.Status, tt.want.status)
			}
			if got := len(ben.granted) == 1; got != tt.want.granted {
				t.Errorf("granted %v, want %v", ben.granted, tt.want.granted)
			}
			if tt.want.granted && (ben.granted[0].Grantee != receiver || ben.granted[0].SourceID != refID || store.row.ConsentID != live.ID ||
				store.row.Snapshot.AgeBand != "18-59") {
				t.Errorf("grant %+v, stored consent %q, snapshot %+v", ben.granted[0], store.row.ConsentID, store.row.Snapshot)
			}
			if got := slices.Equal(ben.revoked, []string{refID}); got != tt.want.revoked {
				t.Errorf("revoked %v, want %v", ben.revoked, tt.want.revoked)
			}
		})
	}
}

// TestSendUndoesTheGrantOfAFailedCommit: the grant is made before the
// commit; when the commit fails, the referral stays a draft and the grant
// is taken back.
func TestSendUndoesTheGrantOfAFailedCommit(t *testing.T) {
	t.Parallel()
	store := &referralStore{row: domain.Referral{ID: refID, BeneficiaryID: benID, FromOrganisationID: sender, ToOrganisationID: receiver,
		Category: "legal", Urgency: "normal", Status: domain.StatusDraft, Version: 1}, failSave: errs.New(errs.KindUnavailable, "database down")}
	ben := &beneficiaries{consent: Consent{Live: true, ID: "0190a000-0000-7000-8000-000000000003"}}
	a := New(store, ben, &auditLog{}, nil, actor{}, slog.New(slog.DiscardHandler))
	_, err := a.Transition(context.Background(), audit.Actor{Principal: auth.Principal{OrganisationID: sender}}, refID, domain.Command{Action: domain.Send})
	if errs.KindOf(err) != errs.KindUnavailable {
		t.Fatalf("got %v, want UNAVAILABLE", err)
	}
	if len(ben.granted) != 1 || !slices.Equal(ben.revoked, []string{refID}) || store.row.Status != domain.StatusDraft {
		t.Fatalf("granted %v, revoked %v, stored %s", ben.granted, ben.revoked, store.row.Status)
	}
}

// TestCompleteRecordsTheAssistanceOnce: a completion with the service
// delivered records it, answering the referral at the referral's service,
// before the commit; a failed commit voids it (the retry records it again)
// (one request id), and only delivering outcomes record anything.
func TestCompleteRecordsTheAssistanceOnce(t *testing.T) {
	t.Parallel()
	delivered := &domain.Assistance{Type: "information", Date: "2026-03-01"}
	row := domain.Referral{ID: refID, BeneficiaryID: benID, FromOrganisationID: sender, ToOrganisationID: receiver,
		ToServiceID: "0190a000-0000-7000-8000-0000000000c1", Category: "information", Urgency: "normal", Status: domain.StatusInProgress, Version: 3}
	store := &referralStore{row: row, failSave: errs.New(errs.KindUnavailable, "database down")}
	ben := &beneficiaries{grant: GrantState{Live: true}}
	a := New(store, ben, &auditLog{}, nil, actor{}, slog.New(slog.DiscardHandler))
	p := audit.Actor{Principal: auth.Principal{OrganisationID: receiver}}
	complete := domain.Command{Action: domain.Complete, OutcomeCode: "service_provided", Assistance: delivered}

	if _, err := a.Transition(context.Background(), p, refID, complete); errs.KindOf(err) != errs.KindUnavailable {
		t.Fatalf("failed commit: got %v, want UNAVAILABLE", err)
	}
	// The record the failed completion made is voided, its request id
	// freed: a cancel now leaves no assistance counted for the referral.
	if !slices.Equal(ben.voided, []string{"0190a000-0000-7000-8000-0000000000a5"}) || len(ben.recorded) != 0 {
		t.Fatalf("after the failed commit: voided %v, recorded %v", ben.voided, ben.recorded)
	}
	store.failSave = nil
	out, err := a.Transition(context.Background(), p, refID, complete)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ben.recorded, []string{domain.AssistanceRequestID(refID)}) || out.AssistanceID == "" || store.row.AssistanceID != out.AssistanceID {
		t.Fatalf("recorded %v, outcome assistance %q (stored %q)", ben.recorded, out.AssistanceID, store.row.AssistanceID)
	}

	for name, tc := range map[string]struct {
		c    domain.Command
		want errs.Kind
	}{
		"not provided": {domain.Command{Action: domain.Complete, OutcomeCode: "not_provided", Assistance: delivered}, errs.KindInvalidArgument},
		// Declining is no longer possible once in progress: the state
		// machine says so before the fields are looked at.
		"declined":             {domain.Command{Action: domain.Decline, Note: "no capacity", Assistance: delivered}, errs.KindFailedPrecondition},
		"another referral's":   {domain.Command{Action: domain.Complete, OutcomeCode: "service_provided", Assistance: &domain.Assistance{Type: "information", Date: "2026-03-01", ReferralID: benID}}, errs.KindInvalidArgument},
		"without type or date": {domain.Command{Action: domain.Complete, OutcomeCode: "service_provided", Assistance: &domain.Assistance{}}, errs.KindInvalidArgument},
	} {
		store := &referralStore{row: row}
		ben := &beneficiaries{grant: GrantState{Live: true}}
		a := New(store, ben, &auditLog{}, nil, actor{}, slog.New(slog.DiscardHandler))
		if _, err := a.Transition(context.Background(), p, refID, tc.c); errs.KindOf(err) != tc.want {
			t.Errorf("%s: got %v, want %v", name, err, tc.want)
		}
		if len(ben.recorded) != 0 || store.row.Status != domain.StatusInProgress {
			t.Errorf("%s: recorded %v, stored %s", name, ben.recorded, store.row.Status)
		}
	}
}

// TestEventsCarryOnlySystemCodes: a decline or cancel reason is the
// party's free text, even when it looks like a code (a document number in
// capitals): the event carries close_reason_code only for the reasons the
// system sets when it ends a referral (End: close and end reason alike).
func TestEventsCarryOnlySystemCodes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		reason string
		code   bool
	}{{"PX7Q4K9M2", false}, {"HASIC_AMINA", false}, {"no capacity", false},
		{domain.ReasonConsentWithdrawn, true}, {domain.ReasonConsentExpired, true}} {
		r := &domain.Referral{ID: refID, BeneficiaryID: benID, FromOrganisationID: sender, ToOrganisationID: receiver,
			Status: domain.StatusDeclined, CloseReason: tc.reason}
		if tc.code {
			r.Status, r.EndReason = domain.StatusCancelled, tc.reason
		}
		got, has := referralEvent(events.ReferralCancelled, r, domain.StatusSent).Data["close_reason_code"]
		if has != tc.code || (has && got != tc.reason) {
			t.Errorf("close reason %q: close_reason_code %v (present %v), want present %v", tc.reason, got, has, tc.code)
		}
	}
}

// goneStore is a referralStore whose transition is cut short because the
// caller went away (the client closed the connection, the call's deadline
// passed): the context is cancelled while the commit runs, and, as with
// PostgreSQL, nothing more is read on it.
type goneStore struct {
	*referralStore
	cancel context.CancelFunc
}

func (s goneStore) Transition(ctx context.Context, _ *domain.Referral, _ int64, _ domain.Event, _ Access, _ func(*domain.Referral) events.Event) (*domain.Referral, error) {
	s.cancel()
	return nil, ctx.Err()
}

func (s goneStore) GetReferral(ctx context.Context, viewer, id string) (*domain.Referral, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.referralStore.GetReferral(ctx, viewer, id)
}

// goneBeneficiaries is the beneficiaries service refusing calls on a
// cancelled context, as gRPC does.
type goneBeneficiaries struct{ *beneficiaries }

func (b goneBeneficiaries) RevokeAccess(ctx context.Context, beneficiaryID, sourceID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return b.beneficiaries.RevokeAccess(ctx, beneficiaryID, sourceID)
}

// TestSendUndoesTheGrantWhenTheCallerLeaves: a send whose caller goes
// away after the grant was made and before the commit leaves the
// referral a draft; the grant is taken back all the same, or the receiver
// would read the person (and list them) through a referral never sent.
func TestSendUndoesTheGrantWhenTheCallerLeaves(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store := goneStore{referralStore: &referralStore{row: domain.Referral{ID: refID, BeneficiaryID: benID, FromOrganisationID: sender,
		ToOrganisationID: receiver, Category: "legal", Urgency: "normal", Status: domain.StatusDraft, Version: 1}}, cancel: cancel}
	ben := &beneficiaries{consent: Consent{Live: true, ID: "0190a000-0000-7000-8000-000000000003"}}
	a := New(store, goneBeneficiaries{ben}, &auditLog{}, nil, actor{}, slog.New(slog.DiscardHandler))
	if _, err := a.Transition(ctx, audit.Actor{Principal: auth.Principal{OrganisationID: sender}}, refID, domain.Command{Action: domain.Send}); err == nil {
		t.Fatal("a send cut short succeeded")
	}
	if len(ben.granted) != 1 || !slices.Equal(ben.revoked, []string{refID}) || store.row.Status != domain.StatusDraft {
		t.Fatalf("granted %v, revoked %v, stored %s: the grant of a send never committed was left", ben.granted, ben.revoked, store.row.Status)
	}
}

// TestATypedCodeIsNotTheSystemsEnd: a sender cancelling, or a receiver
// declining, with a reason typed as one of the system's codes (a case
// system mapping its own "consent withdrawn" to the same words) writes an
// event without close_reason_code: only an end the system recorded
// carries it, which webhooks tell both parties of as the system's.
func TestATypedCodeIsNotTheSystemsEnd(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status, by string
		cmd        domain.Command
	}{
		{domain.StatusAccepted, sender, domain.Command{Action: domain.Cancel, Note: domain.ReasonConsentWithdrawn}},
		{domain.StatusSent, receiver, domain.Command{Action: domain.Decline, Note: domain.ReasonBeneficiaryErased}},
	} {
		store := &referralStore{row: domain.Referral{ID: refID, BeneficiaryID: benID, FromOrganisationID: sender, ToOrganisationID: receiver,
			Category: "legal", Urgency: "normal", Status: tc.status, Version: 2}}
		a := New(store, &beneficiaries{}, &auditLog{}, nil, actor{}, slog.New(slog.DiscardHandler))
		if _, err := a.Transition(context.Background(), audit.Actor{Principal: auth.Principal{OrganisationID: tc.by}}, refID, tc.cmd); err != nil {
			t.Fatal(err)
		}
		if len(store.outbox) != 1 {
			t.Fatalf("outbox %+v", store.outbox)
		}
		if code, has := store.outbox[0].Data["close_reason_code"]; has {
			t.Errorf("%s with the reason %q: the event says the system ended it (close_reason_code %v)", tc.cmd.Action, tc.cmd.Note, code)
		}
	}
}
