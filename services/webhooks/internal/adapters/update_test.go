package adapters

import (
	"context"
	"testing"
	"time"

	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/services/webhooks/internal/domain"
)

// TestUpdateKeepsTheRunOfFailuresRecordedMeanwhile: a PATCH (or a
// rotation) writes the subscription it read, but the run of failures is
// the dispatcher's: a success recorded between the PATCH's read and its
// write (which bumps no version) must not be undone. Before, the PATCH
// wrote back the failing_since it had read: an endpoint that had failed for
// days and just answered 200 again got its old run back, and its next
// single failure disabled it ("failing since" days ago) and dead-lettered
// everything pending. A URL PATCH checks the new host's DNS between the
// read and the write, so the window is up to seconds. Enabling a disabled
// subscription still starts a new run.
func TestUpdateKeepsTheRunOfFailuresRecordedMeanwhile(t *testing.T) {
	ctx := context.Background()
	pool, repo := benchRepo(t)
	now := time.Now().UTC().Truncate(time.Microsecond)
	s := &domain.Subscription{ID: ids.New(), OrganisationID: ids.New(), URL: "https://partner.example/hook",
		EventTypes: []string{domain.TypeReferralReceived}, Secret: domain.NewSecret(), State: domain.StateActive,
		CreateTime: now, UpdateTime: now}
	if _, err := repo.CreateSubscription(ctx, s, ""); err != nil {
		t.Fatal(err)
	}
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := pool.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	failingSince := func() *time.Time {
		t.Helper()
		var at *time.Time
		if err := pool.QueryRow(ctx, `SELECT failing_since FROM subscriptions WHERE id = $1`, s.ID).Scan(&at); err != nil {
			t.Fatal(err)
		}
		return at
	}
	exec(`UPDATE subscriptions SET failing_since = $2 WHERE id = $1`, s.ID, now.Add(-6*24*time.Hour))
	read, err := repo.GetSubscription(ctx, s.OrganisationID, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	// The dispatcher records a success (Record: failing_since cleared).
	exec(`UPDATE subscriptions SET failing_since = NULL WHERE id = $1`, s.ID)
	read.Description, read.UpdateTime = "case system", now
	if _, err := repo.UpdateSubscription(ctx, read); err != nil {
		t.Fatal(err)
	}
	if at := failingSince(); at != nil {
		t.Fatalf("after a PATCH read before a success: failing since %v again, want no run of failures", at)
	}

	// Disabled after a run of failures, then enabled: a new run.
	exec(`UPDATE subscriptions SET failing_since = $2, state = 'disabled', disabled_reason = 'failing', disable_time = $3 WHERE id = $1`,
		s.ID, now.Add(-6*24*time.Hour), now)
	read, err = repo.GetSubscription(ctx, s.OrganisationID, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	read.Enable()
	if _, err := repo.UpdateSubscription(ctx, read); err != nil {
		t.Fatal(err)
	}
	if at := failingSince(); at != nil {
		t.Fatalf("enabled: failing since %v, want a new run", at)
	}
}

// TestActiveSubscriptionHasNoDisabledCode: a subscription enabled by a
// replica from before migration 00009 (which clears the reason in words
// and the time, not the code) reads with no disabled code; disabled, it
// reads with its code. Before, it read WEBHOOK_DISABLED_REASON_FAILING
// while active.
func TestActiveSubscriptionHasNoDisabledCode(t *testing.T) {
	ctx := context.Background()
	pool, repo := benchRepo(t)
	now := time.Now().UTC().Truncate(time.Microsecond)
	s := &domain.Subscription{ID: ids.New(), OrganisationID: ids.New(), URL: "https://partner.example/hook",
		EventTypes: []string{domain.TypeReferralReceived}, Secret: domain.NewSecret(), State: domain.StateActive,
		CreateTime: now, UpdateTime: now}
	if _, err := repo.CreateSubscription(ctx, s, ""); err != nil {
		t.Fatal(err)
	}
	code := func(state string) string {
		t.Helper()
		// The old replica's enable: state and words, not the code.
		if _, err := pool.Exec(ctx, `UPDATE subscriptions SET state = $2, disabled_reason_code = 'failing',
			disabled_reason = CASE WHEN $2 = 'disabled' THEN 'failing' ELSE '' END WHERE id = $1`, s.ID, state); err != nil {
			t.Fatal(err)
		}
		got, err := repo.GetSubscription(ctx, s.OrganisationID, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.DisabledCode
	}
	if got := code(domain.StateDisabled); got != domain.DisabledFailing {
		t.Errorf("disabled: code %q, want %q", got, domain.DisabledFailing)
	}
	if got := code(domain.StateActive); got != "" {
		t.Errorf("active (enabled by an old replica): code %q, want none", got)
	}
}
