package service_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"github.com/spona/spona/services/beneficiaries/migrations"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestMunicipalityFilterFolds: the list's municipality filter matches as
// the name search does (case, diacritics, Cyrillic or Latin): a caseworker
// who types Sid, Шид or ŠID finds the persons entered (created, changed or
// imported) as living in Šid, and "beograd" those in Beograd. Before, it compared the text as entered and
// found nobody. A filter without a letter or digit is refused rather than
// matching every person without a municipality. Records stored before
// migration 00024 are found once the service has started on the migrated
// database.
func TestMunicipalityFilterFolds(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Ana", Municipality: "Šid"})
	mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Lejla", Municipality: "Sremska Mitrovica"})
	omar := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Omar", Municipality: "Beograd"})
	mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Amir"})
	towns := []string{"Šid", "Sid", "Шид", "ŠID", " šid ", "beograd", "Београд", "sremska-mitrovica", "Novi Sad"}
	found := func(client pb.BeneficiaryServiceClient) string {
		t.Helper()
		var out []string
		for _, m := range towns {
			r, err := client.ListBeneficiaries(ctx, &pb.ListBeneficiariesRequest{Municipality: m})
			if err != nil {
				t.Fatalf("municipality %q: %v", m, err)
			}
			var names []string
			for _, b := range r.GetBeneficiaries() {
				names = append(names, b.GetGivenName())
			}
			slices.Sort(names)
			out = append(out, fmt.Sprintf("%s: %s", m, strings.Join(names, " ")))
		}
		return strings.Join(out, "\n")
	}
	want := "Šid: Ana\nSid: Ana\nШид: Ana\nŠID: Ana\n šid : Ana\nbeograd: Omar\nБеоград: Omar\nsremska-mitrovica: Lejla\nNovi Sad: "
	if got := found(c); got != want {
		t.Errorf("filters:\n%s\nwant:\n%s", got, want)
	}
	// A PATCH keys the new municipality.
	if _, err := c.UpdateBeneficiary(ctx, &pb.UpdateBeneficiaryRequest{
		Beneficiary: &pb.Beneficiary{Id: omar.GetId(), Etag: omar.GetEtag(), Municipality: "ŠID"},
		UpdateMask:  &fieldmaskpb.FieldMask{Paths: []string{"municipality"}}}); err != nil {
		t.Fatal(err)
	}
	moved := "Šid: Ana Omar\nSid: Ana Omar\nШид: Ana Omar\nŠID: Ana Omar\n šid : Ana Omar\nbeograd: \nБеоград: \nsremska-mitrovica: Lejla\nNovi Sad: "
	if got := found(c); got != moved {
		t.Errorf("after Omar moved, filters:\n%s\nwant:\n%s", got, moved)
	}
	// An imported record is keyed as a created one (a name no record of
	// the organisation has: a names-only row naming one is asked about).
	op, err := upload(ctx, clientsOf(c.conn).imp, &pb.ImportBeneficiariesRequest{File: csvFile("ime;opština\nMirsad;ШИД\n")})
	if err != nil {
		t.Fatal(err)
	}
	finished(t, ctx, clientsOf(c.conn), op)
	imported := strings.ReplaceAll(moved, "Ana Omar", "Ana Mirsad Omar")
	if got := found(c); got != imported {
		t.Errorf("after the import, filters:\n%s\nwant:\n%s", got, imported)
	}
	for _, m := range []string{"-", " / "} {
		_, err := c.ListBeneficiaries(ctx, &pb.ListBeneficiariesRequest{Municipality: m})
		statustest.Want(t, err, codes.InvalidArgument, "municipality "+m)
		if fv := statustest.FieldViolations(err); len(fv) != 1 || fv[0].GetField() != "municipality" {
			t.Errorf("municipality %q: violations %v", m, fv)
		}
	}

	// Records stored before migration 00024 are keyed when the service
	// starts on the migrated database.
	db, err := pgx.Connect(context.Background(), c.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	pgtest.Undo(t, db, "beneficiaries", migrations.FS, 24)
	c2 := restarted(t, c)
	if got := found(c2); got != imported {
		t.Errorf("after the upgrade, filters:\n%s\nwant:\n%s", got, imported)
	}
}
