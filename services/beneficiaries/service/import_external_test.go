package service_test

import (
	"fmt"
	"strings"
	"testing"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	importsv1 "github.com/spona/spona/gen/go/spona/imports/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
)

// TestImportExternalIDTaken: a register's case numbers (external_id, unique
// per organisation) that another record already has, or that an earlier
// row of the file has too, are problems of their cells in the dry run and
// in the real import. Before, the dry run found every row valid and the
// real import failed as a whole with "already exists
// (beneficiaries_external_id_key)", naming no row, even with on_error=skip.
// A row that is the record with its case number (found as its duplicate)
// is skipped or linked as asked, not refused.
func TestImportExternalIDTaken(t *testing.T) {
	c := startImports(t)
	ctx := servicetest.As(t, ids.New())
	_, err := c.ben.CreateBeneficiary(ctx, &pb.CreateBeneficiaryRequest{Beneficiary: &pb.Beneficiary{
		GivenName: "Ana", FamilyName: "Anić", BirthDate: "1990-04-12", ExternalId: "P-001"}})
	if err != nil {
		t.Fatal(err)
	}
	file := "broj predmeta,ime,prezime,datum rođenja\n" +
		"P-001,Marko,Marković,1.1.1980.\n" + // row 2: Ana's case number
		"P-002,Jovan,Jovanović,2.2.1982.\n" + // row 3
		"P-002,Petar,Petrović,3.3.1983.\n" + // row 4: row 3's case number
		"P-003,Mila,Milić,4.4.1984.\n" + // row 5
		"P-001,Ana,Anić,12.4.1990.\n" // row 6: Ana herself
	rowsOf := func(imp *importsv1.Import) string {
		var out []string
		for _, p := range imp.GetProblems() {
			out = append(out, fmt.Sprintf("%d%s", p.GetRow(), p.GetColumn()))
		}
		return strings.Join(out, " ")
	}
	for _, tc := range []struct {
		onDuplicate, problems string
		valid                 int32
	}{
		{"create", "2A 4A 6A", 2}, // a new record cannot have Ana's case number
		{"skip", "2A 4A", 3},
		{"link", "2A 4A", 3},
	} {
		op, err := upload(ctx, c.imp, &pb.ImportBeneficiariesRequest{File: csvFile(file), ValidateOnly: true, OnDuplicate: tc.onDuplicate})
		if err != nil {
			t.Fatal(err)
		}
		dry := finished(t, ctx, c, op)
		if got := rowsOf(dry); got != tc.problems || dry.GetCounts().GetValid() != tc.valid || dry.GetCounts().GetInvalid() != 5-tc.valid {
			t.Errorf("dry run, on_duplicate=%s: problems at %q (want %q), counts %v: %v", tc.onDuplicate, got, tc.problems, dry.GetCounts(), problems(dry))
		}
	}
	for _, p := range []string{"P-001", "another of your organisation's beneficiaries", "row 3"} {
		op, err := upload(ctx, c.imp, &pb.ImportBeneficiariesRequest{File: csvFile(file), ValidateOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		if all := strings.Join(problems(finished(t, ctx, c, op)), "\n"); !strings.Contains(all, p) {
			t.Errorf("no problem names %s:\n%s", p, all)
		}
	}

	op, err := upload(ctx, c.imp, &pb.ImportBeneficiariesRequest{File: csvFile(file), OnError: "skip", OnDuplicate: "skip"})
	if err != nil {
		t.Fatal(err)
	}
	imp := finished(t, ctx, c, op)
	if imp.GetState() != importsv1.ImportState_IMPORT_STATE_SUCCEEDED || imp.GetCounts().GetCreated() != 2 || imp.GetCounts().GetSkipped() != 1 ||
		rowsOf(imp) != "2A 4A" {
		t.Fatalf("on_error=skip: %v", imp)
	}
	l, err := c.ben.ListBeneficiaries(ctx, &pb.ListBeneficiariesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range l.GetBeneficiaries() {
		got = append(got, b.GetExternalId()+" "+b.GetGivenName())
	}
	if strings.Join(got, ", ") != "P-003 Mila, P-002 Jovan, P-001 Ana" {
		t.Fatalf("records after the import: %v", got)
	}
	// All or nothing: refused with the rows named, nothing written.
	op, err = upload(ctx, c.imp, &pb.ImportBeneficiariesRequest{File: csvFile(strings.Replace(file, "Mila", "Milena", 1))})
	if err != nil {
		t.Fatal(err)
	}
	if imp := finished(t, ctx, c, op); imp.GetState() != importsv1.ImportState_IMPORT_STATE_FAILED || imp.GetError().GetCode() != 3 || rowsOf(imp) == "" {
		t.Fatalf("all or nothing: %v", imp)
	}
}
