package domain

import (
	"fmt"
	"math/rand/v2"
	"slices"
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

// nest makes cells of a nested breakdown: label, parent label, count.
func nest(triples ...any) []Cell {
	var out []Cell
	for i := 0; i+2 < len(triples); i += 3 {
		out = append(out, Cell{Label: triples[i].(string), Parent: triples[i+1].(string), Count: int64(triples[i+2].(int))})
	}
	return out
}

func TestSuppressExamples(t *testing.T) {
	nested := func(total int64, parents, children []Cell) *Table {
		return &Table{Total: Cell{Count: total}, Breakdowns: []Breakdown{
			{Dimension: "category", Cells: parents}, {Dimension: "service", Parent: "category", Cells: children}}}
	}
	for _, tc := range []struct {
		name      string
		threshold int
		in        *Table
		total     bool // total suppressed
		want      []string
	}{
		{"nothing small", 5, table(41, cs("a", 6, "b", 35)), false, []string{"a=6 b=35"}},
		{"zero is shown", 5, table(10, cs("a", 0, "b", 10)), false, []string{"a=0 b=10"}},
		{"one small cell takes the next listed with it", 5,
			table(20, cs("a", 3, "b", 9, "c", 8)), false, []string{"a=* b=* c=8"}},
		{"the next listed wraps round", 5, table(20, cs("a", 9, "b", 8, "c", 3)), false, []string{"a=* b=8 c=*"}},
		{"two small cells that leave each two values", 5, table(20, cs("a", 3, "b", 4, "c", 13)), false, []string{"a=* b=* c=13"}},
		// Two small cells of at most 4 summing to 18-10 = 8 would both be
		// 4.
		{"two small cells that would be pinned hide the breakdown", 5,
			table(18, cs("a", 4, "b", 5, "c", 4, "d", 5)), false, []string{"a=* b=* c=* d=*"}},
		// Next to each other, they stay hidden: to a reader, b may be 1..3
		// and c its next listed cell (5..7), hidden with it.
		{"two small cells next to each other", 5,
			table(13, cs("a", 5, "b", 4, "c", 4)), false, []string{"a=5 b=* c=*"}},
		{"two cells of 1 hide the breakdown", 5,
			table(12, cs("a", 1, "b", 1, "c", 10)), false, []string{"a=* b=* c=*"}},
		// 1 and the next cell (5) sum to 6 < 5+2: a cell of 1..4 and one of
		// 5 or more summing to 6 would be 1 and 5; but two small cells
		// summing to 6 (2+4, 3+3, 4+2) publish the same.
		{"one small cell and the next listed, as two small ones", 5,
			table(26, cs("a", 1, "b", 5, "c", 20)), false, []string{"a=* b=* c=20"}},
		{"one small cell whose pair would be pinned hides the breakdown", 3,
			table(24, cs("a", 1, "b", 3, "c", 20)), false, []string{"a=* b=* c=*"}},
		{"secondary skips zero cells", 5, table(9, cs("a", 4, "z", 0, "b", 5)), false, []string{"a=* z=0 b=*"}},
		{"small total withholds every breakdown", 5, table(4, cs("a", 1, "b", 3), cs("x", 4)), true,
			[]string{"", ""}},
		{"a breakdown of cells of 1 hides the total and withholds the table", 3,
			table(4, cs("a", 1, "b", 1, "c", 1, "d", 1), cs("x", 2, "y", 2)), true, []string{"", ""}},
		{"each dimension on its own", 5, table(13, cs("f", 6, "m", 7), cs("ip", 12, "as", 1)), false,
			[]string{"f=6 m=7", "ip=* as=*"}},
		// A person in several cells: the shown cells exceed the total, so
		// the hidden one is bounded by 1..4 only.
		{"overlapping cells", 5, table(10, cs("a", 9, "b", 8, "c", 2)), false, []string{"a=9 b=8 c=*"}},
		{"threshold 1 suppresses nothing", 1, table(3, cs("a", 1, "b", 2)), false, []string{"a=1 b=2"}},
		{"threshold 10", 10, table(30, cs("a", 9, "b", 10, "c", 11)), false, []string{"a=* b=* c=11"}},
		{"nested cells protected under their parent cell", 5,
			nested(18, cs("p", 10, "q", 8), nest("s1", "p", 7, "s2", "p", 3, "s3", "q", 8)), false,
			[]string{"p=10 q=8", "s1=* s2=* s3=8"}},
		{"a hidden parent cell withholds its nested cells", 5,
			nested(18, cs("p", 3, "q", 15), nest("s1", "p", 2, "s2", "p", 1, "s3", "q", 15)), false,
			[]string{"p=* q=*", ""}},
		// Three services of 1 under a category of 3 would be pinned: the
		// category is hidden, and with it the next listed.
		{"nested cells of 1 hide their parent cell", 3,
			nested(13, cs("p", 3, "q", 10), nest("s1", "p", 1, "s2", "p", 1, "s3", "p", 1, "s4", "q", 10)), false,
			[]string{"p=* q=*", ""}},
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
		c.Breakdowns = append(c.Breakdowns, Breakdown{Dimension: b.Dimension, Parent: b.Parent, Cells: append([]Cell(nil), b.Cells...)})
	}
	return c
}

// TestSuppressProperties checks the rules on many random tables, larger
// than the exhaustive tests reach.
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
			if tab.Total.Suppressed {
				// Nothing may give the hidden total back, nor bound it.
				if len(b.Cells) > 0 {
					fail("total hidden but %s lists %d cells", b.Dimension, len(b.Cells))
				}
				continue
			}
			var refs []*Cell
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
				refs = append(refs, &b.Cells[ci])
			}
			// Secondary: the hidden cells are published by the rule, or
			// every non-zero cell is hidden under a total that does not
			// pin them.
			allHidden := !slices.ContainsFunc(b.Cells, func(c Cell) bool { return c.Count > 0 && !c.Suppressed })
			if !published(refs, tab.Total.Count, threshold) && (!allHidden || pins(refs, tab.Total.Count)) {
				fail("%s not protected: %s", b.Dimension, show(b.Cells))
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
// hides exactly one more cell when one is enough: a small cell and the
// next listed summing to at least threshold+2.
func TestSuppressIsMinimalForOneSmallCell(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		threshold := 3 + r.IntN(8)
		small := int64(1 + r.IntN(threshold-1))
		cells := []Cell{{Label: "s", Count: small}}
		total := small
		for i := range 2 + r.IntN(4) {
			c := int64(threshold + r.IntN(50))
			if i == 0 {
				c = max(c, int64(threshold)+2-small)
			}
			cells = append(cells, Cell{Label: fmt.Sprint("s", i), Count: c})
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
		if hidden != 2 || !tab.Breakdowns[0].Cells[1].Suppressed {
			t.Fatalf("threshold %d: %s: %d cells hidden, want s and the next listed", threshold, show(tab.Breakdowns[0].Cells), hidden)
		}
	}
}

// TestSuppressNestedProperties checks nested tables larger than the
// exhaustive tests reach: categories of services at places, all three
// shown.
func TestSuppressNestedProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 5000 {
		threshold := 3 + r.IntN(6)
		nCat, nSvc, nLoc := 1+r.IntN(3), 1+r.IntN(6), 1+r.IntN(10)
		catOf, svcOf := make([]int, nSvc), make([]int, nLoc)
		for j := range catOf {
			catOf[j] = r.IntN(nCat)
		}
		for j := range svcOf {
			svcOf[j] = r.IntN(nSvc)
		}
		total := int64(r.IntN(80))
		loc, svc, cat := make([]int64, nLoc), make([]int64, nSvc), make([]int64, nCat)
		for range total {
			l := r.IntN(nLoc)
			loc[l]++
			svc[svcOf[l]]++
			cat[catOf[svcOf[l]]]++
		}
		tab := &Table{Total: Cell{Count: total}}
		add := func(dim, parent string, counts []int64, up func(int) string) {
			b := Breakdown{Dimension: dim, Parent: parent}
			for j, n := range counts {
				if n > 0 {
					b.Cells = append(b.Cells, Cell{Label: fmt.Sprint(dim, j), Count: n, Parent: up(j)})
				}
			}
			tab.Breakdowns = append(tab.Breakdowns, b)
		}
		add("category", "", cat, func(int) string { return "" })
		add("service", "category", svc, func(j int) string { return fmt.Sprint("category", catOf[j]) })
		add("location", "service", loc, func(j int) string { return fmt.Sprint("service", svcOf[j]) })
		orig := clone(tab)
		Suppress(tab, threshold)
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("case %d (threshold %d) %v -> %v: %s", i, threshold, orig, tab, fmt.Sprintf(format, args...))
		}
		if tab.Total.Suppressed {
			for _, b := range tab.Breakdowns {
				if len(b.Cells) > 0 {
					fail("total hidden but %s lists cells", b.Dimension)
				}
			}
			continue
		}
		groups := []struct {
			cells []Cell
			total int64
		}{{tab.Breakdowns[0].Cells, total}}
		for level := 1; level < 3; level++ {
			parents := tab.Breakdowns[level-1].Cells
			for _, c := range tab.Breakdowns[level].Cells {
				k := slices.IndexFunc(parents, func(p Cell) bool { return p.Label == c.Parent })
				if k < 0 || parents[k].Suppressed {
					fail("%s listed under a hidden or missing parent %s", c.Label, c.Parent)
				}
			}
			for _, p := range parents {
				var kids []Cell
				for _, c := range tab.Breakdowns[level].Cells {
					if c.Parent == p.Label {
						kids = append(kids, c)
					}
				}
				if !p.Suppressed {
					groups = append(groups, struct {
						cells []Cell
						total int64
					}{kids, p.Count})
				}
			}
		}
		for _, g := range groups {
			var refs []*Cell
			for j := range g.cells {
				if !g.cells[j].Suppressed && small(g.cells[j].Count, threshold) {
					fail("small cell %s shown", g.cells[j].Label)
				}
				refs = append(refs, &g.cells[j])
			}
			allHidden := !slices.ContainsFunc(g.cells, func(c Cell) bool { return c.Count > 0 && !c.Suppressed })
			if !published(refs, g.total, threshold) && (!allHidden || pins(refs, g.total)) {
				fail("group under %d not protected: %s", g.total, show(g.cells))
			}
		}
		again := clone(tab)
		Suppress(again, threshold)
		if diff := cmp.Diff(tab, again); diff != "" {
			fail("second pass changed the table: %s", diff)
		}
	}
}

// TestSuppressParentListedTwice: a team whose category changed during the
// period is listed under each category (16 persons as a psychosocial
// service, 8 as an information one: 24 persons, or fewer if some were
// helped both ways). Its places nest under the team, but a place cannot
// be told to be under one of the two team cells: each parent cell alone
// (16, 8) is less than its places (Office 20, Outreach 2, unknown 2), so
// no group could be protected, and a reader taking the team as 16 + 8
// would get Outreach back as 24 - 20 - 2. Places under a team listed
// twice are left out; those of other teams are protected as always.
func TestSuppressParentListedTwice(t *testing.T) {
	tab := &Table{Total: Cell{Count: 40}, Breakdowns: []Breakdown{
		{Dimension: "service_category", Cells: cs("information", 8, "psychosocial", 32)},
		{Dimension: "service", Parent: "service_category", Cells: nest("other", "psychosocial", 16, "team", "information", 8, "team", "psychosocial", 16)},
		{Dimension: "location", Parent: "service", Cells: nest("office", "team", 20, "other-a", "other", 10, "other-b", "other", 6, "outreach", "team", 2, "unknown", "team", 2)},
	}}
	Suppress(tab, 5)
	got := []string{show(tab.Breakdowns[0].Cells), show(tab.Breakdowns[1].Cells), show(tab.Breakdowns[2].Cells)}
	want := []string{"information=8 psychosocial=32", "other=16 team=8 team=16", "other-a=10 other-b=6"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("suppressed (-want +got):\n%s", diff)
	}
}

// TestSuppressWhateverTheListedOrder: which cells are hidden depends on the
// counts and labels only, not on the order a report lists the cells in
// (age bands are listed youngest first, other labels in text order): the
// next listed cell of the rule is the next in label order. So listing age
// bands in age order hid no other cell than listing them in text order,
// and a report read before and after that change gives nothing back.
func TestSuppressWhateverTheListedOrder(t *testing.T) {
	t.Parallel()
	hidden := func(tab *Table) map[string]bool {
		out := map[string]bool{"total": tab.Total.Suppressed}
		for _, b := range tab.Breakdowns {
			for _, c := range b.Cells {
				out[b.Dimension+"="+c.Label] = c.Suppressed
			}
		}
		return out
	}
	// The example a donor sees: one small band, with the next in label
	// order (12-17), wherever 5-11 is listed.
	bands := func() *Table {
		return table(51, cs("0-4", 1, "12-17", 10, "18-59", 10, "5-11", 10, "60+", 10, "unknown", 10))
	}
	byText, byAge := bands(), bands()
	SortCells("age_band", byAge.Breakdowns[0].Cells)
	Suppress(byText, 3)
	Suppress(byAge, 3)
	if got := show(byAge.Breakdowns[0].Cells); got != "0-4=* 5-11=10 12-17=* 18-59=10 60+=10 unknown=10" {
		t.Errorf("by age: %s", got)
	}
	if diff := cmp.Diff(hidden(byText), hidden(byAge)); diff != "" {
		t.Errorf("hidden cells differ by order listed: %s", diff)
	}
	r := rand.New(rand.NewPCG(7, 8))
	for i := range 20000 {
		threshold := 3 + r.IntN(8)
		sorted := randomTable(r)
		shuffled := clone(sorted)
		for _, b := range shuffled.Breakdowns {
			r.Shuffle(len(b.Cells), func(x, y int) { b.Cells[x], b.Cells[y] = b.Cells[y], b.Cells[x] })
		}
		orig := clone(shuffled)
		Suppress(sorted, threshold)
		Suppress(shuffled, threshold)
		if diff := cmp.Diff(hidden(sorted), hidden(shuffled)); diff != "" {
			t.Fatalf("case %d (threshold %d) %v: hidden cells differ by order listed: %s", i, threshold, orig, diff)
		}
	}
}
