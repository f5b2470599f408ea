// Package intconv converts the domain's int values to the int32 fields of
// the protos without silent wrap-around: a value outside int32 saturates at
// the nearest bound. Domain values (years, percents, enum codes, counts) fit;
// the check makes that a property of the conversion, not of every caller.
package intconv

import "math"

// Int32 returns n, clamped to [math.MinInt32, math.MaxInt32].
func Int32(n int) int32 {
	switch {
	case n > math.MaxInt32:
		return math.MaxInt32
	case n < math.MinInt32:
		return math.MinInt32
	default:
		return int32(n)
	}
}

// Int32Ptr converts an optional value; nil stays nil.
func Int32Ptr(p *int) *int32 {
	if p == nil {
		return nil
	}
	v := Int32(*p)
	return &v
}

// Uint64 returns n, or 0 for a negative n.
func Uint64(n int64) uint64 {
	if n < 0 {
		return 0
	}
	return uint64(n)
}
