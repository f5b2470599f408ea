package service_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/jackc/pgx/v5"
	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/standards"
	"github.com/spona/spona/services/referrals/migrations"
	"github.com/spona/spona/services/referrals/service"
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
	pgtest.Undo(t, conn, "referrals", migrations.FS, 16)
	again := servicetest.Start(t, service.New(service.Config{Config: servicetest.Platform(t, s.url),
		BeneficiariesAddr: s.proxy.addr, ReportingAddr: s.reporting.Addr}))
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
