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
		if len(out.Replaced) == 0 || out.Replaced[0].Secret != "" || !out.PreviousSecretExpires().Equal(store.row.PreviousSecretExpires()) {
			t.Fatalf("answered replaced secrets %+v; want the stored expiry %v, no secret", out.Replaced, store.row.PreviousSecretExpires())
		}
		return out.Secret
	}

	first := rotate()
	if first == "whsec_old" || store.saved != 1 {
		t.Fatalf("rotation: secret %q, %d saved", first, store.saved)
	}
	clock = now.Add(time.Hour)
	if got := store.row.Secrets(clock); len(got) != 2 || got[0] != first || got[1] != "whsec_old" {
		t.Fatalf("signing with %v after the rotation, want %q and whsec_old", got, first)
	}
	if again := rotate(); again != first || store.saved != 1 {
		t.Fatalf("retry within the overlap: secret %q (first %q), %d saved; want the first answer, no rotation", again, first, store.saved)
	}
	if got := store.row.Secrets(clock); len(got) != 2 || got[1] != "whsec_old" {
		t.Fatalf("signing with %v after the retry, want whsec_old still", got)
	}
	clock = now.Add(domain.SecretOverlap + time.Minute)
	if later := rotate(); later == first || store.saved != 2 {
		t.Errorf("the key sent again after the overlap: secret %q (first %q), %d saved; want a new rotation", later, first, store.saved)
	}
}

// racingRotation is a store where another rotation commits between the
// read and the write of the first UpdateSubscription (two partners'
// administrators, or a client retrying on a timeout while the first
// request still runs).
type racingRotation struct {
	*subscriptions
	raced bool
}

func (r *racingRotation) UpdateSubscription(ctx context.Context, sub *domain.Subscription) (*domain.Subscription, error) {
	if !r.raced {
		r.raced = true
		r.row.Rotate("whsec_concurrent", "", time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
		r.row.Version++
	}
	return r.subscriptions.UpdateSubscription(ctx, sub)
}

// TestConcurrentRotationsBothSucceed: a rotation that loses the race with
// another one (or with the dispatcher disabling the webhook) is made on
// the subscription as it now is, not refused: :rotateSecret takes no etag,
// so a 409 asking the caller for a current etag left it nothing to do but
// guess. Both callers get a secret that signs: the loser's rotation
// replaces the winner's secret, which keeps signing for its overlap.
func TestConcurrentRotationsBothSucceed(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	store := &racingRotation{subscriptions: &subscriptions{row: domain.Subscription{ID: hookID, OrganisationID: ownerOrg,
		URL: "https://partner.example/hook", EventTypes: []string{domain.TypeReferralReceived}, Secret: "whsec_old",
		State: domain.StateActive, Version: 2}}}
	a, err := New(store, nil, &targets{}, Options{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	a.SetClock(func() time.Time { return now })
	out, err := a.RotateSecret(context.Background(), auth.Principal{OrganisationID: ownerOrg}, hookID, "")
	if err != nil {
		t.Fatalf("rotation racing another one: %v", err)
	}
	stored := store.row
	if out.Secret == "whsec_concurrent" || stored.Secret != out.Secret {
		t.Fatalf("answered %q, stored %q", out.Secret, stored.Secret)
	}
	if got := stored.Secrets(now.Add(time.Hour)); len(got) != 3 || got[1] != "whsec_concurrent" || got[2] != "whsec_old" {
		t.Errorf("signing secrets after both rotations: %v, want the new one, whsec_concurrent, whsec_old", got)
	}
}
