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
