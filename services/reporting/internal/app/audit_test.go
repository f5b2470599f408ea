package app

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/pkg/testkit/statustest"
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

// auditStore fakes ListAudit: the project as the viewer may read it, and
// records (one of each kind) whoever asks: the use case, not the store's
// own condition, must keep them from a reader who does not implement the
// project.
type auditStore struct {
	projectStore
	asked []AuditQuery
}

func (s *auditStore) ListAudit(ctx context.Context, q AuditQuery) (*domain.Project, []domain.AuditEvent, []domain.AuditEvent, error) {
	s.asked = append(s.asked, q)
	pr, err := s.GetProject(ctx, q.Viewer, q.ProjectID)
	if err != nil {
		return nil, nil, nil, err
	}
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	return pr, []domain.AuditEvent{{ID: 1, Time: at, Change: domain.Change{Action: "project.update"}}},
		[]domain.AuditEvent{{ID: 1, Time: at.Add(-time.Minute), Change: domain.Change{Action: "value.correct"}}}, nil
}

// TestListProjectAuditEventsUseCase: the implementing organisation reads a
// project's audit in one call of the store, which asks as it; a partner
// or funder reading the project is refused (PERMISSION_DENIED) and an
// organisation not reading it is told there is no such project
// (NOT_FOUND), each with no records, whatever the store answered; a
// malformed project id is a field violation without a call.
func TestListProjectAuditEventsUseCase(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, by, project string
		kind              errs.Kind // 0: listed
		violations        []string
	}{
		{"the implementer", implementer, projectID, 0, nil},
		{"its funder", donor, projectID, errs.KindPermissionDenied, nil},
		{"an outsider", outsider, projectID, errs.KindNotFound, nil},
		{"a malformed id", implementer, "SP-1", errs.KindInvalidArgument, []string{"project_id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store := &auditStore{projectStore: projectStore{row: project()}}
			rows, _, err := New(store, nil, nil).ListProjectAuditEvents(context.Background(), auth.Principal{OrganisationID: tt.by},
				tt.project, "", time.Time{}, time.Time{}, 10, "")
			if tt.kind != 0 {
				statustest.WantError(t, err, tt.kind, "", tt.violations)
				if len(rows) != 0 {
					t.Errorf("records %v with the refusal", rows)
				}
				if calls := len(store.asked); calls != map[bool]int{true: 0, false: 1}[tt.violations != nil] {
					t.Errorf("%d calls of the store", calls)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 2 || len(store.asked) != 1 || store.asked[0].Viewer != tt.by || store.asked[0].ProjectID != projectID {
				t.Errorf("records %v from the calls %+v", rows, store.asked)
			}
		})
	}
}
