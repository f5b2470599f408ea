package domain

import (
	"errors"
	"testing"
	"time"

	"github.com/spona/spona/pkg/errs"
)

// The expected machine, written out independently of the Transitions table:
// for each state and action, the party allowed and the next state.
var want = map[string]map[Action]struct {
	by Party
	to string
}{
	StatusDraft:      {Send: {Sender, StatusSent}, Cancel: {Sender, StatusCancelled}},
	StatusSent:       {Accept: {Receiver, StatusAccepted}, Decline: {Receiver, StatusDeclined}, Cancel: {Sender, StatusCancelled}},
	StatusAccepted:   {Start: {Receiver, StatusInProgress}, Cancel: {Sender, StatusCancelled}},
	StatusInProgress: {Complete: {Receiver, StatusCompleted}, Cancel: {Sender, StatusCancelled}},
}

func TestStateMachineEveryStateAndAction(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	for _, status := range Statuses {
		for _, a := range Actions {
			for _, p := range []Party{Sender, Receiver} {
				r := &Referral{Status: status, Urgency: "high", Version: 3}
				c := Command{Action: a, Note: "n", OutcomeCode: "service_provided"}
				from, err := r.Apply(c, p, now)
				edge, legal := want[status][a]
				switch {
				case !legal:
					var e *errs.Error
					if !errors.As(err, &e) || e.Kind != errs.KindFailedPrecondition || e.Reason != ReasonIllegalTransition {
						t.Errorf("%s %s by %s: got %v, want FAILED_PRECONDITION/ILLEGAL_TRANSITION", status, a, p, err)
					}
					if r.Status != status {
						t.Errorf("%s %s: refused action changed the status to %s", status, a, r.Status)
					}
				case edge.by != p:
					if !errors.Is(err, errs.ErrPermissionDenied) {
						t.Errorf("%s %s by %s: got %v, want PERMISSION_DENIED", status, a, p, err)
					}
					if r.Status != status {
						t.Errorf("%s %s by %s: refused action changed the status", status, a, p)
					}
				default:
					if err != nil || from != status || r.Status != edge.to {
						t.Errorf("%s %s by %s: got %s->%s, %v; want %s", status, a, p, from, r.Status, err, edge.to)
					}
					if Closed(edge.to) != !r.CloseTime.IsZero() {
						t.Errorf("%s %s: close time %v for %s", status, a, r.CloseTime, edge.to)
					}
				}
			}
		}
	}
}

func TestApplySetsFields(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	for urgency, d := range map[string]time.Duration{"emergency": 24 * time.Hour, "high": 72 * time.Hour, "normal": 240 * time.Hour} {
		r := &Referral{Status: StatusDraft, Urgency: urgency}
		if _, err := r.Apply(Command{Action: Send}, Sender, now); err != nil {
			t.Fatal(err)
		}
		if !r.SendTime.Equal(now) || !r.DueTime.Equal(now.Add(d)) {
			t.Errorf("%s: sent %v due %v", urgency, r.SendTime, r.DueTime)
		}
		if r.Overdue(now.Add(d-time.Second)) || !r.Overdue(now.Add(d+time.Second)) {
			t.Errorf("%s: overdue boundary wrong", urgency)
		}
	}
	r := &Referral{Status: StatusInProgress, DueTime: now.Add(-time.Hour)}
	if _, err := r.Apply(Command{Action: Complete, OutcomeCode: "referred_onward", Note: "to the clinic"}, Receiver, now); err != nil {
		t.Fatal(err)
	}
	if r.OutcomeCode != "referred_onward" || r.OutcomeNote != "to the clinic" || r.Overdue(now.Add(time.Hour)) {
		t.Errorf("complete: %+v", r)
	}
	r = &Referral{Status: StatusSent, Version: 2}
	if _, err := r.Apply(Command{Action: Decline, Etag: `W/"1"`, Note: "full"}, Receiver, now); !errors.Is(err, errs.ErrAborted) {
		t.Errorf("stale etag: %v", err)
	}
	if _, err := r.Apply(Command{Action: Decline, Etag: r.Etag(), Note: "no capacity"}, Receiver, now); err != nil || r.CloseReason != "no capacity" {
		t.Errorf("decline: %v %+v", err, r)
	}
}

func TestCommandValidate(t *testing.T) {
	cases := []struct {
		c  Command
		ok bool
	}{
		{Command{Action: Decline}, false},
		{Command{Action: Decline, Note: "no capacity"}, true},
		{Command{Action: Cancel}, true},
		{Command{Action: Complete}, false},
		{Command{Action: Complete, OutcomeCode: "nope"}, false},
		{Command{Action: Complete, OutcomeCode: "other"}, true},
		{Command{Action: Accept, Note: "bad\x00"}, false},
		{Command{Action: Accept, Note: string([]byte{0xff})}, false},
	}
	for _, c := range cases {
		if err := c.c.Validate(); (err == nil) != c.ok {
			t.Errorf("%+v: %v", c.c, err)
		}
	}
}

// TestStageReached: a referral reaches each stage by the transition into
// it and stays there, whatever happens after (a cancellation, a consent's
// end); a declined one reaches no stage after sent.
func TestStageReached(t *testing.T) {
	t.Parallel()
	day := func(d int) time.Time { return time.Date(2026, 3, d, 10, 0, 0, 0, time.UTC) }
	run := func(actions ...Action) *Referral {
		r := &Referral{Status: StatusDraft, Urgency: "normal"}
		for i, a := range actions {
			p := Sender
			if a == Accept || a == Decline || a == Start || a == Complete {
				p = Receiver
			}
			if _, err := r.Apply(Command{Action: a}, p, day(i+1)); err != nil {
				t.Fatalf("%v: %v", actions, err)
			}
		}
		return r
	}
	ended := run(Send, Accept, Start)
	if _, ok := ended.End(ReasonConsentWithdrawn, day(9)); !ok {
		t.Fatal("consent end did not end an open referral")
	}
	for _, tc := range []struct {
		name string
		r    *Referral
		want map[Stage]time.Time
	}{
		{"sent", run(Send), map[Stage]time.Time{StageSent: day(1)}},
		{"declined", run(Send, Decline), map[Stage]time.Time{StageSent: day(1)}},
		{"accepted, then cancelled", run(Send, Accept, Start, Cancel), map[Stage]time.Time{StageSent: day(1), StageAccepted: day(2)}},
		{"accepted, then consent withdrawn", ended, map[Stage]time.Time{StageSent: day(1), StageAccepted: day(2)}},
		{"completed", run(Send, Accept, Start, Complete), map[Stage]time.Time{StageSent: day(1), StageAccepted: day(2), StageCompleted: day(4)}},
	} {
		for _, s := range Stages {
			if got := s.ReachedAt(tc.r); !got.Equal(tc.want[s]) {
				t.Errorf("%s: stage %q reached at %v, want %v", tc.name, s, got, tc.want[s])
			}
		}
	}
}

// TestDueAcrossSummerTime: a response time in days ends at the same time of
// day in the report time zone, across the change to or from summer time in
// Belgrade (29 March and 25 October 2026); one in hours is that many hours,
// whatever the clocks do. Creating the draft and sending it agree.
func TestDueAcrossSummerTime(t *testing.T) {
	belgrade, err := time.LoadLocation("Europe/Belgrade")
	if err != nil {
		t.Fatal(err)
	}
	at := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, belgrade) }
	for _, tc := range []struct {
		urgency   string
		sent, due time.Time
	}{
		{"normal", at(2026, 3, 25, 9), at(2026, 4, 4, 9)},       // summer time begins between
		{"normal", at(2026, 10, 20, 9), at(2026, 10, 30, 9)},    // and ends between
		{"normal", at(2026, 6, 1, 9), at(2026, 6, 11, 9)},       // no change
		{"emergency", at(2026, 3, 28, 12), at(2026, 3, 29, 13)}, // 24 h: 13:00 on the clock
		{"high", at(2026, 10, 23, 12), at(2026, 10, 26, 11)},    // 72 h: 11:00 on the clock
	} {
		r := &Referral{Status: StatusDraft, Urgency: tc.urgency}
		r.Prepare("0190a000-0000-7000-8000-00000000000a", tc.sent)
		draftDue := r.DueTime
		if _, err := r.Apply(Command{Action: Send}, Sender, tc.sent); err != nil {
			t.Fatal(err)
		}
		if !r.DueTime.Equal(tc.due) || !draftDue.Equal(tc.due) || r.DueTime.Location() != time.UTC {
			t.Errorf("%s sent %s: due %s (draft %s), want %s", tc.urgency, tc.sent, r.DueTime.In(belgrade), draftDue.In(belgrade), tc.due)
		}
		if !r.SendTime.Equal(tc.sent) || r.SendTime.Location() != time.UTC {
			t.Errorf("send time %v", r.SendTime)
		}
	}
}

// TestRepeatsEveryAction: every action of the state machine, sent again by
// its party after it took the referral where it is (with the same text,
// without an etag or with the one it was first sent with), is a retry;
// another action, the other side, another text, the transition recorded
// as another party's (the system's end), an etag of the version the
// referral has now or of none it had, are not; a malformed etag is a bad
// request.
func TestRepeatsEveryAction(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	const from, to = "0190a000-0000-7000-8000-00000000000a", "0190a000-0000-7000-8000-00000000000b"
	for status, edges := range want {
		for a, edge := range edges {
			r := &Referral{ID: "0190a000-0000-7000-8000-000000000001", FromOrganisationID: from, ToOrganisationID: to,
				Status: status, Urgency: "high", Version: 3}
			c := Command{Action: a, Note: "n", Etag: `W/"3"`}
			if a == Complete {
				c.OutcomeCode = "service_provided"
			}
			if _, err := r.Apply(c, edge.by, now); err != nil {
				t.Fatalf("%s %s: %v", status, a, err)
			}
			r.Version = 4
			actor := map[Party]string{Sender: from, Receiver: to}
			last := Event{ReferralID: r.ID, FromStatus: status, ToStatus: r.Status, ActorOrganisationID: actor[edge.by], Note: c.Note}
			name := status + " " + string(a)
			check := func(what string, c Command, p Party, last Event, wantAgain bool) {
				t.Helper()
				again, err := r.Repeats(c, p, last)
				if err != nil || again != wantAgain {
					t.Errorf("%s, %s: repeats %v %v, want %v", name, what, again, err, wantAgain)
				}
			}
			check("as first sent", c, edge.by, last, true)
			bare := c
			bare.Etag = ""
			check("without etag", bare, edge.by, last, true)
			other := map[Party]Party{Sender: Receiver, Receiver: Sender}[edge.by]
			check("by the other side", c, other, last, false)
			for _, b := range Actions {
				if b != a {
					o := c
					o.Action = b
					check("as "+string(b), o, edge.by, last, false)
				}
			}
			o := c
			o.Note = "another"
			check("with another text", o, edge.by, last, false)
			system := last
			system.ActorOrganisationID = ""
			check("after the system's transition", c, edge.by, system, false)
			earlier := last
			earlier.ToStatus = status
			check("with another transition last", c, edge.by, earlier, false)
			for _, tag := range []string{`W/"4"`, `W/"9"`} {
				o := c
				o.Etag = tag
				check("with etag "+tag, o, edge.by, last, false)
			}
			o = c
			o.Etag = "3"
			if _, err := r.Repeats(o, edge.by, last); errs.KindOf(err) != errs.KindInvalidArgument {
				t.Errorf("%s with a malformed etag: %v, want INVALID_ARGUMENT", name, err)
			}
			if a == Complete {
				o := c
				o.OutcomeCode = "partially_provided"
				check("with another outcome", o, edge.by, last, false)
				o = c
				o.Assistance = &Assistance{Type: "information", Date: "2026-03-01"}
				check("with an assistance it did not record", o, edge.by, last, false)
			}
		}
	}
}
