package service_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// path to reach each state from a draft: the actions and who takes them.
var paths = map[pb.ReferralStatus][]string{
	pb.ReferralStatus_REFERRAL_STATUS_DRAFT:       {},
	pb.ReferralStatus_REFERRAL_STATUS_SENT:        {"A:send"},
	pb.ReferralStatus_REFERRAL_STATUS_ACCEPTED:    {"A:send", "B:accept"},
	pb.ReferralStatus_REFERRAL_STATUS_DECLINED:    {"A:send", "B:decline"},
	pb.ReferralStatus_REFERRAL_STATUS_IN_PROGRESS: {"A:send", "B:accept", "B:start"},
	pb.ReferralStatus_REFERRAL_STATUS_COMPLETED:   {"A:send", "B:accept", "B:start", "B:complete"},
	pb.ReferralStatus_REFERRAL_STATUS_CANCELLED:   {"A:send", "A:cancel"},
}

// legal is DESIGN.md's state machine: state -> action -> (who, next state),
// with the sender's cancel of a draft made by mistake.
var legal = map[pb.ReferralStatus]map[string]struct {
	by string
	to pb.ReferralStatus
}{
	pb.ReferralStatus_REFERRAL_STATUS_DRAFT: {
		"send":   {"A", pb.ReferralStatus_REFERRAL_STATUS_SENT},
		"cancel": {"A", pb.ReferralStatus_REFERRAL_STATUS_CANCELLED}},
	pb.ReferralStatus_REFERRAL_STATUS_SENT: {
		"accept":  {"B", pb.ReferralStatus_REFERRAL_STATUS_ACCEPTED},
		"decline": {"B", pb.ReferralStatus_REFERRAL_STATUS_DECLINED},
		"cancel":  {"A", pb.ReferralStatus_REFERRAL_STATUS_CANCELLED}},
	pb.ReferralStatus_REFERRAL_STATUS_ACCEPTED: {
		"start":  {"B", pb.ReferralStatus_REFERRAL_STATUS_IN_PROGRESS},
		"cancel": {"A", pb.ReferralStatus_REFERRAL_STATUS_CANCELLED}},
	pb.ReferralStatus_REFERRAL_STATUS_IN_PROGRESS: {
		"complete": {"B", pb.ReferralStatus_REFERRAL_STATUS_COMPLETED},
		"cancel":   {"A", pb.ReferralStatus_REFERRAL_STATUS_CANCELLED}},
}

var actions = []string{"send", "accept", "decline", "start", "complete", "cancel"}

// TestStateMachine tries every action, as sender and as receiver, on a
// referral in every state, over gRPC against the real services.
func TestStateMachine(t *testing.T) {
	s := start(t)
	orgA, orgB := s.org(t, "Sender"), s.org(t, "Receiver")
	ctx := map[string]context.Context{"A": partner(t, orgA), "B": partner(t, orgB)}
	benID := s.beneficiary(t, ctx["A"])
	s.consent(t, ctx["A"], benID, time.Time{})
	for state, path := range paths {
		for _, action := range actions {
			for _, party := range []string{"A", "B"} {
				t.Run(fmt.Sprintf("%s/%s/%s", state, action, party), func(t *testing.T) {
					r := s.draft(t, ctx["A"], benID, orgB, pb.Urgency_URGENCY_NORMAL)
					for _, step := range path {
						s.must(t, ctx[step[:1]], step[2:], r.GetId())
					}
					got, err := s.do(ctx[party], action, r.GetId())
					edge, ok := legal[state][action]
					switch {
					case state == pb.ReferralStatus_REFERRAL_STATUS_DRAFT && party == "B":
						statustest.Want(t, err, codes.NotFound, "receiver acting on a draft")
					case len(path) > 0 && path[len(path)-1] == party+":"+action:
						// The action that took it here sent again by its
						// party (s.do sends the text the path took it
						// with): answered as done.
						if err != nil || got.GetStatus() != state {
							t.Fatalf("%s sent again: %v %v", action, got.GetStatus(), err)
						}
					case !ok:
						statustest.Want(t, err, codes.FailedPrecondition, "illegal transition")
						if statustest.Reason(err) != "ILLEGAL_TRANSITION" {
							t.Fatalf("reason %q", statustest.Reason(err))
						}
					case edge.by != party:
						statustest.Want(t, err, codes.PermissionDenied, "wrong party")
					default:
						if err != nil || got.GetStatus() != edge.to {
							t.Fatalf("got %v %v, want %v", got.GetStatus(), err, edge.to)
						}
					}
					if err != nil {
						after, gerr := s.ref.GetReferral(ctx["A"], &pb.GetReferralRequest{Id: r.GetId()})
						if gerr != nil || after.GetReferral().GetStatus() != state {
							t.Fatalf("a refused action changed the referral: %v %v", after.GetReferral().GetStatus(), gerr)
						}
					}
				})
			}
		}
	}
}

func TestSendRequiresLiveConsent(t *testing.T) {
	s := start(t)
	orgA, orgB := s.org(t, "Sender"), s.org(t, "Receiver")
	ctxA := partner(t, orgA)
	refuse := func(t *testing.T, benID, what string) {
		t.Helper()
		r := s.draft(t, ctxA, benID, orgB, pb.Urgency_URGENCY_HIGH)
		_, err := s.do(ctxA, "send", r.GetId())
		statustest.Want(t, err, codes.FailedPrecondition, what)
		if statustest.Reason(err) != "CONSENT_REQUIRED" {
			t.Fatalf("%s: reason %q", what, statustest.Reason(err))
		}
		got, _ := s.ref.GetReferral(ctxA, &pb.GetReferralRequest{Id: r.GetId()})
		if got.GetReferral().GetStatus() != pb.ReferralStatus_REFERRAL_STATUS_DRAFT {
			t.Fatalf("%s: referral left %v", what, got.GetReferral().GetStatus())
		}
	}
	t.Run("missing", func(t *testing.T) { refuse(t, s.beneficiary(t, ctxA), "no consent") })
	t.Run("withdrawn", func(t *testing.T) {
		benID := s.beneficiary(t, ctxA)
		id := s.consent(t, ctxA, benID, time.Time{})
		if _, err := s.ben.WithdrawConsent(ctxA, &benv1.WithdrawConsentRequest{BeneficiaryId: benID, Id: id, Reason: "asked to"}); err != nil {
			t.Fatal(err)
		}
		refuse(t, benID, "withdrawn consent")
	})
	t.Run("expired", func(t *testing.T) {
		benID := s.beneficiary(t, ctxA)
		s.consent(t, ctxA, benID, time.Now().Add(-24*time.Hour))
		refuse(t, benID, "expired consent")
	})
	t.Run("live", func(t *testing.T) {
		benID := s.beneficiary(t, ctxA)
		consentID := s.consent(t, ctxA, benID, time.Now().Add(30*24*time.Hour))
		r := s.draft(t, ctxA, benID, orgB, pb.Urgency_URGENCY_EMERGENCY)
		before := time.Now()
		sent := s.must(t, ctxA, "send", r.GetId())
		if sent.GetConsentId() != consentID || sent.GetSendTime() == nil {
			t.Fatalf("sent referral %v", sent)
		}
		if due := sent.GetDueTime().AsTime(); due.Before(before.Add(24*time.Hour-time.Second)) || due.After(time.Now().Add(24*time.Hour)) {
			t.Fatalf("emergency due %v", due)
		}
	})
}

// TestAccessFollowsReferral: the receiver sees the beneficiary (reduced view)
// only while the referral is open.
func TestAccessFollowsReferral(t *testing.T) {
	s := start(t)
	orgA, orgB := s.org(t, "Sender"), s.org(t, "Receiver")
	ctxA, ctxB := partner(t, orgA), partner(t, orgB)
	for _, closing := range [][]string{{"B:decline"}, {"B:accept", "B:start", "B:complete"}, {"B:accept", "A:cancel"}} {
		t.Run(closing[len(closing)-1], func(t *testing.T) {
			benID := s.beneficiary(t, ctxA)
			s.consent(t, ctxA, benID, time.Time{})
			r := s.draft(t, ctxA, benID, orgB, pb.Urgency_URGENCY_NORMAL)
			_, err := s.ben.GetBeneficiary(ctxB, &benv1.GetBeneficiaryRequest{Id: benID})
			statustest.Want(t, err, codes.NotFound, "receiver reads before send")
			s.must(t, ctxA, "send", r.GetId())
			got, err := s.ben.GetBeneficiary(ctxB, &benv1.GetBeneficiaryRequest{Id: benID})
			if err != nil || got.GetBeneficiary().GetAccess() != benv1.AccessLevel_ACCESS_LEVEL_GRANTED {
				t.Fatalf("receiver after send: %v %v", got, err)
			}
			for _, step := range closing {
				c := ctxA
				if step[0] == 'B' {
					c = ctxB
				}
				s.must(t, c, step[2:], r.GetId())
			}
			_, err = s.ben.GetBeneficiary(ctxB, &benv1.GetBeneficiaryRequest{Id: benID})
			statustest.Want(t, err, codes.NotFound, "receiver reads after close")
		})
	}
}

func TestEventsAndOutcome(t *testing.T) {
	s := start(t)
	orgA, orgB := s.org(t, "Sender"), s.org(t, "Receiver")
	ctxA, ctxB := partner(t, orgA), partner(t, orgB)
	benID := s.beneficiary(t, ctxA)
	s.consent(t, ctxA, benID, time.Time{})
	r := s.draft(t, ctxA, benID, orgB, pb.Urgency_URGENCY_NORMAL)
	for _, step := range []string{"A:send", "B:accept", "B:start", "B:complete"} {
		c := ctxA
		if step[0] == 'B' {
			c = ctxB
		}
		s.must(t, c, step[2:], r.GetId())
	}
	got, err := s.ref.GetReferral(ctxA, &pb.GetReferralRequest{Id: r.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	o := got.GetReferral().GetOutcome()
	if o.GetCode() != pb.OutcomeCode_OUTCOME_CODE_SERVICE_PROVIDED || o.GetNote() != "represented at the interview" || got.GetReferral().GetCloseTime() == nil {
		t.Fatalf("sender sees %v", got.GetReferral())
	}
	type ev struct {
		from, to pb.ReferralStatus
		org      string
	}
	want := []ev{
		{0, pb.ReferralStatus_REFERRAL_STATUS_DRAFT, orgA},
		{pb.ReferralStatus_REFERRAL_STATUS_DRAFT, pb.ReferralStatus_REFERRAL_STATUS_SENT, orgA},
		{pb.ReferralStatus_REFERRAL_STATUS_SENT, pb.ReferralStatus_REFERRAL_STATUS_ACCEPTED, orgB},
		{pb.ReferralStatus_REFERRAL_STATUS_ACCEPTED, pb.ReferralStatus_REFERRAL_STATUS_IN_PROGRESS, orgB},
		{pb.ReferralStatus_REFERRAL_STATUS_IN_PROGRESS, pb.ReferralStatus_REFERRAL_STATUS_COMPLETED, orgB},
	}
	for _, c := range []context.Context{ctxA, ctxB} {
		var events []*pb.ReferralEvent
		tok := ""
		for {
			page, err := s.ref.ListReferralEvents(c, &pb.ListReferralEventsRequest{ReferralId: r.GetId(), PageSize: 2, PageToken: tok})
			if err != nil {
				t.Fatal(err)
			}
			events = append(events, page.GetEvents()...)
			if tok = page.GetNextPageToken(); tok == "" {
				break
			}
		}
		if len(events) != len(want) {
			t.Fatalf("%d events, want %d: %v", len(events), len(want), events)
		}
		for i, e := range events {
			if e.GetFromStatus() != want[i].from || e.GetToStatus() != want[i].to || e.GetActorOrganisationId() != want[i].org ||
				e.GetActorClientId() != "test" || e.GetCreateTime() == nil {
				t.Fatalf("event %d: %v, want %v", i, e, want[i])
			}
		}
		if events[2].GetNote() != "we will see them Monday" || events[4].GetNote() != "represented at the interview" {
			t.Fatalf("notes not recorded: %v", events)
		}
	}
}

func TestOverdueAndDirections(t *testing.T) {
	s := start(t)
	orgA, orgB := s.org(t, "Sender"), s.org(t, "Receiver")
	ctxA, ctxB := partner(t, orgA), partner(t, orgB)
	benID := s.beneficiary(t, ctxA)
	s.consent(t, ctxA, benID, time.Time{})
	late := s.draft(t, ctxA, benID, orgB, pb.Urgency_URGENCY_EMERGENCY)
	onTime := s.draft(t, ctxA, benID, orgB, pb.Urgency_URGENCY_NORMAL)
	closedLate := s.draft(t, ctxA, benID, orgB, pb.Urgency_URGENCY_EMERGENCY)
	draftLate := s.draft(t, ctxA, benID, orgB, pb.Urgency_URGENCY_EMERGENCY)
	for _, r := range []*pb.Referral{late, onTime, closedLate} {
		s.must(t, ctxA, "send", r.GetId())
	}
	s.must(t, ctxB, "decline", closedLate.GetId())
	// Move three due times into the past, as if 25 hours had gone by.
	s.sql(t, `UPDATE referrals.referrals SET due_time = now() - interval '1 hour' WHERE id = ANY($1::uuid[])`,
		[]string{late.GetId(), closedLate.GetId(), draftLate.GetId()})
	ids := func(c context.Context, req *pb.ListReferralsRequest) []string {
		t.Helper()
		out, err := s.ref.ListReferrals(c, req)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range out.GetReferrals() {
			got = append(got, r.GetId())
			if r.GetOverdue() != (r.GetId() == late.GetId()) {
				t.Fatalf("overdue flag of %s: %v", r.GetId(), r.GetOverdue())
			}
		}
		return got
	}
	for _, c := range []struct {
		ctx  context.Context
		req  *pb.ListReferralsRequest
		want []string
	}{
		{ctxB, &pb.ListReferralsRequest{Direction: pb.Direction_DIRECTION_INCOMING, Overdue: proto.Bool(true)}, []string{late.GetId()}},
		{ctxA, &pb.ListReferralsRequest{Direction: pb.Direction_DIRECTION_OUTGOING, Overdue: proto.Bool(true)}, []string{late.GetId()}},
		// overdue=false: the referrals whose overdue flag is false, not all.
		{ctxB, &pb.ListReferralsRequest{Direction: pb.Direction_DIRECTION_INCOMING, Overdue: proto.Bool(false)}, []string{closedLate.GetId(), onTime.GetId()}},
		// Newest first by sending time, the draft by its creation (before
		// the others were sent).
		{ctxA, &pb.ListReferralsRequest{Direction: pb.Direction_DIRECTION_OUTGOING, Overdue: proto.Bool(false)}, []string{closedLate.GetId(), onTime.GetId(), draftLate.GetId()}},
		{ctxA, &pb.ListReferralsRequest{Direction: pb.Direction_DIRECTION_INCOMING}, nil},
		{ctxB, &pb.ListReferralsRequest{Direction: pb.Direction_DIRECTION_INCOMING}, []string{closedLate.GetId(), onTime.GetId(), late.GetId()}},
		{ctxA, &pb.ListReferralsRequest{Direction: pb.Direction_DIRECTION_OUTGOING}, []string{closedLate.GetId(), onTime.GetId(), late.GetId(), draftLate.GetId()}},
		{ctxB, &pb.ListReferralsRequest{Status: pb.ReferralStatus_REFERRAL_STATUS_DECLINED}, []string{closedLate.GetId()}},
	} {
		if got := ids(c.ctx, c.req); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%v: got %v, want %v", c.req, got, c.want)
		}
	}
	// Keyset pagination walks the same list in pages.
	var walked []string
	tok := ""
	for {
		out, err := s.ref.ListReferrals(ctxA, &pb.ListReferralsRequest{Direction: pb.Direction_DIRECTION_OUTGOING, PageSize: 1, PageToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range out.GetReferrals() {
			walked = append(walked, r.GetId())
		}
		if tok = out.GetNextPageToken(); tok == "" {
			break
		}
	}
	if len(walked) != 4 {
		t.Fatalf("paged walk: %v", walked)
	}
}

// TestBeneficiariesDown: sending while the beneficiaries service is
// unreachable fails with UNAVAILABLE and leaves a draft; closing while it is
// down succeeds and the grant is revoked once it is back.
func TestBeneficiariesDown(t *testing.T) {
	s := start(t)
	orgA, orgB := s.org(t, "Sender"), s.org(t, "Receiver")
	ctxA, ctxB := partner(t, orgA), partner(t, orgB)
	benID := s.beneficiary(t, ctxA)
	s.consent(t, ctxA, benID, time.Time{})
	r := s.draft(t, ctxA, benID, orgB, pb.Urgency_URGENCY_NORMAL)

	s.proxy.cut()
	_, err := s.do(ctxA, "send", r.GetId())
	statustest.Want(t, err, codes.Unavailable, "send while beneficiaries is down")
	// Reading a referral's reason and notes needs the audit log (in the
	// beneficiaries service): nothing is shown unrecorded.
	_, err = s.ref.GetReferral(ctxA, &pb.GetReferralRequest{Id: r.GetId()})
	statustest.Want(t, err, codes.Unavailable, "read while the audit log is unreachable")
	_, err = s.ben.GetBeneficiary(ctxB, &benv1.GetBeneficiaryRequest{Id: benID})
	statustest.Want(t, err, codes.NotFound, "receiver access after failed send")

	s.proxy.restore()
	eventually(t, "read once beneficiaries is back", func() error {
		got, err := s.ref.GetReferral(ctxA, &pb.GetReferralRequest{Id: r.GetId()})
		if err == nil && got.GetReferral().GetStatus() != pb.ReferralStatus_REFERRAL_STATUS_DRAFT {
			t.Fatalf("status after failed send: %v", got.GetReferral().GetStatus())
		}
		return err
	})
	eventually(t, "send once beneficiaries is back", func() error { _, err := s.do(ctxA, "send", r.GetId()); return err })
	if _, err := s.ben.GetBeneficiary(ctxB, &benv1.GetBeneficiaryRequest{Id: benID}); err != nil {
		t.Fatalf("receiver after send: %v", err)
	}

	s.proxy.cut()
	// Ending a referral does not wait for the beneficiaries service; the
	// answer then leaves out the personal data it could not record a read of.
	if d := s.must(t, ctxB, "decline", r.GetId()); d.GetStatus() != pb.ReferralStatus_REFERRAL_STATUS_DECLINED || d.GetReason() != "" {
		t.Fatalf("decline while the audit log is unreachable: %v", d)
	}
	if _, err := s.ben.GetBeneficiary(ctxB, &benv1.GetBeneficiaryRequest{Id: benID}); err != nil {
		t.Fatalf("grant ended although beneficiaries was unreachable: %v", err)
	}
	s.proxy.restore()
	eventually(t, "grant revoked by the retry", func() error {
		if _, err := s.ben.GetBeneficiary(ctxB, &benv1.GetBeneficiaryRequest{Id: benID}); err == nil {
			return errStill
		}
		return nil
	})
}

// TestIsolation: organisation C, neither sender nor receiver, can do nothing
// with A's referral or A's beneficiary; B cannot refer A's beneficiary.
func TestIsolation(t *testing.T) {
	s := start(t)
	orgA, orgB, orgC := s.org(t, "A"), s.org(t, "B"), s.org(t, "C")
	ctxA, ctxB, ctxC := partner(t, orgA), partner(t, orgB), partner(t, orgC)
	benID := s.beneficiary(t, ctxA)
	s.consent(t, ctxA, benID, time.Time{})
	draft := s.draft(t, ctxA, benID, orgB, pb.Urgency_URGENCY_NORMAL)
	sent := s.draft(t, ctxA, benID, orgB, pb.Urgency_URGENCY_NORMAL)
	s.must(t, ctxA, "send", sent.GetId())
	for _, r := range []*pb.Referral{draft, sent} {
		_, err := s.ref.GetReferral(ctxC, &pb.GetReferralRequest{Id: r.GetId()})
		statustest.Want(t, err, codes.NotFound, "C reads")
		_, err = s.ref.ListReferralEvents(ctxC, &pb.ListReferralEventsRequest{ReferralId: r.GetId()})
		statustest.Want(t, err, codes.NotFound, "C reads events")
		for _, a := range actions {
			_, err := s.do(ctxC, a, r.GetId())
			statustest.Want(t, err, codes.NotFound, "C "+a)
		}
	}
	for _, d := range []pb.Direction{pb.Direction_DIRECTION_UNSPECIFIED, pb.Direction_DIRECTION_INCOMING, pb.Direction_DIRECTION_OUTGOING} {
		out, err := s.ref.ListReferrals(ctxC, &pb.ListReferralsRequest{Direction: d})
		if err != nil || len(out.GetReferrals()) != 0 {
			t.Fatalf("C lists %v: %v %v", d, out, err)
		}
	}
	// C cannot refer A's beneficiary, to anyone.
	for _, to := range []string{orgA, orgB} {
		_, err := s.ref.CreateReferral(ctxC, &pb.CreateReferralRequest{Referral: &pb.Referral{
			BeneficiaryId: benID, ToOrganisationId: to, Category: pb.ReferralCategory_REFERRAL_CATEGORY_HEALTH}})
		statustest.Want(t, err, codes.NotFound, "C refers A's beneficiary")
	}
	_, err := s.ben.GetBeneficiary(ctxC, &benv1.GetBeneficiaryRequest{Id: benID})
	statustest.Want(t, err, codes.NotFound, "C reads the beneficiary")
	// B sees it through the grant but cannot refer it onward.
	_, err = s.ref.CreateReferral(ctxB, &pb.CreateReferralRequest{Referral: &pb.Referral{
		BeneficiaryId: benID, ToOrganisationId: orgC, Category: pb.ReferralCategory_REFERRAL_CATEGORY_HEALTH}})
	statustest.Want(t, err, codes.PermissionDenied, "B refers A's beneficiary")
	out, _ := s.ref.ListReferrals(ctxB, &pb.ListReferralsRequest{Direction: pb.Direction_DIRECTION_OUTGOING})
	if len(out.GetReferrals()) != 0 {
		t.Fatalf("B stored an onward referral: %v", out)
	}
	// A draft is invisible to its receiver.
	_, err = s.ref.GetReferral(ctxB, &pb.GetReferralRequest{Id: draft.GetId()})
	statustest.Want(t, err, codes.NotFound, "receiver reads a draft")
}

func TestCreateReferralValidation(t *testing.T) {
	s := start(t)
	orgA, orgB := s.org(t, "A"), s.org(t, "B")
	ctxA := partner(t, orgA)
	benID := s.beneficiary(t, ctxA)
	closed, err := s.dir.CreateService(ctxA, &pb.CreateServiceRequest{OrganisationId: orgA, Service: &pb.Service{
		Name: "Closed", Category: pb.ReferralCategory_REFERRAL_CATEGORY_LEGAL}})
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		r    *pb.Referral
		want codes.Code
		// field is the violation the refusal names, if any.
		field string
	}{
		"empty":            {&pb.Referral{}, codes.InvalidArgument, ""},
		"bad beneficiary":  {&pb.Referral{BeneficiaryId: "x", ToOrganisationId: orgB, Category: 1}, codes.InvalidArgument, ""},
		"to self":          {&pb.Referral{BeneficiaryId: benID, ToOrganisationId: orgA, Category: 1}, codes.InvalidArgument, ""},
		"unknown category": {&pb.Referral{BeneficiaryId: benID, ToOrganisationId: orgB, Category: 99}, codes.InvalidArgument, ""},
		"unknown urgency":  {&pb.Referral{BeneficiaryId: benID, ToOrganisationId: orgB, Category: 1, Urgency: 42}, codes.InvalidArgument, ""},
		// An id in the body the directory does not have is the body's
		// mistake, named as such (as an assistance's unknown service_id),
		// not a 404 of POST /v1/referrals.
		"unknown receiver": {&pb.Referral{BeneficiaryId: benID, ToOrganisationId: ids.New(), Category: 1}, codes.InvalidArgument,
			"referral.to_organisation_id"},
		"unknown service": {&pb.Referral{BeneficiaryId: benID, ToOrganisationId: orgB, ToServiceId: ids.New(), Category: 1}, codes.InvalidArgument,
			"referral.to_service_id"},
		"unknown beneficiary": {&pb.Referral{BeneficiaryId: ids.New(), ToOrganisationId: orgB, Category: 1}, codes.NotFound, ""},
		"service of another":  {&pb.Referral{BeneficiaryId: benID, ToOrganisationId: orgB, ToServiceId: closed.GetService().GetId(), Category: 1}, codes.InvalidArgument, ""},
		"nul in reason":       {&pb.Referral{BeneficiaryId: benID, ToOrganisationId: orgB, Category: 1, Reason: "a\x00b"}, codes.InvalidArgument, ""},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := s.ref.CreateReferral(ctxA, &pb.CreateReferralRequest{Referral: c.r})
			statustest.Want(t, err, c.want, name)
			if c.field != "" && !slices.Contains(statustest.Violations(err), c.field) {
				t.Fatalf("%s: violations %v, want one on %s", name, statustest.Violations(err), c.field)
			}
		})
	}
	out, _ := s.ref.ListReferrals(ctxA, &pb.ListReferralsRequest{})
	if len(out.GetReferrals()) != 0 {
		t.Fatal("a refused referral was stored")
	}
	// A retry with the same request id returns the first referral.
	req := &pb.CreateReferralRequest{RequestId: "r-1", Referral: &pb.Referral{BeneficiaryId: benID, ToOrganisationId: orgB, Category: 1}}
	first, err := s.ref.CreateReferral(ctxA, req)
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.ref.CreateReferral(ctxA, req)
	if err != nil || again.GetReferral().GetId() != first.GetReferral().GetId() {
		t.Fatalf("retry created another: %v %v", again, err)
	}
}

func TestCountReferrals(t *testing.T) {
	s := start(t)
	orgA, orgB, orgC := s.org(t, "A"), s.org(t, "B"), s.org(t, "C")
	ctxA, ctxB := partner(t, orgA), partner(t, orgB)
	benID := s.beneficiary(t, ctxA)
	s.consent(t, ctxA, benID, time.Time{})
	project := s.project(t, ctxA, nil, nil)
	mk := func(to string, cat pb.ReferralCategory) string {
		r, err := s.ref.CreateReferral(ctxA, &pb.CreateReferralRequest{Referral: &pb.Referral{
			BeneficiaryId: benID, ToOrganisationId: to, ProjectId: project, Category: cat}})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetReferral().GetId()
	}
	health, legal1, legal2 := mk(orgB, pb.ReferralCategory_REFERRAL_CATEGORY_HEALTH), mk(orgB, pb.ReferralCategory_REFERRAL_CATEGORY_LEGAL), mk(orgC, pb.ReferralCategory_REFERRAL_CATEGORY_LEGAL)
	mk(orgB, pb.ReferralCategory_REFERRAL_CATEGORY_LEGAL) // stays a draft: not counted
	for _, id := range []string{health, legal1, legal2} {
		s.must(t, ctxA, "send", id)
	}
	s.must(t, ctxB, "accept", legal1)
	agg := ctxA
	r, err := s.ref.CountReferrals(agg, &pb.CountReferralsRequest{ProjectId: project, GroupBy: []string{"status", "category", "sex", "age_band", "legal_status"}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, g := range r.GetAggregate().GetGroups() {
		l := g.GetLabels()
		got[l["status"]+"/"+l["category"]+"/"+l["sex"]+"/"+l["age_band"]+"/"+l["legal_status"]] = g.GetCount()
	}
	want := map[string]int64{"sent/health/male/18-59/asylum_seeker": 1, "accepted/legal/male/18-59/asylum_seeker": 1, "sent/legal/male/18-59/asylum_seeker": 1}
	if r.GetAggregate().GetTotal() != 3 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("aggregate %v, want total 3 and %v", r.GetAggregate(), want)
	}
	r, err = s.ref.CountReferrals(agg, &pb.CountReferralsRequest{ProjectId: project, OrganisationIds: []string{orgC}})
	if err != nil || r.GetAggregate().GetTotal() != 1 {
		t.Fatalf("filtered by organisation C: %v %v", r, err)
	}
	// Stages: the referrals service says which statuses make each.
	for stage, want := range map[pb.ReferralStage]int64{
		pb.ReferralStage_REFERRAL_STAGE_UNSPECIFIED: 3,
		pb.ReferralStage_REFERRAL_STAGE_ACCEPTED:    1,
		pb.ReferralStage_REFERRAL_STAGE_COMPLETED:   0,
	} {
		r, err = s.ref.CountReferrals(agg, &pb.CountReferralsRequest{ProjectId: project, Stage: stage, GroupBy: []string{"category"}})
		if err != nil || r.GetAggregate().GetTotal() != want {
			t.Fatalf("stage %v: %v %v, want %d", stage, r.GetAggregate(), err, want)
		}
	}
	_, err = s.ref.CountReferrals(agg, &pb.CountReferralsRequest{ProjectId: project, Stage: 9})
	if statustest.Code(err) != codes.InvalidArgument || !slices.Equal(statustest.Violations(err), []string{"stage"}) {
		t.Fatalf("unknown stage: %v", err)
	}
	today := time.Now().UTC().Format("2006-01-02")
	r, err = s.ref.CountReferrals(agg, &pb.CountReferralsRequest{ProjectId: project, GroupBy: []string{"municipality"}})
	if err != nil || r.GetAggregate().GetTotal() != 3 || r.GetAggregate().GetGroups()[0].GetLabels()["municipality"] != "Obrenovac" {
		t.Fatalf("by municipality: %v %v (%s)", r, err, today)
	}
	if _, err := s.ref.CountReferrals(agg, &pb.CountReferralsRequest{ProjectId: project, GroupBy: []string{"beneficiary_id"}}); err == nil {
		t.Fatal("unknown dimension accepted")
	}
	_, err = s.ref.CountReferrals(agg, &pb.CountReferralsRequest{ProjectId: project, OrganisationIds: []string{"x"}})
	statustest.Want(t, err, codes.InvalidArgument, "bad organisation id")
	noScope := servicetest.As(t, orgA, auth.ScopeReferralsRead)
	_, err = s.ref.CountReferrals(noScope, &pb.CountReferralsRequest{ProjectId: project})
	statustest.Want(t, err, codes.PermissionDenied, "without aggregates scope")
}

// TestConcurrentTransitions: of many simultaneous answers (accept or
// decline) to one referral exactly one wins; the other answer is refused
// each time, the same answer sent again is answered as the winner was (a
// retry: TestActionsRetriedAfterLostAnswer), and none leaves an event
// behind.
func TestConcurrentTransitions(t *testing.T) {
	s := start(t)
	orgA, orgB := s.org(t, "Sender"), s.org(t, "Receiver")
	ctxA, ctxB := partner(t, orgA), partner(t, orgB)
	benID := s.beneficiary(t, ctxA)
	s.consent(t, ctxA, benID, time.Time{})
	r := s.draft(t, ctxA, benID, orgB, pb.Urgency_URGENCY_NORMAL)
	s.must(t, ctxA, "send", r.GetId())
	actions := []struct {
		ctx    context.Context
		action string
	}{{ctxB, "accept"}, {ctxB, "decline"}, {ctxB, "accept"}, {ctxB, "decline"}, {ctxB, "accept"}, {ctxB, "decline"}}
	type answer struct {
		action string
		err    error
	}
	answers := make(chan answer, len(actions))
	for _, a := range actions {
		go func() { _, err := s.do(a.ctx, a.action, r.GetId()); answers <- answer{a.action, err} }()
	}
	won := map[string]int{}
	for range actions {
		switch a := <-answers; status.Code(a.err) {
		case codes.OK:
			won[a.action]++
		case codes.Aborted, codes.FailedPrecondition:
		default:
			t.Errorf("unexpected error: %v", a.err)
		}
	}
	if len(won) != 1 {
		t.Fatalf("answers that won: %v, want one of accept or decline", won)
	}
	ev, err := s.ref.ListReferralEvents(ctxA, &pb.ListReferralEventsRequest{ReferralId: r.GetId()})
	if err != nil || len(ev.GetEvents()) != 3 {
		t.Fatalf("events after the race: %v %v", ev, err)
	}
}

// TestEventsOfABadIDNameTheField: a referral id that is no UUID in
// GET /v1/referrals/{referral_id}/events is a violation of referral_id,
// the request's field, not of an "id" it does not have.
func TestEventsOfABadIDNameTheField(t *testing.T) {
	s := start(t)
	ctxA := partner(t, s.org(t, "Sender"))
	_, err := s.ref.ListReferralEvents(ctxA, &pb.ListReferralEventsRequest{ReferralId: "not-a-uuid"})
	statustest.Want(t, err, codes.InvalidArgument, "events of a bad id")
	if got := statustest.Violations(err); !slices.Equal(got, []string{"referral_id"}) {
		t.Fatalf("violations %v, want [referral_id]", got)
	}
}
