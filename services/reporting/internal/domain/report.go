package domain

import (
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

// Result is one indicator's actual value against its baseline and targets.
type Result struct {
	Indicator *Indicator
	// Target is the sum of the targets whose period lies within the report
	// period; "" when none does.
	Target string
	// Targets are the targets whose period overlaps the report period.
	Targets []Target
	// Actual holds the computed counts (suppressed) of a computed metric.
	Actual Table
	// ManualValue is, for a manual indicator, the sum of the values recorded
	// for periods within the report period; "" when none was.
	ManualValue string
}

// ActualValue is the actual value as published: the manual value, or the
// total count, or "" when it is suppressed.
func (r *Result) ActualValue() string {
	if r.Indicator.Metric == MetricManual {
		return r.ManualValue
	}
	if r.Actual.Total.Suppressed {
		return ""
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
	var inside []string
	for _, t := range ind.Targets {
		if overlaps(t.Start, t.End, from, to) {
			r.Targets = append(r.Targets, t)
		}
		if within(t.Start, t.End, from, to) {
			inside = append(inside, t.Value)
		}
	}
	r.Target, _ = sumDecimals(inside)
	if ind.Metric == MetricManual {
		var vals []string
		for _, v := range ind.Values {
			if within(v.Start, v.End, from, to) {
				vals = append(vals, v.Value)
			}
		}
		r.ManualValue, _ = sumDecimals(vals)
	}
	return r
}
