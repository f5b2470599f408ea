package service_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/standards"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestASCIIEmailsMigration: directory e-mail addresses stored with an
// internationalised domain before the directory wrote domains in ASCII
// (audit-standards finding 3) are converted when the service migrates
// (Go migration 00016), as a new version of the entry; a local part that
// is not ASCII cannot be converted and is left out of HSDS answers, which
// then validate against the HSDS schemas.
func TestASCIIEmailsMigration(t *testing.T) {
	s := start(t)
	org := s.org(t, "Crveni krst Šabac")
	svc, err := s.dir.CreateService(partner(t, org), &pb.CreateServiceRequest{OrganisationId: org, Service: &pb.Service{
		Name: "Pravna pomoć", Category: pb.ReferralCategory_REFERRAL_CATEGORY_LEGAL, Email: "pomoc@example.org",
		Contacts: []*pb.Contact{{Name: "Dežurni", Email: "dezurni@example.org"}, {Name: "Đurđa", Email: "djurdja@example.org"}}}})
	if err != nil {
		t.Fatal(err)
	}
	// The rows as the directory stored them before, with migration 00016
	// (and those after it) not applied.
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, stmt := range []string{
		`UPDATE referrals.organisations SET email = 'info@crveni-krst-šabac.rs'`,
		`UPDATE referrals.services SET email = 'pomoc@udruga-đakovo.hr', contacts =
			'[{"name": "Dežurni", "email": "dezurni@udruga-đakovo.hr", "phone": "+385 31 000 000"}, {"name": "Đurđa", "email": "đurđa@udruga-đakovo.hr"}]'`,
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	again := s.upgraded(t, 16)
	dir := pb.NewDirectoryServiceClient(again)
	o, err := dir.GetOrganisation(partner(t, org), &pb.GetOrganisationRequest{Id: org})
	if err != nil || o.GetOrganisation().GetEmail() != "info@xn--crveni-krst-abac-wed.rs" || o.GetOrganisation().GetEtag() == `W/"1"` {
		t.Fatalf("organisation after the migration: %v, %v", o, err)
	}
	got, err := dir.GetService(partner(t, org), &pb.GetServiceRequest{Id: svc.GetService().GetId()})
	if err != nil {
		t.Fatal(err)
	}
	g := got.GetService()
	if g.GetEmail() != "pomoc@xn--udruga-akovo-ctb.hr" || g.GetContacts()[0].GetEmail() != "dezurni@xn--udruga-akovo-ctb.hr" ||
		g.GetContacts()[0].GetPhone() != "+385 31 000 000" || g.GetContacts()[1].GetEmail() != "đurđa@xn--udruga-akovo-ctb.hr" || g.GetEtag() == svc.GetService().GetEtag() {
		t.Fatalf("service after the migration: %v", g)
	}
	schemas := standards.HSDSSchemas(t)
	hsds := pb.NewOpenReferralServiceClient(again)
	reader := servicetest.As(t, ids.New(), auth.ScopeDirectoryRead)
	b, err := hsds.GetHsdsService(reader, &pb.GetHsdsServiceRequest{Id: g.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	if err := schemas.Validate("/services/{id}", b.GetData()); err != nil {
		t.Fatalf("HSDS service after the migration: %v\n%s", err, b.GetData())
	}
	var doc struct {
		Contacts []struct{ Name, Email string }
	}
	if err := json.Unmarshal(b.GetData(), &doc); err != nil || len(doc.Contacts) != 2 || doc.Contacts[1].Email != "" || doc.Contacts[1].Name != "Đurđa" {
		t.Fatalf("HSDS contacts: %+v, %v", doc.Contacts, err)
	}
}

// TestDirectoryEmailsAreHostNames: the directory refuses an e-mail address
// whose domain is no host name (udruga_x.hr, -x.rs: net/mail takes them),
// with a violation of the field, since HSDS's "email" format does not take
// it and one such address made every HSDS answer listing it invalid; one
// stored before is left out of the HSDS answers, which validate.
func TestDirectoryEmailsAreHostNames(t *testing.T) {
	s := start(t)
	org := s.org(t, "Udruga Đakovo")
	ctx := partner(t, org)
	_, err := s.dir.CreateService(ctx, &pb.CreateServiceRequest{OrganisationId: org, Service: &pb.Service{
		Name: "Pravna pomoć", Category: pb.ReferralCategory_REFERRAL_CATEGORY_LEGAL, Email: "pomoc@udruga_dakovo.hr",
		Contacts: []*pb.Contact{{Name: "Dežurni", Email: "dezurni@-udruga.hr"}}}})
	statustest.Want(t, err, codes.InvalidArgument, "a service's addresses of no host name")
	if got := fmt.Sprint(statustest.Violations(err)); got != "[service.email service.contacts[0].email]" {
		t.Errorf("violations %s", got)
	}
	o, err := s.dir.GetOrganisation(ctx, &pb.GetOrganisationRequest{Id: org})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.dir.UpdateOrganisation(ctx, &pb.UpdateOrganisationRequest{Organisation: &pb.Organisation{Id: org, Etag: o.GetOrganisation().GetEtag(),
		Email: "info@udruga_dakovo.hr"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"email"}}})
	statustest.Want(t, err, codes.InvalidArgument, "an organisation's address of no host name")
	if got := fmt.Sprint(statustest.Violations(err)); got != "[organisation.email]" {
		t.Errorf("violations %s", got)
	}

	// Addresses stored before the directory refused them.
	svc, err := s.dir.CreateService(ctx, &pb.CreateServiceRequest{OrganisationId: org, Service: &pb.Service{
		Name: "Pravna pomoć", Category: pb.ReferralCategory_REFERRAL_CATEGORY_LEGAL, Email: "pomoc@example.org",
		Contacts: []*pb.Contact{{Name: "Dežurni", Email: "dezurni@example.org"}}}})
	if err != nil {
		t.Fatal(err)
	}
	s.sql(t, `UPDATE referrals.organisations SET email = 'info@udruga_dakovo.hr'`)
	s.sql(t, `UPDATE referrals.services SET email = 'pomoc@udruga_dakovo.hr', contacts = '[{"name": "Dežurni", "email": "dezurni@-udruga.hr"}]'`)
	schemas := standards.HSDSSchemas(t)
	hsds := pb.NewOpenReferralServiceClient(s.conn)
	reader := servicetest.As(t, ids.New(), auth.ScopeDirectoryRead)
	for _, c := range []hsdsCall{
		{"/services/{id}", func(ctx context.Context, c pb.OpenReferralServiceClient, o ...grpc.CallOption) (*httpbody.HttpBody, error) {
			return c.GetHsdsService(ctx, &pb.GetHsdsServiceRequest{Id: svc.GetService().GetId()}, o...)
		}},
		{"/services", func(ctx context.Context, c pb.OpenReferralServiceClient, o ...grpc.CallOption) (*httpbody.HttpBody, error) {
			return c.ListHsdsServices(ctx, &pb.ListHsdsServicesRequest{Full: true}, o...)
		}},
		{"/organizations/{id}", func(ctx context.Context, c pb.OpenReferralServiceClient, o ...grpc.CallOption) (*httpbody.HttpBody, error) {
			return c.GetHsdsOrganization(ctx, &pb.GetHsdsOrganizationRequest{Id: org, FullService: true}, o...)
		}},
	} {
		b, err := c.call(reader, hsds)
		if err != nil {
			t.Fatal(err)
		}
		if err := schemas.Validate(c.path, b.GetData()); err != nil {
			t.Errorf("HSDS %s with an address stored before: %v\n%s", c.path, err, b.GetData())
		}
		if strings.Contains(string(b.GetData()), "udruga_dakovo") || strings.Contains(string(b.GetData()), "-udruga.hr") {
			t.Errorf("HSDS %s publishes an address that is no e-mail address: %s", c.path, b.GetData())
		}
	}
}
