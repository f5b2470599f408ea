package service_test

import (
	"testing"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
)

// TestGrantUnderTheNamedConsent: a grant naming a consent (consent_id, as
// the referrals service names the consent a referral records) is made
// under exactly that consent, or refused CONSENT_REQUIRED when it is not a
// live referral_sharing consent of the person; never under another
// consent live at the time. So withdrawing the consent the referral names
// ends the receiver's grant. An empty consent_id keeps the choice of the
// live consent lasting longest (callers from before the field).
func TestGrantUnderTheNamedConsent(t *testing.T) {
	c := startAll(t)
	orgA, orgB := ids.New(), ids.New()
	ctxA, ctxB := servicetest.As(t, orgA), servicetest.As(t, orgB)
	checkB := servicetest.As(t, orgB, auth.ScopeAccessCheck)
	b := mustCreate(t, c, ctxA, amina())
	lejla := amina()
	lejla.ExternalId, lejla.GivenName = "CASE-002", "Lejla"
	other := mustCreate(t, c, ctxA, lejla)
	give := func(id string, purpose pb.ConsentPurpose) string {
		t.Helper()
		r, err := c.CreateConsent(ctxA, &pb.CreateConsentRequest{BeneficiaryId: id, Consent: consent(purpose)})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetConsent().GetId()
	}
	first := give(b.GetId(), pb.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING)
	// A second consent recorded after the referral took the first: the
	// newest lasts longest, and is what a grant without a name takes.
	latest := give(b.GetId(), pb.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING)
	grant := func(source, consentID string) error {
		_, err := c.access.GrantAccess(ctxA, &pb.GrantAccessRequest{
			BeneficiaryId: b.GetId(), GranteeOrganisationId: orgB, SourceId: source, ConsentId: consentID})
		return err
	}
	under := func(source string) string {
		t.Helper()
		r, err := c.internal.CheckAccess(checkB, &pb.CheckAccessRequest{BeneficiaryId: b.GetId(), SourceId: source})
		if err != nil || r.GetAccess() != pb.AccessLevel_ACCESS_LEVEL_GRANTED {
			t.Fatalf("B's grant %s: %v %v", source, r, err)
		}
		return r.GetConsentId()
	}

	if err := grant("ref-named", first); err != nil {
		t.Fatal(err)
	}
	if got := under("ref-named"); got != first {
		t.Fatalf("the grant naming consent %s was made under %s", first, got)
	}
	if err := grant("ref-unnamed", ""); err != nil {
		t.Fatal(err)
	}
	if got := under("ref-unnamed"); got != latest {
		t.Fatalf("the grant naming no consent was made under %s, want the newest %s", got, latest)
	}
	// Withdrawing the named consent ends the grant made under it.
	if _, err := c.WithdrawConsent(ctxA, &pb.WithdrawConsentRequest{BeneficiaryId: b.GetId(), Id: first, Reason: "asked"}); err != nil {
		t.Fatal(err)
	}
	if r, err := c.internal.CheckAccess(checkB, &pb.CheckAccessRequest{BeneficiaryId: b.GetId(), SourceId: "ref-named"}); err != nil ||
		r.GetAccess() != pb.AccessLevel_ACCESS_LEVEL_UNSPECIFIED || r.GetEndedReason() != "CONSENT_WITHDRAWN" {
		t.Fatalf("the grant under the withdrawn consent: %v %v", r, err)
	}

	// Refused although the second consent is live: the named one is
	// withdrawn, another person's, or for another purpose.
	photo := give(b.GetId(), pb.ConsentPurpose_CONSENT_PURPOSE_PHOTO)
	theirs := give(other.GetId(), pb.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING)
	for what, id := range map[string]string{"withdrawn": first, "another person's": theirs, "photo": photo, "unknown": ids.New()} {
		statustest.WantReason(t, grant("ref-refused", id), codes.FailedPrecondition, "CONSENT_REQUIRED", "a grant under a "+what+" consent")
	}
	if r, err := c.internal.CheckAccess(checkB, &pb.CheckAccessRequest{BeneficiaryId: b.GetId(), SourceId: "ref-refused"}); err == nil &&
		r.GetAccess() == pb.AccessLevel_ACCESS_LEVEL_GRANTED {
		t.Fatalf("a refused grant gave access: %v", r)
	}
	// Re-granting a revoked grant under the withdrawn consent does not
	// bring it back either.
	statustest.WantReason(t, grant("ref-named", first), codes.FailedPrecondition, "CONSENT_REQUIRED", "re-grant under the withdrawn consent")
	if _, err := c.GetBeneficiary(ctxB, &pb.GetBeneficiaryRequest{Id: b.GetId()}); err != nil {
		t.Fatalf("B through the unnamed grant under the live consent: %v", err)
	}
	// Not a UUID: a field violation.
	err := grant("ref-bad", "not-a-uuid")
	statustest.Want(t, err, codes.InvalidArgument, "consent_id not a UUID")
	if v := statustest.Violations(err); len(v) != 1 || v[0] != "consent_id" {
		t.Fatalf("violations %v, want [consent_id]", v)
	}
}
