package app

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/services/reporting/internal/domain"
)

// TestAuditPagesListEveryRecordOnce: paging through two audit tables whose
// numbers do not follow their times (a transaction that began earlier
// inserted later) lists every record once, each table's in its order, in
// pages of every size.
func TestAuditPagesListEveryRecordOnce(t *testing.T) {
	at := func(min int) time.Time { return time.Date(2026, 12, 7, 10, min, 0, 0, time.UTC) }
	ev := func(id int64, min int, action string) domain.AuditEvent {
		return domain.AuditEvent{ID: id, Time: at(min), Change: domain.Change{Action: action}}
	}
	// Highest number first, as the store answers.
	projects := []domain.AuditEvent{ev(3, 9, "p3"), ev(2, 1, "p2"), ev(1, 5, "p1")}
	indicators := []domain.AuditEvent{ev(5, 8, "i5"), ev(4, 9, "i4"), ev(3, 2, "i3"), ev(2, 6, "i2"), ev(1, 0, "i1")}
	below := func(rows []domain.AuditEvent, before int64, limit int) []domain.AuditEvent {
		var out []domain.AuditEvent
		for _, r := range rows {
			if (before == 0 || r.ID < before) && len(out) < limit {
				out = append(out, r)
			}
		}
		return out
	}
	want := []string{"p3", "i5", "i4", "i3", "i2", "p2", "p1", "i1"}
	for size := int32(1); size <= 9; size++ {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			var got []string
			token := ""
			for pages := 0; pages < 20; pages++ {
				page, err := pagination.Parse(size, token, auditKey, "org", "q")
				if err != nil {
					t.Fatal(err)
				}
				q := AuditQuery{Limit: page.Limit()}
				q.BeforeProject, q.BeforeIndicator, _ = parseAuditKey(page.After)
				rows, next := pagination.Next(page, mergeAudit(below(projects, q.BeforeProject, q.Limit),
					below(indicators, q.BeforeIndicator, q.Limit), q), func(r auditRow) string { return r.key })
				for _, r := range rows {
					got = append(got, r.Action)
				}
				if token = next; token == "" {
					break
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%q, want %q", got, want)
			}
		})
	}
	for _, key := range []string{"", "1", "1.", ".1", "-1.2", "1.2.3", "a.b", "99999999999999999999.1"} {
		if auditKey(key) {
			t.Errorf("auditKey(%q) accepted", key)
		}
	}
	if !auditKey("0.7") || !auditKey("12.0") {
		t.Error("auditKey refuses its own keys")
	}
}
