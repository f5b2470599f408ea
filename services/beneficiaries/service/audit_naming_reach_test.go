package service_test

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/audit"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/services/beneficiaries/migrations"
	"google.golang.org/grpc/metadata"
)

// readWith reads id with each purpose, one call each.
func readWith(t *testing.T, c pb.BeneficiaryServiceClient, ctx context.Context, id string, purposes ...string) {
	t.Helper()
	for _, p := range purposes {
		ctx := metadata.AppendToOutgoingContext(ctx, audit.PurposeBinMetadata, p)
		if _, err := c.GetBeneficiary(ctx, &pb.GetBeneficiaryRequest{Id: id}); err != nil {
			t.Fatal(err)
		}
	}
}

// createAndErase registers b and erases it.
func createAndErase(t *testing.T, c pb.BeneficiaryServiceClient, ctx context.Context, b *pb.Beneficiary) {
	t.Helper()
	id := mustCreate(t, c, ctx, b).GetId()
	if _, err := c.EraseBeneficiary(ctx, &pb.EraseBeneficiaryRequest{Id: id}); err != nil {
		t.Fatal(err)
	}
}

// TestErasureBlanksOnlyPurposesNamingHer: erasing a person leaves the
// purposes of her organisation's calls that do not name her as they are
// (audit-review2 finding 1): her given name alone, when she has no family
// name ("Ali", also the word for "but"), is not looked for; a name of two
// words is a whole word each ("Ana Kovač" is not in "Ivana Kovačević"); a
// document number shorter than 6 characters ("47" is in "2026/047") and a
// phone of fewer than 8 digits are not looked for; an e-mail address is
// found whole only. What names her still goes.
func TestErasureBlanksOnlyPurposesNamingHer(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	other := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Marko", FamilyName: "Petrović", BirthYear: 1970}).GetId()
	kept := []string{
		"Marko Petrović: provjera statusa, ali bez dokumenata",
		"Marko Petrović i Ivana Kovačević: upućivanje",
		"Marko Petrović: predmet 2026/047 od 17.04.",
		"Marko Petrović: soba 77712",
		"Marko Petrović: pismo od ivana.kovac@example.org",
		"Marko Petrović: follow-up visit",
	}
	naming := []string{"is Ana Kovač registered?", "pismo od ANA.KOVAC@example.org", "Zorić, Zoran: intake"}
	readWith(t, c, ctx, other, append(slices.Clone(kept), naming...)...)
	createAndErase(t, c, ctx, &pb.Beneficiary{GivenName: "Ali"})
	createAndErase(t, c, ctx, &pb.Beneficiary{GivenName: "Ana", FamilyName: "Kovač", Email: "ana.kovac@example.org"})
	createAndErase(t, c, ctx, &pb.Beneficiary{GivenName: "Zoran", FamilyName: "Zorić", Phone: "777 12", Documents: []*pb.IdentityDocument{
		{Type: pb.DocumentType_DOCUMENT_TYPE_OTHER, Number: "47", IssuingCountry: "RS"}}})
	got := purposesOf(t, ctx, c, other, "read")
	want := slices.Clone(kept)
	for range naming {
		want = append(want, "")
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("purposes of Marko Petrović's reads after erasing Ali, Ana Kovač and Zoran Zorić:\n got %q\nwant %q", got, want)
	}
}

// TestErasureNamingUnderCTypeC: on a database whose LC_CTYPE is C
// (CloudNativePG's default; lower() there changes ASCII letters only),
// erasing a person whose name has capitals outside ASCII blanks the
// purposes naming her (audit-review2 finding 2): those the service stored
// and folded, and those stored before migration 00021, which folded them
// in SQL under that locale and which migration 00023 folds again.
func TestErasureNamingUnderCTypeC(t *testing.T) {
	dbURL := pgtest.NewDatabase(t, "TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'")
	c := startOn(t, dbURL)
	db, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	var lowered string
	if err := db.QueryRow(context.Background(), `SELECT lower('ƏLIYEV Қодиров')`).Scan(&lowered); err != nil {
		t.Fatal(err)
	}
	if lowered != "Əliyev Қодиров" {
		t.Fatalf("lower() in a database of LC_CTYPE C gives %q: not the locale this test is about", lowered)
	}
	ctx := servicetest.As(t, ids.New())
	other := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Marko", FamilyName: "Petrović", BirthYear: 1970}).GetId()
	before := "is Elnur Əliyev already registered?"
	readWith(t, c, ctx, other, before)
	// The purposes stored so far lose their folded text, and the
	// upgrade folds them (00021 in SQL, then 00023).
	pgtest.Undo(t, db, "beneficiaries", migrations.FS, 21)
	c2 := restarted(t, c)
	kept := "is Latin Eliyev's brother Ali registered?"
	readWith(t, c2, ctx, other, "Jamshed Қодиров intake", "Αλέξανδρος Παπαδόπουλος: follow-up", kept)
	for _, b := range []*pb.Beneficiary{{GivenName: "Elnur", FamilyName: "Əliyev"}, {GivenName: "Jamshed", FamilyName: "Қодиров"},
		{GivenName: "Αλέξανδρος", FamilyName: "Παπαδόπουλος"}} {
		createAndErase(t, c2, ctx, b)
	}
	got := purposesOf(t, ctx, c2, other, "read")
	slices.Sort(got)
	if want := []string{"", "", "", kept}; !slices.Equal(got, want) {
		t.Errorf("purposes of Marko Petrović's reads after the erasures:\n got %q\nwant %q", got, want)
	}
}
