package export

import (
	"regexp"
	"strings"
	"testing"

	"github.com/spona/spona/services/reporting/internal/domain"
)

// TestIATINamesTellCellsApart: two directory services (or places) of one
// project named alike — five mobile teams each called "Mobilni tim", two
// offices "Ured, Bihać" — were exported as <actual>s with the same
// dimension value, which a donor's portal cannot tell apart (it sums or
// drops them), while the CSV tells them apart by id. A name shared by
// several cells of a breakdown now carries the cell's label, in the
// dimension, in the parent a nested cell names and in the withheld note.
func TestIATINamesTellCellsApart(t *testing.T) {
	const teamA, teamB, teamC = "0190a000-0000-7000-8000-00000000000a", "0190a000-0000-7000-8000-00000000000b", "0190a000-0000-7000-8000-00000000000c"
	const officeA, officeB = "0190a000-0000-7000-8000-0000000000fa", "0190a000-0000-7000-8000-0000000000fb"
	in := newIndicator("O1", "persons", "output", domain.MetricBeneficiariesAssisted, "2024-01-01", "2024-12-31")
	in.Disaggregations = []string{"service", "location"}
	res := domain.NewResult(in, d("2024-01-01"), d("2024-12-31"))
	res.Actual.Total.Count = 40
	res.Actual.Breakdowns = []domain.Breakdown{
		{Dimension: "service", Cells: []domain.Cell{
			{Label: teamA, Count: 12, Name: "Mobilni tim"}, {Label: teamB, Count: 20, Name: "Mobilni tim"},
			{Label: teamC, Count: 8, Name: "Info punkt"}}},
		{Dimension: "location", Parent: "service", Cells: []domain.Cell{
			{Label: officeA, Parent: teamA, Count: 12, Name: "Ured, Bihać"}, {Label: officeB, Parent: teamB, Count: 18, Name: "Ured, Bihać"},
			{Label: "unknown", Parent: teamB, Count: 2}}},
	}
	domain.Suppress(&res.Actual, 5)
	out, err := IATI(publish(report(minimalProject(), res), domain.DirectoryOrganisation{Name: "NVO", Kind: "ngo", Identifier: "BA-COA-123"}))
	if err != nil {
		t.Fatal(err)
	}
	doc := regexp.MustCompile(`>\s+<`).ReplaceAllString(string(out), "><")
	// Each actual's dimensions, in order.
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(`<actual value="[^"]*">((?:<dimension [^>]*></dimension>)+)</actual>`).FindAllStringSubmatch(doc, -1) {
		if seen[m[1]] {
			t.Errorf("two actuals with the same dimensions %s:\n%s", m[1], doc)
		}
		seen[m[1]] = true
	}
	for _, want := range []string{
		`<dimension name="service" value="Mobilni tim (` + teamA + `)">`, `<dimension name="service" value="Info punkt">`,
		`<dimension name="location" value="Ured, Bihać (` + officeA + `)"></dimension><dimension name="service" value="Mobilni tim (` + teamA + `)">`,
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("no %s in\n%s", want, doc)
		}
	}
	if !strings.Contains(doc, "location unknown (service Mobilni tim ("+teamB+"))") {
		t.Errorf("the withheld note does not say which team's cell is withheld:\n%s", doc)
	}
}
