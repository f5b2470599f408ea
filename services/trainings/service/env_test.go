package service_test

import (
	"context"
	"testing"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/projecttest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	beneficiaries "github.com/spona/spona/services/beneficiaries/service"
	reporting "github.com/spona/spona/services/reporting/service"
	"google.golang.org/grpc"
)

// client is the trainings service with the real services it asks before it
// stores what names them: reporting (may the organiser tag an event with a
// project?) and beneficiaries (does the organiser see a participating
// person?). Both start only when a test first needs a project or a person.
type client struct {
	pb.TrainingServiceClient
	dbURL, referralsAddr, self string
	reporting, beneficiaries   *servicetest.Deferred
}

// project creates a project implemented by the organisation of ctx, with
// partners as implementing partners, and returns its id.
func (c *client) project(t *testing.T, ctx context.Context, partners ...string) string {
	t.Helper()
	return newProject(t, c.reporting, c.dbURL, c.beneficiaries.Addr, c.referralsAddr, c.self, ctx, partners...)
}

// newProject starts the reporting service on rep (once) and creates a
// project there as project does.
func newProject(t *testing.T, rep *servicetest.Deferred, dbURL, ben, ref, train string, ctx context.Context, partners ...string) string {
	t.Helper()
	conn := rep.Start(t, reporting.New(reporting.Config{Config: servicetest.Platform(t, dbURL),
		BeneficiariesAddr: ben, ReferralsAddr: ref, TrainingsAddr: train}))
	return projecttest.Create(t, conn, ctx, partners, nil)
}

// beneficiary registers a person for the organisation of ctx and, with a
// referral_sharing consent, grants each organisation in sharedWith access.
func (c *client) beneficiary(t *testing.T, ctx context.Context, sharedWith ...string) string {
	t.Helper()
	conn := c.beneficiariesConn(t)
	people, access := benv1.NewBeneficiaryServiceClient(conn), benv1.NewBeneficiaryAccessServiceClient(conn)
	r, err := people.CreateBeneficiary(ctx, &benv1.CreateBeneficiaryRequest{Beneficiary: &benv1.Beneficiary{GivenName: "Amina", BirthYear: 1990}})
	if err != nil {
		t.Fatal(err)
	}
	id := r.GetBeneficiary().GetId()
	if len(sharedWith) == 0 {
		return id
	}
	if _, err := people.CreateConsent(ctx, &benv1.CreateConsentRequest{BeneficiaryId: id, Consent: &benv1.Consent{
		Purpose: benv1.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING, GivenBy: benv1.ConsentGivenBy_CONSENT_GIVEN_BY_SELF}}); err != nil {
		t.Fatal(err)
	}
	for _, org := range sharedWith {
		if _, err := access.GrantAccess(ctx, &benv1.GrantAccessRequest{BeneficiaryId: id, GranteeOrganisationId: org, SourceId: "referral-" + ids.New()}); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

// beneficiariesConn starts the beneficiaries service (once) and returns a
// connection to it.
func (c *client) beneficiariesConn(t *testing.T) *grpc.ClientConn {
	t.Helper()
	return c.beneficiaries.Start(t, beneficiaries.New(beneficiaries.Config{Config: servicetest.Platform(t, c.dbURL),
		ReportingAddr: c.reporting.Addr, ReferralsAddr: c.referralsAddr}))
}
