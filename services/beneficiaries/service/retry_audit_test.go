package service_test

import (
	"testing"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
)

// TestConsentRetryAudited: a consent's create retried with its request id
// answers the consent recorded (with its scope and the guardian's name), a
// read of the person's data, so the audit log records it, as a
// registration's retry is recorded as a read. It recorded nothing: the
// log showed one consent.create and no read of what the retry returned.
func TestConsentRetryAudited(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	b := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Lejla"})
	in := &pb.Consent{Purpose: pb.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING, GivenBy: pb.ConsentGivenBy_CONSENT_GIVEN_BY_GUARDIAN,
		GuardianName: "Fatima Hodžić", Scope: "health referrals"}
	actions := func() map[string]int {
		t.Helper()
		r, err := c.ListAuditEvents(ctx, &pb.ListAuditEventsRequest{BeneficiaryId: b.GetId(), PageSize: 100})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for _, e := range r.GetAuditEvents() {
			out[e.GetAction()]++
		}
		return out
	}
	for range 2 {
		if _, err := c.CreateConsent(ctx, &pb.CreateConsentRequest{BeneficiaryId: b.GetId(), Consent: in, RequestId: "form-1"}); err != nil {
			t.Fatal(err)
		}
	}
	got := actions()
	if got["consent.create"] != 1 || got["consent.list"] != 1 {
		t.Fatalf("audit log after a consent and its retry: %v, want one consent.create and one consent.list (the retry's read)", got)
	}
}

// TestAssistanceRetryAudited: an assistance's create retried with its
// request id answers the record made (with its notes): a read, recorded
// as assistance.list, not a second assistance.create, which told the
// person's audit log two assistances were recorded where one was.
func TestAssistanceRetryAudited(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	b := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Lejla"})
	in := &pb.Assistance{Type: pb.AssistanceType_ASSISTANCE_TYPE_LEGAL_COUNSELLING, Date: "2024-05-06", Notes: "asylum interview"}
	for range 2 {
		if _, err := c.CreateAssistance(ctx, &pb.CreateAssistanceRequest{BeneficiaryId: b.GetId(), Assistance: in, RequestId: "as-1"}); err != nil {
			t.Fatal(err)
		}
	}
	r, err := c.ListAuditEvents(ctx, &pb.ListAuditEventsRequest{BeneficiaryId: b.GetId(), PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, e := range r.GetAuditEvents() {
		got[e.GetAction()]++
	}
	if got["assistance.create"] != 1 || got["assistance.list"] != 1 {
		t.Fatalf("audit log after an assistance and its retry: %v, want one assistance.create and one assistance.list (the retry's read)", got)
	}
}
