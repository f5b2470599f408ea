package service_test

import (
	"fmt"
	"strings"
	"testing"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
)

// TestImportMonthFirstFile: a CSV file saved from a spreadsheet set to
// English (United States) writes dates month first (4/12/1990 is 12
// April). Its dates with slashes that read as two days are problems naming
// their cell and both days, in every date column, rather than stored day
// first with day and month swapped; one only read month first (2/13/1991)
// is that day (r18 item 2: before, a problem asking for 1991-02-13), and
// one that is the same day either way (5/5/1992) is read. A file whose dates with slashes are day first, as the region
// writes them, is read day first as before. Before, 4/12/1990 was stored
// as 4 December without a word, with on_error=skip too (found auditing
// imports of a Google Sheets export with US settings).
func TestImportMonthFirstFile(t *testing.T) {
	c := startImports(t)
	ctx := servicetest.As(t, ids.New())
	us := csvFile("given_name,family_name,birth_date,legal_status,legal_status_since\r\n" +
		"Amina,Hadžić,4/12/1990,asylum_seeker,3/5/2024\r\n" + // row 2: both dates read two ways
		"Omar,Khan,2/13/1991,,\r\n" + // row 3: only month first
		"Lina,Saleh,5/5/1992,,\r\n" + // row 4: the same day either way
		"Sara,Haddad,1992-07-01,,\r\n") // row 5: not slashed
	imp := imported(t, ctx, c, &pb.ImportBeneficiariesRequest{OnError: "skip", File: us})
	var got []string
	for _, p := range imp.GetProblems() {
		got = append(got, fmt.Sprintf("%d%s %s", p.GetRow(), p.GetColumn(), p.GetMessage()))
	}
	t.Logf("problems:\n%s", strings.Join(got, "\n"))
	want := map[string]string{
		"2C": `"4/12/1990" may be 1990-12-04 (day first) or 1990-04-12 (month first)`,
		"2E": `"3/5/2024" may be 2024-05-03 (day first) or 2024-03-05 (month first)`,
	}
	if len(got) != len(want) {
		t.Errorf("%d problems, want %d", len(got), len(want))
	}
	for cell, msg := range want {
		found := false
		for _, g := range got {
			if strings.HasPrefix(g, cell+" "+msg) && (cell == "3C" || strings.Contains(g, "(cell C3 holds 2/13/1991, a day only read month first)")) {
				found = true
			}
		}
		if !found {
			t.Errorf("no problem %s %s (naming cell C3)", cell, msg)
		}
	}
	if n := imp.GetCounts().GetCreated(); n != 3 {
		t.Errorf("created %d, want 3 (rows 3, 4 and 5)", n)
	}
	births := func() map[string]string {
		l, err := c.ben.ListBeneficiaries(ctx, &pb.ListBeneficiariesRequest{})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, b := range l.GetBeneficiaries() {
			out[b.GetGivenName()] = b.GetBirthDate()
		}
		return out
	}
	if b := births(); b["Amina"] != "" || b["Lina"] != "1992-05-05" || b["Omar"] != "1991-02-13" {
		t.Errorf("births %v: want Amina not imported, Lina born 1992-05-05, Omar 1991-02-13", b)
	}

	// Day first, as the region writes them: read as before.
	ctx = servicetest.As(t, ids.New())
	imp = imported(t, ctx, c, &pb.ImportBeneficiariesRequest{File: csvFile("ime;prezime;datum rođenja\r\n" +
		"Amina;Hadžić;4/12/1990\r\nOmar;Khan;25/12/1991\r\n")})
	if len(imp.GetProblems()) != 0 || imp.GetCounts().GetCreated() != 2 {
		t.Errorf("day-first file: %v, problems %v", imp.GetCounts(), imp.GetProblems())
	}
	if b := births(); b["Amina"] != "1990-12-04" || b["Omar"] != "1991-12-25" {
		t.Errorf("day-first file births %v, want Amina 1990-12-04, Omar 1991-12-25", b)
	}
}
