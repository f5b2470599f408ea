package service_test

import (
	"fmt"
	"strings"
	"testing"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	importsv1 "github.com/spona/spona/gen/go/spona/imports/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
)

// TestImportNamesOnlyRegisteredAsked: a row naming its person by a name
// alone (no birth date or year, no external_id) that is probably a person
// the organisation has registered already may be her registered again or a
// namesake; with on_duplicate=create (the default) it is a problem saying
// so and what to do, in the dry run as in the import, as a row repeating an
// earlier row of the file is (TestImportNamesOnlyRepeatAsked). Before, it
// was created without a word but a match (r18 item 1). A row of the other
// sex, or with a birth year, is created as before; with skip or link the
// row is skipped or linked as asked.
func TestImportNamesOnlyRegisteredAsked(t *testing.T) {
	c := startImports(t)
	file := "ime,prezime,pol,godina rođenja\n" +
		"Mohammad,Ahmadi,,\n" + // row 2: a registered person's name, names only: asked
		"Nur,AHMADI,ženski,\n" + // row 3: the same, the record has a birth date: asked
		"Nur,Ahmadi,muški,\n" + // row 4: the record's other sex: created
		"Mohammad,Ahmadi,,1992\n" + // row 5: a birth year tells (the record has none): created
		"Zahra,Karimi,,\n" // row 6: no match: created
	ctx := servicetest.As(t, ids.New())
	var mohammad, nur string
	for i, b := range []*pb.Beneficiary{{GivenName: "Mohammad", FamilyName: "Ahmadi"},
		{GivenName: "Nur", FamilyName: "Ahmadi", Sex: commonv1.Sex_SEX_FEMALE, BirthDate: "1990-03-02"}} {
		r, err := c.ben.CreateBeneficiary(ctx, &pb.CreateBeneficiaryRequest{Beneficiary: b})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			mohammad = r.GetBeneficiary().GetId()
		} else {
			nur = r.GetBeneficiary().GetId()
		}
	}
	asked := func(imp *importsv1.Import) string {
		var rows []string
		for _, p := range imp.GetProblems() {
			if !strings.Contains(p.GetMessage(), "registered already") || !strings.Contains(p.GetMessage(), "nothing tells whether they are one person or two") ||
				p.GetColumn() != "A" || strings.Contains(p.GetMessage(), mohammad) || strings.Contains(p.GetMessage(), nur) {
				t.Errorf("problem %v", p)
			}
			rows = append(rows, fmt.Sprint(p.GetRow()))
		}
		return strings.Join(rows, ",")
	}
	op, err := upload(ctx, c.imp, &pb.ImportBeneficiariesRequest{File: csvFile(file), ValidateOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	dry := finished(t, ctx, c, op)
	if got := asked(dry); got != "2,3" || dry.GetCounts().GetInvalid() != 2 {
		t.Fatalf("dry run: problems at rows %q (want 2,3), counts %v: %v", got, dry.GetCounts(), problems(dry))
	}
	op, err = upload(ctx, c.imp, &pb.ImportBeneficiariesRequest{File: csvFile(file), OnError: "skip"})
	if err != nil {
		t.Fatal(err)
	}
	imp := finished(t, ctx, c, op)
	if got := asked(imp); got != "2,3" || imp.GetCounts().GetCreated() != 3 {
		t.Fatalf("import: problems at rows %q (want 2,3), counts %v (want 3 created)", got, imp.GetCounts())
	}
	for _, policy := range []string{"skip", "link"} {
		op, err := upload(ctx, c.imp, &pb.ImportBeneficiariesRequest{File: csvFile("ime,prezime,pol\nMohammad,Ahmadi,\nNur,Ahmadi,Ž\n"),
			OnDuplicate: policy})
		if err != nil {
			t.Fatal(err)
		}
		imp := finished(t, ctx, c, op)
		counts := imp.GetCounts()
		if imp.GetState() != importsv1.ImportState_IMPORT_STATE_SUCCEEDED || imp.GetProblemCount() != 0 || counts.GetCreated() != 0 ||
			counts.GetSkipped()+counts.GetLinked() != 2 {
			t.Fatalf("on_duplicate=%s: %v %v %v", policy, imp.GetState(), counts, problems(imp))
		}
	}
}
