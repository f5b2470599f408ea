package gateway

import (
	"net/http/httptest"
	"testing"
	"time"
)

// TestBucketsEvictTheIdlest: a full table gives a newcomer the place of
// the key used longest ago; looking a key up without creating its bucket
// (a refusal check) adds nothing.
func TestBucketsEvictTheIdlest(t *testing.T) {
	now := time.Unix(1e9, 0)
	l := newBuckets(RateLimit{RPS: 0.001, Burst: 1, MaxClients: 3, IdleTTL: time.Hour})
	l.now = func() time.Time { now = now.Add(time.Second); return now }
	for _, k := range []string{"a", "b", "c"} {
		if l.reserve(k) != 0 {
			t.Fatalf("first request of %s refused", k)
		}
	}
	if l.exhausted("a") == 0 { // a is used again: b is now the idlest
		t.Fatal("a's bucket is not empty")
	}
	if l.exhausted("x") != 0 || l.exhausted("y") != 0 {
		t.Fatal("keys without a bucket are refused")
	}
	if l.reserve("d") != 0 {
		t.Fatal("a newcomer to a full table is refused")
	}
	for k, want := range map[string]bool{"a": true, "b": false, "c": true, "d": true, "x": false, "y": false} {
		if _, ok := l.table[k]; ok != want {
			t.Errorf("key %s in the table: %v, want %v", k, ok, want)
		}
	}
	if l.exhausted("b") != 0 || l.exhausted("c") == 0 {
		t.Error("the evicted key has no fresh bucket, or another lost its own")
	}
	now = now.Add(2 * time.Hour) // all idle: dropped at the next look-up
	l.exhausted("z")
	if len(l.table) != 0 || l.order.next != &l.order || l.order.prev != &l.order {
		t.Errorf("idle keys kept: %d", len(l.table))
	}
}

func TestClientAddrCountsIPv6By64(t *testing.T) {
	for addr, want := range map[string]string{
		"192.0.2.7:1234":             "192.0.2.7",
		"[2001:db8:1:2:3:4:5:6]:443": "2001:db8:1:2::/64",
		"[2001:db8:1:2::9]:443":      "2001:db8:1:2::/64",
		"[::ffff:192.0.2.7]:80":      "192.0.2.7",
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = addr
		if got := clientAddr(r); got != want {
			t.Errorf("clientAddr(%s) = %s, want %s", addr, got, want)
		}
	}
}
