package service_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	refv1 "github.com/spona/spona/gen/go/spona/referrals/v1"
	pb "github.com/spona/spona/gen/go/spona/webhooks/v1"
	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/webhooktest"
)

// TestOutcomeChangesAreTold: the real beneficiaries and referrals services'
// feeds, consumed for real. A completed referral's receiver voids the
// assistance the completion recorded (wrong details) and records its
// correction: both parties of the referral are told each change of its
// outcome (referral.outcome_changed: the void, with its reason code, then
// the correction), by webhook and in the change feed, and the organisations
// that see the assistance record (the receiver, which recorded it, and the
// registering organisation, the sender here) are told of the correction
// (assistance.corrected, naming the record it corrects). Ids and codes
// only; an unrelated organisation is told nothing.
func TestOutcomeChangesAreTold(t *testing.T) {
	s := start(t, nil)
	sender, receiver, unrelated := s.directoryOrg(t, "Sender"), s.directoryOrg(t, "Receiver"), ids.New()
	types := []string{"referral.outcome_changed", "assistance.corrected"}
	rcv, secret := map[string]*webhooktest.Receiver{}, map[string]string{}
	for _, o := range []string{sender, receiver, unrelated} {
		rcv[o] = webhooktest.Start(t, nil)
		secret[o] = s.subscribe(t, o, rcv[o].URL(), types...).GetSecret()
	}
	ctxR := servicetest.As(t, receiver, auth.DefaultPartnerScopes...)
	benc, refc := benv1.NewBeneficiaryServiceClient(s.ben), refv1.NewReferralServiceClient(s.ref)
	person, id := s.referred(t, sender, receiver, refv1.ReferralCategory_REFERRAL_CATEGORY_PSYCHOSOCIAL, "counselling for Amina")
	if _, err := refc.AcceptReferral(ctxR, &refv1.AcceptReferralRequest{Id: id}); err != nil {
		t.Fatal(err)
	}
	if _, err := refc.StartReferral(ctxR, &refv1.StartReferralRequest{Id: id}); err != nil {
		t.Fatal(err)
	}
	// The day in the report time zone (Europe/Belgrade), which the
	// referral's sending is dated by: in UTC it is the day before for an
	// hour or two before midnight, refused as before the sending.
	zone, err := aggregate.LoadZone("")
	if err != nil {
		t.Fatal(err)
	}
	today := time.Now().In(zone).Format(time.DateOnly)
	done, err := refc.CompleteReferral(ctxR, &refv1.CompleteReferralRequest{Id: id,
		Outcome:    &refv1.ReferralOutcome{Code: refv1.OutcomeCode_OUTCOME_CODE_SERVICE_PROVIDED},
		Assistance: &benv1.Assistance{Type: benv1.AssistanceType_ASSISTANCE_TYPE_PSYCHOSOCIAL_COUNSELLING, Date: today}})
	if err != nil {
		t.Fatal(err)
	}
	first := done.GetReferral().GetOutcome().GetAssistanceId()
	if _, err := benc.VoidAssistance(ctxR, &benv1.VoidAssistanceRequest{Id: first,
		Reason: benv1.AssistanceVoidReason_ASSISTANCE_VOID_REASON_WRONG_DETAILS}); err != nil {
		t.Fatal(err)
	}
	// The correction is taken once the referral's outcome shows the void.
	var fixed string
	servicetest.Eventually(t, "the correction", func() error {
		c, err := benc.CreateAssistance(ctxR, &benv1.CreateAssistanceRequest{BeneficiaryId: person, RequestId: "fix-1",
			Assistance: &benv1.Assistance{Type: benv1.AssistanceType_ASSISTANCE_TYPE_LEGAL_COUNSELLING, Date: today, ReferralId: id}})
		fixed = c.GetAssistance().GetId()
		return err
	})

	outcome := func(assistance, reason string) string {
		return fmt.Sprintf("referral.outcome_changed %s %s %s", id, assistance, reason)
	}
	corrected := fmt.Sprintf("assistance.corrected %s corrects %s", fixed, first)
	want := []string{outcome(first, "wrong_details"), outcome(fixed, ""), corrected}
	for name, o := range map[string]string{"sender": sender, "receiver": receiver} {
		reqs := rcv[o].WaitFor(t, 30*time.Second, name+"'s webhooks", func(r []webhooktest.Request) bool { return len(r) >= len(want) })
		var got []string
		eventIDs := map[string]bool{}
		for _, q := range reqs {
			e := q.Decode(t)
			eventIDs[e.ID] = true
			for k, v := range e.Data {
				allowed := []string{"referral_id", "beneficiary_id", "from_organisation_id", "to_organisation_id", "status",
					"category", "urgency", "due_time", "outcome_code", "assistance_id", "assistance_void_reason_code", "organisation_id", "corrects_id", "sequence",
					"assistance_type", "date"}
				if !slices.Contains(allowed, k) {
					t.Errorf("%s: body carries %q: %s", name, k, q.Body)
				}
				if str, ok := v.(string); ok && (str == "Amina" || str == "counselling for Amina") {
					t.Errorf("%s: body carries personal data: %s", name, q.Body)
				}
			}
			switch e.Type {
			case "referral.outcome_changed":
				if e.Data["status"] != "completed" || e.Data["outcome_code"] != "service_provided" || e.Data["beneficiary_id"] != person ||
					e.Data["from_organisation_id"] != sender || e.Data["to_organisation_id"] != receiver {
					t.Errorf("%s: %s", name, q.Body)
				}
				reason, _ := e.Data["assistance_void_reason_code"].(string)
				got = append(got, outcome(fmt.Sprint(e.Data["assistance_id"]), reason))
			case "assistance.corrected":
				if e.Data["beneficiary_id"] != person || e.Data["organisation_id"] != receiver || e.Data["referral_id"] != id {
					t.Errorf("%s: %s", name, q.Body)
				}
				got = append(got, fmt.Sprintf("assistance.corrected %s corrects %s", e.Data["assistance_id"], e.Data["corrects_id"]))
			default:
				t.Errorf("%s: %s", name, q.Body)
			}
		}
		// The two feeds are consumed apart: the correction may come
		// before or after the outcome changes; each referral's in order.
		slices.Sort(got)
		sorted := slices.Sorted(slices.Values(want))
		if !slices.Equal(got, sorted) {
			t.Fatalf("%s was told %q\nwant %q", name, got, sorted)
		}
		webhooktest.Verify(t, []string{secret[o]}, reqs)
		feed, err := s.feed.ListChanges(as(t, o), &pb.ListChangesRequest{Types: types})
		if err != nil {
			t.Fatal(err)
		}
		if len(feed.GetEvents()) != len(want) {
			t.Errorf("%s's change feed: %v", name, feed.GetEvents())
		}
		for _, ev := range feed.GetEvents() {
			if !eventIDs[ev.GetId()] {
				t.Errorf("%s's change feed has %s, not delivered by webhook", name, ev.GetId())
			}
		}
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(rcv[unrelated].Requests()); n != 0 {
		t.Fatalf("an unrelated organisation got %d webhooks", n)
	}
	if feed, err := s.feed.ListChanges(as(t, unrelated), &pb.ListChangesRequest{}); err != nil || len(feed.GetEvents()) != 0 {
		t.Fatalf("an unrelated organisation's change feed: %v %v", feed, err)
	}
}
