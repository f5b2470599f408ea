package domain

import (
	"cmp"
	"math/big"
	"slices"
	"strconv"
	"time"

	"github.com/spona/spona/pkg/date"
)

// Report is a project's results for a period, computed when asked for.
type Report struct {
	Project      *Project
	From, To     date.Date
	Threshold    int
	Results      []Result
	GenerateTime time.Time
	// Publisher is the reporting organisation, known for IATI exports.
	Publisher *Publisher
}

// LastUpdated is when the report's data last changed, what an IATI
// activity's last-updated-datetime says (IATI: it changes whenever any of
// the activity's values does, and IATI consumers skip an activity whose
// time did not move): the project's last change, or an indicator's if
// later (its titles or targets, a value recorded), or the deletion of one
// with its values. A computed indicator's
// figures are counted, when the report is made, from records the
// organisations add and correct at any time (late entries of a past period
// included), so a report with one changed when it was generated.
func (r *Report) LastUpdated() time.Time {
	t := r.Project.UpdateTime
	if r.Project.IndicatorDeleteTime.After(t) {
		t = r.Project.IndicatorDeleteTime
	}
	for _, res := range r.Results {
		if res.Indicator.Metric != MetricManual && !r.GenerateTime.IsZero() {
			return r.GenerateTime
		}
		if res.Indicator.UpdateTime.After(t) {
			t = res.Indicator.UpdateTime
		}
	}
	return t
}

// Result is one indicator's actual value against its baseline and targets.
//
// For an additive indicator (a count) Target and ManualValue are sums over
// the periods within the report period. For one that does not add up (a
// percentage, an average) they are the latest period's figures, named by
// TargetPeriod and ValuePeriod, and Periods lists every period's.
type Result struct {
	Indicator *Indicator
	// Target is the sum of the targets whose period lies within the report
	// period, or the latest of them for an indicator that does not add up;
	// "" when none does.
	Target string
	// TargetPeriod is the period of Target when it is one period's target
	// (an indicator that does not add up); zero otherwise.
	TargetPeriod Period
	// Targets are the targets whose period overlaps the report period.
	Targets []Target
	// Actual holds the computed counts (suppressed) of a computed metric;
	// for a manual indicator that counts persons, its total is the sum of
	// ManualValue, suppressed as a computed total is (PersonTable), and it
	// has no breakdowns.
	Actual Table
	// ManualValue is, for a manual indicator, the sum of the values recorded
	// for periods within the report period, or the latest of them for an
	// indicator that does not add up; "" when none was.
	ManualValue string
	// ValuePeriod is the period of ManualValue when it is one period's
	// value; zero otherwise.
	ValuePeriod Period
	// Periods are, for an indicator that does not add up, the periods
	// within the report period that have a target or a recorded value, by
	// start then end date, each with its own figures.
	Periods []PeriodFigures
}

// Period is a span of days, both ends included.
type Period struct{ Start, End date.Date }

// IsZero reports whether the period is unset.
func (p Period) IsZero() bool { return p.Start.IsZero() && p.End.IsZero() }

// PeriodFigures are the target and the recorded value of one period ("" for
// none) of an indicator that does not add up.
type PeriodFigures struct {
	Period
	Target, Value string
}

// ActualValue is the actual value as published: the manual value, or the
// total count, or "" when it is suppressed (a computed count, or a manual
// one that counts persons: Indicator.PersonCount).
func (r *Result) ActualValue() string {
	if r.Actual.Total.Suppressed {
		return ""
	}
	if r.Indicator.Metric == MetricManual {
		return r.ManualValue
	}
	return strconv.FormatInt(r.Actual.Total.Count, 10)
}

// CellValue is a cell as published: its count, or "" when suppressed.
func CellValue(c Cell) string {
	if c.Suppressed {
		return ""
	}
	return strconv.FormatInt(c.Count, 10)
}

// within reports whether [start, end] lies within [from, to].
func within(start, end, from, to date.Date) bool {
	return !start.Before(from) && !end.After(to)
}

// overlaps reports whether [start, end] and [from, to] share a day.
func overlaps(start, end, from, to date.Date) bool {
	return !end.Before(from) && !start.After(to)
}

// NewResult starts the result of ind for the period [from, to]: targets and,
// for a manual indicator, its value. Computed counts are filled in later.
func NewResult(ind *Indicator, from, to date.Date) Result {
	r := Result{Indicator: ind}
	var targets, values []PeriodFigures
	for _, t := range ind.Targets {
		if overlaps(t.Start, t.End, from, to) {
			r.Targets = append(r.Targets, t)
		}
		if within(t.Start, t.End, from, to) {
			targets = append(targets, PeriodFigures{Period: Period{t.Start, t.End}, Target: t.Value})
		}
	}
	if ind.Metric == MetricManual {
		for _, v := range ind.Values {
			if within(v.Start, v.End, from, to) {
				values = append(values, PeriodFigures{Period: Period{v.Start, v.End}, Value: v.Value})
			}
		}
	}
	if ind.Additive() {
		r.Target, _ = sumDecimals(figures(targets, func(f PeriodFigures) string { return f.Target }))
		r.ManualValue, _ = sumDecimals(figures(values, func(f PeriodFigures) string { return f.Value }))
		return r
	}
	// Figures that do not add up: each period's, and the latest's as the
	// result's (a period ends later, or ends the same day and starts later).
	if n := len(targets); n > 0 {
		slices.SortFunc(targets, byEnd)
		r.Target, r.TargetPeriod = targets[n-1].Target, targets[n-1].Period
	}
	if n := len(values); n > 0 {
		slices.SortFunc(values, byEnd)
		r.ManualValue, r.ValuePeriod = values[n-1].Value, values[n-1].Period
	}
	r.Periods = mergePeriods(targets, values)
	return r
}

func figures(fs []PeriodFigures, of func(PeriodFigures) string) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = of(f)
	}
	return out
}

func byEnd(a, b PeriodFigures) int {
	return cmp.Or(a.End.Time().Compare(b.End.Time()), a.Start.Time().Compare(b.Start.Time()))
}

func byStart(a, b PeriodFigures) int {
	return cmp.Or(a.Start.Time().Compare(b.Start.Time()), a.End.Time().Compare(b.End.Time()))
}

// mergePeriods puts the targets and values of the same period (each period
// has at most one of each) into one entry, by start then end date.
func mergePeriods(targets, values []PeriodFigures) []PeriodFigures {
	all := slices.Concat(targets, values)
	slices.SortStableFunc(all, byStart)
	var out []PeriodFigures
	for _, f := range all {
		if n := len(out); n > 0 && out[n-1].Period == f.Period {
			out[n-1].Target += f.Target
			out[n-1].Value += f.Value
			continue
		}
		out = append(out, f)
	}
	return out
}

// PersonTable is the table of a manual indicator's values within [from, to]
// that count persons (Indicator.PersonCount): their sum as the total, one
// cell per value period (labelled "start/end", so label order is date
// order) under it, as a computed count's breakdown is. Suppress protects it
// as one: a small value, and one the total less the others would give
// back, is hidden; a small total, or one pinning the values, hides too. A
// value that is not whole (recorded before counts_persons was set) counts
// as the next whole number.
func PersonTable(in *Indicator, from, to date.Date) Table {
	tab := Table{Breakdowns: []Breakdown{{Dimension: "period"}}}
	for _, v := range in.Values {
		if !within(v.Start, v.End, from, to) {
			continue
		}
		n := personCount(v.Value)
		tab.Total.Count += n
		tab.Breakdowns[0].Cells = append(tab.Breakdowns[0].Cells, Cell{Label: periodLabel(v), Count: n})
	}
	return tab
}

func periodLabel(v Value) string { return v.Start.String() + "/" + v.End.String() }

// personCount is a recorded value as a number of persons: rounded up.
func personCount(s string) int64 {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0
	}
	q, m := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int))
	if m.Sign() > 0 {
		q.Add(q, big.NewInt(1))
	}
	return q.Int64()
}

// SuppressBaseline hides, at threshold, the baseline of an indicator whose
// figures reports suppress (SuppressedCounts) when it is small (1 to
// threshold-1 once rounded up to a whole number; zero is shown): it counts
// what the actual counts ("2 children in foster care" when the project
// started), and published beside a hidden actual it would show what
// suppression hides. It is a figure of its own, not a cell of the actual's
// table, so the primary rule alone applies. Its date is kept. Targets are
// not hidden: they are the plan agreed with the donor and count no one.
func (in *Indicator) SuppressBaseline(threshold int) {
	if !in.SuppressedCounts() || in.Baseline.Value == "" || !small(personCount(in.Baseline.Value), threshold) {
		return
	}
	in.Baseline.Value, in.Baseline.Suppressed = "", true
}

// SuppressValues hides from a reader other than the implementing
// organisation, at threshold, the recorded values of an indicator that
// counts persons, as its report shows them (and the baseline of any
// indicator whose figures are suppressed, as SuppressBaseline says): the
// values of periods within [from, to] (the planned span, the one report period such a reader gets,
// Project.ReportPeriod) as Suppress leaves PersonTable (a value the
// report's total less the shown values would give back hidden too; every
// value when the total is hidden), any other value when it is small.
// Zeros are shown. Every value's comment is withheld, shown values' too:
// free text the implementing organisation's staff write about the
// persons counted ("Amina H. and her two sons") is for that organisation
// only, as the records it counts are, and no erasure reaches the copy
// reporting keeps. Other indicators' values are left as they are. View
// records the threshold and span, which the reader's etag covers.
func (in *Indicator) SuppressValues(from, to date.Date, threshold int) {
	in.View = "suppressed at " + strconv.Itoa(threshold) + " over " + from.String() + "/" + to.String()
	in.SuppressBaseline(threshold)
	if !in.PersonCount() {
		return
	}
	for i := range in.Values {
		in.Values[i].Comment = ""
	}
	if threshold <= 1 {
		return
	}
	tab := PersonTable(in, from, to)
	Suppress(&tab, threshold)
	shown := map[string]bool{}
	for _, c := range tab.Breakdowns[0].Cells {
		shown[c.Label] = !c.Suppressed
	}
	for i := range in.Values {
		v := &in.Values[i]
		n := personCount(v.Value)
		hide := small(n, threshold)
		if within(v.Start, v.End, from, to) {
			hide = n > 0 && !shown[periodLabel(*v)]
		}
		if hide {
			v.Value, v.Suppressed = "", true
		}
	}
}
