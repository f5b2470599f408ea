package service_test

import (
	"fmt"
	"testing"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	importsv1 "github.com/spona/spona/gen/go/spona/imports/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
)

// TestImportDuplicateOfBadRow: a row with problems is never written, so a
// later row of the same person is not its duplicate when it comes to
// writing: with on_error=skip and on_duplicate=skip or link the person is
// created once (before, skip dropped both rows and nobody was imported).
func TestImportDuplicateOfBadRow(t *testing.T) {
	c := startImports(t)
	file := "ime,prezime,pol,datum rođenja,državljanstvo\n" +
		"Amina,Haddad,marsovac,12.4.1990.,SY\n" + // row 2: bad sex, not written
		"Amina,Haddad,ženski,12.4.1990.,SY\n" + // row 3: the same person, good
		"Amina,Hadad,ženski,12.4.1990.,SY\n" // row 4: repeats row 3
	for _, policy := range []string{"skip", "link"} {
		ctx := servicetest.As(t, ids.New())
		op, err := upload(ctx, c.imp, &pb.ImportBeneficiariesRequest{File: csvFile(file), OnError: "skip", OnDuplicate: policy})
		if err != nil {
			t.Fatal(err)
		}
		imp := finished(t, ctx, c, op)
		if imp.GetState() != importsv1.ImportState_IMPORT_STATE_SUCCEEDED {
			t.Fatalf("%s: %v", policy, imp)
		}
		outcomes := map[int32]string{}
		for _, d := range imp.GetDuplicates() {
			outcomes[d.GetRow()] = d.GetOutcome()
		}
		l, err := c.ben.ListBeneficiaries(ctx, &pb.ListBeneficiariesRequest{})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"skip": "map[3:created 4:skipped]", "link": "map[3:created 4:linked]"}[policy]
		if len(l.GetBeneficiaries()) != 1 || imp.GetCounts().GetCreated() != 1 || fmt.Sprint(outcomes) != want {
			t.Fatalf("on_duplicate=%s: %d persons written, counts %v, outcomes of duplicate rows %v (want 1 person, outcomes %s)",
				policy, len(l.GetBeneficiaries()), imp.GetCounts(), outcomes, want)
		}
	}
}

// TestImportDuplicateAmongManyNamesakes: a row of a person registered
// before more than ten namesakes (the same name, other birth days) finds
// that person, as :findDuplicates does; before, only the ten most recent
// namesakes were scored, so the row was reported as (and with
// on_duplicate=link linked to) a namesake born on another day.
func TestImportDuplicateAmongManyNamesakes(t *testing.T) {
	c := startImports(t)
	ctx := servicetest.As(t, ids.New())
	var first string
	for i := range 12 {
		b, err := c.ben.CreateBeneficiary(ctx, &pb.CreateBeneficiaryRequest{Beneficiary: &pb.Beneficiary{
			GivenName: "Omar", FamilyName: "Khalil", BirthDate: fmt.Sprintf("%d-01-31", 1985+i), Nationality: "AF"}})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = b.GetBeneficiary().GetId()
		}
	}
	found, err := c.ben.FindDuplicates(ctx, &pb.FindDuplicatesRequest{Id: first})
	if err != nil {
		t.Fatal(err)
	}
	if len(found.GetCandidates()) == 0 {
		t.Fatal("findDuplicates found no namesake")
	}
	for _, policy := range []string{"", "link"} {
		op, err := upload(ctx, c.imp, &pb.ImportBeneficiariesRequest{File: csvFile("ime,prezime,datum rođenja,državljanstvo\nOmar,Khalil,31.1.1985.,AF\n"),
			ValidateOnly: policy == "", OnDuplicate: policy})
		if err != nil {
			t.Fatal(err)
		}
		imp := finished(t, ctx, c, op)
		dups := imp.GetDuplicates()
		if len(dups) != 1 || len(dups[0].GetMatches()) == 0 || dups[0].GetMatches()[0].GetId() != first || dups[0].GetMatches()[0].GetScore() < 0.99 ||
			(policy == "link" && dups[0].GetResourceId() != first) {
			t.Fatalf("on_duplicate=%q: duplicates %v, want the person born 1985-01-31 (%s) first", policy, dups, first)
		}
	}
}

// TestImportLinksBestEarlierRow: with on_duplicate=link, a row repeating
// earlier rows of the file is linked to the record of the earlier row it
// matches best (same_as_rows best first, as matches), not to the first
// one above it: row 4 (Omar Khalil, 31 January 1985, SY) repeats row 3
// (Omar Kalil, the same day and nationality) far better than row 2 (Omar
// Khalil, born 1990, AF), a namesake row 3 does not repeat; before, row 4
// was linked to row 2's person.
func TestImportLinksBestEarlierRow(t *testing.T) {
	c := startImports(t)
	ctx := servicetest.As(t, ids.New())
	op, err := upload(ctx, c.imp, &pb.ImportBeneficiariesRequest{File: csvFile("ime,prezime,datum rođenja,državljanstvo\n" +
		"Omar,Khalil,1990-06-01,AF\nOmar,Kalil,1985-01-31,SY\nOmar,Khalil,31.1.1985.,SY\n"), OnDuplicate: "link"})
	if err != nil {
		t.Fatal(err)
	}
	imp := finished(t, ctx, c, op)
	given := map[int32]string{}
	for _, d := range imp.GetDuplicates() {
		given[d.GetRow()] = d.GetResourceId()
	}
	l, err := c.ben.ListBeneficiaries(ctx, &pb.ListBeneficiariesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	born := map[string]string{}
	for _, b := range l.GetBeneficiaries() {
		born[b.GetId()] = b.GetBirthDate()
	}
	if len(l.GetBeneficiaries()) != 2 || born[given[4]] != "1985-01-31" {
		t.Fatalf("%d persons; row 4 (born 1985-01-31) linked to %s born %q; duplicates %v", len(l.GetBeneficiaries()), given[4], born[given[4]], imp.GetDuplicates())
	}
}
