package export

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/iati"
	"github.com/spona/spona/pkg/testkit/standards"
	"github.com/spona/spona/services/reporting/internal/domain"
)

// generated is when the test reports are generated (after every date in them).
var generated = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// publish sets the report's publisher from a directory entry.
func publish(r *domain.Report, o domain.DirectoryOrganisation) *domain.Report {
	if o.ID == "" {
		o.ID = r.Project.ImplementingOrganisationID
	}
	pub := domain.NewPublisher(r.Project, o)
	r.Publisher = &pub
	return r
}

func minimalProject() *domain.Project {
	return &domain.Project{ID: "0190a000-0000-7000-8000-0000000000a1", Code: "P1",
		Titles: []domain.Narrative{{Text: "Minimal"}}, ImplementingOrganisationID: "0190a000-0000-7000-8000-0000000000a2",
		PlannedStart: d("2024-01-01"), PlannedEnd: d("2024-12-31"), Sectors: []string{"15160"},
		UpdateTime: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)}
}

func report(p *domain.Project, results ...domain.Result) *domain.Report {
	return &domain.Report{Project: p, From: p.PlannedStart, To: p.PlannedEnd, Threshold: p.Threshold(),
		Results: results, GenerateTime: generated}
}

// computed is a result of a computed metric with the given total and
// breakdown, suppressed as the service does.
func computed(in *domain.Indicator, threshold int, total int64, dim string, counts map[string]int64) domain.Result {
	r := domain.NewResult(in, in.Targets[0].Start, in.Targets[0].End)
	r.Actual.Total.Count = total
	if dim != "" {
		b := domain.Breakdown{Dimension: dim}
		for label, n := range counts {
			b.Cells = append(b.Cells, domain.Cell{Label: label, Count: n})
		}
		domain.SortCells(dim, b.Cells)
		r.Actual.Breakdowns = []domain.Breakdown{b}
	}
	domain.Suppress(&r.Actual, threshold)
	return r
}

func newIndicator(code, unit, level, metric string, from, to string) *domain.Indicator {
	return &domain.Indicator{Code: code, Titles: []domain.Narrative{{Text: "Indicator " + code}}, Unit: unit, Level: level,
		Metric: metric, Targets: []domain.Target{{Start: d(from), End: d(to), Value: "10"}}}
}

// cases are the reports of every shape an export can take.
func cases() map[string]*domain.Report {
	out := map[string]*domain.Report{}
	dir := domain.DirectoryOrganisation{Name: "Centar za zaštitu i pomoć tražiocima azila", Kind: "ngo", Identifier: "RS-APR-17123456",
		LocalizedNames: map[string]string{"en": "Asylum Protection Center", "sr-Cyrl": "Центар за заштиту и помоћ тражиоцима азила", "sr-Latn": "Centar za zaštitu i pomoć tražiocima azila"}}

	out["worked example"] = sample()

	// The README's minimal project: no names of its own, so the reporting
	// organisation is named from the directory.
	out["minimal"] = publish(report(minimalProject()), dir)
	out["minimal, directory name only"] = publish(report(minimalProject()), domain.DirectoryOrganisation{Name: "Udruženje Vaša prava BiH",
		Kind: "ngo", Identifier: "BA-JIB-4200000000000"})

	// Every optional part of a project.
	full := minimalProject()
	full.Code = "FULL-2023.1_a"
	full.Titles = []domain.Narrative{{Lang: "en", Text: "Every part"}, {Lang: "sr", Text: "Сви делови"}, {Lang: "hr", Text: "Svi dijelovi"}}
	full.Descriptions = []domain.Narrative{{Text: "A description with <markup> & ampersands"}, {Lang: "bs", Text: "Opis"}}
	full.GeneralObjectives = []domain.Narrative{{Text: "General"}}
	full.SpecificObjectives = []domain.Narrative{{Text: "Specific"}, {Lang: "sr", Text: "Посебни"}}
	full.ReportingOrgNames = []domain.Narrative{{Text: "Asylum Protection Center"}, {Lang: "sr", Text: "Centar za zaštitu"}}
	full.ReportingOrgType = "21"
	full.Participants = []domain.ParticipatingOrg{
		{Ref: "XM-DAC-41121", Type: "40", Role: domain.RoleFunding, Names: []domain.Narrative{{Text: "UNHCR"}}},
		{Ref: "XM-DAC-41121", Type: "40", Role: domain.RoleAccountable},
		{Type: "10", Role: domain.RoleExtending, Names: []domain.Narrative{{Text: "Ministry"}, {Lang: "sr", Text: "Министарство"}}},
		{Type: "22", Role: domain.RoleImplementing, Names: []domain.Narrative{{Text: "Partner NGO"}}},
		// The implementing organisation listed by the project itself is not
		// added a second time.
		{OrganisationID: full.ImplementingOrganisationID, Ref: "RS-APR-17123456", Type: "21", Role: domain.RoleImplementing},
	}
	full.Budgets = []domain.Budget{
		{Start: d("2023-01-01"), End: d("2023-12-31"), ValueDate: d("2023-01-01"), Value: domain.Money{Amount: "1000.50", Currency: "EUR"}},
		{Start: d("2024-01-01"), End: d("2025-01-01"), ValueDate: d("2024-02-01"), Value: domain.Money{Amount: "0", Currency: "RSD"}},
	}
	full.PlannedStart, full.PlannedEnd = d("2023-01-01"), d("2025-01-01")
	full.ActualStart, full.ActualEnd = d("2023-01-15"), d("2024-12-20")
	full.Status = domain.StatusClosed
	full.Countries = []string{"RS", "BA", "HR"}
	full.Municipalities = []string{"Beograd", "Šid"}
	full.Sectors = []string{"15160", "16010", "72010"}
	full.SuppressionThreshold = 3
	manual := &domain.Indicator{Code: "M1", Titles: []domain.Narrative{{Text: "Share of cases closed"}, {Lang: "sr", Text: "Удео"}},
		Unit: "%", Measure: domain.MeasurePercentage, Level: "impact", Metric: domain.MetricManual, Baseline: domain.Baseline{Value: "12.5", Date: d("2023-01-01")},
		Targets: []domain.Target{{Start: d("2023-01-01"), End: d("2023-12-31"), Value: "50"}, {Start: d("2024-01-01"), End: d("2024-12-31"), Value: "60"}},
		// A period with a value and no target, one with both, one with a target only.
		Values: []domain.Value{{Start: d("2023-01-01"), End: d("2023-06-30"), Value: "40"}, {Start: d("2023-01-01"), End: d("2023-12-31"), Value: "48.25"}}}
	noValue := &domain.Indicator{Code: "M2", Titles: []domain.Narrative{{Text: "Not yet measured"}}, Level: "outcome", Metric: domain.MetricManual}
	trained := newIndicator("T1", "persons", "output", domain.MetricProfessionalsTrained, "2023-01-01", "2025-01-01")
	trained.Baseline = domain.Baseline{Value: "0"}
	r := report(full,
		domain.NewResult(manual, full.PlannedStart, full.PlannedEnd),
		domain.NewResult(noValue, full.PlannedStart, full.PlannedEnd),
		computed(trained, 3, 25, "sector", map[string]int64{"police": 10, "health": 15, "justice": 0}))
	out["every optional part"] = publish(r, dir)

	// Suppressed values: a suppressed total, suppressed cells, a table too
	// small to publish in detail.
	sup := minimalProject()
	sup.Code = "SUP"
	in := newIndicator("S1", "persons", "output", domain.MetricBeneficiariesAssisted, "2024-01-01", "2024-12-31")
	// A small baseline, withheld (domain.Indicator.SuppressBaseline).
	small := newIndicator("S2", "persons", "output", domain.MetricBeneficiariesAssisted, "2024-01-01", "2024-12-31")
	small.Baseline = domain.Baseline{Value: "2", Date: d("2023-12-31")}
	small.SuppressBaseline(5)
	out["suppressed values"] = publish(report(sup,
		computed(in, 5, 3, "sex", map[string]int64{"female": 2, "male": 1}),
		computed(in, 5, 40, "legal_status", map[string]int64{"refugee": 30, "asylum_seeker": 7, "migrant": 2, "stateless": 1}),
		computed(in, 5, 4, "", nil),
		computed(in, 5, 4, "municipality", map[string]int64{"Beograd": 1, "Šid": 1, "Subotica": 1, "Loznica": 1}),
		computed(in, 5, 0, "sex", nil),
		computed(small, 5, 12, "", nil)), dir)

	// Many budgets: fifty yearly lines.
	many := minimalProject()
	many.Code = "MANY"
	many.PlannedStart, many.PlannedEnd = d("1990-01-01"), d("2039-12-31")
	for y := 1990; y < 2040; y++ {
		many.Budgets = append(many.Budgets, domain.Budget{Start: d(fmt.Sprintf("%d-01-01", y)), End: d(fmt.Sprintf("%d-12-31", y)),
			ValueDate: d(fmt.Sprintf("%d-01-01", y)), Value: domain.Money{Amount: fmt.Sprintf("%d.%02d", y*100, y%100), Currency: "BAM"}})
	}
	out["many budgets"] = publish(report(many), dir)

	// Several sectors and countries, shares that do not divide evenly.
	for _, n := range []int{2, 3, 7, 50} {
		p := minimalProject()
		p.Code = fmt.Sprintf("SECT-%d", n)
		p.Sectors = nil
		for i := range n {
			p.Sectors = append(p.Sectors, iati.Sectors[i])
		}
		p.Countries = domain.Countries[:min(n, 3)]
		out[fmt.Sprintf("%d sectors", n)] = publish(report(p), dir)
	}
	return out
}

// TestIATIValidInEveryCase validates every shape of export against the
// official IATI 2.03 schema (xmllint) and the IATI rulesets' rules.
func TestIATIValidInEveryCase(t *testing.T) {
	docs := map[string][]byte{}
	for name, r := range cases() {
		out, err := IATI(r)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		docs[name] = out
		if fails := standards.IATIRuleFailures(out, generated); len(fails) > 0 {
			t.Errorf("%s breaks IATI rules:\n%s\n%s", name, strings.Join(fails, "\n"), out)
		}
	}
	n := standards.ValidateIATI(t, docs)
	t.Logf("%d exports validated", n)
	full := string(docs["every optional part"])
	if strings.Count(full, `role="4"`) != 2 {
		t.Errorf("the implementing organisation listed by the project was added again:\n%s", full)
	}
	if !strings.Contains(string(docs["minimal"]), "<narrative>Asylum Protection Center</narrative>") ||
		!strings.Contains(string(docs["minimal"]), `<narrative xml:lang="sr">Centar za zaštitu i pomoć tražiocima azila</narrative>`) {
		t.Errorf("minimal: the reporting organisation is not named from the directory:\n%s", docs["minimal"])
	}
	// In the language of the country its identifier was issued in (no
	// working language nor country given): not untagged, which is English.
	if !strings.Contains(string(docs["minimal, directory name only"]), `<narrative xml:lang="bs">Udruženje Vaša prava BiH</narrative>`) {
		t.Errorf("the directory name is not the reporting organisation's narrative:\n%s", docs["minimal, directory name only"])
	}
}

// totalActual is an actual without a dimension: the total.
var totalActual = regexp.MustCompile(`<actual value="[^"]*"></actual>`)

// TestIATISuppressionProperty: random tables, suppressed as the service
// does, always export valid IATI with no withheld count in it.
func TestIATISuppressionProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 2))
	dims := []string{"sex", "age_band", "legal_status", "municipality"}
	docs := map[string][]byte{}
	for i := range 300 {
		p := minimalProject()
		p.Code = fmt.Sprintf("PROP-%d", i)
		p.SuppressionThreshold = 1 + rng.IntN(10)
		var results []domain.Result
		for j := range 1 + rng.IntN(4) {
			in := newIndicator(fmt.Sprintf("I%d", j), "persons", domain.Levels[rng.IntN(3)], domain.MetricBeneficiariesAssisted, "2024-01-01", "2024-12-31")
			var breakdowns []domain.Breakdown
			var total int64
			for _, dim := range dims[:rng.IntN(len(dims)+1)] {
				b := domain.Breakdown{Dimension: dim}
				var sum int64
				for k := range 1 + rng.IntN(6) {
					n := int64(rng.IntN(12))
					sum += n
					b.Cells = append(b.Cells, domain.Cell{Label: fmt.Sprintf("v%d", k), Count: n})
				}
				domain.SortCells(dim, b.Cells)
				breakdowns = append(breakdowns, b)
				total = max(total, sum)
			}
			if len(breakdowns) == 0 {
				total = int64(rng.IntN(20))
			}
			res := domain.NewResult(in, p.PlannedStart, p.PlannedEnd)
			res.Actual = domain.Table{Total: domain.Cell{Count: total}, Breakdowns: breakdowns}
			domain.Suppress(&res.Actual, p.Threshold())
			results = append(results, res)
		}
		r := publish(report(p, results...), domain.DirectoryOrganisation{Name: "NGO", Kind: "ngo", Identifier: "HR-OIB-12345678901"})
		out, err := IATI(r)
		if err != nil {
			t.Fatal(err)
		}
		if fails := standards.IATIRuleFailures(out, generated); len(fails) > 0 {
			t.Fatalf("report %d breaks IATI rules:\n%s\n%s", i, strings.Join(fails, "\n"), out)
		}
		// Each result's section holds none of its withheld cells.
		sections := strings.Split(string(out), "<result ")[1:]
		for j, res := range results {
			for _, b := range res.Actual.Breakdowns {
				for _, c := range b.Cells {
					cell := fmt.Sprintf(`<dimension name="%s" value="%s">`, b.Dimension, c.Label)
					if c.Suppressed == strings.Contains(sections[j], cell) {
						t.Fatalf("report %d, indicator %d: cell %s %s (suppressed: %v) wrongly in or out of the export:\n%s", i, j, b.Dimension, c.Label, c.Suppressed, out)
					}
				}
			}
			if res.Actual.Total.Suppressed && totalActual.MatchString(sections[j]) {
				t.Fatalf("report %d, indicator %d: withheld total in the export:\n%s", i, j, out)
			}
		}
		docs[p.Code] = out
	}
	t.Logf("%d exports validated", standards.ValidateIATI(t, docs))
}

// TestCheckIATI: what IATI would reject is refused before export, every
// problem named.
func TestCheckIATI(t *testing.T) {
	p := minimalProject()
	p.Sectors = nil
	p.Budgets = []domain.Budget{{Start: d("2024-01-01"), End: d("2025-01-02"), Value: domain.Money{Amount: "1", Currency: "EUR"}}}
	p.ActualStart = d("2030-01-01")
	pub := domain.NewPublisher(p, domain.DirectoryOrganisation{Name: "Donor", Kind: "donor"})
	err := domain.CheckIATI(p, pub, date.Of(generated))
	want := "organisation_identifier implementing_organisation_id project.reporting_organisation_type project.sectors project.budgets[0].period project.actual_start_date"
	if got := refusedFields(t, err); got != want {
		t.Fatalf("CheckIATI: %v\ngot fields %s, want %s", err, got, want)
	}
	ok := minimalProject()
	if err := domain.CheckIATI(ok, domain.NewPublisher(ok, domain.DirectoryOrganisation{Name: "N", Kind: "ngo", Identifier: "HR-OIB-1", Verified: true}), date.Of(generated)); err != nil {
		t.Fatal(err)
	}
	// An identifier the organisation proposed, not yet verified, may be
	// another's: refused until the platform administrator verifies it.
	err = domain.CheckIATI(ok, domain.NewPublisher(ok, domain.DirectoryOrganisation{Name: "N", Kind: "ngo", Identifier: "HR-OIB-1"}), date.Of(generated))
	var e *errs.Error
	if !errors.As(err, &e) || e.Reason != domain.ReasonIATIRefused || len(e.Violations) != 1 || e.Violations[0].Field != "implementing_organisation_id" ||
		!strings.Contains(e.Violations[0].Description, "platform administrator") || !strings.Contains(e.Violations[0].Description, ":verify") {
		t.Fatalf("CheckIATI of an unverified organisation: %v", err)
	}
}

// refusedFields returns the fields an IATI_EXPORT_REFUSED error names, in
// order, joined by spaces; it fails the test for any other error.
func refusedFields(t *testing.T, err error) string {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.KindFailedPrecondition || e.Reason != domain.ReasonIATIRefused {
		t.Fatalf("want FAILED_PRECONDITION %s, got %v", domain.ReasonIATIRefused, err)
	}
	var got []string
	for _, v := range e.Violations {
		got = append(got, v.Field)
	}
	return strings.Join(got, " ")
}

// TestCheckIATICodelists: a project stored before the API checked its
// codes against the IATI codelists (a sector, organisation type or
// language of the right shape that the codelist lacks) is refused with each
// code named, instead of exported as a file the schema accepts and an IATI
// validator rejects.
func TestCheckIATICodelists(t *testing.T) {
	p := minimalProject()
	p.Sectors = []string{"15160", "12345", "15161"}
	p.Titles = []domain.Narrative{{Text: "Title"}, {Lang: "xx", Text: "Naslov"}}
	p.ReportingOrgType = "99"
	p.Participants = []domain.ParticipatingOrg{{Ref: "XM-DAC-41121", Type: "12", Role: domain.RoleFunding, Names: []domain.Narrative{{Lang: "zz", Text: "UNHCR"}}}}
	pub := domain.NewPublisher(p, domain.DirectoryOrganisation{Name: "N", Kind: "ngo", Identifier: "HR-OIB-1", Verified: true})
	want := "project.titles[1].lang project.reporting_organisation_type project.participating_organisations[0].type " +
		"project.participating_organisations[0].names[0].lang project.sectors[1] project.sectors[2]"
	if got := refusedFields(t, domain.CheckIATI(p, pub, date.Of(generated))); got != want {
		t.Fatalf("CheckIATI: got fields %s, want %s", got, want)
	}
	ok := minimalProject()
	in := newIndicator("I1", "persons", "output", domain.MetricManual, "2024-01-01", "2024-12-31")
	in.Titles = append(in.Titles, domain.Narrative{Lang: "xx", Text: "Pokazatelj"})
	r := publish(report(ok, domain.NewResult(in, ok.PlannedStart, ok.PlannedEnd)), domain.DirectoryOrganisation{Name: "N", Kind: "ngo", Identifier: "HR-OIB-1"})
	if got := refusedFields(t, domain.CheckIATIResults(r)); got != "indicators[I1].titles[1].lang" {
		t.Fatalf("CheckIATIResults: got fields %s", got)
	}
}

// TestIATIStatusFromActualDates: a project that sets no activity_status is
// exported with the status its actual dates show, not as in the pipeline
// when it has started (or ended); a status it sets is exported as set.
func TestIATIStatusFromActualDates(t *testing.T) {
	dir := domain.DirectoryOrganisation{Name: "N", Kind: "ngo", Identifier: "HR-OIB-1", Verified: true}
	for _, tc := range []struct {
		start, end string
		status     int
		want       string
	}{
		{"", "", 0, `<activity-status code="1">`},
		{"2024-01-15", "", 0, `<activity-status code="2">`},
		{"2024-01-15", "2024-12-20", 0, `<activity-status code="4">`},
		{"2024-01-15", "", 6, `<activity-status code="6">`},
		{"", "", 5, `<activity-status code="5">`},
	} {
		p := minimalProject()
		if tc.start != "" {
			p.ActualStart = d(tc.start)
		}
		if tc.end != "" {
			p.ActualEnd = d(tc.end)
		}
		p.Status = tc.status
		out, err := IATI(publish(report(p), dir))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(out), tc.want) {
			t.Errorf("actual %q to %q, status %d: want %s in\n%s", tc.start, tc.end, tc.status, tc.want, out)
		}
	}
}

// TestIATIImplementerListedByID: the implementing organisation listed by
// the project by its Spona organisation id only (no ref, no type) is
// exported once, with the registered identifier and type it reports under,
// so a donor's portal links it to the reporting organisation.
func TestIATIImplementerListedByID(t *testing.T) {
	p := minimalProject()
	p.Participants = []domain.ParticipatingOrg{{OrganisationID: p.ImplementingOrganisationID, Role: domain.RoleImplementing,
		Names: []domain.Narrative{{Text: "Asylum Protection Center"}}}}
	out, err := IATI(publish(report(p), domain.DirectoryOrganisation{Name: "N", Kind: "ngo", Identifier: "RS-APR-17123456", Verified: true}))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(out)
	if strings.Count(doc, `role="4"`) != 1 || !strings.Contains(doc, `<participating-org ref="RS-APR-17123456" type="22" role="4">`) {
		t.Fatalf("implementing organisation listed by id:\n%s", doc)
	}
}
