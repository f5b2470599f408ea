// Package app holds the trainings use cases. It enforces who may see what
// and delegates storage to a Repository.
package app

import (
	"context"

	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/services/trainings/internal/domain"
)

// Repository stores training events and participants. Event reads take the
// viewing organisation and return only events it organises; an event it may
// not see is reported as not found.
type Repository interface {
	CreateTrainingEvent(ctx context.Context, e *domain.TrainingEvent, requestID string) (*domain.TrainingEvent, error)
	GetTrainingEvent(ctx context.Context, viewer, id string) (*domain.TrainingEvent, error)
	ListTrainingEvents(ctx context.Context, viewer string, f domain.EventFilter, p pagination.Page) ([]*domain.TrainingEvent, error)
	// CreateParticipant registers p at its event. A professional is matched
	// to (or becomes) a professional of organiser, which p.ProfessionalID
	// then names.
	CreateParticipant(ctx context.Context, organiser string, p *domain.Participant, requestID string) (*domain.Participant, error)
	ListParticipants(ctx context.Context, eventID string, p pagination.Page) ([]*domain.Participant, error)
	CountTrainedProfessionals(ctx context.Context, q aggregate.Query) (aggregate.Aggregate, error)
}

// App is the trainings application.
type App struct {
	repo Repository
}

// New returns the application over repo.
func New(repo Repository) *App { return &App{repo: repo} }

// CreateTrainingEvent records an event organised by the caller's organisation.
func (a *App) CreateTrainingEvent(ctx context.Context, p auth.Principal, e *domain.TrainingEvent, requestID string) (*domain.TrainingEvent, error) {
	e.Normalize()
	if err := e.Validate(); err != nil {
		return nil, err
	}
	e.ID = ids.New()
	e.OrganiserOrganisationID = p.OrganisationID
	return a.repo.CreateTrainingEvent(ctx, e, requestID)
}

// GetTrainingEvent returns an event the caller organises.
func (a *App) GetTrainingEvent(ctx context.Context, p auth.Principal, id string) (*domain.TrainingEvent, error) {
	if err := ids.Check("id", id); err != nil {
		return nil, err
	}
	return a.repo.GetTrainingEvent(ctx, p.OrganisationID, ids.Normalize(id))
}

// ListTrainingEvents lists the events the caller organises, newest first.
func (a *App) ListTrainingEvents(ctx context.Context, p auth.Principal, f domain.EventFilter, size int32, token string) ([]*domain.TrainingEvent, string, error) {
	f.Normalize()
	if err := f.Validate(); err != nil {
		return nil, "", err
	}
	page, err := pagination.Parse(size, token, pagination.Fingerprint(f.ProjectID, f.Type))
	if err != nil {
		return nil, "", err
	}
	rows, err := a.repo.ListTrainingEvents(ctx, p.OrganisationID, f, page)
	if err != nil {
		return nil, "", err
	}
	rows, next := pagination.Next(page, rows, func(e *domain.TrainingEvent) string { return e.ID })
	return rows, next, nil
}

// CreateParticipant registers a participant at an event the caller organises.
func (a *App) CreateParticipant(ctx context.Context, p auth.Principal, eventID string, part *domain.Participant, requestID string) (*domain.Participant, error) {
	if err := ids.Check("event_id", eventID); err != nil {
		return nil, err
	}
	part.Normalize()
	if err := part.Validate(); err != nil {
		return nil, err
	}
	e, err := a.repo.GetTrainingEvent(ctx, p.OrganisationID, ids.Normalize(eventID))
	if err != nil {
		return nil, err
	}
	part.ID = ids.New()
	part.EventID = e.ID
	return a.repo.CreateParticipant(ctx, e.OrganiserOrganisationID, part, requestID)
}

// ListParticipants lists the participants of an event the caller organises,
// newest first.
func (a *App) ListParticipants(ctx context.Context, p auth.Principal, eventID string, size int32, token string) ([]*domain.Participant, string, error) {
	if err := ids.Check("event_id", eventID); err != nil {
		return nil, "", err
	}
	id := ids.Normalize(eventID)
	page, err := pagination.Parse(size, token, pagination.Fingerprint(id))
	if err != nil {
		return nil, "", err
	}
	if _, err := a.repo.GetTrainingEvent(ctx, p.OrganisationID, id); err != nil {
		return nil, "", err
	}
	rows, err := a.repo.ListParticipants(ctx, id, page)
	if err != nil {
		return nil, "", err
	}
	rows, next := pagination.Next(page, rows, func(x *domain.Participant) string { return x.ID })
	return rows, next, nil
}

// CountTrainedProfessionals counts unique professionals trained under a
// project, across all organisers. It returns counts only, never personal
// data.
func (a *App) CountTrainedProfessionals(ctx context.Context, q aggregate.Query) (aggregate.Aggregate, error) {
	return a.repo.CountTrainedProfessionals(ctx, q)
}
