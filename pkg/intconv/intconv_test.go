package intconv

import (
	"math"
	"testing"
)

func TestInt32(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   int
		want int32
	}{
		{0, 0}, {-7, -7}, {1990, 1990},
		{math.MaxInt32, math.MaxInt32}, {math.MaxInt32 + 1, math.MaxInt32}, {math.MaxInt, math.MaxInt32},
		{math.MinInt32, math.MinInt32}, {math.MinInt32 - 1, math.MinInt32}, {math.MinInt, math.MinInt32},
	} {
		if got := Int32(c.in); got != c.want {
			t.Errorf("Int32(%d) = %d, want %d", c.in, got, c.want)
		}
	}
}

func TestInt32Ptr(t *testing.T) {
	t.Parallel()
	if Int32Ptr(nil) != nil {
		t.Error("Int32Ptr(nil) != nil")
	}
	n := 42
	if p := Int32Ptr(&n); p == nil || *p != 42 {
		t.Errorf("Int32Ptr(&42) = %v", p)
	}
}

func TestUint64(t *testing.T) {
	t.Parallel()
	for in, want := range map[int64]uint64{0: 0, 7: 7, math.MaxInt64: math.MaxInt64, -1: 0, math.MinInt64: 0} {
		if got := Uint64(in); got != want {
			t.Errorf("Uint64(%d) = %d, want %d", in, got, want)
		}
	}
}
