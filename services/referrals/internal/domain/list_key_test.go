package domain

import (
	"testing"
	"time"
)

// TestListKey: a referral's list position reads back exactly (to the
// microsecond, as stored); a sent referral is placed by its sending, a
// draft by its creation; the bare id of a former page token is no key.
func TestListKey(t *testing.T) {
	id := "0190a1b2-0000-7000-8000-000000000001"
	created := time.Date(2026, 11, 30, 8, 0, 0, 123456000, time.UTC)
	sent := created.Add(7 * 24 * time.Hour)
	r := &Referral{ID: id, CreateTime: created}
	if r.ListTime() != created {
		t.Errorf("draft list time %v, want its creation", r.ListTime())
	}
	r.SendTime = sent
	k, ok := ParseListKey(r.ListKey().String())
	if !ok || !k.Time.Equal(sent) || k.ID != id {
		t.Errorf("sent: %q read back as %+v %v", r.ListKey().String(), k, ok)
	}
	for _, s := range []string{"", id, "x|" + id, "1|x", "+1|" + id, "01|" + id, "1" + id, "-9223372036854775808|" + id, "9223372036854775807|" + id} {
		if _, ok := ParseListKey(s); ok {
			t.Errorf("%q read as a key", s)
		}
	}
}
