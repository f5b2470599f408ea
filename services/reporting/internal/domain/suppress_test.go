package domain

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// show renders cells as "label=count" or "label=*" when suppressed.
func show(cells []Cell) string {
	var parts []string
	for _, c := range cells {
		v := fmt.Sprint(c.Count)
		if c.Suppressed {
			v = "*"
		}
		parts = append(parts, c.Label+"="+v)
	}
	return strings.Join(parts, " ")
}

func table(total int64, dims ...[]Cell) *Table {
	t := &Table{Total: Cell{Count: total}}
	for i, cells := range dims {
		t.Breakdowns = append(t.Breakdowns, Breakdown{Dimension: fmt.Sprint("d", i), Cells: cells})
	}
	return t
}

func cs(pairs ...any) []Cell {
	var out []Cell
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, Cell{Label: pairs[i].(string), Count: int64(pairs[i+1].(int))})
	}
	return out
}

func TestSuppressExamples(t *testing.T) {
	for _, tc := range []struct {
		name      string
		threshold int
		in        *Table
		total     bool // total suppressed
		want      []string
	}{
		{"nothing small", 5, table(41, cs("a", 6, "b", 35)), false, []string{"a=6 b=35"}},
		{"zero is shown", 5, table(10, cs("a", 0, "b", 10)), false, []string{"a=0 b=10"}},
		{"one small cell takes the next smallest with it", 5,
			table(20, cs("a", 3, "b", 9, "c", 8)), false, []string{"a=* b=9 c=*"}},
		{"ties broken by label", 5, table(17, cs("a", 3, "c", 7, "b", 7)), false, []string{"a=* c=7 b=*"}},
		{"two small cells that pin each other (1+1)", 5,
			table(12, cs("a", 1, "b", 1, "c", 10)), false, []string{"a=* b=* c=*"}},
		{"two small cells whose sum is small", 5,
			table(23, cs("a", 2, "b", 2, "c", 9, "d", 10)), false, []string{"a=* b=* c=* d=10"}},
		{"two small cells already safe", 5, table(20, cs("a", 3, "b", 4, "c", 13)), false, []string{"a=* b=* c=13"}},
		{"secondary skips zero cells", 5, table(9, cs("a", 4, "z", 0, "b", 5)), false, []string{"a=* z=0 b=*"}},
		{"small total hides everything", 5, table(4, cs("a", 1, "b", 3), cs("x", 4)), true,
			[]string{"a=* b=*", "x=*"}},
		{"each dimension on its own", 5, table(13, cs("f", 6, "m", 7), cs("ip", 12, "as", 1)), false,
			[]string{"f=6 m=7", "ip=* as=*"}},
		{"a breakdown that cannot be protected hides the table", 3,
			table(4, cs("a", 1, "b", 1, "c", 1, "d", 1), cs("x", 2, "y", 2)), true, []string{"a=* b=* c=* d=*", "x=* y=*"}},
		{"threshold 1 suppresses nothing", 1, table(3, cs("a", 1, "b", 2)), false, []string{"a=1 b=2"}},
		{"threshold 10", 10, table(30, cs("a", 9, "b", 10, "c", 11)), false, []string{"a=* b=* c=11"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			Suppress(tc.in, tc.threshold)
			var got []string
			for _, b := range tc.in.Breakdowns {
				got = append(got, show(b.Cells))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
			if tc.in.Total.Suppressed != tc.total {
				t.Fatalf("total suppressed = %v, want %v", tc.in.Total.Suppressed, tc.total)
			}
		})
	}
}

// randomTable builds a table whose breakdowns partition a random total, as
// the aggregate services return them.
func randomTable(r *rand.Rand) *Table {
	total := int64(r.IntN(60))
	t := &Table{Total: Cell{Count: total}}
	for d := range 1 + r.IntN(3) {
		n := 1 + r.IntN(6)
		counts := make([]int64, n)
		for range total {
			counts[r.IntN(n)]++
		}
		b := Breakdown{Dimension: fmt.Sprint("d", d)}
		for i, c := range counts {
			b.Cells = append(b.Cells, Cell{Label: fmt.Sprint("v", i), Count: c})
		}
		t.Breakdowns = append(t.Breakdowns, b)
	}
	return t
}

func clone(t *Table) *Table {
	c := &Table{Total: t.Total}
	for _, b := range t.Breakdowns {
		c.Breakdowns = append(c.Breakdowns, Breakdown{Dimension: b.Dimension, Cells: append([]Cell(nil), b.Cells...)})
	}
	return c
}

// TestSuppressProperties checks the rules on many random tables.
func TestSuppressProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		threshold := 2 + r.IntN(9)
		orig := randomTable(r)
		tab := clone(orig)
		Suppress(tab, threshold)
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("case %d (threshold %d) %v -> %v: %s", i, threshold, orig, tab, fmt.Sprintf(format, args...))
		}
		// Counts never change; only the flags do.
		if tab.Total.Count != orig.Total.Count {
			fail("total changed")
		}
		// Primary: no small count is shown.
		if !tab.Total.Suppressed && small(tab.Total.Count, threshold) {
			fail("small total shown")
		}
		for bi, b := range tab.Breakdowns {
			var n, sum, shownSum int64
			for ci, c := range b.Cells {
				if c.Count != orig.Breakdowns[bi].Cells[ci].Count {
					fail("cell count changed")
				}
				if !c.Suppressed && small(c.Count, threshold) {
					fail("small cell %s shown", c.Label)
				}
				if c.Suppressed && c.Count == 0 {
					fail("zero cell suppressed")
				}
				if c.Suppressed {
					n++
					sum += c.Count
				} else {
					shownSum += c.Count
				}
			}
			if tab.Total.Suppressed {
				// Nothing may give the hidden total back.
				if shownSum > 0 {
					fail("total hidden but %s shows %d", b.Dimension, shownSum)
				}
				continue
			}
			// Secondary: with the total shown, the suppressed cells are none,
			// or at least two whose sum is neither small nor pinning them.
			if n == 1 {
				fail("single suppressed cell in %s recoverable as total - shown = %d", b.Dimension, tab.Total.Count-shownSum)
			}
			if n >= 2 && (sum < int64(threshold) || sum < n+1) {
				fail("suppressed cells of %s sum to %d", b.Dimension, sum)
			}
		}
		// Idempotent.
		again := clone(tab)
		Suppress(again, threshold)
		if diff := cmp.Diff(tab, again); diff != "" {
			fail("second pass changed the table: %s", diff)
		}
	}
}

// TestSuppressIsMinimalForOneSmallCell checks that secondary suppression
// hides exactly one more cell when one is enough.
func TestSuppressIsMinimalForOneSmallCell(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		threshold := 2 + r.IntN(9)
		small := int64(1 + r.IntN(threshold-1))
		cells := []Cell{{Label: "s", Count: small}}
		total := small
		for i := range 2 + r.IntN(4) {
			c := int64(threshold + r.IntN(50))
			cells = append(cells, Cell{Label: fmt.Sprint("c", i), Count: c})
			total += c
		}
		tab := &Table{Total: Cell{Count: total}, Breakdowns: []Breakdown{{Dimension: "d", Cells: cells}}}
		Suppress(tab, threshold)
		hidden := 0
		for _, c := range tab.Breakdowns[0].Cells {
			if c.Suppressed {
				hidden++
			}
		}
		if hidden != 2 {
			t.Fatalf("threshold %d: %s: %d cells hidden, want 2", threshold, show(tab.Breakdowns[0].Cells), hidden)
		}
	}
}
