package domain

import (
	"cmp"
	"slices"
)

// Small-cell suppression.
//
// A report publishes counts of people; a small count can identify someone
// ("the one police officer from Kikinda"). Every computed table of a report
// and of its exports goes through Suppress before it leaves the service.
//
// The table is a total and, per dimension, a breakdown whose cells add up to
// the total (one cell per value of the dimension; a unit has one value).
//
// Primary suppression: a count from 1 to threshold-1 is suppressed. A zero is
// shown: it reveals that nobody with that value was counted, which is not
// information about a person, and the aggregate services only return
// non-empty cells anyway.
//
// Secondary suppression: when the total is shown, a suppressed cell must not
// be recoverable as the total minus the shown cells. Within each breakdown
// the suppressed cells must therefore (a) be at least two, and (b) hold
// together at least max(threshold, n+1) units, n being their number: with
// fewer, each of them would be pinned to a single value (two suppressed
// cells summing to 2 are both 1) or their sum would itself be a small count.
// While that does not hold, the smallest shown non-zero cell of the
// breakdown (ties broken by label) is suppressed too. This is the rule "if
// exactly one cell is suppressed, suppress the next-smallest too",
// strengthened for the case where the suppressed cells' sum gives them away.
//
// When a breakdown cannot be protected that way (four cells of 1 under a
// total of 4: whatever is hidden, each is pinned to 1), the table is too
// small to publish in detail: the total and every non-zero cell are
// suppressed. A small total is handled the same way: with the total hidden,
// no breakdown may give it back, so all their non-zero cells are hidden
// (they are below the threshold anyway when the breakdown partitions it). Cells of overlapping dimensions (a
// person assisted in two ways counts in two cells) follow the same rules.
// Relations between different indicators (for example referrals made and
// referrals completed) are not considered.

// Cell is one count of a table.
type Cell struct {
	Label      string
	Count      int64
	Suppressed bool
	// Name is a readable name for a label that is an id (a directory
	// service, location or organisation); "" when the label says it.
	Name string
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
}

// Table is a total with its breakdowns.
type Table struct {
	Total      Cell
	Breakdowns []Breakdown
}

// small reports whether n must be suppressed under threshold t.
func small(n int64, t int) bool { return n >= 1 && n < int64(t) }

// Suppress applies primary and secondary suppression to t in place. A
// threshold of 1 or less suppresses nothing.
func Suppress(t *Table, threshold int) {
	if threshold <= 1 {
		return
	}
	t.Total.Suppressed = t.Total.Suppressed || small(t.Total.Count, threshold)
	for i := range t.Breakdowns {
		cells := t.Breakdowns[i].Cells
		for j := range cells {
			cells[j].Suppressed = cells[j].Suppressed || small(cells[j].Count, threshold)
		}
		if !t.Total.Suppressed && !secondary(cells, threshold) {
			// Nothing left to hide in this breakdown (four cells of 1 under
			// a total of 4): the table is too small to publish in detail.
			t.Total.Suppressed = true
		}
	}
	if t.Total.Suppressed {
		// Without the total, the breakdowns must not give it back either.
		for i := range t.Breakdowns {
			for j, c := range t.Breakdowns[i].Cells {
				if c.Count > 0 {
					t.Breakdowns[i].Cells[j].Suppressed = true
				}
			}
		}
	}
}

// secondary suppresses further cells until the suppressed ones are
// protected (see the package comment); it reports false when nothing is
// left to suppress and they still are not.
func secondary(cells []Cell, threshold int) bool {
	for !protected(cells, threshold) {
		next := -1
		for j, c := range cells {
			if c.Suppressed || c.Count == 0 {
				continue
			}
			if next < 0 || cmp.Or(cmp.Compare(c.Count, cells[next].Count), cmp.Compare(c.Label, cells[next].Label)) < 0 {
				next = j
			}
		}
		if next < 0 {
			return false
		}
		cells[next].Suppressed = true
	}
	return true
}

// protected reports whether the suppressed cells of a breakdown cannot be
// recovered: none, or at least two holding at least max(threshold, n+1).
func protected(cells []Cell, threshold int) bool {
	var n, sum int64
	for _, c := range cells {
		if c.Suppressed {
			n++
			sum += c.Count
		}
	}
	return n == 0 || (n >= 2 && sum >= max(int64(threshold), n+1))
}

// SortCells orders a breakdown's cells by label, for stable output.
func SortCells(cells []Cell) {
	slices.SortFunc(cells, func(a, b Cell) int { return cmp.Compare(a.Label, b.Label) })
}
