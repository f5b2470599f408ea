// Package trigram finds, among many sets of trigrams, those most similar to
// a given set, with pg_trgm's similarity: the number of trigrams two sets
// share divided by the number in either, as a float4. The sets themselves
// come from PostgreSQL (show_trgm), so words, padding and multibyte
// characters are split exactly as pg_trgm splits them, and a similarity
// computed here equals similarity() of the same keys.
//
// It serves an import's duplicate search: the organisation's persons and
// the file's earlier rows are indexed once, and every row is then scored
// against them in memory (count of shared trigrams per candidate from the
// inverted lists), instead of a trigram index probe and heap fetches per
// row in the database.
package trigram

import (
	"cmp"
	"slices"

	"github.com/spona/spona/pkg/intconv"
)

// Index is an inverted index of trigram sets. Entries are numbered from 0
// in the order they are added.
type Index struct {
	ids      map[string]int32 // trigram → its number
	postings [][]int32        // trigram number → entries holding it
	sizes    []int32          // entry → number of trigrams
	// counts per entry for one query, reset after it.
	counts  []int32
	touched []int32
}

// New returns an empty index.
func New() *Index { return &Index{ids: map[string]int32{}} }

// Len is the number of entries.
func (x *Index) Len() int { return len(x.sizes) }

// Add adds an entry with the trigrams trgms (distinct, as show_trgm gives
// them) and returns its number.
func (x *Index) Add(trgms []string) int32 {
	e := intconv.Int32(len(x.sizes))
	for _, t := range trgms {
		id, ok := x.ids[t]
		if !ok {
			id = intconv.Int32(len(x.postings))
			x.ids[t] = id
			x.postings = append(x.postings, nil)
		}
		x.postings[id] = append(x.postings[id], e)
	}
	x.sizes = append(x.sizes, intconv.Int32(len(trgms)))
	x.counts = append(x.counts, 0)
	return e
}

// Hit is an entry and its similarity to the query.
type Hit struct {
	Entry      int32
	Similarity float32
}

// Similar returns the entries whose similarity to trgms is at least min
// (pg_trgm's % operator with similarity_threshold = min), in no order.
func (x *Index) Similar(trgms []string, min float64) []Hit {
	for _, t := range trgms {
		id, ok := x.ids[t]
		if !ok {
			continue
		}
		for _, e := range x.postings[id] {
			if x.counts[e] == 0 {
				x.touched = append(x.touched, e)
			}
			x.counts[e]++
		}
	}
	var out []Hit
	n := intconv.Int32(len(trgms))
	for _, e := range x.touched {
		c := x.counts[e]
		x.counts[e] = 0
		// pg_trgm: (float4) count / (float4) (len1 + len2 - count).
		if s := float32(c) / float32(n+x.sizes[e]-c); float64(s) >= min {
			out = append(out, Hit{Entry: e, Similarity: s})
		}
	}
	x.touched = x.touched[:0]
	return out
}

// Best orders hits by similarity, highest first, ties by tie (ascending),
// and keeps the first k.
func Best(hits []Hit, k int, tie func(a, b int32) int) []Hit {
	slices.SortFunc(hits, func(a, b Hit) int {
		if c := cmp.Compare(b.Similarity, a.Similarity); c != 0 {
			return c
		}
		return tie(a.Entry, b.Entry)
	})
	return hits[:min(len(hits), k)]
}
