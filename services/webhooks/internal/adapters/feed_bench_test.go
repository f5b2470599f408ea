package adapters

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/services/webhooks/internal/app"
	"github.com/spona/spona/services/webhooks/internal/domain"
)

// BenchmarkChangeFeed measures one page (100) of GET /v1/events for one of
// 20 organisations on a feed of 100,000 changes over 30 days (one in seven
// applied ten minutes late): after a cursor (the organisation's position a
// day ago), and from a start_time a day and 29 days ago (the index lookup
// of migration 00011, then the same page).
func BenchmarkChangeFeed(b *testing.B) {
	ctx := context.Background()
	pool, repo := benchRepo(b)
	if _, err := pool.Exec(ctx, `WITH orgs AS (SELECT i, md5(i::text)::uuid AS id FROM generate_series(0, 19) i)
		INSERT INTO changes (organisation_id, event_id, type, event_time, data, create_time)
		SELECT (SELECT id FROM orgs WHERE orgs.i = g % 20), md5('e' || g)::uuid, 'referral.received',
			now() - interval '30 days' + g * interval '30 days' / 100000
				- CASE WHEN g % 7 = 0 THEN interval '10 minutes' ELSE interval '0' END,
			jsonb_build_object('referral_id', md5('r' || g)::uuid, 'sequence', 1),
			now() - interval '30 days' + g * interval '30 days' / 100000
		FROM generate_series(1, 100000) g`); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "VACUUM ANALYZE changes"); err != nil { // as autovacuum would
		b.Fatal(err)
	}
	var org string
	if err := pool.QueryRow(ctx, "SELECT md5('3')::uuid::text").Scan(&org); err != nil {
		b.Fatal(err)
	}
	cursors := domain.NewCursors("bench-cursors-key")
	a, err := app.New(repo, nil, nil, app.Options{FeedRetention: 720 * time.Hour, Cursors: cursors}, slog.Default())
	if err != nil {
		b.Fatal(err)
	}
	p := auth.Principal{OrganisationID: org}
	dayAgo := time.Now().Add(-24 * time.Hour)
	first, _, err := repo.FirstChangeSince(ctx, org, dayAgo, 1<<62)
	if err != nil {
		b.Fatal(err)
	}
	monthAgo := time.Now().Add(-29 * 24 * time.Hour)
	for _, c := range []struct {
		name string
		q    app.ChangesQuery
	}{
		{"cursor", app.ChangesQuery{After: cursors.Seal(org, first-1)}},
		{"start_time=1d", app.ChangesQuery{Start: &dayAgo}},
		{"start_time=29d", app.ChangesQuery{Start: &monthAgo}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if rows, _, err := a.ListChanges(ctx, p, c.q); err != nil || len(rows) != app.DefaultChangesPage {
					b.Fatalf("%d changes: %v", len(rows), err)
				}
			}
		})
	}
}
