package export

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/testkit/standards"
	"github.com/spona/spona/services/reporting/internal/domain"
)

// fuzzToday is the day the fuzzed projects are created and exported on.
var fuzzToday = date.Of(generated)

// fuzzNarratives reads "lang:text|lang:text" (a part without a colon is a
// text in the default language).
func fuzzNarratives(s string) []domain.Narrative {
	if s == "" {
		return nil
	}
	var out []domain.Narrative
	for _, part := range strings.Split(s, "|") {
		lang, text, ok := strings.Cut(part, ":")
		if !ok {
			lang, text = "", part
		}
		out = append(out, domain.Narrative{Lang: lang, Text: text})
	}
	return out
}

// fuzzFields splits "a,b,c" into at least n fields.
func fuzzFields(s string, n int) []string {
	f := strings.Split(s, ",")
	for len(f) < n {
		f = append(f, "")
	}
	return f
}

// fuzzList splits s on "|" ("" is no entry).
func fuzzList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "|")
}

// FuzzIATIExport: a project and an indicator the API accepts (parsed as
// the ports parse them, normalised and validated as the app does) and that
// CheckIATI lets through export as a well-formed IATI 2.03 activity that
// the official schema (xmllint, as CI runs it) and the IATI rules accept.
// Whatever the API accepts, it must be able to publish.
func FuzzIATIExport(f *testing.F) {
	f.Add("P-1", "en:Title|hr:Naslov", "A description & <markup>", "15160|16010", "RS|BA",
		"2024-01-01", "2024-12-31", "2024-01-02", "", "2024-01-01,2024-12-31,,1000.50,EUR",
		"XM-DAC-41121,40,1,UNHCR", "", 2, "output,,persons,manual", "0", "2024-01-01", "2024-01-01,2024-12-31,10", "2024-01-01,2024-06-30,4")
	f.Add("X", "T", "", "15160", "", "2023-06-01", "2025-05-31", "", "", "", "", "22", 0,
		"impact,percentage,%,manual", "12.5", "", "2023-06-01,2024-05-31,50|2024-06-01,2025-05-31,60", "2023-06-01,2024-05-31,48.25")
	f.Add("Y", "T", "", "15160", "HR", "0000-01-01", "0000-12-31", "", "", "0000-01-01,0000-12-31,0000-01-01,1,EUR",
		",10,3,Ministry", "", 0, "outcome,,,professionals_trained", "1", "0000-06-01", "0000-01-01,0000-12-31,5", "")
	f.Fuzz(func(t *testing.T, code, titles, descriptions, sectors, countries, plannedStart, plannedEnd, actualStart, actualEnd,
		budget, participant, reportingOrgType string, status int, indicator, baselineValue, baselineDate, targets, values string) {
		var v errs.Violations
		day := func(s string) date.Date { return date.ParseField(&v, "date", s) }
		p := &domain.Project{ID: "0190a000-0000-7000-8000-0000000000f1", Code: code, Titles: fuzzNarratives(titles),
			Descriptions: fuzzNarratives(descriptions), ImplementingOrganisationID: "0190a000-0000-7000-8000-0000000000f2",
			ReportingOrgType: reportingOrgType, Sectors: fuzzList(sectors), Countries: fuzzList(countries),
			PlannedStart: day(plannedStart), PlannedEnd: day(plannedEnd), ActualStart: day(actualStart), ActualEnd: day(actualEnd),
			Status: status, UpdateTime: generated.Add(-time.Hour)}
		if budget != "" {
			b := fuzzFields(budget, 5)
			p.Budgets = []domain.Budget{{Start: day(b[0]), End: day(b[1]), ValueDate: day(b[2]), Value: domain.Money{Amount: b[3], Currency: b[4]}}}
		}
		if participant != "" {
			o := fuzzFields(participant, 4)
			role, _ := strconv.Atoi(o[2])
			p.Participants = []domain.ParticipatingOrg{{Ref: o[0], Type: o[1], Role: role, Names: fuzzNarratives(o[3])}}
		}
		spec := fuzzFields(indicator, 4)
		in := &domain.Indicator{ID: "0190a000-0000-7000-8000-0000000000f3", ProjectID: p.ID, Code: "I1",
			Titles: []domain.Narrative{{Text: "Indicator"}}, Level: spec[0], Measure: spec[1], Unit: spec[2], Metric: spec[3],
			Baseline: domain.Baseline{Value: baselineValue, Date: day(baselineDate)}}
		for _, tg := range fuzzList(targets) {
			x := fuzzFields(tg, 3)
			in.Targets = append(in.Targets, domain.Target{Start: day(x[0]), End: day(x[1]), Value: x[2]})
		}
		var recorded []domain.Value
		for _, val := range fuzzList(values) {
			x := fuzzFields(val, 3)
			recorded = append(recorded, domain.Value{Start: day(x[0]), End: day(x[1]), Value: x[2]})
		}
		if len(v) > 0 {
			return // the ports refuse it
		}
		p.Normalize()
		if p.Validate(fuzzToday) != nil {
			return
		}
		in.Normalize()
		if in.Validate() != nil {
			return
		}
		for _, x := range recorded {
			if in.ValidateValue(x) != nil {
				return
			}
			in.Values = append(in.Values, x)
		}
		pub := domain.NewPublisher(p, domain.DirectoryOrganisation{ID: p.ImplementingOrganisationID, Name: "NGO", Kind: "ngo",
			Identifier: "RS-APR-17123456", Verified: true})
		if domain.CheckIATI(p, pub, fuzzToday) != nil {
			return // refused with every problem named: not published
		}
		r := &domain.Report{Project: p, From: p.PlannedStart, To: p.PlannedEnd, Threshold: p.Threshold(),
			GenerateTime: generated, Publisher: &pub, Results: []domain.Result{domain.NewResult(in, p.PlannedStart, p.PlannedEnd)}}
		if in.Metric != domain.MetricManual {
			r.Results[0].Actual.Total.Count = 7
			domain.Suppress(&r.Results[0].Actual, r.Threshold)
		}
		out, err := IATI(r)
		if err != nil {
			t.Fatalf("an accepted project does not export: %v", err)
		}
		if fails := standards.IATIRuleFailures(out, generated); len(fails) > 0 {
			t.Fatalf("an accepted project exports against the IATI rules:\n%s\n%s", strings.Join(fails, "\n"), out)
		}
		standards.ValidateIATI(t, map[string][]byte{"fuzzed": out})
	})
}

// TestCheckIATIBeforeMinYear: a project stored before the API refused days
// before date.MinYear (the year 0000 has no xs:date) is refused at export
// with the days named, not published as a file IATI rejects.
func TestCheckIATIBeforeMinYear(t *testing.T) {
	p := minimalProject()
	p.PlannedStart, p.PlannedEnd = d("0000-01-01"), d("0000-12-31")
	p.Budgets = []domain.Budget{{Start: d("0000-01-01"), End: d("0000-12-31"), ValueDate: d("0000-01-01"), Value: domain.Money{Amount: "1", Currency: "EUR"}}}
	pub := domain.NewPublisher(p, domain.DirectoryOrganisation{Name: "N", Kind: "ngo", Identifier: "HR-OIB-1", Verified: true})
	want := "project.planned_start_date project.planned_end_date project.budgets[0].period.start_date project.budgets[0].value_date"
	if got := refusedFields(t, domain.CheckIATI(p, pub, fuzzToday)); got != want {
		t.Fatalf("CheckIATI of a project in the year 0000: got fields %s, want %s", got, want)
	}
}

// TestCheckIATIResultsBeforeMinYear: an indicator stored before the API
// refused days before 1900 (a baseline of the year 0000 is exported as
// year="0", which the schema refuses) stops the export with its fields
// named; indicators of this era pass.
func TestCheckIATIResultsBeforeMinYear(t *testing.T) {
	ok := &domain.Indicator{Code: "OP1", Baseline: domain.Baseline{Value: "1", Date: d("2023-01-01")},
		Targets: []domain.Target{{Start: d("2024-01-01"), End: d("2024-12-31"), Value: "5"}}}
	old := &domain.Indicator{Code: "OC1", Baseline: domain.Baseline{Value: "1", Date: d("0000-06-01")},
		Targets: []domain.Target{{Start: d("2024-01-01"), End: d("2024-12-31"), Value: "5"}, {Start: d("0001-01-01"), End: d("0001-12-31"), Value: "5"}},
		Values:  []domain.Value{{Start: d("0000-01-01"), End: d("0000-03-31"), Value: "2"}}}
	if err := domain.CheckIATIResults(&domain.Report{Results: []domain.Result{{Indicator: ok}}}); err != nil {
		t.Fatalf("CheckIATIResults of a current indicator: %v", err)
	}
	err := domain.CheckIATIResults(&domain.Report{Results: []domain.Result{{Indicator: ok}, {Indicator: old}}})
	want := "indicators[OC1].baseline.date indicators[OC1].targets[1].period.start_date indicators[OC1].values[0].period.start_date"
	if got := refusedFields(t, err); got != want {
		t.Fatalf("CheckIATIResults of an indicator in the year 0000: got fields %s, want %s", got, want)
	}
}
