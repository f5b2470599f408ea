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
	"github.com/spona/spona/services/trainings/internal/domain"
)

// Use-case tests of UpdateTrainingEvent: who may change an event, the etag,
// the mask, the project tag and the sessions' dates, against small fakes of
// the ports it uses (the PostgreSQL scenario tests in service/ stay).

const (
	organiser = "0190b000-0000-7000-8000-00000000000a"
	other     = "0190b000-0000-7000-8000-00000000000b"
	eventID   = "0190b000-0000-7000-8000-000000000001"
	projectA  = "0190b000-0000-7000-8000-0000000000a1"
	projectB  = "0190b000-0000-7000-8000-0000000000b1"
)

// eventStore fakes the part of the Repository an update uses (EventStore's
// GetTrainingEvent and UpdateTrainingEvent, SessionStore's SessionDates);
// anything else panics on the nil embedded interface.
type eventStore struct {
	Repository
	row         domain.TrainingEvent
	first, last date.Date
	saved       int
	emitted     []events.Event
}

func (s *eventStore) GetTrainingEvent(_ context.Context, viewer, id string) (*domain.TrainingEvent, error) {
	if id != s.row.ID || viewer != s.row.OrganiserOrganisationID {
		return nil, errs.NotFound("training event", id)
	}
	e := s.row
	return &e, nil
}

func (s *eventStore) InTx(ctx context.Context, fn func(context.Context) error) error { return fn(ctx) }

func (s *eventStore) LockTrainingEvent(ctx context.Context, viewer, id string, _ EventLock) (*domain.TrainingEvent, error) {
	return s.GetTrainingEvent(ctx, viewer, id)
}

func (s *eventStore) SessionDates(context.Context, string) (date.Date, date.Date, error) {
	return s.first, s.last, nil
}

func (s *eventStore) UpdateTrainingEvent(_ context.Context, e *domain.TrainingEvent, version int64) (*domain.TrainingEvent, error) {
	if version != s.row.Version {
		return nil, etag.Mismatch()
	}
	s.row = *e
	s.row.Version++
	s.saved++
	out := s.row
	return &out, nil
}

// Completions: the event has no participants (none completes it).
func (s *eventStore) Completions(context.Context, string) ([]domain.Completion, error) {
	return nil, nil
}

func (s *eventStore) LockCompletion(context.Context, string) error {
	return nil
}

// Emit keeps the events of a change.
func (s *eventStore) Emit(_ context.Context, evs ...events.Event) error {
	s.emitted = append(s.emitted, evs...)
	return nil
}

// projects fakes reporting's word on project tags: the organiser may tag
// projectA only.
type projects struct{ asked []string }

func (p *projects) CheckTag(_ context.Context, projectID string) error {
	p.asked = append(p.asked, projectID)
	if projectID != projectA {
		return errs.PermissionDenied("not a participant of project %s", projectID)
	}
	return nil
}

func TestUpdateTrainingEventUseCase(t *testing.T) {
	t.Parallel()
	day := func(d int) date.Date { return date.Of(time.Date(2026, 5, d, 0, 0, 0, 0, time.UTC)) }
	current := etag.Of(3)
	tests := []struct {
		name       string
		by         string
		patch      domain.TrainingEvent
		tag        string
		paths      []string
		project    string // stored before
		sessions   [2]int // first and last session day (0: none)
		kind       errs.Kind
		reason     string
		violations []string
		asked      []string // projects CheckTag was asked about
		title      string   // stored afterwards
		told       []string // the types of the events emitted
	}{
		{name: "organiser renames", by: organiser, patch: domain.TrainingEvent{Title: "Radionica"}, tag: current, paths: []string{"title"}, title: "Radionica"},
		{name: "star names every field", by: organiser, patch: domain.TrainingEvent{Type: "seminar", Title: "Seminar", StartDate: day(4), Country: "RS", CompletionThreshold: 75},
			tag: current, paths: []string{"*"}, title: "Seminar"},
		{name: "another organisation sees no such event", by: other, patch: domain.TrainingEvent{Title: "Mine"}, tag: current, paths: []string{"title"},
			kind: errs.KindNotFound, title: "Workshop"},
		{name: "no etag", by: organiser, patch: domain.TrainingEvent{Title: "Lost"}, paths: []string{"title"},
			kind: errs.KindAborted, reason: etag.ReasonRequired, violations: []string{"training_event.etag"}, title: "Workshop"},
		{name: "stale etag", by: organiser, patch: domain.TrainingEvent{Title: "Lost"}, tag: etag.Of(2), paths: []string{"title"},
			kind: errs.KindAborted, reason: etag.ReasonMismatch, title: "Workshop"},
		{name: "a bad change is invalid whatever its etag", by: organiser, patch: domain.TrainingEvent{}, paths: []string{"title"},
			kind: errs.KindInvalidArgument, violations: []string{"training_event.title"}, title: "Workshop"},
		{name: "read-only path", by: organiser, tag: current, paths: []string{"organiser_organisation_id"},
			kind: errs.KindInvalidArgument, violations: []string{"update_mask.paths[0]"}, title: "Workshop"},
		{name: "mask naming nothing", by: organiser, tag: current, paths: []string{"id", "etag"},
			kind: errs.KindInvalidArgument, violations: []string{"update_mask"}, title: "Workshop"},
		{name: "tagging a project the organiser takes part in", by: organiser, patch: domain.TrainingEvent{ProjectID: projectA}, tag: current,
			paths: []string{"project_id"}, asked: []string{projectA}, title: "Workshop", told: []string{events.TrainingEventProjectChanged}},
		{name: "moving from a project to another is asked of the new one and told", by: organiser, patch: domain.TrainingEvent{ProjectID: projectA},
			project: projectB, tag: current, paths: []string{"project_id"}, asked: []string{projectA}, title: "Workshop",
			told: []string{events.TrainingEventProjectChanged}},
		{name: "a move and a threshold in one update: the move told first", by: organiser,
			patch: domain.TrainingEvent{ProjectID: projectA, CompletionThreshold: 60}, project: projectB, tag: current,
			paths: []string{"project_id", "completion_threshold_percent"}, asked: []string{projectA}, title: "Workshop",
			told: []string{events.TrainingEventProjectChanged, events.TrainingEventThresholdChanged}},
		{name: "tagging a project of others is refused", by: organiser, patch: domain.TrainingEvent{ProjectID: projectB}, tag: current,
			paths: []string{"project_id"}, kind: errs.KindPermissionDenied, asked: []string{projectB}, title: "Workshop"},
		{name: "a kept project is not asked about again", by: organiser, patch: domain.TrainingEvent{Title: "Radionica"}, project: projectB, tag: current,
			paths: []string{"title"}, title: "Radionica"},
		{name: "a kept project is asked about a change its figures count by", by: organiser, patch: domain.TrainingEvent{CompletionThreshold: 10},
			project: projectB, tag: current, paths: []string{"completion_threshold_percent"}, kind: errs.KindPermissionDenied, asked: []string{projectB},
			title: "Workshop"},
		{name: "the same values sent back change no figure", by: organiser, patch: domain.TrainingEvent{ProjectID: projectB, Type: "workshop", Title: "Radionica",
			StartDate: day(4), EndDate: day(9), Country: "RS", CompletionThreshold: 75}, project: projectB, tag: current, paths: []string{"*"},
			title: "Radionica"},
		{name: "a threshold changed is told", by: organiser, patch: domain.TrainingEvent{CompletionThreshold: 60}, tag: current,
			paths: []string{"completion_threshold_percent"}, title: "Workshop", told: []string{events.TrainingEventThresholdChanged}},
		{name: "untagging asks nobody, and is told", by: organiser, project: projectB, tag: current, paths: []string{"project_id"}, title: "Workshop",
			told: []string{events.TrainingEventProjectChanged}},
		{name: "dates must keep the sessions", by: organiser, patch: domain.TrainingEvent{StartDate: day(6)}, tag: current, paths: []string{"start_date"},
			sessions: [2]int{5, 7}, kind: errs.KindInvalidArgument, violations: []string{"training_event.start_date"}, title: "Workshop"},
		{name: "dates around the sessions", by: organiser, patch: domain.TrainingEvent{StartDate: day(5), EndDate: day(8)}, tag: current,
			paths: []string{"start_date", "end_date"}, sessions: [2]int{5, 7}, title: "Workshop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store := &eventStore{row: domain.TrainingEvent{ID: eventID, OrganiserOrganisationID: organiser, ProjectID: tt.project, Type: "workshop",
				Title: "Workshop", StartDate: day(4), EndDate: day(9), Country: "RS", CompletionThreshold: 75, Version: 3}}
			if tt.sessions[0] != 0 {
				store.first, store.last = day(tt.sessions[0]), day(tt.sessions[1])
			}
			proj := &projects{}
			a := New(store, nil, proj, nil)
			patch := tt.patch
			patch.ID = eventID

			out, err := a.UpdateTrainingEvent(context.Background(), auth.Principal{OrganisationID: tt.by}, &patch, tt.tag, tt.paths)

			if tt.kind != 0 {
				statustest.WantError(t, err, tt.kind, tt.reason, tt.violations)
				if store.saved != 0 {
					t.Error("a refused update was stored")
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if n, ok := etag.Version(out.Etag()); store.saved != 1 || out.Version != 4 || !ok || n != 4 {
					t.Errorf("saved %d times, returned version %d", store.saved, out.Version)
				}
			}
			if store.row.Title != tt.title {
				t.Errorf("stored title %q, want %q", store.row.Title, tt.title)
			}
			if !slices.Equal(proj.asked, tt.asked) {
				t.Errorf("projects asked about %v, want %v", proj.asked, tt.asked)
			}
			var told []string
			for _, ev := range store.emitted {
				told = append(told, ev.Type)
				if err := events.Check(ev); err != nil {
					t.Error(err)
				}
			}
			if !slices.Equal(told, tt.told) {
				t.Errorf("events %v, want %v", told, tt.told)
			}
		})
	}
}
