package service_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
)

// TestDirectoryFiltersUnderCTypeC: on a database whose LC_CTYPE is C
// (CloudNativePG's default; lower() there changes ASCII letters only), the
// directory's municipality and name filters ignore case as documented for
// names with capitals outside ASCII too ("Čačak", "Šabac"): services at a
// location in Čačak are found by municipality=Čačak, and an organisation
// by its name in lower case. Organisations stored before migration 00019
// are found too once the service has started on the migrated database.
func TestDirectoryFiltersUnderCTypeC(t *testing.T) {
	s := startOn(t, pgtest.NewDatabase(t, "TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"))
	db, err := pgx.Connect(context.Background(), s.url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	var lowered string
	if err := db.QueryRow(context.Background(), `SELECT lower('ČAČAK')`).Scan(&lowered); err != nil || lowered != "ČaČak" {
		t.Fatalf("lower() in a database of LC_CTYPE C gives %q (%v): not the locale this test is about", lowered, err)
	}
	admin := servicetest.As(t, ids.New(), auth.ScopeDirectoryAdmin)
	r, err := s.dir.CreateOrganisation(admin, &pb.CreateOrganisationRequest{Organisation: &pb.Organisation{
		Name: "Crveni krst Šabac", Kind: pb.OrganisationKind_ORGANISATION_KIND_NGO, Country: "RS", Municipality: "Šabac"}})
	if err != nil {
		t.Fatal(err)
	}
	org := r.GetOrganisation().GetId()
	ctx := partner(t, org)
	for _, svc := range []*pb.Service{
		{Name: "Pravna pomoć", Category: 1, Locations: []*pb.Location{{Name: "Kancelarija", Municipality: "Čačak", Country: "RS"}}},
		{Name: "Savetovanje", Category: 1}, // no location: the organisation's municipality
	} {
		if _, err := s.dir.CreateService(ctx, &pb.CreateServiceRequest{OrganisationId: org, Service: svc}); err != nil {
			t.Fatal(err)
		}
	}
	reader := servicetest.As(t, org, auth.ScopeDirectoryRead)
	found := func(dir pb.DirectoryServiceClient) string {
		t.Helper()
		var out string
		for _, m := range []string{"Čačak", "čačak", "ČAČAK", "Šabac", "šabac", "ŠABAC"} {
			svcs, err := dir.ListServices(reader, &pb.ListServicesRequest{Municipality: m})
			if err != nil {
				t.Fatal(err)
			}
			orgs, err := dir.ListOrganisations(reader, &pb.ListOrganisationsRequest{Municipality: m})
			if err != nil {
				t.Fatal(err)
			}
			out += fmt.Sprintf("municipality %s: %d services, %d organisations\n", m, len(svcs.GetServices()), len(orgs.GetOrganisations()))
		}
		for _, n := range []string{"Crveni krst Šabac", " crveni krst šabac ", "CRVENI KRST ŠABAC"} {
			orgs, err := dir.ListOrganisations(reader, &pb.ListOrganisationsRequest{Name: n})
			if err != nil {
				t.Fatal(err)
			}
			out += fmt.Sprintf("name %q: %d organisations\n", n, len(orgs.GetOrganisations()))
		}
		return out
	}
	want := `municipality Čačak: 1 services, 0 organisations
municipality čačak: 1 services, 0 organisations
municipality ČAČAK: 1 services, 0 organisations
municipality Šabac: 1 services, 1 organisations
municipality šabac: 1 services, 1 organisations
municipality ŠABAC: 1 services, 1 organisations
name "Crveni krst Šabac": 1 organisations
name " crveni krst šabac ": 1 organisations
name "CRVENI KRST ŠABAC": 1 organisations
`
	if got := found(s.dir); got != want {
		t.Errorf("filters:\n%s\nwant:\n%s", got, want)
	}

	// An organisation stored before migration 00019 has no keys until
	// the service starts on the migrated database.
	if got := found(pb.NewDirectoryServiceClient(s.upgraded(t, 19))); got != want {
		t.Errorf("after the upgrade, filters:\n%s\nwant:\n%s", got, want)
	}
}
