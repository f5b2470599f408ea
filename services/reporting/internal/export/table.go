// Package export renders a report as the files donors ask for: CSV, XLSX
// (Office Open XML, written with archive/zip and encoding/xml) and IATI 2.03
// activity XML. It works on the suppressed domain report only, so what a
// file holds is exactly what the report shows.
package export

import (
	"github.com/spona/spona/services/reporting/internal/domain"
)

// Header names the columns of the tabular exports.
var Header = []string{
	"indicator_code", "indicator_title", "level", "unit", "metric", "period_start", "period_end",
	"baseline", "baseline_date", "target", "dimension", "category", "value", "suppressed", "category_name", "measure",
	"unverified_organisation", "parent", "baseline_suppressed",
}

// title picks the English (or default, or first) narrative.
func title(ns []domain.Narrative) string {
	for _, n := range ns {
		if n.Lang == "" || n.Lang == "en" {
			return n.Text
		}
	}
	if len(ns) > 0 {
		return ns[0].Text
	}
	return ""
}

func yesNo(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// Rows returns the report as a table: per indicator a total row (dimension
// empty, category "total") and a row per disaggregation cell. A suppressed
// cell has an empty value and suppressed "true"; category_name names a
// category that is an id (a service, location or organisation), and
// unverified_organisation is "true" for an organisation the platform
// administrator has not verified (empty otherwise), and parent, in a
// breakdown nested under another, the category of the parent cell the
// cell is part of (empty otherwise). A baseline small-cell suppression
// hides (domain.Indicator.SuppressBaseline) is empty with
// baseline_suppressed "true" (its date kept).
//
// An indicator whose figures do not add up (measure "percentage" or
// "average") has no total: it has a row per target or value period within
// the report period instead (dimension "period", category the period as
// start/end), with that period's target and value.
func Rows(r *domain.Report) [][]string {
	out := [][]string{Header}
	for i := range r.Results {
		res := &r.Results[i]
		in := res.Indicator
		base := []string{in.Code, title(in.Titles), in.Level, in.Unit, in.Metric, r.From.String(), r.To.String(),
			in.Baseline.Value, in.Baseline.Date.String()}
		row := func(target, dim, cat, value string, suppressed bool, name string, unverified bool, parent string) {
			mark := ""
			if unverified {
				mark = "true"
			}
			out = append(out, append(append([]string{}, base...), target, dim, cat, value, yesNo(suppressed), name, in.Measure, mark, parent,
				yesNo(in.Baseline.Suppressed)))
		}
		if len(res.Periods) > 0 {
			for _, f := range res.Periods {
				row(f.Target, "period", f.Start.String()+"/"+f.End.String(), f.Value, false, "", false, "")
			}
			continue
		}
		row(res.Target, "", "total", res.ActualValue(), res.Actual.Total.Suppressed, "", false, "")
		for _, b := range res.Actual.Breakdowns {
			for _, c := range b.Cells {
				row(res.Target, b.Dimension, c.Label, domain.CellValue(c), c.Suppressed, c.Name, c.Unverified, c.Parent)
			}
		}
	}
	return out
}
