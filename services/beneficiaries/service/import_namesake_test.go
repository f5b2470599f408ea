package service_test

import (
	"fmt"
	"testing"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
)

// TestImportNamesakeBornAnotherYear: a row with the name of an existing
// person (or of an earlier row) but a known birth date or year that
// conflicts with theirs is another person. The dry run lists the existing
// namesake as a possible match for review, marked birth_conflict, and so
// does :findDuplicates; on_duplicate=link and skip never act on it: the
// row's person is created. Before, the namesake scored 0.7 (above 0.5) and
// link recorded the existing person's id for the row (two people made
// one), skip dropped the row.
func TestImportNamesakeBornAnotherYear(t *testing.T) {
	c := startImports(t)
	file := "ime,prezime,datum rođenja,državljanstvo\n" +
		"Mohammad,Ahmadi,12.5.1992.,AF\n" + // row 2: namesake of the existing person, born 1992
		"Mohammad,Ahmadi,3.7.2001.,AF\n" // row 3: namesake of both, born 2001
	for _, policy := range []string{"", "link", "skip"} {
		ctx := servicetest.As(t, ids.New())
		existing, err := c.ben.CreateBeneficiary(ctx, &pb.CreateBeneficiaryRequest{Beneficiary: &pb.Beneficiary{
			GivenName: "Mohammad", FamilyName: "Ahmadi", BirthDate: "1985-03-10", Nationality: "AF"}})
		if err != nil {
			t.Fatal(err)
		}
		id := existing.GetBeneficiary().GetId()
		op, err := upload(ctx, c.imp, &pb.ImportBeneficiariesRequest{File: csvFile(file), ValidateOnly: policy == "", OnDuplicate: policy})
		if err != nil {
			t.Fatal(err)
		}
		imp := finished(t, ctx, c, op)
		l, err := c.ben.ListBeneficiaries(ctx, &pb.ListBeneficiariesRequest{})
		if err != nil {
			t.Fatal(err)
		}
		outcomes := map[int32]string{}
		listed := false
		for _, d := range imp.GetDuplicates() {
			outcomes[d.GetRow()] = d.GetOutcome()
			for _, m := range d.GetMatches() {
				if m.GetId() == id && d.GetRow() == 2 && m.GetBirthConflict() {
					listed = true
				}
			}
		}
		if policy == "" {
			if !listed {
				t.Fatalf("dry run: duplicates %v, want the namesake born 1985 (%s) listed for row 2 with birth_conflict", imp.GetDuplicates(), id)
			}
			if imp.GetCounts().GetDuplicates() != 0 {
				t.Fatalf("dry run: counts %v, want no duplicates (a birth_conflict alone makes none)", imp.GetCounts())
			}
			found, err := c.ben.FindDuplicates(ctx, &pb.FindDuplicatesRequest{Id: id})
			if err != nil {
				t.Fatal(err)
			}
			if len(found.GetCandidates()) != 0 {
				t.Fatalf("findDuplicates of the existing person in a dry run: %v, want none (nothing written)", found.GetCandidates())
			}
			continue
		}
		if len(l.GetBeneficiaries()) != 3 || imp.GetCounts().GetCreated() != 2 || outcomes[2] != "created" || outcomes[3] != "created" {
			t.Fatalf("on_duplicate=%s: %d persons (want 3: the existing one and two namesakes born 1992 and 2001), counts %v, outcomes %v, duplicates %v",
				policy, len(l.GetBeneficiaries()), imp.GetCounts(), fmt.Sprint(outcomes), imp.GetDuplicates())
		}
		// :findDuplicates (a person reads it) still lists the namesakes.
		found, err := c.ben.FindDuplicates(ctx, &pb.FindDuplicatesRequest{Id: id})
		if err != nil {
			t.Fatal(err)
		}
		if len(found.GetCandidates()) != 2 {
			t.Fatalf("on_duplicate=%s: findDuplicates of the person born 1985: %v, want the two namesakes", policy, found.GetCandidates())
		}
	}
}
