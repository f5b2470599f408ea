package service_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/sheet"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"google.golang.org/genproto/googleapis/api/httpbody"
)

// TestImportFindsRepeatAmongNamesakes: a row repeating an earlier row of
// the file is found (same_as) also when more than ten earlier rows bear
// the same name with other births, as a register of a reception centre
// has many a Mohammad Ahmadi; so on_duplicate=skip registers the person
// once. Before, the earlier rows were scored against the row only for the
// ten nearest by name, the first ten namesakes in sheet order: the
// repeat, written after them, was not among them, and the person was
// registered twice (found auditing an import with common names).
func TestImportFindsRepeatAmongNamesakes(t *testing.T) {
	c := startImports(t)
	ctx := servicetest.As(t, ids.New())
	var csv strings.Builder
	csv.WriteString("ime;prezime;datum rođenja\r\n")
	for i := range 12 { // rows 2-13: twelve persons of one name
		fmt.Fprintf(&csv, "Mohammad;Ahmadi;%d.3.%d.\r\n", i+1, 1980+i)
	}
	csv.WriteString("Mohammad;Ahmadi;12.3.1991.\r\n") // row 14 repeats row 13
	csv.WriteString("MOHAMMAD;AHMADI;3.3.1982\r\n")   // row 15 repeats row 4
	file := &httpbody.HttpBody{ContentType: sheet.MediaCSV, Data: []byte(csv.String())}

	dry := imported(t, ctx, c, &pb.ImportBeneficiariesRequest{ValidateOnly: true, File: file})
	same := map[int32][]int32{}
	for _, d := range dry.GetDuplicates() {
		if len(d.GetSameAsRows()) > 0 {
			same[d.GetRow()] = d.GetSameAsRows()
		}
	}
	t.Logf("%v", dry.GetDuplicates())
	if len(same) != 2 || !slices.Equal(same[14], []int32{13}) || !slices.Equal(same[15], []int32{4}) {
		t.Errorf("dry run: same_as %v, want row 14 the same as row 13, row 15 as row 4", same)
	}
	imp := imported(t, ctx, c, &pb.ImportBeneficiariesRequest{OnDuplicate: "skip", File: file})
	if got := imp.GetCounts(); got.GetCreated() != 12 || got.GetSkipped() != 2 {
		t.Errorf("on_duplicate=skip: %v; want the 12 persons created once, the 2 repeats skipped", got)
	}
}
