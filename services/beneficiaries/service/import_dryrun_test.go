package service_test

import (
	"testing"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
)

// TestImportDryRunRepeated: a dry run of a file checked before sees the
// records as they are now (a person registered meanwhile is the row's
// duplicate, so is the row once the file was imported), not the first dry
// run's answer; its retry with the same request id still gets that run.
func TestImportDryRunRepeated(t *testing.T) {
	c := startImports(t)
	ctx := servicetest.As(t, ids.New())
	file := csvFile("ime;prezime;pol;datum rođenja\r\nAna;Petrović;ž;1.2.1990.\r\nMarko;Jovanović;m;3.4.1985.\r\n")
	dry := func(requestID string) (string, map[int32]int) {
		t.Helper()
		op, err := upload(ctx, c.imp, &pb.ImportBeneficiariesRequest{File: file, ValidateOnly: true, RequestId: requestID})
		if err != nil {
			t.Fatal(err)
		}
		imp := finished(t, ctx, c, op)
		matches := map[int32]int{}
		for _, d := range imp.GetDuplicates() {
			matches[d.GetRow()] = len(d.GetMatches())
		}
		return imp.GetId(), matches
	}
	first, matches := dry("check-1")
	if len(matches) != 0 {
		t.Fatalf("first dry run: matches %v, want none", matches)
	}
	if _, err := c.ben.CreateBeneficiary(ctx, &pb.CreateBeneficiaryRequest{Beneficiary: &pb.Beneficiary{
		GivenName: "Ана", FamilyName: "Петровић", BirthDate: "1990-02-01"}}); err != nil {
		t.Fatal(err)
	}
	if again, matches := dry(""); again == first || matches[2] != 1 || matches[3] != 0 {
		t.Fatalf("dry run after Ana was registered: import %s (first %s), matches by row %v, want row 2's match", again, first, matches)
	}
	if retried, _ := dry("check-1"); retried != first {
		t.Fatalf("dry run retried with its request id: import %s, want the first, %s", retried, first)
	}
	op, err := upload(ctx, c.imp, &pb.ImportBeneficiariesRequest{File: file})
	if err != nil {
		t.Fatal(err)
	}
	if imp := finished(t, ctx, c, op); imp.GetCounts().GetCreated() != 2 {
		t.Fatalf("import: %v", imp)
	}
	if _, matches := dry(""); matches[2] != 2 || matches[3] != 1 {
		t.Fatalf("dry run after the import: matches by row %v, want 2 for row 2 and 1 for row 3", matches)
	}
}
