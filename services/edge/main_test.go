package main

import (
	"testing"
	"time"

	"github.com/spona/spona/services/edge/internal/keys"
)

// TestKeyState: `edge keys list` tells a key a rotation replaced (it works
// only for its overlap) from the client's current key; before, both said
// "active", and an operator revoking the client could miss the old one.
func TestKeyState(t *testing.T) {
	now := time.Now()
	later, earlier := now.Add(time.Hour), now.Add(-time.Hour)
	for _, c := range []struct {
		k    keys.Key
		want string
	}{
		{keys.Key{}, "active"},
		{keys.Key{ExpireTime: &later, ReplacedBy: "k2"}, "active, replaced by k2"},
		{keys.Key{ExpireTime: &earlier, ReplacedBy: "k2"}, "expired"},
		{keys.Key{RevokeTime: &earlier, RevokeReason: "contract ended"}, "revoked (contract ended)"},
	} {
		if got := state(&c.k, now); got != c.want {
			t.Errorf("state(%+v) = %q, want %q", c.k, got, c.want)
		}
	}
}
