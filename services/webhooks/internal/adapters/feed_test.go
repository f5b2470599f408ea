package adapters

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/services/webhooks/internal/app"
	"github.com/spona/spona/services/webhooks/internal/domain"
)

// pruneAfterBounds is the repository with the hourly prune committing
// right after the change feed's first FeedBounds: the moment between the
// bounds check and the page read, made deterministic.
type pruneAfterBounds struct {
	*Postgres
	before time.Time
	done   bool
	err    error
}

func (r *pruneAfterBounds) FeedBounds(ctx context.Context) (int64, int64, error) {
	pruned, last, err := r.Postgres.FeedBounds(ctx)
	if !r.done {
		r.done = true
		// Its own connection, committed before the page is read.
		r.err = r.Postgres.Prune(context.WithoutCancel(context.Background()), r.before, time.Time{})
	}
	return pruned, last, err
}

// TestFeedPageAgreesWithItsBounds: a partner reading the change feed with
// a cursor at the retention edge while the prune deletes the changes after
// it gets either those changes or CURSOR_EXPIRED, never a page that skips
// them. Before, the bounds and the page were two statements outside one
// snapshot: the prune committing between them let the cursor pass the
// check (pruned through 0) and the page read on from the first change
// left, so changes 3 and 4 were skipped without a word.
func TestFeedPageAgreesWithItsBounds(t *testing.T) {
	ctx := context.Background()
	pool, repo := benchRepo(t)
	org := ids.New()
	a0, err := app.New(repo, nil, nil, app.Options{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	queueReferrals(t, pool, a0, org, 4) // changes 1-4, past the retention below
	queueReferrals(t, pool, a0, org, 1) // change 5, within it
	if _, err := pool.Exec(ctx, `UPDATE changes SET create_time = now() - interval '40 days' WHERE seq <= 4`); err != nil {
		t.Fatal(err)
	}
	racing := &pruneAfterBounds{Postgres: repo, before: time.Now().Add(-30 * 24 * time.Hour)}
	cursors := domain.NewCursors("feed-test-cursors-key")
	a, err := app.New(racing, nil, nil, app.Options{Cursors: cursors}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	partner := auth.Principal{OrganisationID: org}
	rows, next, err := a.ListChanges(ctx, partner, app.ChangesQuery{After: cursors.Seal(org, 2), Size: 10})
	if racing.err != nil || !racing.done {
		t.Fatalf("the prune did not run between the reads: %v", racing.err)
	}
	var gone int64
	if err := pool.QueryRow(ctx, `SELECT pruned_through FROM changes_retention`).Scan(&gone); err != nil || gone != 4 {
		t.Fatalf("pruned through %d (%v); want 4", gone, err)
	}
	var e *errs.Error
	switch {
	case errors.As(err, &e) && e.Kind == errs.KindOutOfRange:
		// Told the cursor is too old: it continues from the oldest cursor.
	case err != nil:
		t.Fatal(err)
	default:
		var seqs []int64
		for _, r := range rows {
			seqs = append(seqs, r.Seq)
		}
		if at, err := cursors.Open(org, next); len(seqs) != 3 || seqs[0] != 3 || seqs[2] != 5 || err != nil || at != 5 {
			t.Errorf("after cursor 2, a page read while changes 1-4 were pruned: changes %v, next %q; want 3, 4, 5 (or CURSOR_EXPIRED), not a page skipping the pruned ones", seqs, next)
		}
	}
	// Read again, after the prune: the cursor is too old.
	if _, _, err := a.ListChanges(ctx, partner, app.ChangesQuery{After: cursors.Seal(org, 2), Size: 10}); !errors.As(err, &e) || e.Kind != errs.KindOutOfRange {
		t.Errorf("after the prune, cursor 2: %v; want CURSOR_EXPIRED", err)
	}
}
