package service_test

import (
	"testing"
	"time"

	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	reportingv1 "github.com/spona/spona/gen/go/spona/reporting/v1"
	"github.com/spona/spona/pkg/platform"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/projecttest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"github.com/spona/spona/services/referrals/service"
	"google.golang.org/grpc/codes"
)

// TestSendingTaggedReferralNeedsTheProjectRole: a referral counts in its
// project's figures (METRIC_REFERRALS_MADE) when it is sent, not when its
// draft is made, so sending is held to the rule of the tag, as the writes
// under a training event tagged with a project are. Before, a partner
// taken off the project, or made a funder (who reads the project's
// report), sent the drafts it had tagged before and added to the
// project's figures for ever after.
func TestSendingTaggedReferralNeedsTheProjectRole(t *testing.T) {
	s := startReferrals(t, pgtest.NewDatabase(t), func(c *service.Config) { c.ProjectCheckTTL = time.Millisecond })
	x, a, b := s.org(t, "Implementer"), s.org(t, "Partner"), s.org(t, "Receiver")
	ctxX, ctxA := partner(t, x), partner(t, a)
	project := s.project(t, ctxX, []string{a}, nil)      // a: an implementing partner
	projects := s.reporting.Start(t, platform.Service{}) // started by s.project

	drafts := make([]string, 2)
	for i := range drafts {
		ben := s.beneficiary(t, ctxA)
		s.consent(t, ctxA, ben, zeroTime)
		r, err := s.ref.CreateReferral(ctxA, &pb.CreateReferralRequest{Referral: &pb.Referral{BeneficiaryId: ben, ToOrganisationId: b,
			ProjectId: project, Category: pb.ReferralCategory_REFERRAL_CATEGORY_LEGAL, Reason: "legal aid"}})
		if err != nil {
			t.Fatal(err)
		}
		drafts[i] = r.GetReferral().GetId()
	}

	setRole := func(role reportingv1.OrganisationRole) {
		t.Helper()
		projecttest.SetRole(t, projects, ctxX, project, a, role)
		time.Sleep(5 * time.Millisecond) // past PROJECT_CHECK_TTL
	}
	setRole(reportingv1.OrganisationRole_ORGANISATION_ROLE_FUNDING)

	_, err := s.do(ctxA, "send", drafts[0])
	if statustest.Code(err) != codes.PermissionDenied || statustest.Reason(err) != "PROJECT_ROLE_CANNOT_TAG" {
		t.Errorf("sending a draft tagged with a project a now only funds: got %v (reason %q), want PermissionDenied PROJECT_ROLE_CANNOT_TAG",
			err, statustest.Reason(err))
	}
	if got := s.stages(t, ctxX, project, nil); got != "0/0/0" {
		t.Errorf("the project's referrals sent/accepted/completed after a funder's send: %s, want 0/0/0", got)
	}
	// The draft stays the sender's to read.
	if _, err := s.ref.GetReferral(ctxA, &pb.GetReferralRequest{Id: drafts[0]}); err != nil {
		t.Errorf("reading its draft: %v", err)
	}

	// An implementing partner again sends.
	setRole(reportingv1.OrganisationRole_ORGANISATION_ROLE_IMPLEMENTING)
	s.must(t, ctxA, "send", drafts[1])
	if got := s.stages(t, ctxX, project, nil); got != "1/0/0" {
		t.Errorf("the project's referrals after an implementing partner's send: %s, want 1/0/0", got)
	}
}
