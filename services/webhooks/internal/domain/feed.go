package domain

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// Change is one entry of an organisation's change feed: the same thin event
// a subscription would deliver.
type Change struct {
	Seq     int64
	EventID string
	Type    string
	Time    time.Time
	Data    map[string]any
}

// Cursor is the position of a change in the feed.
func (c Change) Cursor() string { return EncodeCursor(c.Seq) }

const cursorPrefix = "c1:"

// EncodeCursor returns the opaque cursor of feed position seq.
func EncodeCursor(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatInt(seq, 10)))
}

// DecodeCursor returns the feed position of a cursor; "" is the start.
func DecodeCursor(c string) (int64, bool) {
	if c == "" {
		return 0, true
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	n, ok := strings.CutPrefix(string(raw), cursorPrefix)
	if !ok {
		return 0, false
	}
	seq, err := strconv.ParseInt(n, 10, 64)
	if err != nil || seq < 0 {
		return 0, false
	}
	return seq, true
}
