package service_test

import (
	"context"
	"testing"
	"time"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	pb "github.com/spona/spona/gen/go/spona/webhooks/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/webhooktest"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// TestErasureReachesGrantHolders: the beneficiaries service's feed, consumed
// for real: erasing a beneficiary tells the organisation that held a grant
// (and the registering one), not an unrelated one.
func TestErasureReachesGrantHolders(t *testing.T) {
	s := start(t, nil)
	owner, holder, unrelated := ids.New(), ids.New(), ids.New()
	atOwner, atHolder, atUnrelated := webhooktest.Start(t, nil), webhooktest.Start(t, nil), webhooktest.Start(t, nil)
	s.subscribe(t, owner, atOwner.URL(), "beneficiary.erased")
	wh := s.subscribe(t, holder, atHolder.URL(), "beneficiary.erased", "consent.withdrawn")
	s.subscribe(t, unrelated, atUnrelated.URL(), "beneficiary.erased", "consent.withdrawn")

	ctx := servicetest.As(t, owner)
	benc, access := benv1.NewBeneficiaryServiceClient(s.ben), benv1.NewBeneficiaryAccessServiceClient(s.ben)
	b, err := benc.CreateBeneficiary(ctx, &benv1.CreateBeneficiaryRequest{Beneficiary: &benv1.Beneficiary{
		GivenName: "Amina", LegalStatus: benv1.LegalStatus_LEGAL_STATUS_ASYLUM_SEEKER}})
	if err != nil {
		t.Fatal(err)
	}
	id := b.GetBeneficiary().GetId()
	if _, err := benc.CreateConsent(ctx, &benv1.CreateConsentRequest{BeneficiaryId: id, Consent: &benv1.Consent{
		Purpose: benv1.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING, GivenBy: benv1.ConsentGivenBy_CONSENT_GIVEN_BY_SELF}}); err != nil {
		t.Fatal(err)
	}
	if _, err := access.GrantAccess(ctx, &benv1.GrantAccessRequest{BeneficiaryId: id, GranteeOrganisationId: holder, SourceId: ids.New()}); err != nil {
		t.Fatal(err)
	}
	if _, err := benc.EraseBeneficiary(ctx, &benv1.EraseBeneficiaryRequest{Id: id, Reason: "data subject request"}); err != nil {
		t.Fatal(err)
	}
	for name, rcv := range map[string]*webhooktest.Receiver{"grant holder": atHolder, "owner": atOwner} {
		reqs := rcv.WaitFor(t, 30*time.Second, name+"'s webhook", func(r []webhooktest.Request) bool { return len(r) >= 1 })
		e := reqs[0].Decode(t)
		if len(reqs) != 1 || e.Type != "beneficiary.erased" || e.Data["beneficiary_id"] != id {
			t.Fatalf("%s got %d webhooks, first %s", name, len(reqs), reqs[0].Body)
		}
	}
	webhooktest.Verify(t, []string{wh.GetSecret()}, atHolder.Requests())
	time.Sleep(300 * time.Millisecond)
	if n := len(atUnrelated.Requests()); n != 0 {
		t.Fatalf("an unrelated organisation got %d webhooks", n)
	}
}

// TestConsentEndTellsGrantees: withdrawing a referral_sharing consent, or
// its expiry, ends the grants made under it, and the organisations that
// held them are told (consent.withdrawn, consent.expired), not an unrelated
// one.
func TestConsentEndTellsGrantees(t *testing.T) {
	s := start(t, nil)
	for _, typ := range []string{"consent.withdrawn", "consent.expired"} {
		t.Run(typ, func(t *testing.T) {
			owner, holder, unrelated := ids.New(), ids.New(), ids.New()
			atHolder, atUnrelated := webhooktest.Start(t, nil), webhooktest.Start(t, nil)
			wh := s.subscribe(t, holder, atHolder.URL(), typ)
			s.subscribe(t, unrelated, atUnrelated.URL(), typ)

			ctx := servicetest.As(t, owner)
			benc, access := benv1.NewBeneficiaryServiceClient(s.ben), benv1.NewBeneficiaryAccessServiceClient(s.ben)
			b, err := benc.CreateBeneficiary(ctx, &benv1.CreateBeneficiaryRequest{Beneficiary: &benv1.Beneficiary{
				GivenName: "Nadia", LegalStatus: benv1.LegalStatus_LEGAL_STATUS_REFUGEE}})
			if err != nil {
				t.Fatal(err)
			}
			id := b.GetBeneficiary().GetId()
			consent := &benv1.Consent{Purpose: benv1.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING, GivenBy: benv1.ConsentGivenBy_CONSENT_GIVEN_BY_SELF}
			if typ == "consent.expired" {
				// Far enough ahead for the grant below on any machine;
				// then time passes (below).
				consent.ExpireTime = timestamppb.New(time.Now().Add(time.Hour))
			}
			c, err := benc.CreateConsent(ctx, &benv1.CreateConsentRequest{BeneficiaryId: id, Consent: consent})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := access.GrantAccess(ctx, &benv1.GrantAccessRequest{BeneficiaryId: id, GranteeOrganisationId: holder, SourceId: ids.New()}); err != nil {
				t.Fatal(err)
			}
			if typ == "consent.expired" {
				if _, err := s.pool.Exec(context.Background(), `UPDATE beneficiaries.consents
					SET given_time = now() - interval '2 hours', expire_time = now() - interval '1 second' WHERE id = $1`, c.GetConsent().GetId()); err != nil {
					t.Fatal(err)
				}
			}
			if typ == "consent.withdrawn" {
				if _, err := benc.WithdrawConsent(ctx, &benv1.WithdrawConsentRequest{BeneficiaryId: id, Id: c.GetConsent().GetId(), Reason: "asked by phone"}); err != nil {
					t.Fatal(err)
				}
			}
			reqs := atHolder.WaitFor(t, 30*time.Second, "the grant holder's webhook", func(r []webhooktest.Request) bool { return len(r) >= 1 })
			e := reqs[0].Decode(t)
			if len(reqs) != 1 || e.Type != typ || e.Data["beneficiary_id"] != id || e.Data["consent_id"] != c.GetConsent().GetId() {
				t.Fatalf("holder got %d webhooks, first %s", len(reqs), reqs[0].Body)
			}
			webhooktest.Verify(t, []string{wh.GetSecret()}, reqs)
			time.Sleep(300 * time.Millisecond)
			if n := len(atUnrelated.Requests()); n != 0 {
				t.Fatalf("an unrelated organisation got %d webhooks", n)
			}
		})
	}
}

// TestMergeTellsHoldersOfTheMergedRecord: merging a duplicate into another
// record tells, by webhook and in the change feed, the organisations that
// hold the duplicate's id and may see the survivor: the registering
// organisation and one holding a live grant to the duplicate (which moved to
// the survivor). beneficiary.merged carries the two ids only. An
// organisation that sees only the survivor, one whose grant to the
// duplicate was revoked before, and an unrelated one are not told.
func TestMergeTellsHoldersOfTheMergedRecord(t *testing.T) {
	s := start(t, nil)
	owner, holder, survivorOnly, former, unrelated := ids.New(), ids.New(), ids.New(), ids.New(), ids.New()
	rcv := map[string]*webhooktest.Receiver{}
	secret := map[string]string{}
	for _, org := range []string{owner, holder, survivorOnly, former, unrelated} {
		rcv[org] = webhooktest.Start(t, nil)
		secret[org] = s.subscribe(t, org, rcv[org].URL(), "beneficiary.merged", "beneficiary.erased").GetSecret()
	}
	ctx := servicetest.As(t, owner)
	benc, access := benv1.NewBeneficiaryServiceClient(s.ben), benv1.NewBeneficiaryAccessServiceClient(s.ben)
	person := func(name string, grantees ...string) (id string, sources []string) {
		t.Helper()
		b, err := benc.CreateBeneficiary(ctx, &benv1.CreateBeneficiaryRequest{Beneficiary: &benv1.Beneficiary{
			GivenName: name, FamilyName: "Hodžić", LegalStatus: benv1.LegalStatus_LEGAL_STATUS_ASYLUM_SEEKER}})
		if err != nil {
			t.Fatal(err)
		}
		id = b.GetBeneficiary().GetId()
		if _, err := benc.CreateConsent(ctx, &benv1.CreateConsentRequest{BeneficiaryId: id, Consent: &benv1.Consent{
			Purpose: benv1.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING, GivenBy: benv1.ConsentGivenBy_CONSENT_GIVEN_BY_SELF}}); err != nil {
			t.Fatal(err)
		}
		for _, org := range grantees {
			source := ids.New()
			if _, err := access.GrantAccess(ctx, &benv1.GrantAccessRequest{BeneficiaryId: id, GranteeOrganisationId: org, SourceId: source}); err != nil {
				t.Fatal(err)
			}
			sources = append(sources, source)
		}
		return id, sources
	}
	survivor, _ := person("Amir", survivorOnly)
	dup, sources := person("Amer", holder, former)
	if _, err := access.RevokeAccess(ctx, &benv1.RevokeAccessRequest{BeneficiaryId: dup, SourceId: sources[1]}); err != nil {
		t.Fatal(err)
	}
	if _, err := benc.MergeBeneficiaries(ctx, &benv1.MergeBeneficiariesRequest{Id: survivor, DuplicateId: dup}); err != nil {
		t.Fatal(err)
	}
	for name, org := range map[string]string{"owner": owner, "grant holder": holder} {
		reqs := rcv[org].WaitFor(t, 30*time.Second, name+"'s webhook", func(r []webhooktest.Request) bool { return len(r) >= 1 })
		e := reqs[0].Decode(t)
		if len(reqs) != 1 || e.Type != "beneficiary.merged" || len(e.Data) != 3 ||
			e.Data["beneficiary_id"] != dup || e.Data["survivor_id"] != survivor || e.Data["sequence"] != 1.0 {
			t.Fatalf("%s got %d webhooks, first %s; want beneficiary.merged naming %s merged into %s only (and its sequence, 1)", name, len(reqs), reqs[0].Body, dup, survivor)
		}
		webhooktest.Verify(t, []string{secret[org]}, reqs)
		feed, err := s.feed.ListChanges(as(t, org), &pb.ListChangesRequest{Types: []string{"beneficiary.merged"}})
		if err != nil {
			t.Fatal(err)
		}
		if ev := feed.GetEvents(); len(ev) != 1 || ev[0].GetData().AsMap()["survivor_id"] != survivor || ev[0].GetId() != e.ID {
			t.Errorf("%s's change feed %v; want the merge, as the webhook named it", name, ev)
		}
	}
	// The holder sees the survivor (its grant moved there).
	if _, err := benc.GetBeneficiary(servicetest.As(t, holder), &benv1.GetBeneficiaryRequest{Id: survivor}); err != nil {
		t.Errorf("the grant holder reads the survivor: %v", err)
	}
	// The event was applied (the owner's entry is there): every entry and
	// delivery of it were written in that one transaction.
	for name, org := range map[string]string{"an organisation seeing only the survivor": survivorOnly,
		"a former grant holder": former, "an unrelated organisation": unrelated} {
		feed, err := s.feed.ListChanges(as(t, org), &pb.ListChangesRequest{})
		if err != nil {
			t.Fatal(err)
		}
		whs, err := s.wh.ListWebhooks(as(t, org), &pb.ListWebhooksRequest{})
		if err != nil || len(whs.GetWebhooks()) != 1 {
			t.Fatalf("%s's webhooks: %v", name, err)
		}
		if n, d := len(feed.GetEvents()), s.deliveries(t, org, whs.GetWebhooks()[0].GetId()); n != 0 || len(d) != 0 {
			t.Errorf("%s was told: %d changes, %d deliveries", name, n, len(d))
		}
	}
	// The survivor merged in turn into a third record: the holder learns
	// that the first duplicate's id now names the third record too
	// (merged_ids), whatever order the two webhooks arrive in.
	third, _ := person("Amar")
	if _, err := benc.MergeBeneficiaries(ctx, &benv1.MergeBeneficiariesRequest{Id: third, DuplicateId: survivor}); err != nil {
		t.Fatal(err)
	}
	reqs := rcv[holder].WaitFor(t, 30*time.Second, "the holder's second webhook", func(r []webhooktest.Request) bool { return len(r) >= 2 })
	e := reqs[1].Decode(t)
	if merged, _ := e.Data["merged_ids"].([]any); e.Type != "beneficiary.merged" || e.Data["beneficiary_id"] != survivor ||
		e.Data["survivor_id"] != third || len(merged) != 1 || merged[0] != dup {
		t.Errorf("second merge: %s; want %s merged into %s, with merged_ids [%s]", reqs[1].Body, survivor, third, dup)
	}
}
