package domain

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The tests here check the promise of Suppress against a reader who knows
// the algorithm: they enumerate every small table, group the tables by
// what Suppress publishes of them, and fail when all the tables that
// publish the same thing agree on a hidden or left-out cell's value (that
// cell is pinned). They model what the aggregate services return: no cell
// for a value nobody has, so the labels listed say which counts are
// non-zero.

// leakShape is a family of tables: dims breakdowns of cells labelled a, b,
// c... ; parents[i] >= 0 nests breakdown i under breakdown parents[i],
// whose cell of[i][j] is the parent of cell j.
type leakShape struct {
	name    string
	cells   []int   // cells per breakdown
	parents []int   // -1: a root breakdown
	of      [][]int // parent cell of each cell of a nested breakdown
}

// leakInput is one table of a shape: the counts of every breakdown's cells
// and the total.
type leakInput struct {
	total  int64
	counts [][]int64
}

// build makes the table as the report gets it: zero cells left out.
func (s leakShape) build(in leakInput) *Table {
	tab := &Table{Total: Cell{Count: in.total}}
	for i, counts := range in.counts {
		b := Breakdown{Dimension: fmt.Sprint("d", i)}
		if s.parents[i] >= 0 {
			b.Parent = fmt.Sprint("d", s.parents[i])
		}
		for j, n := range counts {
			if n == 0 {
				continue
			}
			c := Cell{Label: string(rune('a' + j)), Count: n}
			if s.parents[i] >= 0 {
				c.Parent = string(rune('a' + s.of[i][j]))
			}
			b.Cells = append(b.Cells, c)
		}
		tab.Breakdowns = append(tab.Breakdowns, b)
	}
	return tab
}

// published renders what a reader sees of a suppressed table.
func publishedOf(tab *Table) string {
	var o strings.Builder
	val := func(c Cell) string {
		if c.Suppressed {
			return "*"
		}
		return fmt.Sprint(c.Count)
	}
	fmt.Fprintf(&o, "T=%s", val(tab.Total))
	for _, b := range tab.Breakdowns {
		fmt.Fprintf(&o, " | %s:", b.Dimension)
		for _, c := range b.Cells {
			fmt.Fprintf(&o, " %s=%s", c.Label, val(c))
		}
	}
	return o.String()
}

// cellKey names a cell a reader may try to learn: the total ("T") or a
// breakdown's cell ("d0.a").
type cellKey string

// hidden lists the cells a reader does not see the count of in a
// published table of the shape: the total when hidden, every hidden cell
// and every cell not listed (left out, or zero).
func (s leakShape) hidden(tab *Table) []cellKey {
	var out []cellKey
	if tab.Total.Suppressed {
		out = append(out, "T")
	}
	for i, b := range tab.Breakdowns {
		for j := range s.cells[i] {
			label := string(rune('a' + j))
			k := slices.IndexFunc(b.Cells, func(c Cell) bool { return c.Label == label })
			if k < 0 || b.Cells[k].Suppressed {
				out = append(out, cellKey(fmt.Sprintf("d%d.%s", i, label)))
			}
		}
	}
	return out
}

// value is a cell's true count in an input.
func (in leakInput) value(k cellKey) int64 {
	if k == "T" {
		return in.total
	}
	dim, label, _ := strings.Cut(strings.TrimPrefix(string(k), "d"), ".")
	i, _ := strconv.Atoi(dim)
	return in.counts[i][label[0]-'a']
}

// checkNoPin runs Suppress on every input and fails on every published
// table that pins a cell it hides or leaves out (every input published the
// same has the same count there), unless that count is zero: a value
// nobody has, as a listed zero says.
func checkNoPin(t *testing.T, s leakShape, threshold int, inputs []leakInput) (outputs int) {
	t.Helper()
	type seen struct {
		values  map[cellKey]map[int64]bool
		example leakInput
		hidden  []cellKey
	}
	byOutput := map[string]*seen{}
	for _, in := range inputs {
		tab := s.build(in)
		Suppress(tab, threshold)
		key := publishedOf(tab)
		o := byOutput[key]
		if o == nil {
			o = &seen{values: map[cellKey]map[int64]bool{}, example: in, hidden: s.hidden(tab)}
			byOutput[key] = o
		}
		for _, k := range o.hidden {
			if o.values[k] == nil {
				o.values[k] = map[int64]bool{}
			}
			o.values[k][in.value(k)] = true
		}
	}
	failures := 0
	for key, o := range byOutput {
		for _, k := range o.hidden {
			if len(o.values[k]) > 1 {
				continue
			}
			v := o.example.value(k)
			if v == 0 {
				continue
			}
			failures++
			if failures <= 10 {
				t.Errorf("%s, threshold %d: %q pins %s = %d (e.g. from %v)", s.name, threshold, key, k, v, o.example)
			}
		}
	}
	if failures > 10 {
		t.Errorf("%s, threshold %d: %d pinned cells in all", s.name, threshold, failures)
	}
	return len(byOutput)
}

// compositions calls f with every vector of n counts (>= 0) summing to at
// most max, and their sum.
func compositions(n int, max int64, f func(v []int64, sum int64)) {
	v := make([]int64, n)
	var rec func(i int, sum int64)
	rec = func(i int, sum int64) {
		if i == n {
			f(v, sum)
			return
		}
		for x := int64(0); sum+x <= max; x++ {
			v[i] = x
			rec(i+1, sum+x)
		}
	}
	rec(0, 0)
}

func copyCounts(v []int64) []int64 { return append([]int64(nil), v...) }

// TestSuppressPinsNothingInOneBreakdown: a breakdown whose cells partition
// the total (every unit has one value), 1 to 5 cells, totals up to 18.
func TestSuppressPinsNothingInOneBreakdown(t *testing.T) {
	for n := 1; n <= 5; n++ {
		s := leakShape{name: fmt.Sprintf("%d cells", n), cells: []int{n}, parents: []int{-1}}
		var inputs []leakInput
		compositions(n, 18, func(v []int64, sum int64) {
			inputs = append(inputs, leakInput{total: sum, counts: [][]int64{copyCounts(v)}})
		})
		for _, th := range []int{3, 4, 5, 6} {
			checkNoPin(t, s, th, inputs)
		}
	}
}

// TestSuppressPinsNothingAcrossBreakdowns: two breakdowns of one total
// (sex and legal status of the same persons), each a partition of it; a
// reader sees both.
func TestSuppressPinsNothingAcrossBreakdowns(t *testing.T) {
	for _, shape := range [][2]int{{2, 2}, {2, 3}, {3, 3}} {
		s := leakShape{name: fmt.Sprintf("%dx%d cells", shape[0], shape[1]), cells: shape[:], parents: []int{-1, -1}}
		var inputs []leakInput
		compositions(shape[0], 12, func(a []int64, sa int64) {
			a = copyCounts(a)
			compositions(shape[1], 12, func(b []int64, sb int64) {
				if sa == sb {
					inputs = append(inputs, leakInput{total: sa, counts: [][]int64{a, copyCounts(b)}})
				}
			})
		})
		for _, th := range []int{3, 5} {
			checkNoPin(t, s, th, inputs)
		}
	}
}

// TestSuppressPinsNothingWithOverlap: a breakdown where a unit may have
// several values (a person helped by two teams counts in both): each cell
// at most the total, the cells summing to at least it. A reader who takes
// it for a partition is covered by the partition test.
func TestSuppressPinsNothingWithOverlap(t *testing.T) {
	for n := 1; n <= 4; n++ {
		s := leakShape{name: fmt.Sprintf("%d overlapping cells", n), cells: []int{n}, parents: []int{-1}}
		var inputs []leakInput
		for total := int64(0); total <= 12; total++ {
			compositions(n, int64(n)*total, func(v []int64, sum int64) {
				if sum < total || slices.Max(v) > total {
					return
				}
				inputs = append(inputs, leakInput{total: total, counts: [][]int64{copyCounts(v)}})
			})
		}
		for _, th := range []int{3, 5} {
			checkNoPin(t, s, th, inputs)
		}
	}
}

// TestSuppressPinsNothingNested: a breakdown nested under another
// (services under their categories), both shown with the total; the
// reader knows each service's category.
func TestSuppressPinsNothingNested(t *testing.T) {
	for _, tc := range []struct {
		name string
		of   []int // parent of each child
	}{
		{"2 categories of 2 services", []int{0, 0, 1, 1}},
		{"2 categories of 3 and 1 services", []int{0, 0, 0, 1}},
		{"3 categories of 2, 2 and 1 services", []int{0, 0, 1, 1, 2}},
	} {
		parents := slices.Max(tc.of) + 1
		s := leakShape{name: tc.name, cells: []int{parents, len(tc.of)}, parents: []int{-1, 0}, of: [][]int{nil, tc.of}}
		var inputs []leakInput
		compositions(len(tc.of), 14, func(v []int64, sum int64) {
			up := make([]int64, parents)
			for j, n := range v {
				up[tc.of[j]] += n
			}
			inputs = append(inputs, leakInput{total: sum, counts: [][]int64{up, copyCounts(v)}})
		})
		for _, th := range []int{3, 5} {
			checkNoPin(t, s, th, inputs)
		}
	}
}

// TestSuppressPinsNothingNestedTwice: locations under services under
// categories, all three shown.
func TestSuppressPinsNothingNestedTwice(t *testing.T) {
	serviceOf := []int{0, 0, 1, 2} // locations a, b of service a; c of b; d of c
	categoryOf := []int{0, 0, 1}   // services a, b in category a; c in b
	s := leakShape{name: "locations under services under categories", cells: []int{2, 3, 4},
		parents: []int{-1, 0, 1}, of: [][]int{nil, categoryOf, serviceOf}}
	var inputs []leakInput
	compositions(len(serviceOf), 13, func(v []int64, sum int64) {
		services, categories := make([]int64, 3), make([]int64, 2)
		for j, n := range v {
			services[serviceOf[j]] += n
			categories[categoryOf[serviceOf[j]]] += n
		}
		inputs = append(inputs, leakInput{total: sum, counts: [][]int64{categories, services, copyCounts(v)}})
	})
	for _, th := range []int{3, 5} {
		checkNoPin(t, s, th, inputs)
	}
}
