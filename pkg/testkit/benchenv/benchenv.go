// Package benchenv reads the settings benchmarks take from the environment
// (sizes, rounds), the same way in every package.
package benchenv

import (
	"os"
	"slices"
	"strconv"
	"testing"
	"time"
)

// Int is the positive number in the environment variable name, or def
// when it is unset; anything else fails the benchmark.
func Int(tb testing.TB, name string, def int) int {
	tb.Helper()
	if s := os.Getenv(name); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			tb.Fatalf("%s=%q: want a positive number", name, s)
		}
		return n
	}
	return def
}

// Rounds is how many times a benchmark measures everything it compares,
// one round after the other so that outside load hits every way alike:
// SPONA_BENCH_ROUNDS, default 1. Sub-benchmarks of later rounds are named
// with #01, #02, ...; strip that for benchstat
// (sed 's/#[0-9]*//' | benchstat -).
func Rounds(tb testing.TB) int { return Int(tb, "SPONA_BENCH_ROUNDS", 1) }

// Way is one of the ways a benchmark compares: its name and one run.
type Way struct {
	Name string
	Run  func() error
}

// Interleaved runs every way once per iteration of b, each in turn first,
// so that outside load hits them alike; it reports each way's median time
// as the metric "<name>-ms" and returns the medians by name and the number
// of rounds run. A failing run fails the benchmark.
func Interleaved(b *testing.B, ways []Way) (map[string]time.Duration, int) {
	b.Helper()
	times := make([][]time.Duration, len(ways))
	round := 0
	for b.Loop() {
		for i := range ways {
			j := (i + round) % len(ways)
			t0 := time.Now()
			if err := ways[j].Run(); err != nil {
				b.Fatalf("%s: %v", ways[j].Name, err)
			}
			times[j] = append(times[j], time.Since(t0))
		}
		round++
	}
	med := make(map[string]time.Duration, len(ways))
	for i, w := range ways {
		slices.Sort(times[i])
		med[w.Name] = times[i][len(times[i])/2]
		b.ReportMetric(float64(med[w.Name])/1e6, w.Name+"-ms")
	}
	return med, round
}
