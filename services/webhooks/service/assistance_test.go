package service_test

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	refv1 "github.com/spona/spona/gen/go/spona/referrals/v1"
	pb "github.com/spona/spona/gen/go/spona/webhooks/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/projecttest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/webhooktest"
	"google.golang.org/protobuf/encoding/protojson"
)

// TestAssistanceEventsAreTold: the real beneficiaries service's feed,
// consumed for real. A grantee (the receiver of a referral) records an
// assistance to a person another organisation registered, tagged with a
// project it takes part in, retries the call, then voids the record: the
// two organisations that see the record (the recording one and the
// registering one) are told once of each (assistance.recorded, then
// assistance.voided: ids, codes and dates only, the data compared whole,
// never the notes), by webhook to a real HTTP receiver and in the change
// feed; the project's implementing organisation and its funder, both
// subscribed, are told nothing (they read counts in reports). Erasing the
// person then tells both that were told of the record (as for every event
// naming a person), and what they were told stays ids and codes. Before,
// no assistance.recorded event existed and assistance.voided was no
// webhook type: subscribing to them was refused.
func TestAssistanceEventsAreTold(t *testing.T) {
	s := start(t, nil)
	_, rep := s.trainingsAndReporting(t)
	registering, receiver, owner, funder := s.directoryOrg(t, "Registering"), s.directoryOrg(t, "Receiver"), ids.New(), ids.New()
	types := []string{"assistance.recorded", "assistance.voided", "beneficiary.erased", "consent.withdrawn"}
	rcv, secret := map[string]*webhooktest.Receiver{}, map[string]string{}
	for _, o := range []string{registering, receiver, owner, funder} {
		rcv[o] = webhooktest.Start(t, nil)
		secret[o] = s.subscribe(t, o, rcv[o].URL(), types...).GetSecret()
	}
	// The project is owner's; the receiver takes part in it, the funder
	// funds it.
	project := projecttest.Create(t, rep, servicetest.As(t, owner), []string{receiver}, []string{funder})

	ctxG := servicetest.As(t, registering, auth.DefaultPartnerScopes...)
	ctxR := servicetest.As(t, receiver, auth.DefaultPartnerScopes...)
	benc := benv1.NewBeneficiaryServiceClient(s.ben)
	person, _ := s.referred(t, registering, receiver, refv1.ReferralCategory_REFERRAL_CATEGORY_LEGAL, "asylum interview of Amina")
	const note = "Amina Haddad spoke of her interview"
	today := time.Now().UTC().Format(time.DateOnly)
	record := func() *benv1.Assistance {
		t.Helper()
		r, err := benc.CreateAssistance(ctxR, &benv1.CreateAssistanceRequest{BeneficiaryId: person, RequestId: "as-1",
			Assistance: &benv1.Assistance{ProjectId: project, Type: benv1.AssistanceType_ASSISTANCE_TYPE_LEGAL_COUNSELLING, Date: today, Notes: note}})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetAssistance()
	}
	made := record()
	if again := record(); again.GetId() != made.GetId() {
		t.Fatalf("the retry recorded %s, want %s", again.GetId(), made.GetId())
	}
	voided, err := benc.VoidAssistance(ctxR, &benv1.VoidAssistanceRequest{Id: made.GetId(),
		Reason: benv1.AssistanceVoidReason_ASSISTANCE_VOID_REASON_DUPLICATE})
	if err != nil {
		t.Fatal(err)
	}
	// Then something in the same feed each outsider is told of: once it is
	// in their change feeds, every event before it has been applied.
	for _, o := range []string{owner, funder} {
		ctx := servicetest.As(t, o, auth.DefaultPartnerScopes...)
		own, err := benc.CreateBeneficiary(ctx, &benv1.CreateBeneficiaryRequest{Beneficiary: &benv1.Beneficiary{GivenName: "Marko"}})
		if err != nil {
			t.Fatal(err)
		}
		c, err := benc.CreateConsent(ctx, &benv1.CreateConsentRequest{BeneficiaryId: own.GetBeneficiary().GetId(), Consent: &benv1.Consent{
			Purpose: benv1.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING, GivenBy: benv1.ConsentGivenBy_CONSENT_GIVEN_BY_SELF}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := benc.WithdrawConsent(ctx, &benv1.WithdrawConsentRequest{BeneficiaryId: own.GetBeneficiary().GetId(),
			Id: c.GetConsent().GetId(), Reason: "asked"}); err != nil {
			t.Fatal(err)
		}
	}

	common := map[string]any{"assistance_id": made.GetId(), "beneficiary_id": person, "organisation_id": receiver,
		"project_id": project, "assistance_type": "legal_counselling", "date": today}
	wantRecorded := maps.Clone(common)
	wantRecorded["sequence"] = float64(1)
	wantVoided := maps.Clone(common)
	wantVoided["sequence"], wantVoided["reason_code"] = float64(2), "duplicate"
	wantVoided["void_time"] = events.Time(voided.GetAssistance().GetVoidTime().AsTime())
	wantTypes := []string{"assistance.recorded", "assistance.voided"}
	told := map[string][]string{} // organisation → event ids of the webhooks it got
	for name, o := range map[string]string{"registering": registering, "receiver": receiver} {
		reqs := rcv[o].WaitFor(t, time.Minute, name+"'s webhooks", func(r []webhooktest.Request) bool { return len(r) >= len(wantTypes) })
		var got []string
		for _, q := range reqs {
			e := q.Decode(t)
			got = append(got, e.Type)
			told[o] = append(told[o], e.ID)
			want := wantRecorded
			if e.Type == "assistance.voided" {
				want = wantVoided
			}
			if !maps.Equal(e.Data, want) {
				t.Errorf("%s: %s data %v\nwant %v", name, e.Type, e.Data, want)
			}
			if strings.Contains(string(q.Body), "Amina") || strings.Contains(string(q.Body), "interview") {
				t.Errorf("%s: the body carries personal data: %s", name, q.Body)
			}
		}
		if !slices.Equal(got, wantTypes) {
			t.Fatalf("%s was told %v, want %v once each", name, got, wantTypes)
		}
		webhooktest.Verify(t, []string{secret[o]}, reqs)
		feed, err := s.feed.ListChanges(as(t, o), &pb.ListChangesRequest{Types: wantTypes})
		if err != nil {
			t.Fatal(err)
		}
		var listed []string
		for _, ev := range feed.GetEvents() {
			listed = append(listed, ev.GetId())
		}
		if !slices.Equal(listed, told[o]) {
			t.Errorf("%s's change feed has %v, want the events its webhooks carried, %v", name, listed, told[o])
		}
	}
	for name, o := range map[string]string{"the project's owner": owner, "its funder": funder} {
		var feed *pb.ListChangesResponse
		servicetest.Eventually(t, name+"'s consent.withdrawn", func() error {
			feed, err = s.feed.ListChanges(as(t, o), &pb.ListChangesRequest{})
			if err == nil && len(feed.GetEvents()) == 0 {
				return errors.New("not told yet")
			}
			return err
		})
		if evs := feed.GetEvents(); len(evs) != 1 || evs[0].GetType() != "consent.withdrawn" {
			t.Errorf("%s's change feed: %v, want its own consent.withdrawn only", name, evs)
		}
		hooks, err := s.wh.ListWebhooks(as(t, o), &pb.ListWebhooksRequest{})
		if err != nil || len(hooks.GetWebhooks()) != 1 {
			t.Fatalf("%s's webhooks: %v %v", name, hooks, err)
		}
		for _, d := range s.deliveries(t, o, hooks.GetWebhooks()[0].GetId()) {
			if d.GetEventType() != "consent.withdrawn" {
				t.Errorf("%s: a delivery of %s", name, d.GetEventType())
			}
		}
	}

	// Erasure reaches both organisations told of the record; what they
	// were told stays ids and codes.
	if _, err := benc.EraseBeneficiary(ctxG, &benv1.EraseBeneficiaryRequest{Id: person, Reason: "data subject request"}); err != nil {
		t.Fatal(err)
	}
	for name, o := range map[string]string{"registering": registering, "receiver": receiver} {
		reqs := rcv[o].WaitFor(t, time.Minute, name+"'s beneficiary.erased", func(r []webhooktest.Request) bool { return len(r) > len(wantTypes) })
		if e := reqs[len(wantTypes)].Decode(t); e.Type != "beneficiary.erased" || e.Data["beneficiary_id"] != person {
			t.Errorf("%s: %s, want beneficiary.erased of %s", name, reqs[len(wantTypes)].Body, person)
		}
		feed, err := s.feed.ListChanges(as(t, o), &pb.ListChangesRequest{})
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := protojson.Marshal(feed)
		if strings.Contains(string(raw), "Amina") || strings.Contains(string(raw), "interview") {
			t.Errorf("%s's change feed carries personal data: %s", name, raw)
		}
	}
}
