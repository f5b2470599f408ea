package outbox

import (
	"encoding/base64"
	"errors"
	"testing"

	"github.com/google/uuid"
)

func TestCursorRoundTrip(t *testing.T) {
	feed := uuid.New()
	for _, pos := range []int64{0, 1, 1 << 40} {
		c := cursor{feed, pos}
		got, err := parseCursor(c.String(), feed)
		if err != nil || got != c {
			t.Fatalf("parse(%v) = %v, %v", c, got, err)
		}
	}
}

func TestCursorRefused(t *testing.T) {
	feed, other := uuid.New(), uuid.New()
	good := cursor{feed, 7}.String()
	for name, tc := range map[string]struct {
		s    string
		want error
	}{
		"empty":      {"", errMalformed},
		"not base64": {"!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!", errMalformed},
		"short":      {good[:20], errMalformed},
		"long":       {good + "AAAA", errMalformed},
		"padded":     {good + "=", errMalformed},
		"other feed": {cursor{other, 7}.String(), errOtherFeed},
		"negative":   {negative(feed), errNegativePos},
	} {
		if _, err := parseCursor(tc.s, feed); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
}

// negative encodes a position with the sign bit set.
func negative(feed uuid.UUID) string {
	b := make([]byte, cursorLen)
	copy(b, feed[:])
	for i := 16; i < cursorLen; i++ {
		b[i] = 0xff
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func FuzzParseCursor(f *testing.F) {
	feed := uuid.New()
	f.Add(cursor{feed, 42}.String())
	f.Add("AAAA")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseCursor(s, feed)
		if err == nil && (c.feed != feed || c.pos < 0 || c.String() != s) {
			t.Fatalf("accepted %q as %v", s, c)
		}
	})
}
