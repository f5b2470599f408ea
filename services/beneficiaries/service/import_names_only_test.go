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

// TestImportNamesOnlyRepeatAsked: two rows of one file naming a person by
// the same name and nothing else (no birth date or year, no external_id)
// may be one person entered twice or two namesakes; with on_duplicate=create
// (the default) the later row is a problem saying so and what to do, in the
// dry run as in the import, so the person importing decides. Before, both
// were created without a word but a same_as_rows entry (found by r16-imports,
// assigned r17). Rows told apart by a birth year, an external_id or their
// sexes are created as before; with skip or link the row is skipped or
// linked as asked.
func TestImportNamesOnlyRepeatAsked(t *testing.T) {
	c := startImports(t)
	file := "ime,prezime,pol,godina rođenja,broj predmeta\n" +
		"Mohammad,Ahmadi,,,\n" + // row 2: names only
		"Mohammad,Ahmadi,,,\n" + // row 3: repeats row 2, names only: asked
		"MOHAMMAD,AHMADI,m,,\n" + // row 4: the same name, names only (one sex unknown): asked
		"Nur,Ahmadi,ženski,,\n" + // row 5: names only
		"Nur,Ahmadi,muški,,\n" + // row 6: another sex: another person
		"Omar,Khalil,,1990,\n" + // row 7
		"Omar,Khalil,,1975,\n" + // row 8: another birth year
		"Ali,Rezai,,,A-1\n" + // row 9
		"Ali,Rezai,,,A-2\n" // row 10: another external_id
	ctx := servicetest.As(t, ids.New())
	op, err := upload(ctx, c.imp, &pb.ImportBeneficiariesRequest{File: csvFile(file), ValidateOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	dry := finished(t, ctx, c, op)
	asked := func(imp *importsv1.Import) string {
		var rows []string
		for _, p := range imp.GetProblems() {
			if !strings.Contains(p.GetMessage(), "nothing tells whether they are one person or two") || p.GetColumn() != "A" {
				t.Errorf("problem %v", p)
			}
			rows = append(rows, fmt.Sprint(p.GetRow()))
		}
		return strings.Join(rows, ",")
	}
	if got := asked(dry); got != "3,4" || dry.GetCounts().GetInvalid() != 2 {
		t.Fatalf("dry run: problems at rows %q (want 3,4), counts %v: %v", got, dry.GetCounts(), problems(dry))
	}
	op, err = upload(ctx, c.imp, &pb.ImportBeneficiariesRequest{File: csvFile(file), OnError: "skip"})
	if err != nil {
		t.Fatal(err)
	}
	imp := finished(t, ctx, c, op)
	if got := asked(imp); got != "3,4" || imp.GetCounts().GetCreated() != 7 {
		t.Fatalf("import: problems at rows %q (want 3,4), counts %v (want 7 created)", got, imp.GetCounts())
	}
	for _, policy := range []string{"skip", "link"} {
		ctx := servicetest.As(t, ids.New())
		op, err := upload(ctx, c.imp, &pb.ImportBeneficiariesRequest{File: csvFile(file), OnDuplicate: policy})
		if err != nil {
			t.Fatal(err)
		}
		imp := finished(t, ctx, c, op)
		if imp.GetState() != importsv1.ImportState_IMPORT_STATE_SUCCEEDED || imp.GetProblemCount() != 0 {
			t.Fatalf("on_duplicate=%s: %v %v", policy, imp.GetState(), problems(imp))
		}
	}
}
