// Package aggregate is the shape of the counts services give the reporting
// service: a total over unique units and, optionally, one group per
// combination of dimension values. It also builds the GROUP BY of such a
// query from a whitelist, so a caller-chosen dimension never reaches SQL
// text unchecked.
package aggregate

import (
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

// Select returns the select list and GROUP BY clause for groupBy (checked
// first with Check). Every query groups by GROUPING SETS ((dims...), ()), so
// the row whose grouping() is all ones is the total over unique units, not a
// sum of groups that could count a unit twice.
func (d Dimensions) Select(groupBy []string) (selectList string, groupClause string) {
	if len(groupBy) == 0 {
		return "", ""
	}
	exprs := make([]string, len(groupBy))
	for i, g := range groupBy {
		exprs[i] = d[g]
	}
	cols := strings.Join(exprs, ", ")
	return cols + ", GROUPING(" + cols + ") <> 0, ", " GROUP BY GROUPING SETS ((" + cols + "), ())"
}

// Scanner reads rows of a query built with Select: the grouped columns (as
// nullable text), whether the row is the total, then the count.
type Scanner interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// Collect reads rows into an aggregate. With no dimensions the query returns
// one row: the total.
func Collect(rows Scanner, groupBy []string) (Aggregate, error) {
	var a Aggregate
	for rows.Next() {
		vals := make([]*string, len(groupBy))
		dest := make([]any, 0, len(groupBy)+2)
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		var total bool
		var n int64
		if len(groupBy) > 0 {
			dest = append(dest, &total)
		}
		dest = append(dest, &n)
		if err := rows.Scan(dest...); err != nil {
			return Aggregate{}, err
		}
		if len(groupBy) == 0 || total {
			a.Total = n
			continue
		}
		g := Group{Labels: make(map[string]string, len(groupBy)), Count: n}
		for i, v := range vals {
			label := "unknown"
			if v != nil && *v != "" {
				label = *v
			}
			g.Labels[groupBy[i]] = label
		}
		a.Groups = append(a.Groups, g)
	}
	if err := rows.Err(); err != nil {
		return Aggregate{}, err
	}
	a.Sort()
	return a, nil
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

// AgeBandSQL returns a SQL expression giving the UNHCR age band (0-4, 5-11,
// 12-17, 18-59, 60+) at asOf (a SQL date expression) of a person with birth
// date column birthDate or, failing that, birth year column birthYear.
func AgeBandSQL(birthDate, birthYear, asOf string) string {
	age := fmt.Sprintf("COALESCE(date_part('year', age(%[3]s, %[1]s))::int, date_part('year', %[3]s)::int - %[2]s)", birthDate, birthYear, asOf)
	return fmt.Sprintf(`CASE WHEN %[1]s IS NULL THEN 'unknown' WHEN %[1]s < 5 THEN '0-4' WHEN %[1]s < 12 THEN '5-11' WHEN %[1]s < 18 THEN '12-17' WHEN %[1]s < 60 THEN '18-59' ELSE '60+' END`, age)
}

// Query asks for a count over a project's records in a period (both ends
// inclusive; a zero end is open).
type Query struct {
	ProjectID string
	From, To  date.Date
	GroupBy   []string
}

// ParseQuery reads the common fields of an aggregate request.
func ParseQuery(projectID string, period *commonv1.DateRange, groupBy []string) (Query, error) {
	var v errs.Violations
	q := Query{
		ProjectID: ids.Normalize(projectID),
		From:      date.ParseField(&v, "period.start_date", period.GetStartDate()),
		To:        date.ParseField(&v, "period.end_date", period.GetEndDate()),
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
