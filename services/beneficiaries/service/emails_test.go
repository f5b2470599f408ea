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
	"github.com/spona/spona/pkg/testkit/statustest"
	"github.com/spona/spona/services/beneficiaries/migrations"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
)

// TestBeneficiaryEmailForm: a beneficiary's e-mail address is stored in
// the one form every service stores addresses in (audit-design finding 2:
// beneficiaries kept it as given, under a rule of their own): lower case,
// the internationalised domain in ASCII; one whose part before @ is not
// ASCII is refused with a field violation, as trainings and the directory
// refuse it. Her erasure still blanks a purpose that gives the address
// with its domain written in Unicode.
func TestBeneficiaryEmailForm(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	_, err := c.CreateBeneficiary(ctx, &pb.CreateBeneficiaryRequest{Beneficiary: &pb.Beneficiary{GivenName: "Đurđa", Email: "đurđa@example.org"}})
	if statustest.Code(err) != codes.InvalidArgument || !slices.Contains(statustest.Violations(err), "beneficiary.email") {
		t.Errorf("non-ASCII local part: %v, want INVALID_ARGUMENT with beneficiary.email", err)
	}
	other := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Ana", FamilyName: "Anić"}).GetId()
	naming, kept := "mail from DJURDJA.K@Udruga-Đakovo.hr", "mail from djurdja.k@example.org"
	for _, p := range []string{naming, kept} {
		pctx := metadata.AppendToOutgoingContext(ctx, audit.PurposeBinMetadata, p)
		if _, err := c.GetBeneficiary(pctx, &pb.GetBeneficiaryRequest{Id: other}); err != nil {
			t.Fatal(err)
		}
	}
	her := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Đurđa", FamilyName: "Kovač", Email: " Djurdja.K@Udruga-Đakovo.HR "})
	if got, want := her.GetEmail(), "djurdja.k@xn--udruga-akovo-ctb.hr"; got != want {
		t.Errorf("e-mail stored as %q, want %q", got, want)
	}
	if _, err := c.EraseBeneficiary(ctx, &pb.EraseBeneficiaryRequest{Id: her.GetId()}); err != nil {
		t.Fatal(err)
	}
	got := purposesOf(t, ctx, c, other, "read")
	slices.Sort(got)
	if want := []string{"", kept}; !slices.Equal(got, want) {
		t.Errorf("purposes of reading another person after her erasure: %q, want %q", got, want)
	}
}

// TestBeneficiaryEmailsMigration: addresses stored as given before
// (migration 00022 not applied) are rewritten in the one form when the
// service migrates, as a new version of the record.
func TestBeneficiaryEmailsMigration(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	b := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Marko", Email: "marko@example.org"})
	ascii := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Ana", Email: "ana@example.org"})
	db, err := pgx.Connect(context.Background(), c.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	if _, err := db.Exec(context.Background(), `UPDATE beneficiaries.beneficiaries SET email = ' Marko@Udruga-Đakovo.HR' WHERE given_name = 'Marko'`); err != nil {
		t.Fatal(err)
	}
	// Migration 00022 (and those after it) not applied.
	pgtest.Undo(t, db, "beneficiaries", migrations.FS, 22)
	c2 := restarted(t, c)
	for _, w := range []struct {
		before         *pb.Beneficiary
		email          string
		newVersionWant bool
	}{{b, "marko@xn--udruga-akovo-ctb.hr", true}, {ascii, "ana@example.org", false}} {
		r, err := c2.GetBeneficiary(ctx, &pb.GetBeneficiaryRequest{Id: w.before.GetId()})
		if err != nil {
			t.Fatal(err)
		}
		g := r.GetBeneficiary()
		if g.GetEmail() != w.email || (g.GetEtag() != w.before.GetEtag()) != w.newVersionWant {
			t.Errorf("after the migration: e-mail %q, etag %s (was %s); want %q, new version %v",
				g.GetEmail(), g.GetEtag(), w.before.GetEtag(), w.email, w.newVersionWant)
		}
	}
}
