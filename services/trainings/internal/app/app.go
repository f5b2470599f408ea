// Package app holds the trainings use cases. It enforces who may see what
// and delegates storage to a Repository and organisation look-ups to a
// Directory.
//
// Access rule: an event belongs to its organiser organisation. Only the
// organiser reads or changes the event, its sessions, participants,
// attendance, scores and certificates; any other organisation is told the
// event does not exist. Partners of a project see its trainings only as
// counts, through the aggregate RPCs the reporting service calls.
package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/audit"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/etag"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/services/trainings/internal/domain"
)

// Repository stores training events and what belongs to them: the ports
// of the use cases together, which one adapter implements. Each use case
// needs only its part, so a test fakes only that. Event reads take the
// viewing organisation and return only events it organises; an event it
// may not see is reported as not found. Methods taking an eventID trust the
// caller to have checked the event is visible.
type Repository interface {
	Transactions
	EventStore
	SessionStore
	ParticipantStore
	CompletionStore
	Maintenance
	Counts
	ImportRepository
}

// Transactions runs use cases in one transaction with their events.
type Transactions interface {
	// InTx runs fn in one transaction, carried by the ctx fn gets: the
	// repository's methods called with it join the transaction. Within an
	// event consumer's transaction, fn joins that one.
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// Emit writes events to the outbox in the transaction of ctx (inside
	// InTx, after the changes they describe).
	Emit(ctx context.Context, evs ...events.Event) error
}

// EventStore stores training events.
type EventStore interface {
	CreateTrainingEvent(ctx context.Context, e *domain.TrainingEvent, requestID string) (*domain.TrainingEvent, error)
	GetTrainingEvent(ctx context.Context, viewer, id string) (*domain.TrainingEvent, error)
	// LockTrainingEvent is GetTrainingEvent locking the event in the
	// transaction of ctx: for an update, or against one (a session's
	// create, which checks the event's dates); see EventLock.
	LockTrainingEvent(ctx context.Context, viewer, id string, lock EventLock) (*domain.TrainingEvent, error)
	// LockProject returns the project event id is tagged with ("" for
	// none), kept from changing until the transaction of ctx ends: a move
	// to another project under way (LockForMove) commits first, and one
	// coming later waits for this transaction. A write whose events name
	// the project reads it so: they name the project its figures count
	// under when it commits. It locks nothing an update of the event's
	// other fields, a session's create or the certificates wait for.
	LockProject(ctx context.Context, id string) (string, error)
	ListTrainingEvents(ctx context.Context, viewer string, f domain.EventFilter, p pagination.Page) ([]*domain.TrainingEvent, error)
	// UpdateTrainingEvent stores e if its stored version is still version;
	// otherwise it fails with etag.Mismatch.
	UpdateTrainingEvent(ctx context.Context, e *domain.TrainingEvent, version int64) (*domain.TrainingEvent, error)
}

// EventLock is how LockTrainingEvent locks an event.
type EventLock int

const (
	// LockAgainstUpdate keeps the event as read (a session's create,
	// which checks its dates).
	LockAgainstUpdate EventLock = iota
	// LockForUpdate is taken by an update that keeps the event's project;
	// the writes reading the project (LockProject) do not wait for it.
	LockForUpdate
	// LockForMove is taken by an update that changes the event's project:
	// it waits for the writes that read the project (LockProject), and
	// they for it.
	LockForMove
)

// The event's dates and its sessions' are checked against each other with
// the event locked (LockTrainingEvent), in one transaction with the write:
// an update of the dates waits for a session being added, and sees it.

// SessionStore stores the sessions of events.
type SessionStore interface {
	CreateSession(ctx context.Context, s *domain.Session, requestID string) (*domain.Session, error)
	// DeleteSession deletes a session of the event and its attendance
	// marks, which it returns.
	DeleteSession(ctx context.Context, eventID, id string) ([]domain.Mark, error)
	// SessionDates returns the first and last session days of an event
	// (zero when it has none).
	SessionDates(ctx context.Context, eventID string) (first, last date.Date, err error)
	// CertificatesIssued counts the certificates issued to participants
	// of an event.
	CertificatesIssued(ctx context.Context, eventID string) (int, error)
	// UpdateSession stores s, a session of its event, if its stored
	// version is still version; otherwise it fails with etag.Mismatch
	// (NotFound when the session is gone). Its attendance marks stay.
	UpdateSession(ctx context.Context, s *domain.Session, version int64) (*domain.Session, error)
	// PresentAt counts the participants marked present at a session of
	// the event.
	PresentAt(ctx context.Context, eventID, id string) (int, error)
	// GetSession returns a session of the event (NotFound otherwise).
	GetSession(ctx context.Context, eventID, id string) (*domain.Session, error)
	// LockSession is GetSession in the transaction of ctx, the session
	// kept as read until it ends (FOR SHARE): a correction of it under
	// way commits first, and one coming later waits.
	LockSession(ctx context.Context, eventID, id string) (*domain.Session, error)
	ListSessions(ctx context.Context, eventID string, p pagination.Page) ([]*domain.Session, error)
}

// ParticipantStore stores participants, attendance, scores and
// certificates.
type ParticipantStore interface {
	// CreateParticipant registers p at its event. A professional is matched
	// to (or becomes) a professional of organiser, which p.ProfessionalID
	// then names.
	CreateParticipant(ctx context.Context, organiser string, p *domain.Participant, requestID string) (*domain.Participant, error)
	GetParticipant(ctx context.Context, eventID, id string) (*domain.Participant, error)
	// DeleteParticipant deletes an uncertified participant of the event and
	// its attendance marks.
	DeleteParticipant(ctx context.Context, eventID, id string) error
	// ForgetProfessional deletes the professional record id when no
	// registration names it any more, and keys afresh the records that
	// share its names (its e-mail may have been the one they were counted
	// by); a record still registered somewhere stays, without its e-mail
	// when none of its registrations gave one (the deleted one brought it).
	ForgetProfessional(ctx context.Context, id string) error
	ListParticipants(ctx context.Context, eventID string, p pagination.Page) ([]*domain.Participant, error)
	// RecordAttendance upserts marks for a session of the event, held by
	// the transaction of ctx (LockSession), and returns all marks of the
	// session.
	RecordAttendance(ctx context.Context, eventID, sessionID string, marks []domain.Mark) ([]domain.Mark, error)
	RecordTestScores(ctx context.Context, eventID, participantID string, pre, post *int) (*domain.Participant, error)
	// DueCertificates names the beneficiary participants of the event,
	// not erased, who completed it and hold no certificate.
	DueCertificates(ctx context.Context, eventID string) ([]ParticipantRead, error)
	// IssueCertificates certifies every participant of the event who
	// completed it and holds no certificate, but those in skip (participant
	// ids); it returns the project the event is tagged with, read under
	// the event's lock (as LockProject's, which a move waits for), all
	// certified participants and the ids of those certified now.
	IssueCertificates(ctx context.Context, eventID string, skip []string) (project string, all []*domain.Participant, issued []string, err error)
}

// Maintenance applies the beneficiaries' erasures and merges.
type Maintenance interface {
	// RedactBeneficiary removes what identifies erased beneficiaries from
	// their participations (the certificate number); it runs in the
	// transaction of ctx.
	RedactBeneficiary(ctx context.Context, beneficiaryIDs []string) error
	// MoveBeneficiary makes the participations of from those of to; where
	// both took part in one event, one participation remains (the
	// survivor's, with the attendance and certificate of either): it
	// returns those it combined so, in event order.
	MoveBeneficiary(ctx context.Context, from, to string) ([]domain.Combined, error)
	// SharedEvents returns the events at which both beneficiaries took
	// part, in id order: those where MoveBeneficiary combines two
	// participations into one. It first locks the registrations of both
	// for the transaction of ctx (registrations under way commit first,
	// later ones wait), so none is registered at another event before
	// MoveBeneficiary runs.
	SharedEvents(ctx context.Context, from, to string) ([]*domain.TrainingEvent, error)
}

// Counts answers the aggregate RPCs reporting asks.
type Counts interface {
	// CountParticipants counts unique participants of a kind who reached a
	// stage (domain.Kind*, domain.Stage*, both valid); kinds maps the
	// organisers to their directory kinds, for a count of beneficiary
	// participants by organisation kind.
	CountParticipants(ctx context.Context, q aggregate.Query, kind, stage string, kinds map[string]string) (aggregate.Aggregate, error)
	// BeneficiaryCohorts returns the beneficiary participants who reached
	// stage, grouped by q.GroupBy (none of domain.PersonDimensions), each
	// with the organisers of the events they took part in.
	BeneficiaryCohorts(ctx context.Context, q aggregate.Query, stage string, kinds map[string]string) ([]domain.Cohort, error)
	// ProjectOrganisers returns the organisers of the project's events in
	// the period of q.
	ProjectOrganisers(ctx context.Context, q aggregate.Query) ([]string, error)
	CountTrainingEvents(ctx context.Context, q aggregate.Query) (aggregate.Aggregate, error)
}

// Directory is the organisation directory (the referrals service).
type Directory interface {
	// OrganisationKind returns the kind code ("ngo", "police", ...) of an
	// organisation; errs.KindNotFound when it is not in the directory.
	OrganisationKind(ctx context.Context, id string) (string, error)
	// Index returns the directory's organisations by name and their kinds
	// (read only: it may be shared, and a little behind the directory).
	Index(ctx context.Context) (*DirectoryIndex, error)
}

// DirectoryIndex is the directory read whole: its organisations by their
// names and localized names, and their kind codes by id.
type DirectoryIndex struct {
	Names domain.OrganisationNames
	Kinds map[string]string
}

// Projects is the reporting service's word on who may tag records with a
// project. CheckTag runs as the organisation in ctx: nil when it may,
// errs.KindPermissionDenied (with the reason) when it may not,
// errs.KindUnavailable when the answer cannot be had.
type Projects interface {
	CheckTag(ctx context.Context, projectID string) error
}

// ParticipantRead is one beneficiary participant whose registration (the
// person's attendance, scores and certificate) an answer shows.
type ParticipantRead struct {
	BeneficiaryID string
	EventID       string
	ParticipantID string
}

// Beneficiaries is the beneficiaries service's word on who sees a person.
type Beneficiaries interface {
	// CheckVisible returns nil when the organisation in ctx registered the
	// beneficiary or holds a live grant to it; errs.KindNotFound when it
	// sees no such person; errs.KindFailedPrecondition for a merged or
	// erased record; errs.KindUnavailable when the answer cannot be had.
	CheckVisible(ctx context.Context, beneficiaryID string) error
	// RecordReads appends act's reads of beneficiary participants to the
	// beneficiaries' audit log (the owner's log of each person) before
	// they are returned; errs.KindUnavailable when it cannot be written.
	RecordReads(ctx context.Context, act audit.Actor, action string, fields []string, reads []ParticipantRead) error
	// RecordChanges appends act's change (action, the fields it writes) of
	// beneficiary participants to their audit logs, in the transaction of
	// the change (ctx), which is not made when it fails:
	// errs.KindUnavailable, saying what is refused ("the attendance cannot
	// be recorded"), when the log cannot be written.
	RecordChanges(ctx context.Context, act audit.Actor, action string, fields []string, refused string, changes []ParticipantRead) error
	// CountCohorts counts the persons of each cohort once by groupBy
	// (domain.PersonDimensions): groups labelled with the cohort's labels
	// and the person's values; a person counts by their data only when one
	// of the organisers named with them registered them or held a grant to
	// them, else as unknown. The total is not set.
	CountCohorts(ctx context.Context, cohorts []domain.Cohort, groupBy []string) (aggregate.Aggregate, error)
}

// App is the trainings application.
type App struct {
	repo          Repository
	dir           Directory
	projects      Projects
	beneficiaries Beneficiaries
	// now is the clock; today the day it is in the report time zone.
	now   func() time.Time
	today func() date.Date
}

// New returns the application, whose days are those of
// aggregate.DefaultReportZone until SetReportZone.
func New(repo Repository, dir Directory, projects Projects, beneficiaries Beneficiaries) *App {
	a := &App{repo: repo, dir: dir, projects: projects, beneficiaries: beneficiaries, now: time.Now}
	zone, _ := aggregate.LoadZone("") // built in (time/tzdata)
	a.SetReportZone(zone)
	return a
}

// SetReportZone sets the time zone whose calendar day "today" is (the last
// day a session may have been held on: see domain.Session.Held).
func (a *App) SetReportZone(zone *time.Location) {
	a.today = func() date.Date { return aggregate.Today(zone, a.now()) }
}

// CreateTrainingEvent records an event organised by the caller's organisation.
func (a *App) CreateTrainingEvent(ctx context.Context, p auth.Principal, e *domain.TrainingEvent, requestID string) (*domain.TrainingEvent, error) {
	e.Normalize()
	if err := e.Validate(); err != nil {
		return nil, err
	}
	if e.ProjectID != "" {
		if err := a.projects.CheckTag(ctx, e.ProjectID); err != nil {
			return nil, err
		}
	}
	e.ID = ids.New()
	e.OrganiserOrganisationID = p.OrganisationID
	out, err := a.repo.CreateTrainingEvent(ctx, e, requestID)
	if err == nil && out.ID != e.ID && !out.SameRequest(e) {
		// Not a retry: another event must not be answered as if this one
		// were made.
		return nil, errs.RequestIDReused("create training event " + out.ID + " with other data")
	}
	return out, err
}

// GetTrainingEvent returns an event the caller organises.
func (a *App) GetTrainingEvent(ctx context.Context, p auth.Principal, id string) (*domain.TrainingEvent, error) {
	return a.event(ctx, p, "id", id)
}

func (a *App) event(ctx context.Context, p auth.Principal, field, id string) (*domain.TrainingEvent, error) {
	if err := ids.Check(field, id); err != nil {
		return nil, err
	}
	return a.repo.GetTrainingEvent(ctx, p.OrganisationID, ids.Normalize(id))
}

// counting returns an event the caller organises for a write that
// changes the figures of the project it is tagged with (its sessions,
// participants, attendance, certificates).
func (a *App) counting(ctx context.Context, p auth.Principal, field, id string) (*domain.TrainingEvent, error) {
	e, err := a.event(ctx, p, field, id)
	if err != nil {
		return nil, err
	}
	return e, a.mayCount(ctx, e)
}

// mayCount checks a write that changes the figures of the project e is
// tagged with: it adds to them as a tag does, so only an organisation
// that may tag records with the project now may make it
// (Projects.CheckTag). An organisation taken off the project, or made a
// funder (who reads its report), no longer registers, marks or certifies
// anyone under its earlier events: it cannot change the donor's figures,
// nor move a hidden cell over the threshold.
func (a *App) mayCount(ctx context.Context, e *domain.TrainingEvent) error {
	if e.ProjectID == "" {
		return nil
	}
	return a.projects.CheckTag(ctx, e.ProjectID)
}

// ListTrainingEvents lists the events the caller organises, newest first.
func (a *App) ListTrainingEvents(ctx context.Context, p auth.Principal, f domain.EventFilter, size int32, token string) ([]*domain.TrainingEvent, string, error) {
	f.Normalize()
	if err := f.Validate(); err != nil {
		return nil, "", err
	}
	page, err := pagination.Parse(size, token, pagination.UUIDKey, p.OrganisationID, pagination.Fingerprint(f.ProjectID, f.Type, f.From.String(), f.To.String()))
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

// UpdateTrainingEvent changes the fields named in paths of an event the
// caller organises, if tag is the etag of the stored version.
func (a *App) UpdateTrainingEvent(ctx context.Context, p auth.Principal, patch *domain.TrainingEvent, tag string, paths []string) (*domain.TrainingEvent, error) {
	e, err := a.event(ctx, p, "training_event.id", patch.ID)
	if err != nil {
		return nil, err
	}
	before := *e
	version, project := e.Version, e.ProjectID
	if _, err := e.Apply(patch, paths); err != nil {
		return nil, err
	}
	if err := etag.Require("training_event.etag", tag, version); err != nil {
		return nil, err
	}
	switch {
	case e.ProjectID != "" && e.ProjectID != project:
		if err := a.projects.CheckTag(ctx, e.ProjectID); err != nil {
			return nil, err
		}
	case e.ProjectID != "" && before.ChangesCounts(e):
		// Kept in its project, with a field its figures count by.
		if err := a.mayCount(ctx, e); err != nil {
			return nil, err
		}
	}
	moved, rethreshold := e.ProjectID != before.ProjectID, e.CompletionThreshold != before.CompletionThreshold
	lock := LockForUpdate
	if moved {
		lock = LockForMove
	}
	var out *domain.TrainingEvent
	err = a.repo.InTx(ctx, func(ctx context.Context) error {
		// The sessions, once no session is being added.
		if _, err := a.repo.LockTrainingEvent(ctx, p.OrganisationID, e.ID, lock); err != nil {
			return err
		}
		first, last, err := a.repo.SessionDates(ctx, e.ID)
		if err != nil {
			return err
		}
		if err := e.CheckSessions(first, last); err != nil {
			return err
		}
		if !moved && !rethreshold {
			out, err = a.repo.UpdateTrainingEvent(ctx, e, version)
			return err
		}
		// Who completes the event moves with it, and may change with its
		// threshold: read once, after the update, with the completion
		// locked before it, so a write that changes who completes the
		// event (marks, sessions) commits before the update or after it.
		if err := a.repo.LockCompletion(ctx, e.ID); err != nil {
			return err
		}
		if out, err = a.repo.UpdateTrainingEvent(ctx, e, version); err != nil {
			return err
		}
		var undo domain.Undo
		if rethreshold {
			undo.Threshold = before.CompletionThreshold
		}
		was, now, err := completionsAround(ctx, a.repo, e.ID, undo)
		if err != nil {
			return err
		}
		var evs []events.Event
		if moved {
			evs = append(evs, projectChanged(&before, out, domain.CountCompleted(was)))
		}
		if rethreshold {
			evs = append(evs, completionTold(out, []events.Event{eventChange(events.TrainingEventThresholdChanged, events.AggregateTrainingEvent, out.ID, out,
				map[string]any{"completion_threshold_percent": out.CompletionThreshold, "from_completion_threshold_percent": before.CompletionThreshold})},
				was, now)...)
		}
		return a.repo.Emit(ctx, evs...)
	})
	return out, err
}

// projectChanged is the training_event.project_changed telling the update
// that tagged event before with after's project instead: the figures of
// its participants (registered, trained, certified) leave the reports of
// one project for the other's, and a consumer counting them by project
// (the project_id of participant.completed) learns that the event's now
// count under the new one; completed is how many complete the event as it
// moves (before a threshold changed with it), those who move with it. It
// concerns the organiser only, as the event's other changes do: neither
// project's partners and donors see the event (they read its counts in
// their reports), and each would learn the other project's id.
func projectChanged(before, after *domain.TrainingEvent, completed int) events.Event {
	data := map[string]any{"organisation_id": before.OrganiserOrganisationID, "completed_count": completed}
	setIDs(data, map[string]string{"from_project_id": before.ProjectID})
	return eventChange(events.TrainingEventProjectChanged, events.AggregateTrainingEvent, before.ID, after, data)
}

// inProject gives e, in the transaction of ctx, the project it is tagged
// with as read under lock (LockProject), so that the events of a write name the
// project its figures count under when it commits; e as read before the
// transaction may have moved since. A write that changes the project's
// figures (count) is checked again (mayCount) when e moved: the
// organisation may not take part in its new project.
func (a *App) inProject(ctx context.Context, lock func(context.Context, string) (string, error), e *domain.TrainingEvent, count bool) error {
	project, err := lock(ctx, e.ID)
	if err != nil || project == e.ProjectID {
		return err
	}
	e.ProjectID = project
	if !count {
		return nil
	}
	return a.mayCount(ctx, e)
}

// CreateSession adds a session to an event the caller organises, unless
// the event has issued a certificate (domain.TrainingEvent.CheckSessionAdded):
// the session would lower the attendance share of every certified
// participant not marked at it, and drop them from the trained and
// certified figures already reported. The check runs with the event locked
// against :issueCertificates (FOR SHARE against its FOR NO KEY UPDATE), so
// a session and the first certificates are not added at once; a retry of
// a session added before is answered with it.
func (a *App) CreateSession(ctx context.Context, p auth.Principal, eventID string, s *domain.Session, requestID string) (*domain.Session, error) {
	e, err := a.counting(ctx, p, "event_id", eventID)
	if err != nil {
		return nil, err
	}
	s.Normalize()
	if err := s.Validate(e); err != nil {
		return nil, err
	}
	s.ID = ids.New()
	s.EventID = e.ID
	var out *domain.Session
	err = a.repo.InTx(ctx, func(ctx context.Context) error {
		locked, err := a.lockForSession(ctx, p, e.ID, s)
		if err != nil {
			return err
		}
		if locked.ProjectID != e.ProjectID {
			if err := a.mayCount(ctx, locked); err != nil {
				return err
			}
		}
		e = locked
		// A session lowers the attendance share of everyone not marked
		// at it: who completed the event may change.
		return followCompletion(ctx, a.repo, e, func() ([]events.Event, domain.Undo, error) {
			if out, err = a.repo.CreateSession(ctx, s, requestID); err != nil {
				return nil, domain.Undo{}, err
			}
			if out.ID != s.ID && !out.SameRequest(s) {
				first := out.ID
				out = nil
				return nil, domain.Undo{}, errs.RequestIDReused("add session " + first + " with another day, time, topic or trainer")
			}
			if out.ID != s.ID {
				return nil, domain.Undo{}, nil // added before: the retry's answer
			}
			certified, err := a.repo.CertificatesIssued(ctx, e.ID)
			if err != nil {
				return nil, domain.Undo{}, err
			}
			if err := e.CheckSessionAdded(certified); err != nil {
				out = nil
				return nil, domain.Undo{}, err // the transaction is rolled back: no session added
			}
			return []events.Event{eventChange(events.SessionCreated, events.AggregateSession, out.ID, e,
				map[string]any{"session_id": out.ID, "date": out.Date.String()})}, domain.Undo{Added: 1}, nil
		})
	})
	return out, err
}

// lockForSession locks event eventID against an update in the
// transaction of ctx (LockAgainstUpdate) for a session's write, and checks
// s against it: its dates as they are while the session is added or
// corrected. The lock also keeps the project read with the event
// (LockProject's lock is weaker).
func (a *App) lockForSession(ctx context.Context, p auth.Principal, eventID string, s *domain.Session) (*domain.TrainingEvent, error) {
	locked, err := a.repo.LockTrainingEvent(ctx, p.OrganisationID, eventID, LockAgainstUpdate)
	if err != nil {
		return nil, err
	}
	return locked, s.Validate(locked)
}

// ListSessions lists the sessions of an event the caller organises, in
// programme order.
func (a *App) ListSessions(ctx context.Context, p auth.Principal, eventID string, size int32, token string) ([]*domain.Session, string, error) {
	e, page, err := a.eventPage(ctx, p, eventID, size, token, sessionKey)
	if err != nil {
		return nil, "", err
	}
	rows, err := a.repo.ListSessions(ctx, e.ID, page)
	if err != nil {
		return nil, "", err
	}
	rows, next := pagination.Next(page, rows, func(s *domain.Session) string { return s.SortKey() })
	return rows, next, nil
}

// UpdateSession corrects the fields named in paths of a session of an
// event the caller organises, if tag is the etag of its stored version;
// its attendance marks stay. Completion is the share of the event's
// sessions a participant attended, which a correction leaves as it is: it
// is told as session.updated with completed_count (followCompletion, so a
// change of who completes would be told as the other corrections tell it).
// It changes no figure of the event's project, so it needs no role in it
// (mayCount), as an event's update of fields its figures do not count by.
// The event is locked against an update (LockAgainstUpdate), as for a
// session's create: its dates, which the session's day must stay within,
// and its project, which session.updated names, stay as read until the
// correction commits. A session with participants marked present does
// not move to a day not held yet (domain.Session.CheckMoved).
func (a *App) UpdateSession(ctx context.Context, p auth.Principal, eventID string, patch *domain.Session, tag string, paths []string) (*domain.Session, error) {
	e, err := a.event(ctx, p, "session.event_id", eventID)
	if err != nil {
		return nil, err
	}
	if err := ids.Check("session.id", patch.ID); err != nil {
		return nil, err
	}
	before, err := a.repo.GetSession(ctx, e.ID, ids.Normalize(patch.ID))
	if err != nil {
		return nil, err
	}
	s := *before
	named, err := s.Apply(patch, paths)
	if err != nil {
		return nil, err
	}
	if err := s.Validate(e); err != nil {
		return nil, err
	}
	if err := etag.Require("session.etag", tag, before.Version); err != nil {
		return nil, err
	}
	if s.SameRequest(before) {
		return before, nil // nothing to correct: the session as it is
	}
	var out *domain.Session
	err = a.repo.InTx(ctx, func(ctx context.Context) error {
		if e, err = a.lockForSession(ctx, p, e.ID, &s); err != nil {
			return err
		}
		return followCompletion(ctx, a.repo, e, func() ([]events.Event, domain.Undo, error) {
			if today := a.today(); s.Date != before.Date && !s.Held(today) {
				present, err := a.repo.PresentAt(ctx, e.ID, s.ID)
				if err != nil {
					return nil, domain.Undo{}, err
				}
				if err := s.CheckMoved(before, present, today); err != nil {
					return nil, domain.Undo{}, err
				}
			}
			if out, err = a.repo.UpdateSession(ctx, &s, before.Version); err != nil {
				return nil, domain.Undo{}, err
			}
			// The same sessions and marks: nobody's completion moves.
			return []events.Event{eventChange(events.SessionUpdated, events.AggregateSession, out.ID, e,
				map[string]any{"session_id": out.ID, "date": out.Date.String(), "fields": named})}, domain.Undo{}, nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteSession deletes a session of an event the caller organises, with
// its attendance marks: the beneficiaries' are recorded in their audit logs
// with it (training_participant.delete_attendance).
func (a *App) DeleteSession(ctx context.Context, p audit.Actor, eventID, id string) error {
	e, err := a.counting(ctx, p.Principal, "event_id", eventID)
	if err != nil {
		return err
	}
	if err := ids.Check("id", id); err != nil {
		return err
	}
	return a.repo.InTx(ctx, func(ctx context.Context) error {
		if err := a.inProject(ctx, a.repo.LockProject, e, true); err != nil {
			return err
		}
		return followCompletion(ctx, a.repo, e, func() ([]events.Event, domain.Undo, error) {
			sessionID := ids.Normalize(id)
			marks, err := a.repo.DeleteSession(ctx, e.ID, sessionID)
			if err != nil {
				return nil, domain.Undo{}, err
			}
			if err := a.recordChange(ctx, p, "training_participant.delete_attendance", attendanceFields,
				"the session cannot be deleted", markRefs(e.ID, marks, nil)); err != nil {
				return nil, domain.Undo{}, err
			}
			// The event has a session less, and those present at it a
			// session attended less.
			undo := domain.Undo{Added: -1}
			for _, m := range marks {
				if m.Present {
					undo.Move(m.ParticipantID, -1)
				}
			}
			return []events.Event{attendanceEvent(events.SessionDeleted, e, sessionID, marks, nil)}, undo, nil
		})
	})
}

// attendanceEvent is event typ of session sessionID of event e, naming the
// participants of marks (only those in only, when it is not nil).
func attendanceEvent(typ string, e *domain.TrainingEvent, sessionID string, marks []domain.Mark, only map[string]bool) events.Event {
	named := []string{}
	for _, m := range marks {
		if only == nil || only[m.ParticipantID] {
			named = append(named, m.ParticipantID)
		}
	}
	return eventChange(typ, events.AggregateSession, sessionID, e, map[string]any{"session_id": sessionID, "participant_ids": named})
}

// attendanceFields names what an attendance change writes of the person.
var attendanceFields = []string{"training_participant.attendance"}

// markRefs names the beneficiary participants among marks of event eventID
// (only those in only, when it is not nil).
func markRefs(eventID string, marks []domain.Mark, only map[string]bool) []ParticipantRead {
	var refs []ParticipantRead
	for _, m := range marks {
		if m.BeneficiaryID != "" && (only == nil || only[m.ParticipantID]) {
			refs = append(refs, ParticipantRead{BeneficiaryID: m.BeneficiaryID, EventID: eventID, ParticipantID: m.ParticipantID})
		}
	}
	return refs
}

// liveMarked is the participants of marks in marked whose beneficiary
// was not erased.
func liveMarked(marks []domain.Mark, marked map[string]bool) map[string]bool {
	out := map[string]bool{}
	for _, m := range marks {
		if marked[m.ParticipantID] && !m.BeneficiaryErased {
			out[m.ParticipantID] = true
		}
	}
	return out
}

// unmarked is the participants of marks not in marked.
func unmarked(marks []domain.Mark, marked map[string]bool) map[string]bool {
	out := map[string]bool{}
	for _, m := range marks {
		if !marked[m.ParticipantID] {
			out[m.ParticipantID] = true
		}
	}
	return out
}

// sessionKey is the kind of key of an event's sessions (Session.SortKey).
var sessionKey = pagination.Key(func(s string) bool { _, _, _, ok := domain.ParseSessionKey(s); return ok })

// eventPage checks the event and the page request of a list under an event.
func (a *App) eventPage(ctx context.Context, p auth.Principal, eventID string, size int32, token string, key pagination.Key) (*domain.TrainingEvent, pagination.Page, error) {
	if err := ids.Check("event_id", eventID); err != nil {
		return nil, pagination.Page{}, err
	}
	id := ids.Normalize(eventID)
	page, err := pagination.Parse(size, token, key, p.OrganisationID, pagination.Fingerprint(id))
	if err != nil {
		return nil, page, err
	}
	e, err := a.repo.GetTrainingEvent(ctx, p.OrganisationID, id)
	return e, page, err
}

// CreateParticipant registers a participant at an event the caller
// organises. A professional's organisation, when given by id, must be in the
// directory; its kind is kept with the registration. One given by a name
// that exactly one directory organisation has is that organisation
// (domain.Professional.NamedInDirectory), as in a sign-in sheet.
//
// A beneficiary's registration is recorded in their audit log with it
// (training_participant.create); a retry's answer, as a read.
func (a *App) CreateParticipant(ctx context.Context, p audit.Actor, eventID string, part *domain.Participant, requestID string) (*domain.Participant, error) {
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
	if err := a.mayCount(ctx, e); err != nil {
		return nil, err
	}
	if part.BeneficiaryID != "" {
		// Only a person the organiser registered, or was referred with
		// consent, can be counted among its participants.
		if err := a.beneficiaries.CheckVisible(ctx, part.BeneficiaryID); err != nil {
			return nil, err
		}
	}
	kinds := newKindCache(a.dir)
	if pr := part.Professional; pr != nil {
		if err := kinds.resolve(ctx, pr); err != nil {
			return nil, err
		}
	}
	if pr := part.Professional; pr != nil && pr.OrganisationID != "" {
		kind, err := kinds.kind(ctx, pr.OrganisationID)
		if errors.Is(err, errs.ErrNotFound) {
			var v errs.Violations
			v.Add("participant.professional.organisation_id", "is not an organisation in the directory")
			return nil, v.Err()
		}
		if err != nil {
			return nil, err
		}
		part.OrganisationKind = kind
	}
	part.ID = ids.New()
	part.EventID = e.ID
	var out *domain.Participant
	err = a.repo.InTx(ctx, func(ctx context.Context) error {
		if err := a.inProject(ctx, a.repo.LockProject, e, true); err != nil {
			return err
		}
		if out, err = a.repo.CreateParticipant(ctx, e.OrganiserOrganisationID, part, requestID); err != nil {
			return err
		}
		if out.ID != part.ID { // a retry of an earlier registration
			if !out.SameRequest(part) {
				// Another person must not be answered as if registered.
				first := out.ID
				out = nil
				return errs.RequestIDReused("register participant " + first + ", another person or sector")
			}
			return a.recordReads(ctx, p, "training_participant.read", participantFields, participantRefs(e.ID, out))
		}
		if err := a.recordChange(ctx, p, "training_participant.create", participantFields,
			"the participant cannot be registered", participantRefs(e.ID, out)); err != nil {
			return err
		}
		return a.repo.Emit(ctx, participantEvent(events.ParticipantRegistered, e, out))
	})
	return out, err
}

// participantEvent is event typ of participant x of event e, concerning the
// organiser (and the professional's organisation), naming e's project as
// the write read it under lock (inProject; a merge's SharedEvents).
func participantEvent(typ string, e *domain.TrainingEvent, x *domain.Participant) events.Event {
	data := map[string]any{"participant_id": x.ID, "event_id": e.ID}
	orgs := []string{e.OrganiserOrganisationID}
	opt := map[string]string{"beneficiary_id": x.BeneficiaryID, "professional_id": x.ProfessionalID, "project_id": e.ProjectID}
	if typ == events.ParticipantRegistered {
		if pr := x.Professional; pr != nil {
			opt["organisation_id"], opt["sector"] = pr.OrganisationID, pr.Sector
			orgs = append(orgs, pr.OrganisationID)
		}
	}
	setIDs(data, opt)
	return events.Event{Type: typ, AggregateType: events.AggregateParticipant, AggregateID: x.ID, OrganisationIDs: orgs, Data: data}
}

// GetParticipant returns a participant of an event the caller organises;
// a beneficiary's registration is recorded in their audit log first.
func (a *App) GetParticipant(ctx context.Context, p audit.Actor, eventID, id string) (*domain.Participant, error) {
	e, err := a.event(ctx, p.Principal, "event_id", eventID)
	if err != nil {
		return nil, err
	}
	if err := ids.Check("id", id); err != nil {
		return nil, err
	}
	x, err := a.repo.GetParticipant(ctx, e.ID, ids.Normalize(id))
	if err != nil {
		return nil, err
	}
	return x, a.recordReads(ctx, p, "training_participant.read", participantFields, participantRefs(e.ID, x))
}

// participantFields names what a beneficiary participant's registration
// shows of the person in the audit log.
var participantFields = []string{"training_participant"}

// recordReads records p's read (action, the fields shown) of the
// beneficiary participants read (professionals are not beneficiaries:
// nothing to record).
func (a *App) recordReads(ctx context.Context, p audit.Actor, action string, fields []string, reads []ParticipantRead) error {
	if len(reads) == 0 {
		return nil
	}
	return a.beneficiaries.RecordReads(ctx, p, action, fields, reads)
}

// participantRefs names the beneficiary participants among rows of event
// eventID.
func participantRefs(eventID string, rows ...*domain.Participant) []ParticipantRead {
	var refs []ParticipantRead
	for _, x := range rows {
		if x.BeneficiaryID != "" {
			refs = append(refs, ParticipantRead{BeneficiaryID: x.BeneficiaryID, EventID: eventID, ParticipantID: x.ID})
		}
	}
	return refs
}

// recordChange records p's change (action, fields) of the beneficiary
// participants changed, in the change's transaction (ctx): when the log
// cannot be written the change fails, saying refused, and is not made.
// Professionals are not beneficiaries: nothing to record for them.
func (a *App) recordChange(ctx context.Context, p audit.Actor, action string, fields []string, refused string, changed []ParticipantRead) error {
	if len(changed) == 0 {
		return nil
	}
	return a.beneficiaries.RecordChanges(ctx, p, action, fields, refused, changed)
}

// DeleteParticipant withdraws a registration at an event the caller
// organises. A professional left with no registration is forgotten: a
// registration made by mistake (a wrong e-mail, the wrong person) keeps
// nothing of them, and no later registration is matched or counted by it.
//
// It needs no role in the event's project (mayCount): it is how the
// organiser removes a person's record, which it must be able to do after
// its role ended too; a certified participant is not deleted, so no
// certificate leaves the project's figures this way.
func (a *App) DeleteParticipant(ctx context.Context, p audit.Actor, eventID, id string) error {
	e, err := a.event(ctx, p.Principal, "event_id", eventID)
	if err != nil {
		return err
	}
	if err := ids.Check("id", id); err != nil {
		return err
	}
	return a.repo.InTx(ctx, func(ctx context.Context) error {
		if err := a.inProject(ctx, a.repo.LockProject, e, false); err != nil {
			return err
		}
		x, err := a.repo.GetParticipant(ctx, e.ID, ids.Normalize(id))
		if err != nil {
			return err
		}
		// One who completed the event no longer counts as trained:
		// participant.completion_withdrawn tells it, as a correction's
		// would, besides participant.deleted.
		before, err := a.repo.Completions(ctx, e.ID)
		if err != nil {
			return err
		}
		before = slices.DeleteFunc(before, func(c domain.Completion) bool { return c.ParticipantID != x.ID })
		if err := a.repo.DeleteParticipant(ctx, e.ID, x.ID); err != nil {
			return err
		}
		if err := a.recordChange(ctx, p, "training_participant.delete", participantFields,
			"the participant cannot be deleted", participantRefs(e.ID, x)); err != nil {
			return err
		}
		if x.ProfessionalID != "" {
			if err := a.repo.ForgetProfessional(ctx, x.ProfessionalID); err != nil {
				return err
			}
		}
		return a.repo.Emit(ctx, append([]events.Event{participantEvent(events.ParticipantDeleted, e, x)},
			completionEvents(e, nil, domain.CompletionsGone(before, nil), events.ParticipantDeleted)...)...)
	})
}

// ListParticipants lists the participants of an event the caller organises,
// newest first; the beneficiaries' registrations are recorded in their
// audit logs first.
func (a *App) ListParticipants(ctx context.Context, p audit.Actor, eventID string, size int32, token string) ([]*domain.Participant, string, error) {
	e, page, err := a.eventPage(ctx, p.Principal, eventID, size, token, pagination.UUIDKey)
	if err != nil {
		return nil, "", err
	}
	rows, err := a.repo.ListParticipants(ctx, e.ID, page)
	if err != nil {
		return nil, "", err
	}
	rows, next := pagination.Next(page, rows, func(x *domain.Participant) string { return x.ID })
	return rows, next, a.recordReads(ctx, p, "training_participant.list", participantFields, participantRefs(e.ID, rows...))
}

// ReasonNotVisible is the ErrorInfo reason of a write for a beneficiary
// participant the organiser no longer sees.
const ReasonNotVisible = "BENEFICIARY_NOT_VISIBLE"

// unseen returns the beneficiary participants of refs whom the
// organisation in ctx no longer sees: it registered them at the event
// through a grant that has ended since (the consent was withdrawn or
// expired, the grant revoked or expired). Nothing new is recorded of such a
// person: consent gates what the organiser may process about them. What was
// recorded before stays and counts, as an erased person's participation
// does; an erased person is not refused here, their participation being
// anonymous (no identifying data, an ERASED- certificate number).
func (a *App) unseen(ctx context.Context, refs []ParticipantRead) ([]ParticipantRead, error) {
	seen := make(map[string]bool, len(refs))
	var out []ParticipantRead
	for _, r := range refs {
		ok, asked := seen[r.BeneficiaryID]
		if !asked {
			err := a.beneficiaries.CheckVisible(ctx, r.BeneficiaryID)
			var e *errs.Error
			switch {
			case err == nil, errors.As(err, &e) && e.Reason == "BENEFICIARY_ERASED":
				ok = true
			case errs.KindOf(err) == errs.KindNotFound:
				ok = false
			default:
				return nil, err
			}
			seen[r.BeneficiaryID] = ok
		}
		if !ok {
			out = append(out, r)
		}
	}
	return out, nil
}

// notVisible refuses marks for the unseen participants, naming each mark.
func notVisible(marks []domain.Mark, unseen []ParticipantRead) error {
	var named []string
	for _, r := range unseen {
		for i, m := range marks {
			if m.ParticipantID == r.ParticipantID {
				named = append(named, fmt.Sprintf("marks[%d] (participant %s, beneficiary %s)", i, r.ParticipantID, r.BeneficiaryID))
			}
		}
	}
	return errs.FailedPrecondition(ReasonNotVisible, "no attendance can be recorded for %s: "+notSeenWhy+
		"; the marks recorded before stay and count", strings.Join(named, ", "))
}

// notSeenWhy says why a write for an unseen beneficiary participant is
// refused.
const notSeenWhy = "the organisation no longer sees the person (the consent they were shared under was withdrawn or expired, " +
	"or the access granted was revoked or expired)"

// RecordAttendance marks participants present or absent at a session of an
// event the caller organises; the marks of beneficiary participants are
// recorded in their audit logs with them. The answer lists every mark of
// the session: a beneficiary's mark it shows without changing it is a read
// of their attendance (training_participant.read_attendance), recorded in
// the transaction before the marks are returned, so while the log cannot be
// written nothing is changed or shown. A mark for a beneficiary the
// organiser no longer sees (unseen) refuses the call, naming it.
func (a *App) RecordAttendance(ctx context.Context, p audit.Actor, eventID, sessionID string, marks []domain.Mark) ([]domain.Mark, error) {
	e, err := a.counting(ctx, p.Principal, "event_id", eventID)
	if err != nil {
		return nil, err
	}
	if err := ids.Check("session_id", sessionID); err != nil {
		return nil, err
	}
	if err := domain.ValidateMarks(marks); err != nil {
		return nil, err
	}
	marked := make(map[string]bool, len(marks))
	for _, m := range marks {
		marked[m.ParticipantID] = true
	}
	var out []domain.Mark
	err = a.repo.InTx(ctx, func(ctx context.Context) error {
		if err := a.inProject(ctx, a.repo.LockProject, e, true); err != nil {
			return err
		}
		return followCompletion(ctx, a.repo, e, func() ([]events.Event, domain.Undo, error) {
			// The session's day as it is when the marks commit, read with
			// the completion locked, which a correction of the session
			// (UpdateSession) takes before it checks for present marks:
			// one moving it to a day not held yet commits first, and these
			// present marks are refused, or waits for them, and is
			// refused. Read before the transaction, the day could be one
			// the session was moved from meanwhile.
			s, err := a.repo.LockSession(ctx, e.ID, ids.Normalize(sessionID))
			if err != nil {
				return nil, domain.Undo{}, err
			}
			if err := s.CheckMarks(marks, a.today()); err != nil {
				return nil, domain.Undo{}, err
			}
			if out, err = a.repo.RecordAttendance(ctx, e.ID, s.ID, marks); err != nil {
				return nil, domain.Undo{}, err
			}
			unseen, err := a.unseen(ctx, markRefs(e.ID, out, liveMarked(out, marked)))
			if err != nil {
				return nil, domain.Undo{}, err
			}
			if len(unseen) > 0 {
				return nil, domain.Undo{}, notVisible(marks, unseen)
			}
			if err := a.recordChange(ctx, p, "training_participant.record_attendance", attendanceFields,
				"the attendance cannot be recorded", markRefs(e.ID, out, marked)); err != nil {
				return nil, domain.Undo{}, err
			}
			if err := a.recordReads(ctx, p, "training_participant.read_attendance", attendanceFields, markRefs(e.ID, out, unmarked(out, marked))); err != nil {
				return nil, domain.Undo{}, err
			}
			changed := map[string]bool{}
			for _, m := range out {
				if m.Changed {
					changed[m.ParticipantID] = true
				}
			}
			if len(changed) == 0 {
				return nil, domain.Undo{}, nil // the marks as they were: nothing changed
			}
			// Only the marks moved change who completes the event.
			var undo domain.Undo
			undo.Marks(out...)
			return []events.Event{attendanceEvent(events.AttendanceRecorded, e, s.ID, out, changed)}, undo, nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RecordTestScores records a participant's test scores (a beneficiary's,
// in their audit log with them). A beneficiary the organiser no longer
// sees (unseen) is refused, as their attendance marks are; an erased
// one's scores are recorded, anonymous as their participation is.
func (a *App) RecordTestScores(ctx context.Context, p audit.Actor, eventID, participantID string, pre, post *int) (*domain.Participant, error) {
	e, err := a.event(ctx, p.Principal, "event_id", eventID)
	if err != nil {
		return nil, err
	}
	if err := ids.Check("participant_id", participantID); err != nil {
		return nil, err
	}
	if err := domain.ValidateScores(pre, post); err != nil {
		return nil, err
	}
	var fields []string
	if pre != nil {
		fields = append(fields, "training_participant.pre_test_score")
	}
	if post != nil {
		fields = append(fields, "training_participant.post_test_score")
	}
	var out *domain.Participant
	err = a.repo.InTx(ctx, func(ctx context.Context) error {
		if out, err = a.repo.RecordTestScores(ctx, e.ID, ids.Normalize(participantID), pre, post); err != nil {
			return err
		}
		if !out.BeneficiaryErased {
			unseen, err := a.unseen(ctx, participantRefs(e.ID, out))
			if err != nil {
				return err
			}
			if len(unseen) > 0 {
				return errs.FailedPrecondition(ReasonNotVisible, "no test score can be recorded for participant_id %s (beneficiary %s): "+
					notSeenWhy+"; the scores recorded before stay", out.ID, out.BeneficiaryID)
			}
		}
		return a.recordChange(ctx, p, "training_participant.record_test_scores", fields,
			"the scores cannot be recorded", participantRefs(e.ID, out))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// IssueCertificates certifies the participants of an event the caller
// organises who completed it. The beneficiaries certified now have it
// recorded in their audit logs (training_participant.issue_certificate),
// those certified before whom the answer lists again, a read. A
// beneficiary the organiser no longer sees (unseen) is not certified: the
// others are, and the answer, which lists the certified, leaves them out.
func (a *App) IssueCertificates(ctx context.Context, p audit.Actor, eventID string) ([]*domain.Participant, int, error) {
	e, err := a.counting(ctx, p.Principal, "event_id", eventID)
	if err != nil {
		return nil, 0, err
	}
	due, err := a.repo.DueCertificates(ctx, e.ID)
	if err != nil {
		return nil, 0, err
	}
	unseen, err := a.unseen(ctx, due)
	if err != nil {
		return nil, 0, err
	}
	skip := make([]string, len(unseen))
	for i, r := range unseen {
		skip[i] = r.ParticipantID
	}
	var all []*domain.Participant
	var issued []string
	err = a.repo.InTx(ctx, func(ctx context.Context) error {
		// participant.certified names the project the certificates count
		// under when they commit (read under the event's lock): e may
		// have moved since it was read (inProject, with the lock
		// IssueCertificates takes: taking LockProject's first would make
		// two calls and a move deadlock).
		var project string
		if project, all, issued, err = a.repo.IssueCertificates(ctx, e.ID, skip); err != nil {
			return err
		}
		if err := a.inProject(ctx, func(context.Context, string) (string, error) { return project, nil }, e, true); err != nil {
			return err
		}
		var evs []events.Event
		var now, before []*domain.Participant
		for _, x := range all {
			if slices.Contains(issued, x.ID) {
				evs = append(evs, participantEvent(events.ParticipantCertified, e, x))
				now = append(now, x)
			} else {
				before = append(before, x)
			}
		}
		if err := a.recordChange(ctx, p, "training_participant.issue_certificate", []string{"training_participant.certificate"},
			"the certificates cannot be issued", participantRefs(e.ID, now...)); err != nil {
			return err
		}
		if err := a.recordReads(ctx, p, "training_participant.list", participantFields, participantRefs(e.ID, before...)); err != nil {
			return err
		}
		return a.repo.Emit(ctx, evs...)
	})
	return all, len(issued), err
}

// ForgetBeneficiary removes what identifies erased beneficiaries from their
// participations (a beneficiary.erased event); who took part in what stays,
// so counts do not change. It runs in the transaction ctx carries.
func (a *App) ForgetBeneficiary(ctx context.Context, beneficiaryIDs []string) error {
	var valid []string
	for _, id := range beneficiaryIDs {
		if id = ids.Normalize(id); ids.Valid(id) {
			valid = append(valid, id)
		}
	}
	if len(valid) == 0 {
		return nil
	}
	return a.repo.InTx(ctx, func(ctx context.Context) error { return a.repo.RedactBeneficiary(ctx, valid) })
}

// MoveBeneficiary makes a merged beneficiary's participations the
// survivor's (a beneficiary.merged event), so that they count once. At an
// event where both took part, the survivor's participation takes the
// attendance of either and may complete the event with it
// (participant.completed), and the merged record's goes
// (participant.deleted, naming the survivor's participation, then
// participant.completion_withdrawn if it had completed); a certificate it
// held and the survivor's lacked goes to the survivor's
// (participant.certified). Each is caused by beneficiary.merged and told
// in the merge's transaction. The registrations of both records are locked
// before the events where both took part are read (none can add one
// meanwhile), and those events' completion after (in id order). A
// participation moved alone keeps its id, marks and completion: nothing is
// told.
func (a *App) MoveBeneficiary(ctx context.Context, from, to string) error {
	from, to = ids.Normalize(from), ids.Normalize(to)
	if !ids.Valid(from) || !ids.Valid(to) || from == to {
		return nil
	}
	return a.repo.InTx(ctx, func(ctx context.Context) error {
		shared, err := a.repo.SharedEvents(ctx, from, to)
		if err != nil {
			return err
		}
		before := make([][]domain.Completion, len(shared))
		for i, e := range shared {
			if before[i], err = a.repo.Completions(ctx, e.ID); err != nil {
				return err
			}
		}
		combined, err := a.repo.MoveBeneficiary(ctx, from, to)
		if err != nil {
			return err
		}
		byEvent := map[string][]domain.Combined{}
		for _, c := range combined {
			byEvent[c.EventID] = append(byEvent[c.EventID], c)
		}
		var evs []events.Event
		for i, e := range shared {
			after, err := a.repo.Completions(ctx, e.ID)
			if err != nil {
				return err
			}
			evs = append(evs, MergeEvents(e, byEvent[e.ID], &domain.Participant{BeneficiaryID: from}, &domain.Participant{BeneficiaryID: to},
				before[i], after, events.BeneficiaryMerged)...)
			delete(byEvent, e.ID)
		}
		if len(byEvent) > 0 {
			// Not read as shared, so not told: undone, the merge is retried.
			return fmt.Errorf("trainings: the merge of %s combined participations at %d events it had not read as shared", from, len(byEvent))
		}
		return a.repo.Emit(ctx, evs...)
	})
}

// MergeEvents are the events of a merge of two records of one person
// (merged into survivor: participants naming only the person) at event e,
// which combined the participations cs there, the completions of the two
// records' participations at e being before and after: for each, the
// merged record's participation went (participant.deleted, naming the
// survivor's participation) and the survivor's took its certificate where
// it held none (participant.certified); then the completion flips. cause
// is the type of the event telling of the merge (beneficiary.merged), or
// "" for a merge none tells (a migration's of professional records): then
// participant.deleted has no cause, and the events after it name it.
func MergeEvents(e *domain.TrainingEvent, cs []domain.Combined, merged, survivor *domain.Participant, before, after []domain.Completion, cause string) []events.Event {
	flip := cause
	if flip == "" {
		flip = events.ParticipantDeleted
	}
	var evs []events.Event
	for _, c := range cs {
		gone, kept := *merged, *survivor
		gone.ID, kept.ID = c.ParticipantID, c.SurvivorID
		ev := participantEvent(events.ParticipantDeleted, e, &gone)
		setIDs(ev.Data, map[string]string{"survivor_participant_id": c.SurvivorID, "cause": cause})
		evs = append(evs, ev)
		if c.CertificateMoved {
			ev := participantEvent(events.ParticipantCertified, e, &kept)
			ev.Data["cause"] = flip
			evs = append(evs, ev)
		}
	}
	completed, withdrawn := domain.CompletionChanges(before, after)
	return append(evs, completionEvents(e, completed, append(withdrawn, domain.CompletionsGone(before, after)...), flip)...)
}

// CountParticipants counts the unique participants of a kind
// (professionals, beneficiaries) who reached a stage (registered, trained,
// certified) at the events of a project, across all organisers. It returns
// counts only, never personal data.
//
// Beneficiary participants by sex, age band and legal status are counted
// by the beneficiaries service, which holds the persons: this service
// sends it the participants' ids in cohorts (one per combination of the
// other dimensions asked for), each with the organisers who registered
// them at events and the year the first of those events started (the
// year their age is taken in), and gets counts back. No personal data is
// copied here.
func (a *App) CountParticipants(ctx context.Context, q aggregate.Query, kind, stage string) (aggregate.Aggregate, error) {
	if err := domain.ValidateCount(kind, stage); err != nil {
		return aggregate.Aggregate{}, err
	}
	if kind != domain.KindBeneficiary {
		return a.repo.CountParticipants(ctx, q, kind, stage, nil)
	}
	if err := q.Check(beneficiaryDimensions); err != nil {
		return aggregate.Aggregate{}, err
	}
	kinds, err := a.organiserKinds(ctx, q)
	if err != nil {
		return aggregate.Aggregate{}, err
	}
	var own, person []string
	for _, g := range q.Dimensions() {
		if slices.Contains(domain.PersonDimensions, g) {
			person = append(person, g)
		} else {
			own = append(own, g)
		}
	}
	if len(person) == 0 {
		return a.repo.CountParticipants(ctx, q, kind, stage, kinds)
	}
	if sets := q.Sets(); len(sets) > 1 {
		// The person's data is the beneficiaries service's: each
		// breakdown is counted on its own, the total with the first.
		var out aggregate.Aggregate
		for i, set := range sets {
			one := aggregate.Query{ProjectID: q.ProjectID, From: q.From, To: q.To, GroupBy: set}
			agg, err := a.CountParticipants(ctx, one, kind, stage)
			if err != nil {
				return aggregate.Aggregate{}, err
			}
			if i == 0 {
				out.Total = agg.Total
			}
			out.Groups = append(out.Groups, agg.Groups...)
		}
		out.Sort()
		return out, nil
	}
	oq := aggregate.Query{ProjectID: q.ProjectID, From: q.From, To: q.To, GroupBy: own}
	cohorts, err := a.repo.BeneficiaryCohorts(ctx, oq, stage, kinds)
	if err != nil || len(cohorts) == 0 {
		return aggregate.Aggregate{}, err
	}
	agg, err := a.beneficiaries.CountCohorts(ctx, cohorts, person)
	if err != nil {
		return aggregate.Aggregate{}, err
	}
	agg.Total = domain.CountMembers(cohorts)
	return agg, nil
}

// beneficiaryDimensions checks the dimensions of a count of beneficiary
// participants (only the names matter).
var beneficiaryDimensions = func() aggregate.Dimensions {
	d := aggregate.Dimensions{}
	for _, g := range domain.BeneficiaryDimensions {
		d[g] = g
	}
	return d
}()

// organiserKinds maps the organisers of the project's events in the
// period to their kinds in the directory, when q asks for beneficiary
// participants by organisation kind (nil otherwise). An organiser the
// directory does not list has no kind (counted as unknown).
func (a *App) organiserKinds(ctx context.Context, q aggregate.Query) (map[string]string, error) {
	if !slices.Contains(q.Dimensions(), domain.DimOrganisationKind) {
		return nil, nil
	}
	orgs, err := a.repo.ProjectOrganisers(ctx, q)
	if err != nil {
		return nil, err
	}
	kinds := make(map[string]string, len(orgs))
	for _, org := range orgs {
		kind, err := a.dir.OrganisationKind(ctx, org)
		if errors.Is(err, errs.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		kinds[org] = kind
	}
	return kinds, nil
}

// CountTrainingEvents counts the events held under a project in the
// period: those started by today (domain.HeldBy).
func (a *App) CountTrainingEvents(ctx context.Context, q aggregate.Query) (aggregate.Aggregate, error) {
	q.To = domain.HeldBy(q.To, a.today())
	return a.repo.CountTrainingEvents(ctx, q)
}
