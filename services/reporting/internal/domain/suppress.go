package domain

import (
	"cmp"
	"slices"

	"github.com/spona/spona/pkg/aggregate"
)

// Small-cell suppression.
//
// A report publishes counts of people; a small count can identify someone
// ("the one police officer from Kikinda"). Every computed table of a report
// and of its exports goes through Suppress before it leaves the service.
//
// The table is a total and, per dimension, a breakdown: one cell per value
// of the dimension, and no cell for a value nobody has (the aggregate
// services return non-empty groups only). A breakdown may nest under
// another of the same table (a service under its category): each of its
// cells then belongs to one cell of that parent breakdown. A value found
// under several parents (a service whose category changed) has a cell
// under each; cells nested in turn under such a value (its locations)
// cannot be told to belong to one of its cells and are left out, as under
// a hidden parent.
//
// The reader is assumed to know this algorithm, the threshold t, which
// labels are listed and, for a nested breakdown, which parent cell each
// belongs to (the directory says which category a service has). The rule
// that follows is built so that every decision beyond primary suppression
// depends only on what the reader sees: a reader who knows the algorithm
// then learns nothing from which cells were hidden that the published
// figures do not already say.
//
// Primary suppression: a count from 1 to t-1 is hidden. Zeros are shown.
//
// Secondary suppression, per group of cells under a shown total (a root
// breakdown under the table's total; the cells of a nested breakdown under
// each shown parent cell): with k the hidden cells of the group and L the
// total minus the shown cells (the hidden cells' sum when each unit has one
// value; a lower bound of it when a unit may have several, as a person
// helped by two teams), the group is published when
//
//   - k = 0; or
//   - k >= 2 and k+1 <= L <= k(t-1)-1: k cells of 1..t-1 summing to L can
//     each take at least two values; or
//   - L < k: units have several values (no partition sums to less than k),
//     so the hidden cells are bounded by nothing but 1..t-1; or
//   - k = 2, the second hidden cell is the next listed cell after the first
//     (in label order, wrapping round, whatever the order the report lists
//     the cells in: age bands youngest first, unknown last) and L >= t+2: a cell of 1..t-1 and
//     one of at least t summing to L can each take at least two values.
//
// Each condition uses k, L, t and the labels only. Otherwise, with one
// hidden cell, the next listed cell is hidden too (the last case), and
// failing that every non-zero cell of the group is hidden: the reader sees
// the group's total only. When that total equals the number of cells
// (every cell is 1) or there is one cell (it is the total), even that pins
// them: the total is hidden too, and the groups above it are protected
// again with it hidden.
//
// A hidden total withholds its cells: a root breakdown under a hidden
// table total, and the cells nested under a hidden parent cell, are left
// out of the table (not listed), since the number of listed labels would
// otherwise bound the hidden total (two labels under a hidden total of at
// most 2 are 1 each). A nested breakdown is not checked against the
// table's total separately: its sums to the total follow from those to its
// parent cells.
//
// suppress_leak_test.go checks this by enumeration: for every small table
// (up to five cells and totals of 18; two breakdowns; nested ones, two
// levels deep; cells that overlap), every table published alike leaves
// each hidden or left-out cell more than one possible value.
//
// What is not protected: relations between different indicators of a
// report (referrals made and referrals completed, persons assisted by sex
// and by age band in two indicators), cells of one indicator broken down
// by dimensions that are related without being declared nested (see
// NestedUnder), differences between the reports of different periods (see
// Project.ReportPeriod for the periods readers other than the implementing
// organisation may ask for), between successive reads of one period
// while records are added, and between reads at two thresholds (the
// project's threshold changed between them: each hides its own cells,
// and what one shows can give back what the other hides). A listed label says that its count is at least
// 1. At a threshold of 2 (kept only by the implementing organisation of a
// project saved before the floor of 3) every hidden small cell is 1.

// NestedUnder lists, for a dimension whose every value belongs to one value
// of another, those dimensions, nearest first: a location is a place of one
// directory service, a service has one category, an organisation one kind,
// a municipality lies in one country. A report that breaks one indicator
// down by a dimension and one it nests under declares the nesting
// (ParentDimension), or the parent's cells would be totals of the child's
// that the reader could subtract from.
var NestedUnder = map[string][]string{
	"location":     {"service", "service_category"},
	"service":      {"service_category"},
	"organisation": {"organisation_kind"},
	"municipality": {"country"},
}

// ParentDimension is the dimension of dims that dim nests under, nearest
// first; "" when none.
func ParentDimension(dim string, dims []string) string {
	for _, p := range NestedUnder[dim] {
		if slices.Contains(dims, p) {
			return p
		}
	}
	return ""
}

// Cell is one count of a table.
type Cell struct {
	Label      string
	Count      int64
	Suppressed bool
	// Name is a readable name for a label that is an id (a directory
	// service, location or organisation); "" when the label says it.
	Name string
	// Unverified marks an organisation cell whose organisation the
	// directory lists as not verified by the platform administrator.
	Unverified bool
	// Parent is, in a nested breakdown, the label of the parent cell this
	// one belongs to.
	Parent string
}

// Shown is the cell's name, or its label when it has none.
func (c Cell) Shown() string {
	if c.Name != "" {
		return c.Name
	}
	return c.Label
}

// Breakdown is the total broken down by one dimension.
type Breakdown struct {
	Dimension string
	Cells     []Cell
	// Parent is the dimension of the breakdown of the same table this one
	// nests under ("" for none); its cells' Parent labels are cells of it.
	Parent string
}

// Table is a total with its breakdowns.
type Table struct {
	Total      Cell
	Breakdowns []Breakdown
}

// small reports whether n must be suppressed under threshold t.
func small(n int64, t int) bool { return n >= 1 && n < int64(t) }

// Suppress applies primary and secondary suppression to tab in place (see
// the rules above) and leaves out the cells a hidden total withholds. A
// threshold of 1 or less suppresses nothing.
func Suppress(tab *Table, threshold int) {
	if threshold <= 1 {
		return
	}
	tab.Total.Suppressed = tab.Total.Suppressed || small(tab.Total.Count, threshold)
	for i := range tab.Breakdowns {
		cells := tab.Breakdowns[i].Cells
		for j := range cells {
			cells[j].Suppressed = cells[j].Suppressed || small(cells[j].Count, threshold)
		}
	}
	order, parent := nesting(tab)
	// Hiding a cell can make a group above it unprotected: repeat until
	// nothing changes (cells are only ever hidden, so this ends).
	for changed := true; changed && !tab.Total.Suppressed; {
		changed = false
		for _, i := range order {
			b := &tab.Breakdowns[i]
			p := parent[i]
			if p < 0 {
				if !protect(cellRefs(b.Cells, nil), tab.Total.Count, threshold) {
					tab.Total.Suppressed = true
					break
				}
				continue
			}
			twice := listedTwice(tab.Breakdowns[p].Cells)
			for j := range tab.Breakdowns[p].Cells {
				pc := &tab.Breakdowns[p].Cells[j]
				if pc.Suppressed || twice[pc.Label] {
					continue
				}
				if !protect(cellRefs(b.Cells, &pc.Label), pc.Count, threshold) {
					pc.Suppressed, changed = true, true
				}
			}
		}
	}
	withhold(tab, order, parent)
}

// nesting returns the breakdowns' indexes with every parent before its
// children, and each one's parent index (-1: none, or a parent dimension
// the table does not have).
func nesting(tab *Table) (order, parent []int) {
	parent = make([]int, len(tab.Breakdowns))
	for i, b := range tab.Breakdowns {
		parent[i] = slices.IndexFunc(tab.Breakdowns, func(o Breakdown) bool { return b.Parent != "" && o.Dimension == b.Parent })
	}
	depth := func(i int) int {
		d := 0
		for p := parent[i]; p >= 0 && d <= len(parent); p = parent[p] {
			d++
		}
		return d
	}
	for i := range tab.Breakdowns {
		if depth(i) > len(parent) {
			parent[i] = -1 // a cycle: treat as a root
		}
		order = append(order, i)
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(depth(a), depth(b)) })
	return order, parent
}

// listedTwice are the labels of a nested breakdown listed under several
// parents (a service whose category changed: a cell under each). The
// cells nested under such a label cannot be told to be part of one of
// its cells (each may be less than they are), so they are protected as
// under a hidden parent: left out.
func listedTwice(cells []Cell) map[string]bool {
	seen, twice := map[string]bool{}, map[string]bool{}
	for _, c := range cells {
		twice[c.Label] = seen[c.Label]
		seen[c.Label] = true
	}
	return twice
}

// cellRefs are the cells of a group: all of them, or those whose parent is
// *under.
func cellRefs(cells []Cell, under *string) []*Cell {
	var out []*Cell
	for j := range cells {
		if under == nil || cells[j].Parent == *under {
			out = append(out, &cells[j])
		}
	}
	return out
}

// withhold leaves out the cells under a hidden total: every cell when the
// table's total is hidden, else the cells of a nested breakdown whose
// parent cell is hidden, missing or listed twice (listedTwice).
func withhold(tab *Table, order, parent []int) {
	if tab.Total.Suppressed {
		for i := range tab.Breakdowns {
			tab.Breakdowns[i].Cells = nil
		}
		return
	}
	for _, i := range order {
		p := parent[i]
		if p < 0 {
			continue
		}
		shown := map[string]bool{}
		twice := listedTwice(tab.Breakdowns[p].Cells)
		for _, c := range tab.Breakdowns[p].Cells {
			shown[c.Label] = !c.Suppressed && !twice[c.Label]
		}
		tab.Breakdowns[i].Cells = slices.DeleteFunc(tab.Breakdowns[i].Cells, func(c Cell) bool { return !shown[c.Parent] })
		if len(tab.Breakdowns[i].Cells) == 0 {
			tab.Breakdowns[i].Cells = nil
		}
	}
}

// protect hides further cells of a group under a shown total until the
// group is published by the rule above; it reports false when every
// non-zero cell is hidden and the group still pins them (its total hides
// then).
func protect(cells []*Cell, total int64, threshold int) bool {
	if published(cells, total, threshold) {
		return true
	}
	if h := hiddenIndexes(cells); len(h) == 1 {
		if next := nextListed(cells, h[0]); next >= 0 {
			cells[next].Suppressed = true
			if published(cells, total, threshold) {
				return true
			}
		}
	}
	for _, c := range cells {
		if c.Count > 0 {
			c.Suppressed = true
		}
	}
	return published(cells, total, threshold) || !pins(cells, total)
}

// published reports whether a group's hidden cells are protected by the
// rule above, from what the reader sees: the number of hidden cells k, the
// group's total less its shown cells L, the threshold and the labels.
func published(cells []*Cell, total int64, threshold int) bool {
	h := hiddenIndexes(cells)
	k := int64(len(h))
	l := total
	for _, c := range cells {
		if !c.Suppressed {
			l -= c.Count
		}
	}
	t := int64(threshold)
	switch {
	case k == 0, l < k:
		return true
	case k >= 2 && k+1 <= l && l <= k*(t-1)-1:
		return true
	case k == 2 && l >= t+2 && (nextListed(cells, h[0]) == h[1] || nextListed(cells, h[1]) == h[0]):
		return true
	}
	return false
}

// pins reports whether the total of a group whose non-zero cells are all
// hidden gives them away: it is their number (every cell is 1), or there
// is one (it is the total).
func pins(cells []*Cell, total int64) bool {
	var n int64
	for _, c := range cells {
		if c.Count > 0 {
			n++
		}
	}
	return n == 1 || total == n
}

// hiddenIndexes are the indexes of a group's hidden non-zero cells.
func hiddenIndexes(cells []*Cell) []int {
	var h []int
	for j, c := range cells {
		if c.Suppressed && c.Count > 0 {
			h = append(h, j)
		}
	}
	return h
}

// nextListed is the index of the next non-zero cell after j in label
// order (then parent label, then place in the group), wrapping round; -1
// when j is the only one. Label order whatever the order the cells are
// listed in (SortCells lists age bands youngest first, unknown last), so that which
// cells are hidden does not depend on how a report lists them.
func nextListed(cells []*Cell, j int) int {
	before := func(a, b int) bool {
		return cmp.Or(cmp.Compare(cells[a].Label, cells[b].Label), cmp.Compare(cells[a].Parent, cells[b].Parent), cmp.Compare(a, b)) < 0
	}
	next, first := -1, -1
	for n, c := range cells {
		if n == j || c.Count <= 0 {
			continue
		}
		if first < 0 || before(n, first) {
			first = n
		}
		if before(j, n) && (next < 0 || before(n, next)) {
			next = n
		}
	}
	if next < 0 {
		return first
	}
	return next
}

// SortCells orders the cells of a breakdown by dim as a report lists them:
// by label (aggregate.CompareLabels: age bands youngest first, other
// dimensions in text order, unknown last), then, in a nested breakdown,
// by parent label. Suppression does not depend on it: its "next listed"
// cell is the next in label order (nextListed).
func SortCells(dim string, cells []Cell) {
	slices.SortFunc(cells, func(a, b Cell) int {
		return cmp.Or(aggregate.CompareLabels(dim, a.Label, b.Label), cmp.Compare(a.Parent, b.Parent))
	})
}
