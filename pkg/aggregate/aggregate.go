// Package aggregate is the shape of the counts services give the reporting
// service: a total over unique units and, optionally, one group per
// combination of dimension values. It also builds the GROUP BY of such a
// query from a whitelist, so a caller-chosen dimension never reaches SQL
// text unchecked.
package aggregate

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"

	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/ids"
)

// Group is one cell: dimension values and a count.
type Group struct {
	Labels map[string]string
	Count  int64
}

// Aggregate is a total and its groups.
type Aggregate struct {
	Total  int64
	Groups []Group
}

// Dimensions maps the dimension names a query accepts to SQL expressions.
type Dimensions map[string]string

// Check validates requested dimensions against the whitelist.
func (d Dimensions) Check(field string, groupBy []string) error {
	var v errs.Violations
	seen := map[string]bool{}
	for i, g := range groupBy {
		if _, ok := d[g]; !ok {
			v.Add(fmt.Sprintf("%s[%d]", field, i), "unknown dimension %q; one of %s", g, strings.Join(d.names(), ", "))
		} else if seen[g] {
			v.Add(fmt.Sprintf("%s[%d]", field, i), "dimension %q given twice", g)
		}
		seen[g] = true
	}
	return v.Err()
}

func (d Dimensions) names() []string {
	out := make([]string, 0, len(d))
	for k := range d {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Sets returns the grouping sets of a query: each dimension of groupBy on
// its own when each is set, their combination otherwise (none without
// dimensions).
func Sets(groupBy []string, each bool) [][]string {
	switch {
	case len(groupBy) == 0:
		return nil
	case each:
		out := make([][]string, len(groupBy))
		for i, g := range groupBy {
			out[i] = []string{g}
		}
		return out
	}
	return [][]string{groupBy}
}

// GroupingSets returns the select list and GROUP BY clause of a query
// counting each of sets (checked first with Check) and the total, in one
// pass: GROUP BY GROUPING SETS ((set 1), (set 2), ..., ()). The select list
// is every dimension's value, then GROUPING() of them all (an integer mask
// telling CollectSets which dimensions a row is grouped by), ready for the
// count. dims are the dimensions in select-list order. With no sets the
// select list is the mask of the total alone (0) and there is no GROUP BY.
//
// The total and every set come from one statement, so from one snapshot:
// the breakdowns are of the units the total counts, whatever is written
// meanwhile.
func (d Dimensions) GroupingSets(sets [][]string) (dims []string, selectList, groupClause string) {
	index := map[string]int{}
	var exprs []string
	for _, set := range sets {
		for _, g := range set {
			if _, ok := index[g]; !ok {
				index[g] = len(dims)
				dims = append(dims, g)
				exprs = append(exprs, d[g])
			}
		}
	}
	if len(dims) == 0 {
		return nil, "0, ", ""
	}
	groups := make([]string, 0, len(sets)+1)
	for _, set := range sets {
		cols := make([]string, len(set))
		for i, g := range set {
			cols[i] = exprs[index[g]]
		}
		groups = append(groups, "("+strings.Join(cols, ", ")+")")
	}
	groups = append(groups, "()")
	all := strings.Join(exprs, ", ")
	return dims, all + ", GROUPING(" + all + "), ", " GROUP BY GROUPING SETS (" + strings.Join(groups, ", ") + ")"
}

// CollectSets reads rows of a query built with GroupingSets into a: each
// row of a set is a group labelled with that set's dimensions; the row of
// no set is the total.
func CollectSets(rows Scanner, dims []string, a *Aggregate) error {
	for rows.Next() {
		vals := make([]*string, len(dims))
		dest := make([]any, 0, len(dims)+2)
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		var mask, n int64
		dest = append(dest, &mask, &n)
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if len(dims) == 0 || mask == 1<<len(dims)-1 {
			a.Total = n
			continue
		}
		g := Group{Labels: map[string]string{}, Count: n}
		for i, v := range vals {
			// GROUPING's leftmost argument is its most significant bit; a
			// set bit is a dimension the row is not grouped by.
			if mask&(1<<(len(dims)-1-i)) != 0 {
				continue
			}
			g.Labels[dims[i]] = label(v)
		}
		a.Groups = append(a.Groups, g)
	}
	return rows.Err()
}

// unknown is the label of a missing value.
const unknown = "unknown"

func label(v *string) string {
	if v == nil || *v == "" {
		return unknown
	}
	return *v
}

// Scanner is the rows CollectSets reads.
type Scanner interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// Sort orders groups by their labels, for stable output.
func (a *Aggregate) Sort() {
	slices.SortFunc(a.Groups, func(x, y Group) int { return strings.Compare(key(x.Labels), key(y.Labels)) })
}

func key(labels map[string]string) string {
	ks := make([]string, 0, len(labels))
	for k, v := range labels {
		ks = append(ks, k+"="+v)
	}
	sort.Strings(ks)
	return strings.Join(ks, "&")
}

// ToProto converts an aggregate for the wire.
func ToProto(a Aggregate) *commonv1.Aggregate {
	out := &commonv1.Aggregate{Total: a.Total}
	for _, g := range a.Groups {
		out.Groups = append(out.Groups, &commonv1.Group{Labels: g.Labels, Count: g.Count})
	}
	return out
}

// FromProto converts an aggregate from the wire.
func FromProto(p *commonv1.Aggregate) Aggregate {
	a := Aggregate{Total: p.GetTotal()}
	for _, g := range p.GetGroups() {
		a.Groups = append(a.Groups, Group{Labels: g.GetLabels(), Count: g.GetCount()})
	}
	return a
}

// ageBands are the UNHCR age bands in order: a band holds the ages below
// its bound not held by the band before it; the last has no bound.
type ageBand struct {
	below int
	label string
}

var ageBands = []ageBand{{5, "0-4"}, {12, "5-11"}, {18, "12-17"}, {60, "18-59"}, {0, "60+"}}

// AgeBandDimension is the name of the dimension whose values are the
// age bands.
const AgeBandDimension = "age_band"

// CompareLabels orders two values of dimension dim as a report lists
// them: age bands youngest first (0-4, 5-11, 12-17, 18-59, 60+), every
// other dimension's values in text order, and in every dimension
// "unknown" (no value recorded) last, as a donor's table has it (it used
// to come before a value such as "workshop" or "Šid").
func CompareLabels(dim, a, b string) int {
	return cmp.Or(cmp.Compare(labelRank(dim, a), labelRank(dim, b)), strings.Compare(a, b))
}

// labelRank places a label before text order: an age band by its place in
// ageBands (any other value of age_band after them), "unknown" after all.
func labelRank(dim, label string) int {
	switch {
	case label == unknown:
		return len(ageBands) + 1
	case dim == AgeBandDimension:
		return ageBandRank(label)
	}
	return 0
}

// ageBandRank is the place of an age band in ageBands; after them all for
// any other label.
func ageBandRank(label string) int {
	if i := slices.IndexFunc(ageBands, func(b ageBand) bool { return b.label == label }); i >= 0 {
		return i
	}
	return len(ageBands)
}

// Every count by age band takes the age one way, from the birth year
// alone: the age a person reaches in the year of the day counted (the year
// minus the birth year), whatever the birth date. Erasure keeps the birth
// year and nothing finer, so a count made before and after a person's
// erasure agrees; and a person is in one band for a whole year, in every
// metric of a report. AgeBandInYear (Go: a band stored when a referral is
// sent) and AgeBandSQL (counts made in SQL) are this rule, over the one
// band table.

// AgeBandInYear returns the UNHCR age band of a person born in birthYear
// on day: the band of the age reached in day's year. "" when the birth
// year is unknown (0) or after day's year (a recording mistake), which
// counts as unknown.
func AgeBandInYear(birthYear int, day date.Date) string {
	if birthYear <= 0 {
		return ""
	}
	return AgeBandOf(day.Year - birthYear)
}

// AgeBandOf returns the UNHCR age band (0-4, 5-11, 12-17, 18-59, 60+) of
// an age in years; "" for a negative age (a birth after the day asked
// about), which counts as unknown. AgeBandOfSQL is the same in SQL.
func AgeBandOf(age int) string {
	if age < 0 {
		return ""
	}
	last := len(ageBands) - 1
	for _, b := range ageBands[:last] {
		if age < b.below {
			return b.label
		}
	}
	return ageBands[last].label
}

// AgeBandSQL returns a SQL expression giving the UNHCR age band at asOf (a
// SQL date expression) of a person with birth year birthYear (a SQL
// integer expression): AgeBandInYear in SQL, 'unknown' where it gives "".
func AgeBandSQL(birthYear, asOf string) string {
	return AgeBandOfSQL(fmt.Sprintf("(date_part('year', %s)::int - %s)", asOf, birthYear))
}

// AgeBandOfSQL returns a SQL expression giving the age band of age (a SQL
// integer expression, in years) as AgeBandOf does, 'unknown' when NULL or
// negative. The expression appears once per band: keep it cheap (a
// column, a difference of columns).
func AgeBandOfSQL(age string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CASE WHEN %[1]s IS NULL OR %[1]s < 0 THEN 'unknown'", age)
	last := len(ageBands) - 1
	for _, band := range ageBands[:last] {
		fmt.Fprintf(&b, " WHEN %s < %d THEN '%s'", age, band.below, band.label)
	}
	fmt.Fprintf(&b, " ELSE '%s' END", ageBands[last].label)
	return b.String()
}

// Query asks for a count over a project's records in a period (both ends
// inclusive; a zero end is open).
type Query struct {
	ProjectID string
	From, To  date.Date
	GroupBy   []string
	// Each counts every dimension of GroupBy on its own (one breakdown per
	// dimension) instead of their combinations.
	Each bool
	// Also are further breakdowns, each by its dimensions together,
	// counted with the rest (a nested breakdown: a dimension and its
	// parent's).
	Also [][]string
}

// Sets are the grouping sets q counts besides the total: GroupBy's (see
// Sets), then Also.
func (q Query) Sets() [][]string {
	return append(Sets(q.GroupBy, q.Each), q.Also...)
}

// Dimensions are every dimension q counts by, GroupBy's first, once each.
func (q Query) Dimensions() []string {
	out := slices.Clone(q.GroupBy)
	for _, set := range q.Also {
		for _, g := range set {
			if !slices.Contains(out, g) {
				out = append(out, g)
			}
		}
	}
	return out
}

// Check validates the dimensions q counts by against d: GroupBy's, then
// each of Also's (field also_by[i].dimensions).
func (q Query) Check(d Dimensions) error {
	if err := d.Check("group_by", q.GroupBy); err != nil {
		return err
	}
	for i, set := range q.Also {
		if err := d.Check(fmt.Sprintf("also_by[%d].dimensions", i), set); err != nil {
			return err
		}
	}
	return nil
}

// Also reads the also_by field of an aggregate request (Query.Also).
func Also(sets []*commonv1.DimensionSet) [][]string {
	out := make([][]string, 0, len(sets))
	for _, set := range sets {
		out = append(out, set.GetDimensions())
	}
	return out
}

// AlsoToProto is Also for the wire.
func AlsoToProto(sets [][]string) []*commonv1.DimensionSet {
	out := make([]*commonv1.DimensionSet, 0, len(sets))
	for _, set := range sets {
		out = append(out, &commonv1.DimensionSet{Dimensions: set})
	}
	return out
}

// ParseQuery reads the common fields of an aggregate request.
func ParseQuery(projectID string, period *commonv1.DateRange, groupBy []string) (Query, error) {
	var v errs.Violations
	q := Query{
		ProjectID: ids.Normalize(projectID),
		From:      date.ParseDayField(&v, "period.start_date", period.GetStartDate()),
		To:        date.ParseDayField(&v, "period.end_date", period.GetEndDate()),
		GroupBy:   groupBy,
	}
	switch {
	case q.ProjectID == "":
		v.Add("project_id", "is required")
	case !ids.Valid(q.ProjectID):
		v.Add("project_id", "must be a UUID")
	}
	if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
		v.Add("period.end_date", "must not be before start_date")
	}
	return q, v.Err()
}
