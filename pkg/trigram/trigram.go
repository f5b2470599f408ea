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
	"math/bits"
	"slices"

	"github.com/spona/spona/pkg/intconv"
)

// Index is an inverted index of trigram sets. Entries are numbered from 0
// in the order they are added. Each trigram's list of entries is kept per
// entry size (number of trigrams), so a query reads, for each size, only
// the lists an entry of that size must be in to reach the threshold.
type Index struct {
	ids      map[string]int32 // trigram → its number
	postings [][][]int32      // trigram number → entry size → entries holding it (ascending)
	totals   []int            // trigram number → entries holding it
	sizes    []int32          // entry → number of trigrams
	maxSize  int
	// counts per entry for one query, reset after it.
	counts  []int32
	touched []int32
	query   []int32
	lists   [][]int32
}

// New returns an empty index.
func New() *Index { return &Index{ids: map[string]int32{}} }

// Len is the number of entries.
func (x *Index) Len() int { return len(x.sizes) }

// Add adds an entry with the trigrams trgms (distinct, as show_trgm gives
// them) and returns its number.
func (x *Index) Add(trgms []string) int32 {
	e := intconv.Int32(len(x.sizes))
	size := len(trgms)
	for _, t := range trgms {
		id, ok := x.ids[t]
		if !ok {
			id = intconv.Int32(len(x.postings))
			x.ids[t] = id
			x.postings = append(x.postings, nil)
			x.totals = append(x.totals, 0)
		}
		x.totals[id]++
		p := x.postings[id]
		for len(p) <= size {
			p = append(p, nil)
		}
		p[size] = append(p[size], e)
		x.postings[id] = p
	}
	x.sizes = append(x.sizes, intconv.Int32(size))
	x.counts = append(x.counts, 0)
	x.maxSize = max(x.maxSize, size)
	return e
}

// Hit is an entry and its similarity to the query.
type Hit struct {
	Entry      int32
	Similarity float32
}

// similarity is pg_trgm's: (float4) count / (float4) (len1 + len2 - count).
func similarity(shared, n, size int32) float32 {
	return float32(shared) / float32(n+size-shared)
}

// Similar returns the entries whose similarity to trgms is at least
// threshold (pg_trgm's % operator with similarity_threshold = threshold),
// in no order.
//
// Entries are looked for size by size. An entry of size s reaches the
// threshold only if it shares at least need(s) of the query's n trigrams,
// so it is in at least one of the n−need(s)+1 shortest of the query's
// lists for size s: only those are scanned for candidates. The longest
// lists (the trigrams most names share, such as a common surname ending)
// only add to the candidates' counts, by binary search when that reads
// less than the list.
func (x *Index) Similar(trgms []string, threshold float64) []Hit {
	x.setQuery(trgms)
	var out []Hit
	for size := 1; size <= x.maxSize; size++ {
		out = x.similarOfSize(len(trgms), size, threshold, out)
	}
	return out
}

// setQuery looks up the query's trigrams (those the index holds).
func (x *Index) setQuery(trgms []string) {
	x.query = x.query[:0]
	for _, t := range trgms {
		if id, ok := x.ids[t]; ok {
			x.query = append(x.query, id)
		}
	}
}

// similarOfSize appends to out the entries of size size whose similarity
// to the query (n trigrams, set by setQuery) is at least threshold.
func (x *Index) similarOfSize(n, size int, threshold float64, out []Hit) []Hit {
	n32, s32 := intconv.Int32(n), intconv.Int32(size)
	need := 0
	for c := int32(1); c <= min(n32, s32); c++ {
		if float64(similarity(c, n32, s32)) >= threshold {
			need = int(c)
			break
		}
	}
	if need == 0 {
		return out
	}
	lists := x.lists[:0]
	for _, id := range x.query {
		if p := x.postings[id]; size < len(p) && len(p[size]) > 0 {
			lists = append(lists, p[size])
		}
	}
	defer func() { x.lists = lists[:0] }()
	// The query's trigrams missing here are the shortest lists (empty).
	scan := n - need + 1 - (n - len(lists))
	if scan <= 0 {
		return out
	}
	slices.SortFunc(lists, func(a, b []int32) int { return cmp.Compare(len(a), len(b)) })
	scan = min(scan, len(lists))
	for _, l := range lists[:scan] {
		for _, e := range l {
			if x.counts[e] == 0 {
				x.touched = append(x.touched, e)
			}
			x.counts[e]++
		}
	}
	for _, l := range lists[scan:] {
		if len(x.touched)*bits.Len(uint(len(l))) < len(l) {
			for _, e := range x.touched {
				if _, found := slices.BinarySearch(l, e); found {
					x.counts[e]++
				}
			}
			continue
		}
		for _, e := range l {
			if x.counts[e] > 0 {
				x.counts[e]++
			}
		}
	}
	for _, e := range x.touched {
		c := x.counts[e]
		x.counts[e] = 0
		if sim := similarity(c, n32, s32); float64(sim) >= threshold {
			out = append(out, Hit{Entry: e, Similarity: sim})
		}
	}
	x.touched = x.touched[:0]
	return out
}

// Nearest returns the k entries most similar to trgms with a similarity
// of at least threshold, highest first, ties by tie (ascending): what
// Best(Similar(trgms, threshold), k, tie) returns, found with less reading.
//
// It looks size by size, nearest the query's size first (where the
// highest similarities are), keeping the best k so far: once it has k,
// the k-th best similarity is a floor for the k-th best overall, so the
// remaining sizes are searched with that higher threshold (ties
// included), which needs more shared trigrams and so reads fewer lists.
func (x *Index) Nearest(trgms []string, threshold float64, k int, tie func(a, b int32) int) []Hit {
	if k <= 0 {
		return nil
	}
	n := len(trgms)
	x.setQuery(trgms)
	var top []Hit
	for d := 0; n-d >= 1 || n+d <= x.maxSize; d++ {
		for i, size := range [2]int{n - d, n + d} {
			if (d == 0 && i == 1) || size < 1 || size > x.maxSize {
				continue
			}
			top = Best(x.similarOfSize(n, size, threshold, top), k, tie)
			if len(top) == k {
				threshold = max(threshold, float64(top[k-1].Similarity))
			}
		}
	}
	return top
}

// Best orders hits by similarity, highest first, ties by tie (ascending),
// and keeps the first k (selected in one pass, in hits' own storage).
func Best(hits []Hit, k int, tie func(a, b int32) int) []Hit {
	order := func(a, b Hit) int {
		if c := cmp.Compare(b.Similarity, a.Similarity); c != 0 {
			return c
		}
		return tie(a.Entry, b.Entry)
	}
	if k <= 0 {
		return hits[:0]
	}
	top := hits[:0]
	for _, h := range hits {
		// top is hits' prefix, never longer than the hits read so far.
		if len(top) == k && order(h, top[k-1]) >= 0 {
			continue
		}
		i, _ := slices.BinarySearchFunc(top, h, order)
		if len(top) < k {
			top = top[:len(top)+1]
		}
		copy(top[i+1:], top[i:len(top)-1])
		top[i] = h
	}
	return top
}
