// Package benchenv reads the settings benchmarks take from the environment
// (sizes, rounds), the same way in every package.
package benchenv

import (
	"os"
	"strconv"
	"testing"
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
