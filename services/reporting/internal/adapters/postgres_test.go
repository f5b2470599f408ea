package adapters

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/services/reporting/internal/app"
	"github.com/spona/spona/services/reporting/internal/domain"
	"github.com/spona/spona/services/reporting/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestListsReadOnlyWhatTheViewerMay: the lists that read a project and a
// page of what it holds in one round trip read the page only as far as
// the viewer may: the audit records only for the implementing
// organisation (a funder gets the project, to be refused by the use case,
// and no records: they are not read for it), the indicators for every
// reader; an organisation not reading the project gets errs.NotFound.
func TestListsReadOnlyWhatTheViewerMay(t *testing.T) {
	ctx := context.Background()
	pool, err := db.Open(ctx, pgtest.NewDatabase(t), "reporting", 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := db.Migrate(ctx, pool, "reporting", migrations.FS, slog.Default()); err != nil {
		t.Fatal(err)
	}
	repo := NewPostgres(pool)
	implementer, funder, outsider := ids.New(), ids.New(), ids.New()
	day := func(y int) date.Date { return date.Of(time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)) }
	pr, err := repo.CreateProject(ctx, &domain.Project{ID: ids.New(), ImplementingOrganisationID: implementer, Code: "SP-1",
		Titles: []domain.Narrative{{Lang: "en", Text: "Safe passage"}}, PlannedStart: day(2026), PlannedEnd: day(2027),
		Participants: []domain.ParticipatingOrg{{OrganisationID: funder, Role: domain.RoleFunding, Names: []domain.Narrative{{Text: "Fund"}}}},
		Sectors:      []string{"15160"}, SuppressionThreshold: 5}, "", domain.Change{Action: domain.ActionProjectCreate, ActorOrganisationID: implementer})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := repo.CreateIndicator(ctx, &domain.Indicator{ID: ids.New(), ProjectID: pr.ID, Code: "OP1",
		Titles: []domain.Narrative{{Text: "Workshops"}}, Unit: "workshops", Level: "output", Metric: domain.MetricManual, Measure: domain.MeasureCount}, "",
		domain.Change{Action: domain.ActionIndicatorCreate, ActorOrganisationID: implementer}); err != nil {
		t.Fatal(err)
	}
	q := app.AuditQuery{ProjectID: pr.ID, Limit: 10}
	for _, c := range []struct {
		name, viewer string
		records      int // project and indicator records; -1: not found
		indicators   int
	}{
		{"the implementer", implementer, 2, 1},
		{"its funder", funder, 0, 1},
		{"an outsider", outsider, -1, -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			q.Viewer = c.viewer
			got, ps, is, err := repo.ListAudit(ctx, q)
			switch {
			case c.records < 0 && (errs.KindOf(err) != errs.KindNotFound || got != nil || len(ps)+len(is) != 0):
				t.Errorf("audit: %v, %d records, %v; want not found", got, len(ps)+len(is), err)
			case c.records >= 0 && (err != nil || got.ID != pr.ID || len(ps)+len(is) != c.records):
				t.Errorf("audit: project %v, %d records, %v; want %d", got, len(ps)+len(is), err, c.records)
			}
			got, ins, err := repo.ListIndicators(ctx, c.viewer, pr.ID, pagination.Page{Size: 10})
			switch {
			case c.indicators < 0 && (errs.KindOf(err) != errs.KindNotFound || got != nil || len(ins) != 0):
				t.Errorf("indicators: %v, %d, %v; want not found", got, len(ins), err)
			case c.indicators >= 0 && (err != nil || got.ID != pr.ID || len(ins) != c.indicators):
				t.Errorf("indicators: project %v, %d, %v; want %d", got, len(ins), err, c.indicators)
			}
		})
	}
}
