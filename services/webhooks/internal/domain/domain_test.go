package domain

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/events"
)

// The signing vector published with the Standard Webhooks reference
// libraries.
func TestSignKnownVector(t *testing.T) {
	got, err := Sign([]string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, "msg_p5jXN8AQM9LWM0D4loKWxJek",
		1614265330, []byte(`{"test": 2432232314}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
}

func TestSignWithTwoSecretsAndBadSecrets(t *testing.T) {
	a, b := NewSecret(), NewSecret()
	if a == b || !strings.HasPrefix(a, "whsec_") || len(a) != len("whsec_")+44 {
		t.Fatalf("secrets %q %q", a, b)
	}
	both, err := Sign([]string{a, b}, "id", 1, []byte("{}"))
	if err != nil {
		t.Fatal(err)
	}
	one, _ := Sign([]string{a}, "id", 1, []byte("{}"))
	two, _ := Sign([]string{b}, "id", 1, []byte("{}"))
	if both != one+" "+two {
		t.Fatalf("two secrets: %q, want %q", both, one+" "+two)
	}
	for _, bad := range []string{"", "whsec_", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_%%%"} {
		if _, err := Sign([]string{bad}, "id", 1, nil); err == nil {
			t.Errorf("Sign with secret %q: no error", bad)
		}
	}
}

func TestSecretsDuringOverlap(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := &Subscription{Secret: "whsec_old"}
	s.Rotate("whsec_new", "", now)
	if got := s.Secrets(now.Add(23 * time.Hour)); !slices.Equal(got, []string{"whsec_new", "whsec_old"}) {
		t.Fatalf("within 24h: %v", got)
	}
	if got := s.Secrets(now.Add(24 * time.Hour)); !slices.Equal(got, []string{"whsec_new"}) {
		t.Fatalf("after 24h: %v", got)
	}
}

// TestEachReplacedSecretSignsItsOverlap: a rotation made while an earlier
// one's overlap runs (a rotation retried without its Idempotency-Key after
// a lost answer, two administrators) does not cut that overlap short:
// every replaced secret signs for 24 hours after the rotation that
// replaced it, so a receiver still on the first secret is not failed at
// once. At most MaxReplacedSecrets sign beside the current one.
func TestEachReplacedSecretSignsItsOverlap(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := &Subscription{Secret: "whsec_1"}
	s.Rotate("whsec_2", "", t0)
	s.Rotate("whsec_3", "", t0.Add(time.Hour))
	for _, c := range []struct {
		at   time.Duration
		want []string
	}{
		{2 * time.Hour, []string{"whsec_3", "whsec_2", "whsec_1"}},
		{24*time.Hour - time.Second, []string{"whsec_3", "whsec_2", "whsec_1"}},
		{24 * time.Hour, []string{"whsec_3", "whsec_2"}},
		{25 * time.Hour, []string{"whsec_3"}},
	} {
		if got := s.Secrets(t0.Add(c.at)); !slices.Equal(got, c.want) {
			t.Errorf("%v after the first rotation: signed with %v, want %v", c.at, got, c.want)
		}
	}
	// Many rotations within a day: the current secret and the last
	// MaxReplacedSecrets replaced ones.
	s = &Subscription{Secret: "whsec_0"}
	for i := 1; i <= MaxReplacedSecrets+3; i++ {
		s.Rotate(fmt.Sprintf("whsec_%d", i), "", t0.Add(time.Duration(i)*time.Minute))
	}
	got := s.Secrets(t0.Add(time.Hour))
	if len(got) != MaxReplacedSecrets+1 || got[0] != fmt.Sprintf("whsec_%d", MaxReplacedSecrets+3) || got[len(got)-1] != "whsec_3" {
		t.Errorf("after %d rotations within an hour: signed with %v", MaxReplacedSecrets+3, got)
	}
	if len(s.Replaced) != MaxReplacedSecrets || s.Replaced[0].Secret != fmt.Sprintf("whsec_%d", MaxReplacedSecrets+2) ||
		!s.PreviousSecretExpires().Equal(t0.Add(time.Duration(MaxReplacedSecrets+3)*time.Minute+SecretOverlap)) {
		t.Errorf("after %d rotations within an hour: kept %+v, want the last %d replaced, newest first", MaxReplacedSecrets+3, s.Replaced, MaxReplacedSecrets)
	}
	// An overlap that has ended is not carried into the next rotation.
	s = &Subscription{Secret: "whsec_a"}
	s.Rotate("whsec_b", "", t0)
	s.Rotate("whsec_c", "", t0.Add(48*time.Hour))
	if got := s.Secrets(t0.Add(49 * time.Hour)); !slices.Equal(got, []string{"whsec_c", "whsec_b"}) || len(s.Replaced) != 1 {
		t.Errorf("rotated again after the overlap: signed with %v, kept %+v", got, s.Replaced)
	}
}

func TestForbiddenAddr(t *testing.T) {
	for addr, forbidden := range map[string]bool{
		"127.0.0.1": true, "127.8.9.10": true, "10.1.2.3": true, "172.16.0.1": true, "172.31.255.255": true,
		"192.168.1.1": true, "169.254.169.254": true, "100.64.0.1": true, "0.0.0.0": true, "224.0.0.1": true,
		"255.255.255.255": true, "::1": true, "::": true, "fe80::1": true, "fd00:ec2::254": true, "fc00::1": true,
		"::ffff:127.0.0.1": true, "::ffff:10.0.0.1": true, "::ffff:169.254.169.254": true, "64:ff9b::a00:1": true,
		"2002:7f00:1::": true, "ff02::1": true,
		"93.184.215.14": false, "172.32.0.1": false, "8.8.8.8": false, "2a00:1450:4001:80b::200e": false,
		"::ffff:93.184.215.14": false,
	} {
		why := ForbiddenAddr(netip.MustParseAddr(addr))
		if (why != "") != forbidden {
			t.Errorf("ForbiddenAddr(%s) = %q, want forbidden %v", addr, why, forbidden)
		}
	}
}

func TestValidateURL(t *testing.T) {
	ok := func(u string, allowHTTP bool) error {
		s := &Subscription{URL: u, EventTypes: []string{TypeReferralReceived}, State: StateActive}
		s.Normalize()
		return s.Validate(allowHTTP)
	}
	for _, u := range []string{"https://partner.example/hooks", "https://93.184.215.14:8443/x?y=1"} {
		if err := ok(u, false); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	for _, u := range []string{"", "http://partner.example/", "ftp://x/", "https://user:pw@partner.example/", "partner.example/x",
		"https:///x", "https://partner.example/#frag", "https://" + strings.Repeat("a", 2000) + ".example/"} {
		if err := ok(u, false); err == nil {
			t.Errorf("%q accepted", u)
		}
	}
	if err := ok("http://127.0.0.1:8080/", true); err != nil {
		t.Errorf("http allowed in development: %v", err)
	}
	s := &Subscription{URL: "https://partner.example/", EventTypes: []string{"referral.sent"}}
	s.Normalize()
	if err := s.Validate(false); err == nil || !strings.Contains(err.Error(), "unknown event type") {
		t.Errorf("unknown type accepted: %v", err)
	}
}

// TestUnknownEventTypeNamedWhereSent: a violation of an unknown event type
// names the index the caller sent it at, not its place in the sorted and
// deduplicated list the subscription keeps.
func TestUnknownEventTypeNamedWhereSent(t *testing.T) {
	for _, c := range []struct {
		types []string
		want  []string
	}{
		{[]string{TypeReferralReceived, "bogus"}, []string{"webhook.event_types[1]"}},
		{[]string{TypeReferralReceived, TypeReferralReceived, " referral.sent ", TypeBeneficiaryErased, "zzz"},
			[]string{"webhook.event_types[2]", "webhook.event_types[4]"}},
		{[]string{"", "bogus"}, []string{"webhook.event_types[1]"}},
	} {
		s := &Subscription{URL: "https://partner.example/", EventTypes: slices.Clone(c.types), State: StateActive}
		s.Normalize()
		var e *errs.Error
		if err := s.Validate(false); !errors.As(err, &e) {
			t.Fatalf("%q: %v, want field violations", c.types, err)
		}
		var got []string
		for _, fv := range e.Violations {
			got = append(got, fv.Field)
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%q: violations (-want +got):\n%s", c.types, diff)
		}
	}
}

func TestRoute(t *testing.T) {
	from, to, other := "0190a000-0000-7000-8000-00000000000a", "0190a000-0000-7000-8000-00000000000b", "0190a000-0000-7000-8000-00000000000c"
	ref := func(typ string) Event {
		return Event{ID: "e", Type: typ, AggregateType: "referral", AggregateID: "r1", OrganisationIDs: []string{from, to},
			Data: map[string]any{"from_organisation_id": from, "to_organisation_id": to, "status": "sent", "reason": "free text", "notes": "x"}}
	}
	// A referral the consent's end cancelled (nobody's action).
	endedBy := func(code string) Event {
		e := ref("referral.cancelled")
		e.Data["close_reason_code"] = code
		return e
	}
	// A merge: ids only, the merged record's and the survivor's.
	merged := Event{Type: "beneficiary.merged", AggregateType: "beneficiary", AggregateID: "b", OrganisationIDs: []string{from, other},
		Data: map[string]any{"survivor_id": "s", "given_name": "x"}}
	if n := Route(merged); len(n) == 0 || !maps.Equal(n[0].Data, map[string]any{"beneficiary_id": "b", "survivor_id": "s"}) {
		t.Errorf("beneficiary.merged: %+v, want data naming the merged record and the survivor only", n)
	}
	// A correction of an assistance record: ids only, to the recording
	// and the registering organisations the event names.
	corrected := Event{Type: "assistance.corrected", AggregateType: "assistance", AggregateID: "a2", OrganisationIDs: []string{to, from},
		Data: map[string]any{"beneficiary_id": "b", "organisation_id": to, "referral_id": "r1", "corrects_id": "a1", "notes": "x"}}
	if n := Route(corrected); len(n) == 0 || !maps.Equal(n[0].Data, map[string]any{"assistance_id": "a2", "beneficiary_id": "b",
		"organisation_id": to, "referral_id": "r1", "corrects_id": "a1"}) {
		t.Errorf("assistance.corrected: %+v, want ids only", n)
	}
	// An assistance recorded, or voided: its ids and codes, never its
	// notes, to the recording and the registering organisations.
	recorded := Event{Type: "assistance.recorded", AggregateType: "assistance", AggregateID: "a3", OrganisationIDs: []string{to, from},
		Data: map[string]any{"beneficiary_id": "b", "organisation_id": to, "project_id": "p", "service_id": "s", "location_id": "l",
			"assistance_type": "legal_counselling", "date": "2026-03-01", "notes": "x"}}
	if n := Route(recorded); len(n) == 0 || !maps.Equal(n[0].Data, map[string]any{"assistance_id": "a3", "beneficiary_id": "b",
		"organisation_id": to, "project_id": "p", "service_id": "s", "location_id": "l", "assistance_type": "legal_counselling",
		"date": "2026-03-01"}) {
		t.Errorf("assistance.recorded: %+v, want ids and codes only", n)
	}
	voided := Event{Type: "assistance.voided", AggregateType: "assistance", AggregateID: "a3", OrganisationIDs: []string{to},
		Data: map[string]any{"beneficiary_id": "b", "organisation_id": to, "reason_code": "duplicate", "void_time": "2026-03-02T10:00:00Z"}}
	if n := Route(voided); len(n) != 1 || !maps.Equal(n[0].Data, map[string]any{"assistance_id": "a3", "beneficiary_id": "b",
		"organisation_id": to, "reason_code": "duplicate", "void_time": "2026-03-02T10:00:00Z"}) {
		t.Errorf("assistance.voided: %+v, want ids and codes only", n)
	}
	type n struct{ Org, Type string }
	notices := func(e Event) []n {
		var out []n
		for _, x := range Route(e) {
			out = append(out, n{x.OrganisationID, x.Type})
			if _, leaked := x.Data["reason"]; leaked || x.Data["referral_id"] != "r1" && e.AggregateType == "referral" {
				t.Errorf("%s: data %v", e.Type, x.Data)
			}
		}
		return out
	}
	for _, c := range []struct {
		e    Event
		want []n
	}{
		{ref("referral.created"), nil},
		{ref("referral.sent"), []n{{to, TypeReferralReceived}}},
		{ref("referral.accepted"), []n{{from, TypeReferralAccepted}}},
		{ref("referral.declined"), []n{{from, TypeReferralDeclined}}},
		{ref("referral.started"), []n{{from, TypeReferralStarted}}},
		{ref("referral.completed"), []n{{from, TypeReferralCompleted}}},
		{ref("referral.cancelled"), []n{{to, TypeReferralCancelled}}},
		{endedBy("CONSENT_WITHDRAWN"), []n{{to, TypeReferralCancelled}, {from, TypeReferralCancelled}}},
		{endedBy("CONSENT_EXPIRED"), []n{{to, TypeReferralCancelled}, {from, TypeReferralCancelled}}},
		{endedBy("BENEFICIARY_ERASED"), []n{{to, TypeReferralCancelled}, {from, TypeReferralCancelled}}},
		{ref("referral.overdue"), []n{{to, TypeReferralOverdue}, {from, TypeReferralOverdue}}},
		{Event{Type: "consent.withdrawn", AggregateType: "consent", AggregateID: "c", OrganisationIDs: []string{to, other, to}},
			[]n{{to, TypeConsentWithdrawn}, {other, TypeConsentWithdrawn}}},
		{Event{Type: "consent.expired", AggregateType: "consent", AggregateID: "c", OrganisationIDs: []string{from, to}},
			[]n{{from, TypeConsentExpired}, {to, TypeConsentExpired}}},
		{Event{Type: "beneficiary.erased", AggregateType: "beneficiary", AggregateID: "b", OrganisationIDs: []string{other}},
			[]n{{other, TypeBeneficiaryErased}}},
		{Event{Type: "beneficiary.created", AggregateType: "beneficiary", AggregateID: "b", OrganisationIDs: []string{other}}, nil},
		{merged, []n{{from, TypeBeneficiaryMerged}, {other, TypeBeneficiaryMerged}}},
		{ref("referral.outcome_changed"), []n{{to, TypeReferralOutcomeChanged}, {from, TypeReferralOutcomeChanged}}},
		{corrected, []n{{to, TypeAssistanceCorrected}, {from, TypeAssistanceCorrected}}},
		{recorded, []n{{to, TypeAssistanceRecorded}, {from, TypeAssistanceRecorded}}},
		{Event{Type: "assistance.voided", AggregateType: "assistance", AggregateID: "a2", OrganisationIDs: []string{to, from}},
			[]n{{to, TypeAssistanceVoided}, {from, TypeAssistanceVoided}}},
	} {
		if diff := cmp.Diff(c.want, notices(c.e)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.e.Type, diff)
		}
	}
	body, err := Body(Route(ref("referral.sent"))[0], "e1", time.Date(2026, 3, 1, 10, 0, 0, 5, time.FixedZone("x", 3600)))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"e1","type":"referral.received","timestamp":"2026-03-01T09:00:00.000000005Z","data":{"from_organisation_id":"` + from +
		`","referral_id":"r1","status":"sent","to_organisation_id":"` + to + `"}}`
	if string(body) != want {
		t.Fatalf("body %s\nwant %s", body, want)
	}
}

// TestRouteTrainingsAndReporting: the trainings feed's events go to the
// organisations the event names (its organiser), the reporting feed's
// indicator events to theirs (the project's readers), each once, with ids,
// codes and dates only; the events of both feeds that are not webhook
// types (a registration, a project's change) go to nobody.
func TestRouteTrainingsAndReporting(t *testing.T) {
	organiser, reader, other := "0190a000-0000-7000-8000-00000000000a", "0190a000-0000-7000-8000-00000000000b", "0190a000-0000-7000-8000-00000000000c"
	completed := Event{Type: "participant.completed", AggregateType: "participant", AggregateID: "p1", OrganisationIDs: []string{organiser},
		Data: map[string]any{"event_id": "t1", "beneficiary_id": "b", "project_id": "pr", "cause": "attendance.recorded", "given_name": "x"}}
	if n := Route(completed); len(n) != 1 || !maps.Equal(n[0].Data, map[string]any{"participant_id": "p1", "event_id": "t1",
		"beneficiary_id": "b", "project_id": "pr", "cause": "attendance.recorded"}) {
		t.Errorf("participant.completed: %+v, want the organiser told the ids and the cause only", n)
	}
	recorded := Event{Type: "indicator.value_recorded", AggregateType: "indicator", AggregateID: "i1", OrganisationIDs: []string{organiser, reader, organiser},
		Data: map[string]any{"project_id": "pr", "period_start": "2026-01-01", "period_end": "2026-03-31", "organisation_id": organiser,
			"value": "12", "comment": "x", "title": "x"}}
	want := map[string]any{"project_id": "pr", "indicator_id": "i1", "period_start": "2026-01-01", "period_end": "2026-03-31", "organisation_id": organiser}
	if n := Route(recorded); len(n) != 2 || !maps.Equal(n[0].Data, want) {
		t.Errorf("indicator.value_recorded: %+v, want the readers told the ids and the period, never the value", n)
	}
	// A training event moved from one project to another: the organiser
	// is told both ids; the title never travels.
	moved := Event{Type: "training_event.project_changed", AggregateType: "training_event", AggregateID: "t1", OrganisationIDs: []string{organiser},
		Data: map[string]any{"event_id": "t1", "project_id": "pr2", "from_project_id": "pr", "organisation_id": organiser, "completed_count": 4, "title": "x"}}
	if n := Route(moved); len(n) != 1 || !maps.Equal(n[0].Data, map[string]any{"event_id": "t1", "project_id": "pr2", "from_project_id": "pr",
		"organisation_id": organiser, "completed_count": 4}) {
		t.Errorf("training_event.project_changed: %+v, want the organiser told the ids and the count only", n)
	}
	type n struct{ Org, Type string }
	for _, c := range []struct {
		e    Event
		want []n
	}{
		{completed, []n{{organiser, TypeParticipantCompleted}}},
		{Event{Type: "participant.completion_withdrawn", AggregateType: "participant", AggregateID: "p1", OrganisationIDs: []string{organiser}},
			[]n{{organiser, TypeParticipantCompletionWithdrawn}}},
		{Event{Type: "session.created", AggregateType: "session", AggregateID: "s", OrganisationIDs: []string{organiser}}, []n{{organiser, TypeSessionCreated}}},
		{Event{Type: "session.deleted", AggregateType: "session", AggregateID: "s", OrganisationIDs: []string{organiser}}, []n{{organiser, TypeSessionDeleted}}},
		{Event{Type: "session.updated", AggregateType: "session", AggregateID: "s", OrganisationIDs: []string{organiser}}, []n{{organiser, TypeSessionUpdated}}},
		{Event{Type: "attendance.recorded", AggregateType: "session", AggregateID: "s", OrganisationIDs: []string{organiser}}, []n{{organiser, TypeAttendanceRecorded}}},
		{Event{Type: "training_event.threshold_changed", AggregateType: "training_event", AggregateID: "t1", OrganisationIDs: []string{organiser}},
			[]n{{organiser, TypeTrainingEventThresholdChanged}}},
		{moved, []n{{organiser, TypeTrainingEventProjectChanged}}},
		{Event{Type: "participant.registered", AggregateType: "participant", AggregateID: "p1", OrganisationIDs: []string{organiser, other}}, nil},
		{Event{Type: "participant.certified", AggregateType: "participant", AggregateID: "p1", OrganisationIDs: []string{organiser}}, nil},
		{recorded, []n{{organiser, TypeIndicatorValueRecorded}, {reader, TypeIndicatorValueRecorded}}},
		{Event{Type: "indicator.value_corrected", AggregateType: "indicator", AggregateID: "i1", OrganisationIDs: []string{reader}}, []n{{reader, TypeIndicatorValueCorrected}}},
		{Event{Type: "indicator.created", AggregateType: "indicator", AggregateID: "i1", OrganisationIDs: []string{reader}}, []n{{reader, TypeIndicatorCreated}}},
		{Event{Type: "indicator.updated", AggregateType: "indicator", AggregateID: "i1", OrganisationIDs: []string{reader}}, []n{{reader, TypeIndicatorUpdated}}},
		{Event{Type: "indicator.deleted", AggregateType: "indicator", AggregateID: "i1", OrganisationIDs: []string{reader}}, []n{{reader, TypeIndicatorDeleted}}},
		{Event{Type: "project.updated", AggregateType: "project", AggregateID: "pr", OrganisationIDs: []string{organiser, reader}}, nil},
	} {
		var got []n
		for _, x := range Route(c.e) {
			got = append(got, n{x.OrganisationID, x.Type})
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.e.Type, diff)
		}
	}
}

// TestSourceTypes: every webhook event type is asked of exactly one feed
// (or, for a referral's, comes from one type of the referrals feed), each
// feed is asked for the types it carries only, and every type asked is
// one pkg/events declares.
func TestSourceTypes(t *testing.T) {
	feeds := map[string][]string{}
	for _, f := range []string{FeedBeneficiaries, FeedReferrals, FeedTrainings, FeedReporting} {
		feeds[f] = SourceTypes(f)
		for _, typ := range feeds[f] {
			spec, ok := events.Types[typ]
			if !ok {
				t.Errorf("%s feed: %s is not a declared event type", f, typ)
			}
			if f == FeedTrainings && !slices.Contains([]string{events.AggregateParticipant, events.AggregateSession, events.AggregateTrainingEvent}, spec.Aggregate) ||
				f == FeedReporting && spec.Aggregate != events.AggregateIndicator {
				t.Errorf("%s feed asked for %s, about a %s", f, typ, spec.Aggregate)
			}
		}
	}
	for _, typ := range EventTypes {
		var from []string
		for f, types := range feeds {
			for _, src := range types {
				for _, x := range Route(Event{Type: src, OrganisationIDs: []string{"o"}, Data: map[string]any{"from_organisation_id": "o", "to_organisation_id": "o"}}) {
					if x.Type == typ && !slices.Contains(from, f) {
						from = append(from, f)
					}
				}
			}
		}
		if len(from) != 1 {
			t.Errorf("%s comes from feeds %v; want one", typ, from)
		}
	}
}

func TestRetryPolicy(t *testing.T) {
	p := DefaultRetryPolicy
	for attempts, want := range map[int][2]time.Duration{
		1: {2500 * time.Millisecond, 5 * time.Second}, 2: {5 * time.Second, 10 * time.Second},
		5: {40 * time.Second, 80 * time.Second}, 30: {2 * time.Hour, 4 * time.Hour},
	} {
		lo, hi := p.Backoff(attempts, 0, 0), p.Backoff(attempts, 0, 0.999999)
		if lo != want[0] || hi > want[1] || hi < want[1]-time.Second {
			t.Errorf("attempt %d: backoff in [%s, %s], want [%s, %s]", attempts, lo, hi, want[0], want[1])
		}
	}
	if d := p.Backoff(1, time.Minute, 0); d != time.Minute {
		t.Errorf("Retry-After ignored: %s", d)
	}
	if d := p.Backoff(1, 48*time.Hour, 0); d != p.Max {
		t.Errorf("Retry-After not capped: %s", d)
	}

	// A delivery that always fails is retried for three days, then
	// dead-lettered; a subscription failing for five days is disabled.
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	d := &Delivery{Status: DeliveryPending, RetryStart: start, NextAttempt: start}
	now, attempts := start, 0
	for d.Status == DeliveryPending {
		now = d.NextAttempt
		p.AfterFailure(d, Attempt{Code: 500, Latency: time.Millisecond}, now, 0.5)
		attempts++
	}
	if d.Status != DeliveryDeadLettered || now.Sub(start) > p.RetryFor || now.Sub(start) < p.RetryFor-p.Max || d.LastError != "HTTP 500" {
		t.Fatalf("dead-lettered after %d attempts at +%s: %+v", attempts, now.Sub(start), d)
	}
	t.Logf("%d attempts over %s before dead-lettering", attempts, now.Sub(start))
	if off, _, _ := p.ShouldDisable(start, Attempt{Code: 500}, start.Add(119*time.Hour)); off {
		t.Error("disabled before 5 days")
	}
	if off, code, why := p.ShouldDisable(start, Attempt{Code: 500}, start.Add(120*time.Hour)); !off || code != DisabledFailing || !strings.Contains(why, "HTTP 500") {
		t.Errorf("not disabled after 5 days: %q", why)
	}
	if off, code, why := p.ShouldDisable(time.Time{}, Attempt{Code: 410}, start); !off || code != DisabledGone || !strings.Contains(why, "410") {
		t.Errorf("410 Gone does not disable: %q", why)
	}
	// The stored run must have begun 5 days before (a success since ends
	// it); a 410 disables whatever came before.
	if by := p.FailingBy(Attempt{Code: 500}, start.Add(120*time.Hour)); !by.Equal(start) {
		t.Errorf("failing by %s, want %s", by, start)
	}
	if by := p.FailingBy(Attempt{Code: 410}, start); !by.IsZero() {
		t.Errorf("410: failing by %s, want none", by)
	}
	d.Redeliver(now)
	if d.Status != DeliveryPending || !d.RetryStart.Equal(now) {
		t.Fatalf("redeliver: %+v", d)
	}
	d.AfterSuccess(Attempt{Code: 204}, now)
	if d.Status != DeliverySucceeded || d.LastError != "" || d.DeliverTime != now {
		t.Fatalf("success: %+v", d)
	}
}

// TestRedeliveryBacksOffFromTheStart: a :redeliver begins a new retry
// window, and its retries wait as a new delivery's do (5 s doubling), not
// as the last waits of the window it was given up in. Before, a
// dead-lettered delivery redelivered after its endpoint was fixed waited
// 2 to 4 hours after a single failed attempt (a receiver's deploy, a
// 502), and held back the later events of its referral all that time.
func TestRedeliveryBacksOffFromTheStart(t *testing.T) {
	p := DefaultRetryPolicy
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	d := &Delivery{Status: DeliveryPending, RetryStart: start, CreateTime: start, NextAttempt: start}
	for d.Status == DeliveryPending {
		p.AfterFailure(d, Attempt{Code: 503}, d.NextAttempt, 0.5)
	}
	given := d.Attempts
	redelivered := start.Add(10 * 24 * time.Hour)
	d.Redeliver(redelivered)
	for i, want := range []time.Duration{3750 * time.Millisecond, 7500 * time.Millisecond, 15 * time.Second} {
		at := d.NextAttempt
		p.AfterFailure(d, Attempt{Code: 502}, at, 0.5)
		if wait := d.NextAttempt.Sub(at); d.Status != DeliveryPending || wait != want {
			t.Fatalf("failure %d after the redelivery (%d attempts before it): %s, next attempt in %s; want %s",
				i+1, given, d.Status, wait, want)
		}
	}
	if d.Attempts != given+3 {
		t.Errorf("attempts %d, want %d: the log counts every attempt", d.Attempts, given+3)
	}
}

// TestCursorsAreSealed: a change-feed cursor opens to its position for the
// organisation it was sealed for, and for no other, nor with another key,
// nor changed; it is always 50 characters, whatever the position, and two
// for the same position differ, so a cursor tells nothing of how far the
// feed (every organisation's changes) has come. A cursor of the readable
// kind given before (base64 of "c1:" and the position) is ErrCursorRetired.
func TestCursorsAreSealed(t *testing.T) {
	c, other := NewCursors("cursor-test-key-0123456789"), NewCursors("another-key-0123456789")
	const org, org2 = "0190a000-0000-7000-8000-000000000001", "0190a000-0000-7000-8000-000000000002"
	for _, seq := range []int64{0, 1, 4096, 1 << 40, math.MaxInt64} {
		cur := c.Seal(org, seq)
		if got, err := c.Open(org, cur); err != nil || got != seq {
			t.Errorf("round trip %d: %d %v", seq, got, err)
		}
		if len(cur) != 50 {
			t.Errorf("cursor of %d is %d characters: its length tells the position", seq, len(cur))
		}
		if again := c.Seal(org, seq); again == cur {
			t.Errorf("two cursors of %d are equal: comparing them tells whether the feed moved", seq)
		}
		if raw, _ := base64.RawURLEncoding.DecodeString(cur); bytes.Contains(raw, []byte(strconv.FormatInt(seq, 10))) && seq > 1<<10 {
			t.Errorf("cursor of %d carries it in the clear", seq)
		}
		if _, err := c.Open(org2, cur); !errors.Is(err, ErrCursorInvalid) {
			t.Errorf("another organisation's cursor of %d opened: %v", seq, err)
		}
		if _, err := other.Open(org, cur); !errors.Is(err, ErrCursorInvalid) {
			t.Errorf("a cursor of %d opened with another key: %v", seq, err)
		}
		raw, _ := base64.RawURLEncoding.DecodeString(cur)
		raw[len(raw)-9] ^= 1
		if _, err := c.Open(org, base64.RawURLEncoding.EncodeToString(raw)); !errors.Is(err, ErrCursorInvalid) {
			t.Errorf("a changed cursor of %d opened: %v", seq, err)
		}
	}
	if got, err := c.Open(org, ""); err != nil || got != 0 {
		t.Errorf("no cursor: %d %v, want the start", got, err)
	}
	for _, old := range []string{"YzE6MA", "YzE6MTI", base64.RawURLEncoding.EncodeToString([]byte("c1:1099511627776"))} {
		if _, err := c.Open(org, old); !errors.Is(err, ErrCursorRetired) {
			t.Errorf("readable cursor %q: %v, want ErrCursorRetired", old, err)
		}
	}
	for _, bad := range []string{"x", "YWJj", c.Seal(org, 1) + "!", "YzE6LTE", "YzE6"} {
		if _, err := c.Open(org, bad); !errors.Is(err, ErrCursorInvalid) {
			t.Errorf("%q: %v, want ErrCursorInvalid", bad, err)
		}
	}
}

func TestTargetOf(t *testing.T) {
	for in, want := range map[string]string{
		"https://Partner.Example/x": "partner.example:443", "http://127.0.0.1:8080/": "127.0.0.1:8080",
		"https://[2001:db8::1]/": "[2001:db8::1]:443", "http://h/": "h:80",
	} {
		if got := TargetOf(in); got != want {
			t.Errorf("TargetOf(%s) = %s, want %s", in, got, want)
		}
	}
}

// BenchmarkCursors: sealing and opening a change-feed cursor (a page of
// 100 events seals 101).
func BenchmarkCursors(b *testing.B) {
	c := NewCursors("bench-cursor-key-0123456789")
	const org = "0190a000-0000-7000-8000-000000000001"
	cur := c.Seal(org, 1<<40)
	b.Run("seal", func(b *testing.B) {
		for b.Loop() {
			_ = c.Seal(org, 1<<40)
		}
	})
	b.Run("open", func(b *testing.B) {
		for b.Loop() {
			if _, err := c.Open(org, cur); err != nil {
				b.Fatal(err)
			}
		}
	})
}
