package adapters

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/services/referrals/internal/domain"
)

// TestFilteredListsReadOnlyTheirRows: a page of GET /v1/referrals filtered
// by status or overdue (the receiver's inbox of referrals still sent, the
// sender's drafts, what is past due) reads the referrals it returns, not
// every referral of the organisation to find the few that match. Before,
// the only indexes were by organisation, so a social-welfare centre with
// years of closed referrals read all of them for each look at its inbox
// (100 000 incoming referrals: 0.6-2 s a page here, for none found).
// Lists are in sending order since migration 00035: every page, the
// first and later ones, still an ordered index scan.
func TestFilteredListsReadOnlyTheirRows(t *testing.T) {
	ctx := context.Background()
	pool := migratedPool(ctx, t)
	centre, ngo, other := ids.New(), ids.New(), ids.New()
	if _, err := pool.Exec(ctx, `INSERT INTO organisations (id, name, kind, created_by)
		VALUES ($1, 'Centre', 'government', $1), ($2, 'NGO', 'ngo', $2), ($3, 'Other', 'ngo', $3)`, centre, ngo, other); err != nil {
		t.Fatal(err)
	}
	// Years of referrals each way, nearly all closed long ago; a few
	// still sent (one of them past due), a few drafts.
	if _, err := pool.Exec(ctx, `INSERT INTO referrals (id, beneficiary_id, from_organisation_id, to_organisation_id, category, urgency, status, due_time, send_time)
		SELECT gen_random_uuid(), gen_random_uuid(), CASE WHEN g % 2 = 0 THEN $1::uuid ELSE $2::uuid END, CASE WHEN g % 2 = 0 THEN $2::uuid ELSE $1::uuid END,
			'legal', 'normal', CASE WHEN g % 3 = 0 THEN 'declined' ELSE 'completed' END, now() - interval '1 year', now() - interval '1 year'
		FROM generate_series(1, 20000) g`, ngo, centre); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO referrals (id, beneficiary_id, from_organisation_id, to_organisation_id, category, urgency, status, due_time, send_time)
		SELECT gen_random_uuid(), gen_random_uuid(), $1, $2, 'legal', 'normal', s, now() + CASE WHEN g = 1 THEN interval '-1 day' ELSE interval '1 day' END,
			CASE WHEN s = 'draft' THEN NULL ELSE now() END
		FROM generate_series(1, 3) g, unnest(ARRAY['sent', 'draft']) s`, ngo, centre); err != nil {
		t.Fatal(err)
	}
	// Another organisation's referrals under way: accepted and in progress
	// ones not yet due, half of those still sent past due long ago (left
	// unanswered).
	if _, err := pool.Exec(ctx, `INSERT INTO referrals (id, beneficiary_id, from_organisation_id, to_organisation_id, category, urgency, status, due_time, send_time)
		SELECT gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), $1, 'legal', 'normal', (ARRAY['sent', 'accepted', 'in_progress'])[1 + g % 3],
			now() + CASE WHEN g % 6 = 0 THEN interval '-30 days' ELSE interval '5 days' END, now() - interval '5 days'
		FROM generate_series(1, 6000) g`, other); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `ANALYZE referrals`); err != nil {
		t.Fatal(err)
	}
	page, err := pagination.Parse(50, "", pagination.UUIDKey, centre, "")
	if err != nil {
		t.Fatal(err)
	}
	// A later page: after a position deep in the closed referrals (sent
	// a year ago), reached through the index, not by reading the newer.
	var deep domain.ListKey
	if err := pool.QueryRow(ctx, `SELECT `+listTime+`, id::text FROM referrals WHERE to_organisation_id = $1 ORDER BY `+listOrder+` OFFSET 5000 LIMIT 1`,
		centre).Scan(&deep.Time, &deep.ID); err != nil {
		t.Fatal(err)
	}
	later := page
	later.After = deep.String()
	now := time.Now()
	for _, c := range []struct {
		name   string
		viewer string
		f      domain.ReferralFilter
		want   int
		max    int // rows it may read; 0: three pages
		page   *pagination.Page
	}{
		{"the receiver's referrals still sent", centre, domain.ReferralFilter{Direction: domain.Incoming, Status: domain.StatusSent}, 3, 0, nil},
		{"the sender's drafts", ngo, domain.ReferralFilter{Direction: domain.Outgoing, Status: domain.StatusDraft}, 3, 0, nil},
		{"referrals in progress, either way", centre, domain.ReferralFilter{Status: domain.StatusInProgress}, 0, 0, nil},
		{"incoming past due", centre, domain.ReferralFilter{Direction: domain.Incoming, Overdue: domain.OverdueOnly}, 1, 0, nil},
		{"outgoing past due", ngo, domain.ReferralFilter{Direction: domain.Outgoing, Overdue: domain.OverdueOnly}, 1, 0, nil},
		{"past due, either way", centre, domain.ReferralFilter{Overdue: domain.OverdueOnly}, 1, 0, nil},
		// One referral under way in six is past due: its open referrals
		// until a page of those, not every accepted one (none past due).
		{"past due, of many under way", other, domain.ReferralFilter{Direction: domain.Incoming, Overdue: domain.OverdueOnly}, 51, 600, nil},
		// Unchanged: the newest of each side.
		{"every referral, either way", centre, domain.ReferralFilter{}, 51, 0, nil},
		{"not past due, incoming", centre, domain.ReferralFilter{Direction: domain.Incoming, Overdue: domain.NotOverdue}, 51, 0, nil},
		// Ordered by sending time (migration 00035), a later page too.
		{"a later page, either way", centre, domain.ReferralFilter{}, 51, 0, &later},
		{"a later page, incoming", centre, domain.ReferralFilter{Direction: domain.Incoming}, 51, 0, &later},
		{"a later page of the declined, incoming", centre, domain.ReferralFilter{Direction: domain.Incoming, Status: domain.StatusDeclined}, 51, 0, &later},
	} {
		p := page
		if c.page != nil {
			p = *c.page
		}
		sql, args := listReferrals(c.viewer, c.f, now, p)
		var plan []struct{ Plan planNode }
		var raw []byte
		if err := pool.QueryRow(ctx, `EXPLAIN (ANALYZE, FORMAT JSON) `+sql, args...).Scan(&raw); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if err := json.Unmarshal(raw, &plan); err != nil {
			t.Fatal(err)
		}
		got, read := plan[0].Plan.ActualRows, plan[0].Plan.read()
		if got != c.want {
			t.Errorf("%s: %d rows, want %d", c.name, got, c.want)
		}
		// About what it returns (a page from each side at most): not the
		// 10 000 closed referrals of the organisation.
		if c.max == 0 {
			c.max = 3 * page.Limit()
		}
		if read > c.max {
			t.Errorf("%s read %d referrals to return %d: %s", c.name, read, got, raw)
		}
	}
}

// planNode is a node of EXPLAIN (ANALYZE, FORMAT JSON).
type planNode struct {
	NodeType       string     `json:"Node Type"`
	ActualRows     int        `json:"Actual Rows"`
	ActualLoops    int        `json:"Actual Loops"`
	RemovedFilter  int        `json:"Rows Removed by Filter"`
	RemovedRecheck int        `json:"Rows Removed by Index Recheck"`
	Plans          []planNode `json:"Plans"`
}

// read is how many rows the plan's scans of the table read: the rows they
// passed on and those their filters threw away.
func (n planNode) read() int {
	total := 0
	switch n.NodeType {
	case "Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan":
		total = (n.ActualRows+n.RemovedFilter)*max(n.ActualLoops, 1) + n.RemovedRecheck
	}
	for _, c := range n.Plans {
		total += c.read()
	}
	return total
}
