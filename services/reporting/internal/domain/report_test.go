package domain

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spona/spona/pkg/date"
)

func day(t *testing.T, s string) date.Date {
	t.Helper()
	d, err := date.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestNewResultMeasures: the same targets and values give a sum for a
// count and, for a percentage or an average, the latest period's figures
// (a later end wins; on the same end day, the later start) and every
// period's, periods outside the report period left out.
func TestNewResultMeasures(t *testing.T) {
	in := &Indicator{Metric: MetricManual,
		Targets: []Target{
			{Start: day(t, "2024-01-01"), End: day(t, "2024-06-30"), Value: "70"},
			{Start: day(t, "2024-04-01"), End: day(t, "2024-06-30"), Value: "80"},
			{Start: day(t, "2024-07-01"), End: day(t, "2024-09-30"), Value: "90"}, // outside
		},
		Values: []Value{
			{Start: day(t, "2024-01-01"), End: day(t, "2024-03-31"), Value: "75"},
			{Start: day(t, "2024-04-01"), End: day(t, "2024-06-30"), Value: "85.5"},
			{Start: day(t, "2023-12-01"), End: day(t, "2024-01-31"), Value: "99"}, // overlaps only
		},
	}
	from, to := day(t, "2024-01-01"), day(t, "2024-06-30")
	show := func(r Result) string {
		s := fmt.Sprintf("target %q %v, value %q %v;", r.Target, r.TargetPeriod, r.ManualValue, r.ValuePeriod)
		for _, f := range r.Periods {
			s += fmt.Sprintf(" %s/%s %q/%q", f.Start, f.End, f.Target, f.Value)
		}
		return s
	}
	zero := Period{}
	q2 := Period{day(t, "2024-04-01"), day(t, "2024-06-30")}
	latest := fmt.Sprintf(`target "80" %v, value "85.5" %v;`, q2, q2) +
		` 2024-01-01/2024-03-31 ""/"75" 2024-01-01/2024-06-30 "70"/"" 2024-04-01/2024-06-30 "80"/"85.5"`
	for measure, want := range map[string]string{
		MeasureCount:      fmt.Sprintf(`target "150" %v, value "160.5" %v;`, zero, zero),
		"":                fmt.Sprintf(`target "150" %v, value "160.5" %v;`, zero, zero),
		MeasurePercentage: latest,
		MeasureAverage:    latest,
	} {
		in.Measure = measure
		if diff := cmp.Diff(want, show(NewResult(in, from, to))); diff != "" {
			t.Errorf("measure %q (-want +got):\n%s", measure, diff)
		}
	}
	// Nothing inside the period: no figures, no periods.
	in.Measure = MeasurePercentage
	if r := NewResult(in, day(t, "2025-01-01"), day(t, "2025-12-31")); r.Target != "" || r.ManualValue != "" || len(r.Periods) != 0 || len(r.Targets) != 0 {
		t.Errorf("empty period: %s", show(r))
	}
}

// TestDefaultMeasure: only a manual indicator can be a percentage by its
// unit; computed metrics count.
func TestDefaultMeasure(t *testing.T) {
	for _, tc := range []struct{ metric, unit, want string }{
		{MetricManual, "%", MeasurePercentage},
		{MetricManual, " Percentage ", MeasurePercentage},
		{MetricManual, "persons", MeasureCount},
		{MetricManual, "", MeasureCount},
		{MetricReferralsMade, "%", MeasureCount},
	} {
		if got := DefaultMeasure(tc.metric, tc.unit); got != tc.want {
			t.Errorf("DefaultMeasure(%s, %q) = %s, want %s", tc.metric, tc.unit, got, tc.want)
		}
	}
}
