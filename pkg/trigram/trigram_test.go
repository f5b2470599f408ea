package trigram

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/spona/spona/pkg/testkit/register"
	"github.com/spona/spona/pkg/translit"
)

func TestSimilar(t *testing.T) {
	x := New()
	// show_trgm('dordevic'), show_trgm('dordevic ana'), show_trgm('petrovic').
	dordevic := []string{"  d", " do", "dev", "dor", "evi", "ic ", "ord", "rde", "vic"}
	ana := []string{"  a", " an", "na ", "ana"}
	petrovic := []string{"  p", " pe", "etr", "ic ", "ovi", "pet", "rov", "tro", "vic"}
	for _, s := range [][]string{dordevic, append(slices.Clone(dordevic), ana...), petrovic} {
		x.Add(s)
	}
	got := Best(x.Similar(dordevic, 0.1), 10, func(a, b int32) int { return int(a - b) })
	// 9/9, 9/13, 2/16 (as float4, like pg_trgm).
	want := []Hit{{0, 1}, {1, float32(9) / float32(13)}, {2, float32(2) / float32(16)}}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if got := x.Similar(dordevic, 0.3); len(got) != 2 {
		t.Errorf("threshold 0.3: %v", got)
	}
	// Counts are reset between queries.
	if got := Best(x.Similar(petrovic, 0.3), 1, func(a, b int32) int { return 0 }); len(got) != 1 || got[0] != (Hit{2, 1}) {
		t.Errorf("petrovic: %v", got)
	}
	if got := x.Similar(ana, 0.3); !slices.Equal(got, []Hit{{1, float32(4) / float32(13)}}) {
		t.Errorf("ana: %v", got)
	}
}

// TestSimilarAgainstCounting checks the pruned search against counting
// every shared trigram of every entry, and Best against a full sort, on
// random sets drawn from few trigrams (long lists) and many (short ones).
func TestSimilarAgainstCounting(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func() []string {
		seen := map[string]bool{}
		var out []string
		for range 3 + rng.IntN(14) {
			var s string
			if rng.IntN(3) == 0 {
				s = fmt.Sprintf("c%d", rng.IntN(6)) // common
			} else {
				s = fmt.Sprintf("r%d", rng.IntN(400))
			}
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
		return out
	}
	x := New()
	var sets [][]string
	for range 1500 {
		s := pick()
		sets = append(sets, s)
		x.Add(s)
	}
	byEntry := func(a, b int32) int { return cmp.Compare(a, b) }
	for q := range 150 {
		query := pick()
		for _, th := range []float64{0, 0.1, 0.3, 0.5, 0.9} {
			var want []Hit
			for e, s := range sets {
				c := 0
				for _, tr := range s {
					if slices.Contains(query, tr) {
						c++
					}
				}
				if c == 0 {
					continue
				}
				if sim := float32(c) / float32(len(query)+len(s)-c); float64(sim) >= th {
					want = append(want, Hit{Entry: int32(e), Similarity: sim})
				}
			}
			got := x.Similar(query, th)
			slices.SortFunc(got, func(a, b Hit) int { return byEntry(a.Entry, b.Entry) })
			if !slices.Equal(got, want) {
				t.Fatalf("query %d %v threshold %v: got %d hits, want %d", q, query, th, len(got), len(want))
			}
			full := slices.Clone(want)
			slices.SortFunc(full, func(a, b Hit) int {
				if c := cmp.Compare(b.Similarity, a.Similarity); c != 0 {
					return c
				}
				return byEntry(a.Entry, b.Entry)
			})
			for _, k := range []int{0, 1, 10, len(want) + 1} {
				if top := Best(slices.Clone(want), k, byEntry); !slices.Equal(top, full[:min(k, len(full))]) {
					t.Fatalf("Best k=%d: got %v, want %v", k, top, full[:min(k, len(full))])
				}
				if top := x.Nearest(query, th, k, byEntry); !slices.Equal(top, full[:min(k, len(full))]) {
					t.Fatalf("Nearest k=%d: got %v, want %v", k, top, full[:min(k, len(full))])
				}
			}
		}
	}
}

// BenchmarkSimilar scores the names of a register (pkg/testkit/register,
// the import load's file; SPONA_TRIGRAM_ROWS, default 20,000) each against the names before it, as an import
// scores a file's rows against its earlier rows. Words are split into
// trigrams as pg_trgm splits them (two spaces before, one after).
func BenchmarkSimilar(b *testing.B) {
	n := 20_000
	if v, err := strconv.Atoi(os.Getenv("SPONA_TRIGRAM_ROWS")); err == nil {
		n = v
	}
	sets := make([][]string, n)
	for i := range sets {
		p := register.Row(1, i)
		seen := map[string]bool{}
		for _, w := range strings.Fields(translit.Fold(p.Given + " " + p.Family)) {
			r := []rune("  " + w + " ")
			for j := 0; j+3 <= len(r); j++ {
				if t := string(r[j : j+3]); !seen[t] {
					seen[t] = true
					sets[i] = append(sets[i], t)
				}
			}
		}
	}
	hits := 0
	for range b.N {
		x := New()
		for _, s := range sets {
			hits += len(x.Nearest(s, 0.3, 10, func(a, b int32) int { return cmp.Compare(a, b) }))
			x.Add(s)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/row")
	b.ReportMetric(float64(hits)/float64(b.N*n), "hits/row")
}
