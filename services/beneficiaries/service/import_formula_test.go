package service_test

import (
	"fmt"
	"strings"
	"testing"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/sheet"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"google.golang.org/genproto/googleapis/api/httpbody"
)

// TestImportReportsFormulaErrors: a cell holding a spreadsheet's error
// value (#N/A of a municipality looked up by its code that found nothing,
// #VALUE!, LibreOffice's Err:502), as a CSV file saved from the sheet
// writes it, is a problem of its cell saying so, and of no other kind (a
// phone cell's is not "must be a phone number"); its row is not written.
// Before, a surname "#VALUE!" and a municipality "#N/A" were imported as
// the person's, the municipality a row of its own in a donor's report.
func TestImportReportsFormulaErrors(t *testing.T) {
	c := startImports(t)
	ctx := servicetest.As(t, ids.New())
	csv := "\ufeffime;prezime;opština;telefon;napomena\r\nAna;Petrović;#N/A;064 123 4567;\r\nMarko;#VALUE!;Šid;#N/A;Err:502\r\nLejla;Hodžić;Šid;;#1 na listi čekanja\r\n"
	file := &httpbody.HttpBody{ContentType: sheet.MediaCSV, Data: []byte(csv)}
	dry := imported(t, ctx, c, &pb.ImportBeneficiariesRequest{ValidateOnly: true, File: file})
	got := map[string]string{}
	for _, p := range dry.GetProblems() {
		got[fmt.Sprintf("%d %s", p.GetRow(), p.GetColumn())] = p.GetValue()
		if p.GetField() == "" || !strings.HasPrefix(p.GetMessage(), "the cell holds "+p.GetValue()+", the error a spreadsheet shows for a formula") {
			t.Errorf("dry run: problem %v, want its cell's error value named", p)
		}
	}
	want := map[string]string{"2 C": "#N/A", "3 B": "#VALUE!", "3 D": "#N/A", "3 E": "Err:502"}
	if fmt.Sprint(got) != fmt.Sprint(want) || dry.GetCounts().GetValid() != 1 {
		t.Fatalf("dry run: %v, problems %q; want %v, 1 valid", dry.GetCounts(), problemsOf(dry), want)
	}
	skip := imported(t, ctx, c, &pb.ImportBeneficiariesRequest{OnError: "skip", File: file})
	if skip.GetCounts().GetCreated() != 1 {
		t.Errorf("on_error=skip: %v, problems %q; want Lejla alone created", skip.GetCounts(), problemsOf(skip))
	}
	list, err := c.ben.ListBeneficiaries(ctx, &pb.ListBeneficiariesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if bs := list.GetBeneficiaries(); len(bs) != 1 || bs[0].GetGivenName() != "Lejla" || bs[0].GetNotes() != "#1 na listi čekanja" {
		t.Errorf("stored %v, want Lejla alone, her note as written", bs)
	}
}
