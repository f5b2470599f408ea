package adapters

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/services/referrals/internal/domain"
)

// TestOverdueAgreesAtTheDueInstant: the overdue sweep (referral.overdue),
// the list's overdue filter and the referral's own overdue field agree at
// every instant around a due time, to the nanosecond the clock reads and
// the microsecond PostgreSQL stores: due_time is the last instant still on
// time, a referral is overdue from the next microsecond on. Before, the
// sweep emitted referral.overdue at the due instant itself (due_time <=
// now) while the list and the field still called it on time (due_time <
// now, now.After), and within the due time's microsecond the field read
// overdue (nanoseconds later) while the list did not.
func TestOverdueAgreesAtTheDueInstant(t *testing.T) {
	ctx := context.Background()
	pool := migratedPool(ctx, t)
	p := NewPostgres(pool)
	from, to := ids.New(), ids.New()
	if _, err := pool.Exec(ctx, `INSERT INTO organisations (id, name, kind, created_by)
		VALUES ($1, 'Sender', 'ngo', $1), ($2, 'Receiver', 'ngo', $2)`, from, to); err != nil {
		t.Fatal(err)
	}
	due := time.Date(2026, 3, 2, 9, 0, 0, 123456000, time.UTC)
	for _, c := range []struct {
		name string
		now  time.Time
		want bool
	}{
		{"a microsecond before", due.Add(-time.Microsecond), false},
		{"at the due instant", due, false},
		{"nanoseconds after, in the same microsecond", due.Add(999 * time.Nanosecond), false},
		{"a microsecond after", due.Add(time.Microsecond), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			id := ids.New()
			if _, err := pool.Exec(ctx, `INSERT INTO referrals (id, beneficiary_id, from_organisation_id, to_organisation_id, category, urgency, status, due_time, send_time)
				VALUES ($1, $2, $3, $4, 'legal', 'emergency', 'sent', $5, $5::timestamptz - interval '1 day')`, id, ids.New(), from, to, due); err != nil {
				t.Fatal(err)
			}
			defer func() {
				if _, err := pool.Exec(ctx, `UPDATE referrals SET status = 'cancelled' WHERE id = $1`, id); err != nil {
					t.Fatal(err)
				}
			}()
			r, err := p.GetReferral(ctx, from, id)
			if err != nil {
				t.Fatal(err)
			}
			field := r.Overdue(c.now)
			page, err := pagination.Parse(50, "", pagination.UUIDKey, from, "")
			if err != nil {
				t.Fatal(err)
			}
			listed, err := p.ListReferrals(ctx, from, domain.ReferralFilter{Overdue: domain.OverdueOnly}, c.now, page)
			if err != nil {
				t.Fatal(err)
			}
			notListed, err := p.ListReferrals(ctx, from, domain.ReferralFilter{Overdue: domain.NotOverdue}, c.now, page)
			if err != nil {
				t.Fatal(err)
			}
			marked, err := p.MarkOverdue(ctx, c.now, 10, func(r *domain.Referral) events.Event {
				return events.Event{Type: events.ReferralOverdue, AggregateType: events.AggregateReferral, AggregateID: r.ID, OrganisationIDs: []string{from}}
			})
			if err != nil {
				t.Fatal(err)
			}
			has := func(rows []*domain.Referral) bool {
				return slices.ContainsFunc(rows, func(r *domain.Referral) bool { return r.ID == id })
			}
			got := map[string]bool{"overdue field": field, "?overdue=true": has(listed),
				"not in ?overdue=false": !has(notListed), "referral.overdue": has(marked)}
			for what, g := range got {
				if g != c.want {
					t.Errorf("%s at due%+v: %v, want %v", what, c.now.Sub(due), g, c.want)
				}
			}
		})
	}
}
