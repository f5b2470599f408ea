package domain

import (
	"strconv"
	"strings"
	"time"

	"github.com/spona/spona/pkg/ids"
)

// ListTime is when a referral takes its place in a list of referrals,
// newest first: when it was sent, a draft when it was created. A
// receiver sees a referral in the order it arrived, however long it
// waited as the sender's draft. It changes at most once, forward, when a
// draft is sent (the sending time is never changed after).
func (r *Referral) ListTime() time.Time {
	if r.SendTime.IsZero() {
		return r.CreateTime
	}
	return r.SendTime
}

// ListKey is a referral's position in a list: its list time and, between
// referrals of one microsecond, its id; newest (greatest) first.
type ListKey struct {
	Time time.Time
	ID   string
}

// ListKey is the position of r in a list of referrals.
func (r *Referral) ListKey() ListKey { return ListKey{Time: r.ListTime(), ID: r.ID} }

// String is the key as a page token carries it: the list time in
// microseconds since the Unix epoch (as stored), "|", the id.
func (k ListKey) String() string {
	return strconv.FormatInt(k.Time.UnixMicro(), 10) + "|" + k.ID
}

// ParseListKey reads ListKey.String back; ok is false for anything else,
// among them the bare id by which lists were paged before (a page token
// issued then is refused, not read as a position in another order).
func ParseListKey(s string) (k ListKey, ok bool) {
	micros, id, found := strings.Cut(s, "|")
	n, err := strconv.ParseInt(micros, 10, 64)
	if !found || err != nil || strconv.FormatInt(n, 10) != micros || !ids.Valid(id) {
		return k, false
	}
	t := time.UnixMicro(n).UTC()
	if t.Year() < 1 || t.Year() > 9999 { // beyond what PostgreSQL stores
		return k, false
	}
	return ListKey{Time: t, ID: ids.Normalize(id)}, true
}
