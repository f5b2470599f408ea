package service_test

import (
	"testing"
	"time"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/pgtest"
	"github.com/spona/spona/pkg/servicetest"
	beneficiaries "github.com/spona/spona/services/beneficiaries/service"
	"github.com/spona/spona/services/referrals/service"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type stack struct {
	dir   pb.DirectoryServiceClient
	ref   pb.ReferralServiceClient
	ben   benv1.BeneficiaryServiceClient
	stopB func()
}

// start runs the real beneficiaries and referrals services on one database.
func start(t *testing.T) stack {
	url := pgtest.NewDatabase(t)
	benConn := servicetest.Start(t, beneficiaries.New(beneficiaries.Config{Config: servicetest.Platform(t, url)}))
	benAddr := benConn.Target()
	conn := servicetest.Start(t, service.New(service.Config{Config: servicetest.Platform(t, url), BeneficiariesAddr: benAddr}))
	return stack{
		dir: pb.NewDirectoryServiceClient(conn),
		ref: pb.NewReferralServiceClient(conn),
		ben: benv1.NewBeneficiaryServiceClient(benConn),
	}
}

func org(t *testing.T, s stack, name string) string {
	t.Helper()
	admin := servicetest.As(t, ids.New(), auth.ScopeDirectoryAdmin)
	r, err := s.dir.CreateOrganisation(admin, &pb.CreateOrganisationRequest{Organisation: &pb.Organisation{
		Name: name, Kind: pb.OrganisationKind_ORGANISATION_KIND_NGO, Country: "RS",
		LocalizedNames: map[string]string{"sr-Cyrl": "Центар", "sr-Latn": "Centar"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return r.GetOrganisation().GetId()
}

func TestReferralChecksBeneficiaryOverGRPC(t *testing.T) {
	s := start(t)
	orgA, orgB := org(t, s, "Sender NGO"), org(t, s, "Centre for Social Work")
	ctxA, ctxB := servicetest.As(t, orgA), servicetest.As(t, orgB)
	ben, err := s.ben.CreateBeneficiary(ctxA, &benv1.CreateBeneficiaryRequest{Beneficiary: &benv1.Beneficiary{GivenName: "Amir"}})
	if err != nil {
		t.Fatal(err)
	}
	benID := ben.GetBeneficiary().GetId()
	before := time.Now()
	created, err := s.ref.CreateReferral(ctxA, &pb.CreateReferralRequest{Referral: &pb.Referral{
		BeneficiaryId: benID, ToOrganisationId: orgB, Category: pb.ReferralCategory_REFERRAL_CATEGORY_SOCIAL_WELFARE,
		Urgency: pb.Urgency_URGENCY_HIGH, Reason: "needs a guardian"}})
	if err != nil {
		t.Fatal(err)
	}
	r := created.GetReferral()
	if r.GetStatus() != pb.ReferralStatus_REFERRAL_STATUS_DRAFT || r.GetFromOrganisationId() != orgA {
		t.Fatalf("unexpected referral %v", r)
	}
	if due := r.GetDueTime().AsTime(); due.Before(before.Add(71*time.Hour)) || due.After(time.Now().Add(73*time.Hour)) {
		t.Fatalf("high urgency due at %v", due)
	}
	// B cannot refer A's beneficiary: the beneficiaries service says not found.
	_, err = s.ref.CreateReferral(ctxB, &pb.CreateReferralRequest{Referral: &pb.Referral{
		BeneficiaryId: benID, ToOrganisationId: orgA, Category: pb.ReferralCategory_REFERRAL_CATEGORY_LEGAL}})
	if status.Code(err) != codes.NotFound {
		t.Fatalf("B referring A's beneficiary: %v", err)
	}
	// A draft is invisible to the receiver.
	if _, err := s.ref.GetReferral(ctxB, &pb.GetReferralRequest{Id: r.GetId()}); status.Code(err) != codes.NotFound {
		t.Fatalf("receiver sees a draft: %v", err)
	}
	out, err := s.ref.ListReferrals(ctxA, &pb.ListReferralsRequest{Direction: pb.Direction_DIRECTION_OUTGOING})
	if err != nil || len(out.GetReferrals()) != 1 || out.GetReferrals()[0].GetId() != r.GetId() {
		t.Fatalf("outgoing: %v %v", out, err)
	}
	in, err := s.ref.ListReferrals(ctxB, &pb.ListReferralsRequest{Direction: pb.Direction_DIRECTION_INCOMING})
	if err != nil || len(in.GetReferrals()) != 0 {
		t.Fatalf("incoming drafts listed: %v %v", in, err)
	}
}

func TestReferralValidation(t *testing.T) {
	s := start(t)
	orgA, orgB := org(t, s, "A"), org(t, s, "B")
	ctxA := servicetest.As(t, orgA)
	cases := map[string]struct {
		r    *pb.Referral
		want codes.Code
	}{
		"empty":             {&pb.Referral{}, codes.InvalidArgument},
		"bad beneficiary":   {&pb.Referral{BeneficiaryId: "x", ToOrganisationId: orgB, Category: 1}, codes.InvalidArgument},
		"to self":           {&pb.Referral{BeneficiaryId: ids.New(), ToOrganisationId: orgA, Category: 1}, codes.InvalidArgument},
		"unknown category":  {&pb.Referral{BeneficiaryId: ids.New(), ToOrganisationId: orgB, Category: 99}, codes.InvalidArgument},
		"unknown receiver":  {&pb.Referral{BeneficiaryId: ids.New(), ToOrganisationId: ids.New(), Category: 1}, codes.NotFound},
		"unknown recipient": {&pb.Referral{BeneficiaryId: ids.New(), ToOrganisationId: orgB, Category: 1}, codes.NotFound},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := s.ref.CreateReferral(ctxA, &pb.CreateReferralRequest{Referral: c.r})
			if status.Code(err) != c.want {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
	out, _ := s.ref.ListReferrals(ctxA, &pb.ListReferralsRequest{})
	if len(out.GetReferrals()) != 0 {
		t.Fatal("a refused referral was stored")
	}
}

func TestDirectory(t *testing.T) {
	s := start(t)
	for i := 0; i < 5; i++ {
		org(t, s, "Org")
	}
	reader := servicetest.As(t, ids.New(), auth.ScopeDirectoryRead)
	if _, err := s.dir.CreateOrganisation(reader, &pb.CreateOrganisationRequest{Organisation: &pb.Organisation{Name: "X", Kind: 1}}); status.Code(err) != codes.PermissionDenied {
		t.Fatalf("create without directory.admin: %v", err)
	}
	var n int
	tok := ""
	for {
		r, err := s.dir.ListOrganisations(reader, &pb.ListOrganisationsRequest{PageSize: 2, PageToken: tok, Country: "RS"})
		if err != nil {
			t.Fatal(err)
		}
		n += len(r.GetOrganisations())
		if tok = r.GetNextPageToken(); tok == "" {
			break
		}
	}
	if n != 5 {
		t.Fatalf("listed %d organisations, want 5", n)
	}
	admin := servicetest.As(t, ids.New(), auth.ScopeDirectoryAdmin)
	_, err := s.dir.CreateOrganisation(admin, &pb.CreateOrganisationRequest{Organisation: &pb.Organisation{
		Name: "X", Kind: pb.OrganisationKind_ORGANISATION_KIND_POLICE, Website: "javascript:alert(1)",
		LocalizedNames: map[string]string{"de": "X"}}})
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("bad website / language: %v", err)
	}
}

func TestCountReferralsLeavesOutDrafts(t *testing.T) {
	s := start(t)
	orgA, orgB := org(t, s, "A"), org(t, s, "B")
	ctxA := servicetest.As(t, orgA)
	ben, err := s.ben.CreateBeneficiary(ctxA, &benv1.CreateBeneficiaryRequest{Beneficiary: &benv1.Beneficiary{GivenName: "Amir"}})
	if err != nil {
		t.Fatal(err)
	}
	project := ids.New()
	created, err := s.ref.CreateReferral(ctxA, &pb.CreateReferralRequest{Referral: &pb.Referral{
		BeneficiaryId: ben.GetBeneficiary().GetId(), ToOrganisationId: orgB, ProjectId: project,
		Category: pb.ReferralCategory_REFERRAL_CATEGORY_HEALTH}})
	if err != nil {
		t.Fatal(err)
	}
	if created.GetReferral().GetProjectId() != project {
		t.Fatalf("project id not kept: %v", created.GetReferral())
	}
	r, err := s.ref.CountReferrals(ctxA, &pb.CountReferralsRequest{ProjectId: project, GroupBy: []string{"status", "category"}})
	if err != nil {
		t.Fatal(err)
	}
	if r.GetAggregate().GetTotal() != 0 || len(r.GetAggregate().GetGroups()) != 0 {
		t.Fatalf("a draft was counted: %v", r.GetAggregate())
	}
	if _, err := s.ref.CountReferrals(ctxA, &pb.CountReferralsRequest{ProjectId: project, GroupBy: []string{"beneficiary_id"}}); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("unknown dimension: %v", err)
	}
	noScope := servicetest.As(t, orgA, auth.ScopeReferralsRead)
	if _, err := s.ref.CountReferrals(noScope, &pb.CountReferralsRequest{ProjectId: project}); status.Code(err) != codes.PermissionDenied {
		t.Fatalf("without aggregates scope: %v", err)
	}
}
