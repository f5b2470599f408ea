package app

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/etag"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/testkit/statustest"
	"github.com/spona/spona/services/reporting/internal/domain"
)

// Use-case tests of UpdateProject and DeleteProject: only the implementing
// organisation changes a project (partners and donors read it), the etag,
// the mask and the event, against a small fake of the ProjectStore (the
// PostgreSQL scenario tests in service/ stay).

const (
	implementer = "0190d000-0000-7000-8000-00000000000a"
	donor       = "0190d000-0000-7000-8000-00000000000b"
	outsider    = "0190d000-0000-7000-8000-00000000000c"
	projectID   = "0190d000-0000-7000-8000-000000000001"
)

// projectStore fakes the ProjectStore methods these use cases call;
// anything else panics on the nil embedded interface.
type projectStore struct {
	Repository
	row     domain.Project
	gone    bool
	saved   int
	emitted []events.Event
}

func (s *projectStore) GetProject(_ context.Context, viewer, id string) (*domain.Project, error) {
	if s.gone || id != s.row.ID || !slices.Contains(s.row.Readers(), viewer) {
		return nil, errs.NotFound("project", id)
	}
	p := s.row
	return &p, nil
}

func (s *projectStore) UpdateProject(_ context.Context, p *domain.Project, version int64, _ domain.Change, evs ...events.Event) (*domain.Project, error) {
	if version != s.row.Version {
		return nil, etag.Mismatch()
	}
	s.row = *p
	s.row.Version++
	s.saved++
	s.emitted = append(s.emitted, evs...)
	out := s.row
	return &out, nil
}

func (s *projectStore) DeleteProject(_ context.Context, _ string, version int64, _ domain.Change, _ domain.Change, _ events.Event, _ ...events.Event) error {
	if version != 0 && version != s.row.Version {
		return etag.Mismatch()
	}
	s.gone = true
	return nil
}

func project() domain.Project {
	day := func(y int) date.Date { return date.Of(time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)) }
	return domain.Project{ID: projectID, Code: "SP-1", Titles: []domain.Narrative{{Lang: "en", Text: "Safe passage"}},
		ImplementingOrganisationID: implementer, Participants: []domain.ParticipatingOrg{{OrganisationID: donor, Role: domain.RoleFunding, Names: []domain.Narrative{{Lang: "en", Text: "Fund"}}}},
		PlannedStart: day(2026), PlannedEnd: day(2027), Status: 2, Countries: []string{"RS"}, Sectors: []string{"15160"}, Version: 5}
}

func TestUpdateProjectUseCase(t *testing.T) {
	t.Parallel()
	current := etag.Of(5)
	tests := []struct {
		name       string
		by         string
		patch      domain.Project
		tag        string
		paths      []string
		kind       errs.Kind // 0: no error
		reason     string
		violations []string
		threshold  int // stored afterwards
	}{
		{name: "implementer raises the threshold", by: implementer, patch: domain.Project{SuppressionThreshold: 8}, tag: current,
			paths: []string{"suppression_threshold"}, threshold: 8},
		{name: "a donor reads but does not change", by: donor, patch: domain.Project{SuppressionThreshold: 3}, tag: current,
			paths: []string{"suppression_threshold"}, kind: errs.KindPermissionDenied},
		{name: "an outsider sees no such project", by: outsider, patch: domain.Project{SuppressionThreshold: 3}, tag: current,
			paths: []string{"suppression_threshold"}, kind: errs.KindNotFound},
		{name: "no etag", by: implementer, patch: domain.Project{SuppressionThreshold: 8}, paths: []string{"suppression_threshold"},
			kind: errs.KindAborted, reason: etag.ReasonRequired, violations: []string{"project.etag"}},
		{name: "stale etag", by: implementer, patch: domain.Project{SuppressionThreshold: 8}, tag: etag.Of(4), paths: []string{"suppression_threshold"},
			kind: errs.KindAborted, reason: etag.ReasonMismatch},
		{name: "below the floor is invalid whatever the etag", by: implementer, patch: domain.Project{SuppressionThreshold: 2},
			paths: []string{"suppression_threshold"}, kind: errs.KindInvalidArgument, violations: []string{"project.suppression_threshold"}},
		{name: "the implementer is not changed by a mask", by: implementer, tag: current, paths: []string{"implementing_organisation_id"},
			kind: errs.KindInvalidArgument, violations: []string{"update_mask.paths[0]"}},
		{name: "mask naming nothing", by: implementer, tag: current, paths: []string{"id", "etag"},
			kind: errs.KindInvalidArgument, violations: []string{"update_mask"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store := &projectStore{row: project()}
			a := New(store, nil, nil)
			a.now = func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) }
			patch := tt.patch
			patch.ID = projectID

			out, err := a.UpdateProject(context.Background(), auth.Principal{OrganisationID: tt.by}, &patch, tt.tag, tt.paths)

			if tt.kind != 0 {
				statustest.WantError(t, err, tt.kind, tt.reason, tt.violations)
				if store.saved != 0 || len(store.emitted) != 0 {
					t.Errorf("a refused update was stored (%d) or announced (%v)", store.saved, store.emitted)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if store.saved != 1 || out.Version != 6 || out.SuppressionThreshold != tt.threshold || out.Code != "SP-1" {
				t.Errorf("saved %d, returned %+v", store.saved, out)
			}
			var fields []string
			if len(store.emitted) == 1 {
				fields, _ = store.emitted[0].Data["fields"].([]string)
			}
			if len(store.emitted) != 1 || store.emitted[0].Type != events.ProjectUpdated || !slices.Equal(fields, tt.paths) ||
				!slices.Equal(store.emitted[0].OrganisationIDs, []string{implementer, donor}) {
				t.Errorf("events %+v, want one %s naming %v for its readers", store.emitted, events.ProjectUpdated, tt.paths)
			}
		})
	}
}

func TestDeleteProjectUseCase(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		by   string
		tag  string
		kind errs.Kind // 0: deleted
	}{
		{"implementer without an etag", implementer, "", 0},
		{"implementer with the current etag", implementer, etag.Of(5), 0},
		{"implementer with a stale etag", implementer, etag.Of(4), errs.KindAborted},
		{"a donor may not", donor, etag.Of(5), errs.KindPermissionDenied},
		{"an outsider sees nothing", outsider, "", errs.KindNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store := &projectStore{row: project()}
			err := New(store, nil, nil).DeleteProject(context.Background(), auth.Principal{OrganisationID: tt.by}, projectID, tt.tag)
			if errs.KindOf(err) != tt.kind && !(tt.kind == 0 && err == nil) {
				t.Fatalf("got %v, want kind %v", err, tt.kind)
			}
			if store.gone != (tt.kind == 0) {
				t.Errorf("deleted: %v", store.gone)
			}
		})
	}
}
