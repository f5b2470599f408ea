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
