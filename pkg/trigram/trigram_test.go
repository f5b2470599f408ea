package trigram

import (
	"slices"
	"testing"
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
