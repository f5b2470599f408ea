package service_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/testkit/pgtest"
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
	_, reader := directoryInTown(t, s, "Crveni krst Šabac", "Šabac")
	found := func(dir pb.DirectoryServiceClient) string {
		t.Helper()
		return directoryFinds(t, dir, reader, []string{"Čačak", "čačak", "ČAČAK", "Šabac", "šabac", "ŠABAC"},
			[]string{"Crveni krst Šabac", " crveni krst šabac ", "CRVENI KRST ŠABAC"})
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
