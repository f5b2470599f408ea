package app

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/services/webhooks/internal/domain"
)

// TestRotationRetryWithinTheOverlap: a rotation sent again with its
// request id (Idempotency-Key) while the edge keeps no copy of its answer
// is answered with the secret it made, and rotates nothing more; but a
// key is a retry only for as long as one is kept (the edge keeps its
// records IDEMPOTENCY_TTL, 24 h, as long as the old secret's overlap).
// Sent after that, it is a new rotation, as any other write with an
// expired key: before, it returned the current secret without rotating,
// for ever, so a partner rotating a leaked secret with a key it had used
// before kept the leaked one and was not told.
func TestRotationRetryWithinTheOverlap(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	store := &subscriptions{row: domain.Subscription{ID: hookID, OrganisationID: ownerOrg, URL: "https://partner.example/hook",
		EventTypes: []string{domain.TypeReferralReceived}, Secret: "whsec_old", State: domain.StateActive, Version: 2}}
	a, err := New(store, nil, &targets{}, Options{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	clock := now
	a.SetClock(func() time.Time { return clock })
	owner := auth.Principal{OrganisationID: ownerOrg}
	rotate := func() string {
		t.Helper()
		out, err := a.RotateSecret(context.Background(), owner, hookID, "client/rotate-1")
		if err != nil {
			t.Fatal(err)
		}
		return out.Secret
	}

	first := rotate()
	if first == "whsec_old" || store.saved != 1 {
		t.Fatalf("rotation: secret %q, %d saved", first, store.saved)
	}
	clock = now.Add(time.Hour)
	if again := rotate(); again != first || store.saved != 1 {
		t.Fatalf("retry within the overlap: secret %q (first %q), %d saved; want the first answer, no rotation", again, first, store.saved)
	}
	clock = now.Add(domain.SecretOverlap + time.Minute)
	if later := rotate(); later == first || store.saved != 2 {
		t.Errorf("the key sent again after the overlap: secret %q (first %q), %d saved; want a new rotation", later, first, store.saved)
	}
}
