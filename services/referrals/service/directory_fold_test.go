package service_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
)

// TestDirectoryFiltersFoldScriptsAndDiacritics: the directory's name and
// municipality filters match as its search does (translit.Fold): a user
// who types Šid as Sid or Шид, or the organisation's name in Cyrillic or
// without diacritics, finds what was entered as "Šid". Rows keyed by the
// case-only rule before migration 00025 are found too once the service has
// started on the migrated database.
func TestDirectoryFiltersFoldScriptsAndDiacritics(t *testing.T) {
	s := start(t)
	org, reader := directoryInTown(t, s, "Crveni krst Šid", "Šid")
	found := func(dir pb.DirectoryServiceClient) string {
		t.Helper()
		return directoryFinds(t, dir, reader, []string{"Šid", "Sid", "Шид", "ШИД", "Čačak", "Cacak", "Чачак", "Sombor"},
			[]string{"Crveni krst Šid", "crveni krst sid", "Црвени крст Шид", "Crveni krst"})
	}
	want := `municipality Šid: 1 services, 1 organisations
municipality Sid: 1 services, 1 organisations
municipality Шид: 1 services, 1 organisations
municipality ШИД: 1 services, 1 organisations
municipality Čačak: 1 services, 0 organisations
municipality Cacak: 1 services, 0 organisations
municipality Чачак: 1 services, 0 organisations
municipality Sombor: 0 services, 0 organisations
name "Crveni krst Šid": 1 organisations
name "crveni krst sid": 1 organisations
name "Црвени крст Шид": 1 organisations
name "Crveni krst": 0 organisations
`
	if got := found(s.dir); got != want {
		t.Errorf("filters:\n%s\nwant:\n%s", got, want)
	}

	// Rows keyed before migration 00025 (lower case only) are keyed again
	// when the service starts on the migrated database.
	db, err := pgx.Connect(context.Background(), s.url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	for _, q := range []string{
		`UPDATE referrals.organisations SET name_key = 'crveni krst šid', municipality_key = 'šid' WHERE id = $1`,
		`UPDATE referrals.services SET municipalities = '{čačak}' WHERE organisation_id = $1 AND municipalities <> '{}'`,
	} {
		if _, err := db.Exec(context.Background(), q, org); err != nil {
			t.Fatal(err)
		}
	}
	if got := found(pb.NewDirectoryServiceClient(s.upgraded(t, 25))); got != want {
		t.Errorf("after the upgrade, filters:\n%s\nwant:\n%s", got, want)
	}
}

// directoryInTown registers an NGO named name in town, with two services:
// one at an office in Čačak and one without a location (found by the
// organisation's municipality). It returns the organisation's id and a
// directory reader of that organisation.
func directoryInTown(t *testing.T, s *stack, name, town string) (string, context.Context) {
	t.Helper()
	admin := servicetest.As(t, ids.New(), auth.ScopeDirectoryAdmin)
	r, err := s.dir.CreateOrganisation(admin, &pb.CreateOrganisationRequest{Organisation: &pb.Organisation{
		Name: name, Kind: pb.OrganisationKind_ORGANISATION_KIND_NGO, Country: "RS", Municipality: town}})
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
	return org, servicetest.As(t, org, auth.ScopeDirectoryRead)
}

// directoryFinds says, one line a filter, how many services and
// organisations dir finds by each municipality in towns and how many
// organisations by each name in names.
func directoryFinds(t *testing.T, dir pb.DirectoryServiceClient, reader context.Context, towns, names []string) string {
	t.Helper()
	var out string
	for _, m := range towns {
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
	for _, n := range names {
		orgs, err := dir.ListOrganisations(reader, &pb.ListOrganisationsRequest{Name: n})
		if err != nil {
			t.Fatal(err)
		}
		out += fmt.Sprintf("name %q: %d organisations\n", n, len(orgs.GetOrganisations()))
	}
	return out
}
