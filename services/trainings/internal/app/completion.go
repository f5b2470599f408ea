package app

import (
	"context"

	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/services/trainings/internal/domain"
)

// CompletionStore tells who completes an event.
type CompletionStore interface {
	// Completions returns whether each participant of the event
	// completes it now, having first locked the event's completion for
	// the transaction of ctx. Every write that may change who completes
	// an event (a session added or deleted, marks, the threshold, a
	// sign-in sheet's import, a participant deleted, a beneficiary merge)
	// takes the lock before it reads or writes anything of the event's
	// sessions, marks and participants, so each reads what the one before
	// it committed. Registrations and certificates, which change nobody's
	// completion, do not take it.
	Completions(ctx context.Context, eventID string) ([]domain.Completion, error)
	// LockCompletion locks the event's completion for the transaction of
	// ctx, as Completions does, reading nothing.
	LockCompletion(ctx context.Context, eventID string) error
}

// completionWriter is a transaction's CompletionStore and outbox: the
// Repository inside InTx, or an import's writer.
type completionWriter interface {
	CompletionStore
	Emit(ctx context.Context, evs ...events.Event) error
}

// followCompletion runs change, in the transaction of ctx, with the
// completion of event e locked, and emits the events change returns (none:
// it changed nothing, and nothing is emitted), each with completed_count,
// the participants who complete e after the change, followed by a
// participant.completed or participant.completion_withdrawn for each
// participant whose completion it changed (cause: the type of the first).
// A consumer following the trained figure thus learns of every change of
// it, and of none when a change left it as it was. Who completes e is read
// once, after change (completionsAround), which also returns what it did
// (domain.Undo) to tell what they completed before.
func followCompletion(ctx context.Context, w completionWriter, e *domain.TrainingEvent, change func() ([]events.Event, domain.Undo, error)) error {
	if err := w.LockCompletion(ctx, e.ID); err != nil {
		return err
	}
	evs, undo, err := change()
	if err != nil || len(evs) == 0 {
		return err
	}
	before, after, err := completionsAround(ctx, w, e.ID, undo)
	if err != nil {
		return err
	}
	return w.Emit(ctx, completionTold(e, evs, before, after)...)
}

// completionsAround reads, once, who completes event eventID after a change
// made in the transaction of ctx with its completion locked
// (CompletionStore.LockCompletion), and what each completed before it, as
// undo makes it of what they complete after.
func completionsAround(ctx context.Context, w CompletionStore, eventID string, undo domain.Undo) (before, after []domain.Completion, err error) {
	if after, err = w.Completions(ctx, eventID); err != nil {
		return nil, nil, err
	}
	before = make([]domain.Completion, len(after))
	for i, c := range after {
		before[i] = undo.Before(c)
	}
	return before, after, nil
}

// completionTold is evs, the events of a change of event e, each with
// completed_count (the participants of after who complete e), and after
// them the flip events of the participants whose completion differs
// between before and after (cause: the type of the first of evs).
func completionTold(e *domain.TrainingEvent, evs []events.Event, before, after []domain.Completion) []events.Event {
	count := domain.CountCompleted(after)
	for _, ev := range evs {
		ev.Data["completed_count"] = count
	}
	completed, withdrawn := domain.CompletionChanges(before, after)
	return append(evs, completionEvents(e, completed, withdrawn, evs[0].Type)...)
}

// completionEvents are the participant.completed events of the
// participants of e in completed and the participant.completion_withdrawn
// events of those in withdrawn, caused by a change told by an event of
// type cause.
func completionEvents(e *domain.TrainingEvent, completed, withdrawn []domain.Completion, cause string) []events.Event {
	var evs []events.Event
	for _, c := range completed {
		evs = append(evs, completionEvent(events.ParticipantCompleted, e, c, cause))
	}
	for _, c := range withdrawn {
		evs = append(evs, completionEvent(events.ParticipantCompletionWithdrawn, e, c, cause))
	}
	return evs
}

// completionEvent is event typ of participant c of event e, caused by a
// change told by an event of type cause; it concerns the organiser only,
// the one organisation that sees the event.
func completionEvent(typ string, e *domain.TrainingEvent, c domain.Completion, cause string) events.Event {
	data := map[string]any{"participant_id": c.ParticipantID, "event_id": e.ID, "cause": cause}
	setIDs(data, map[string]string{"beneficiary_id": c.BeneficiaryID, "professional_id": c.ProfessionalID, "project_id": e.ProjectID})
	return events.Event{Type: typ, AggregateType: events.AggregateParticipant, AggregateID: c.ParticipantID,
		OrganisationIDs: []string{e.OrganiserOrganisationID}, Data: data}
}

// eventChange is an event of type typ about a session or the event e
// itself (aggregate, id), concerning the organiser only, with the event's
// and project's ids and data.
func eventChange(typ, aggregate, id string, e *domain.TrainingEvent, data map[string]any) events.Event {
	data["event_id"] = e.ID
	setIDs(data, map[string]string{"project_id": e.ProjectID})
	return events.Event{Type: typ, AggregateType: aggregate, AggregateID: id, OrganisationIDs: []string{e.OrganiserOrganisationID}, Data: data}
}

// setIDs sets the ids of opt that are not empty in data.
func setIDs(data map[string]any, opt map[string]string) {
	for k, v := range opt {
		if v != "" {
			data[k] = v
		}
	}
}
