// Package app holds the reporting use cases. It enforces who may see and
// change what, delegates storage to a Repository and asks the other services
// for their aggregates through the Sources interface.
package app

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/etag"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/services/reporting/internal/domain"
)

// Repository stores projects and indicators: the ports of the use cases
// together, which one adapter implements. Each use case needs only its
// part, so a test fakes only that. Writes with a version fail with
// etag.Mismatch when the stored version differs.
type Repository interface {
	ProjectStore
	IndicatorStore
	AuditStore
}

// ProjectStore stores projects. Reads take the viewing organisation and
// return only projects it implements or participates in; another
// organisation's project is reported as not found.
type ProjectStore interface {
	// CreateProject inserts p with its audit record change and evs,
	// unless requestID was seen before (then the first result is returned
	// and nothing written).
	CreateProject(ctx context.Context, p *domain.Project, requestID string, change domain.Change, evs ...events.Event) (*domain.Project, error)
	GetProject(ctx context.Context, viewer, id string) (*domain.Project, error)
	ListProjects(ctx context.Context, viewer string, p pagination.Page) ([]*domain.Project, error)
	// UpdateProject stores p with its audit record change and evs.
	UpdateProject(ctx context.Context, p *domain.Project, version int64, change domain.Change, evs ...events.Event) (*domain.Project, error)
	// DeleteProject deletes the project with its indicators, leaving the
	// trail each indicator's deletion leaves: per indicator the audit
	// record change (its indicator id and before set, as DeleteIndicator
	// sets them) and indicatorDeleted (its AggregateID and data's
	// indicator_id set), then the project's audit record deleted, its
	// before the project's figures (domain.Project.Figures) as deleted,
	// and evs.
	DeleteProject(ctx context.Context, id string, version int64, deleted domain.Change, change domain.Change, indicatorDeleted events.Event, evs ...events.Event) error
}

// IndicatorStore stores the indicators of projects and their recorded
// values. Each write stores its audit record (change) and its events in
// its transaction; a retried create neither. A deletion sets its audit
// record's before to what it removed (domain.Indicator.Removed: the
// figures and recorded values), read once the indicator is locked: what
// the row held when deleted, whichever version it was.
type IndicatorStore interface {
	CreateIndicator(ctx context.Context, in *domain.Indicator, requestID string, change domain.Change, evs ...events.Event) (*domain.Indicator, error)
	GetIndicator(ctx context.Context, projectID, id string) (*domain.Indicator, error)
	// ListIndicators returns the project as viewer may read it
	// (errs.NotFound when it may not: see ProjectStore) and a page of its
	// indicators by code, at once; ListAllIndicators returns all of them.
	ListIndicators(ctx context.Context, viewer, projectID string, p pagination.Page) (*domain.Project, []*domain.Indicator, error)
	ListAllIndicators(ctx context.Context, projectID string) ([]*domain.Indicator, error)
	UpdateIndicator(ctx context.Context, in *domain.Indicator, version int64, change domain.Change, evs ...events.Event) (*domain.Indicator, error)
	DeleteIndicator(ctx context.Context, projectID, id string, version int64, change domain.Change, evs ...events.Event) error
	// RecordValue stores v with its recorder (v.Recorder; the time is the
	// transaction's).
	RecordValue(ctx context.Context, projectID, indicatorID string, v domain.Value, version int64, change domain.Change, evs ...events.Event) (*domain.Indicator, error)
}

// Query asks a source for a count over a project's records in a period.
type Query struct {
	ProjectID string
	From, To  date.Date
	GroupBy   []string
	// Each counts every dimension of GroupBy on its own (each group is
	// labelled with its one dimension), in one call with the total: a
	// report's breakdowns of one indicator and its total are of the same
	// records, counted in one snapshot of the source.
	Each bool
	// Also are further breakdowns counted in the same call, each by its
	// dimensions together (a nested breakdown: the dimension and its
	// parent's).
	Also [][]string
}

// Sources are the other services' aggregate RPCs. They run as the caller
// (the principal travels with ctx). Errors are classified:
// errs.KindUnavailable when a service cannot be reached, internal otherwise.
type Sources interface {
	// CountAssisted counts unique beneficiaries assisted.
	CountAssisted(ctx context.Context, q Query) (aggregate.Aggregate, error)
	// CountParticipants counts the unique participants of the project's
	// events who got as far as p says.
	CountParticipants(ctx context.Context, q Query, p domain.Participation) (aggregate.Aggregate, error)
	// CountEvents counts training events held.
	CountEvents(ctx context.Context, q Query) (aggregate.Aggregate, error)
	// CountReferrals counts referrals that reached stage.
	CountReferrals(ctx context.Context, q Query, stage ReferralStage) (aggregate.Aggregate, error)
}

// ReferralStage is how far the referrals counted got. Which statuses make
// a stage is the referrals service's knowledge, not reporting's.
type ReferralStage int

// Referral stages.
const (
	ReferralsSent      ReferralStage = iota // every referral sent
	ReferralsAccepted                       // accepted, by the day accepted (cancelled since or not)
	ReferralsCompleted                      // completed
)

// Directory reads the organisation directory (the referrals service), as
// the caller. Errors are classified: an organisation the directory does not
// list is errs.KindNotFound, an outage errs.KindUnavailable.
type Directory interface {
	Organisation(ctx context.Context, id string) (domain.DirectoryOrganisation, error)
	Service(ctx context.Context, id string) (domain.DirectoryService, error)
}

// App is the reporting application.
type App struct {
	repo      Repository
	sources   Sources
	directory Directory
	now       func() time.Time
	zone      *time.Location
}

// New returns the application.
func New(repo Repository, sources Sources, directory Directory) *App {
	zone, _ := aggregate.LoadZone("") // built in (time/tzdata)
	return &App{repo: repo, sources: sources, directory: directory, now: time.Now, zone: zone}
}

// SetReportZone sets the time zone whose calendar day "today" is (what a
// project's dates and an IATI export's actual dates are checked against):
// by default aggregate.DefaultReportZone, in which counts put days.
func (a *App) SetReportZone(zone *time.Location) { a.zone = zone }

// today is the current date in the report time zone.
func (a *App) today() date.Date { return aggregate.Today(a.zone, a.now()) }

// CreateProject records a project implemented by the caller's organisation.
func (a *App) CreateProject(ctx context.Context, p auth.Principal, pr *domain.Project, requestID string) (*domain.Project, error) {
	pr.Normalize()
	if err := pr.Validate(a.today()); err != nil {
		return nil, err
	}
	pr.ID = ids.New()
	pr.ImplementingOrganisationID = p.OrganisationID
	c := change(p, domain.ActionProjectCreate)
	c.After = pr.Figures()
	out, err := a.repo.CreateProject(ctx, pr, requestID, c, projectEvent(events.ProjectCreated, pr, nil))
	if err == nil && out.ID != pr.ID && !out.SameRequest(pr) {
		// Not a retry: another project must not be answered as if this
		// one were made.
		return nil, errs.RequestIDReused("create project " + out.ID + " with other data")
	}
	return out, err
}

// projectEvent is event typ of pr, concerning its implementing and
// participating organisations.
func projectEvent(typ string, pr *domain.Project, fields []string) events.Event {
	data := map[string]any{"project_id": pr.ID}
	if fields != nil {
		data["fields"] = fields
	}
	return events.Event{Type: typ, AggregateType: events.AggregateProject, AggregateID: pr.ID, OrganisationIDs: pr.Readers(), Data: data}
}

// GetProject returns a project the caller implements or participates in.
func (a *App) GetProject(ctx context.Context, p auth.Principal, id string) (*domain.Project, error) {
	return a.readable(ctx, p, "id", id)
}

// readable returns a project the caller may read; field names the
// request's field that holds id (a malformed id is its violation).
func (a *App) readable(ctx context.Context, p auth.Principal, field, id string) (*domain.Project, error) {
	if err := ids.Check(field, id); err != nil {
		return nil, err
	}
	return a.repo.GetProject(ctx, p.OrganisationID, ids.Normalize(id))
}

// project returns a project the caller may change.
func (a *App) project(ctx context.Context, p auth.Principal, field, id string) (*domain.Project, error) {
	if err := ids.Check(field, id); err != nil {
		return nil, err
	}
	pr, err := a.repo.GetProject(ctx, p.OrganisationID, ids.Normalize(id))
	if err != nil {
		return nil, err
	}
	if !pr.CanChange(p.OrganisationID) {
		return nil, errs.PermissionDenied("only the implementing organisation may change project %s", pr.ID)
	}
	return pr, nil
}

// CheckParticipation reports whether the caller may tag records with a
// project and, when it may not, why (see domain.Project.MayTag). A project
// the caller cannot read is answered like one it does not take part in.
func (a *App) CheckParticipation(ctx context.Context, p auth.Principal, projectID string) (bool, string, error) {
	if err := ids.Check("project_id", projectID); err != nil {
		return false, "", err
	}
	pr, err := a.repo.GetProject(ctx, p.OrganisationID, ids.Normalize(projectID))
	if errors.Is(err, errs.ErrNotFound) {
		return false, domain.ReasonNotParticipant, nil
	}
	if err != nil {
		return false, "", err
	}
	ok, reason := pr.MayTag(p.OrganisationID)
	return ok, reason, nil
}

// ListProjects lists the projects the caller implements or participates
// in, newest first.
func (a *App) ListProjects(ctx context.Context, p auth.Principal, size int32, token string) ([]*domain.Project, string, error) {
	page, err := pagination.Parse(size, token, pagination.UUIDKey, p.OrganisationID, pagination.Fingerprint())
	if err != nil {
		return nil, "", err
	}
	rows, err := a.repo.ListProjects(ctx, p.OrganisationID, page)
	if err != nil {
		return nil, "", err
	}
	rows, next := pagination.Next(page, rows, func(x *domain.Project) string { return x.ID })
	return rows, next, nil
}

// UpdateProject changes the fields named in paths (pkg/fieldmask) of a
// project the caller implements, if tag is the etag of the stored version.
// Its project.updated event concerns the readers before and after the
// change (a partner or funder taken off is told of it).
func (a *App) UpdateProject(ctx context.Context, p auth.Principal, in *domain.Project, tag string, paths []string) (*domain.Project, error) {
	cur, err := a.project(ctx, p, "project.id", in.ID)
	if err != nil {
		return nil, err
	}
	readers := cur.Readers()
	before := cur.Figures()
	named, err := cur.Apply(in, paths)
	if err != nil {
		return nil, err
	}
	cur.Normalize()
	if err := cur.Validate(a.today()); err != nil {
		return nil, err
	}
	if err := etag.Require("project.etag", tag, cur.Version); err != nil {
		return nil, err
	}
	// The change concerns the readers before it too: one taken off the
	// project is told, and no longer reads it.
	ev := projectEvent(events.ProjectUpdated, cur, named)
	for _, r := range readers {
		if !slices.Contains(ev.OrganisationIDs, r) {
			ev.OrganisationIDs = append(ev.OrganisationIDs, r)
		}
	}
	c := change(p, domain.ActionProjectUpdate)
	c.Fields = named
	c.Before, c.After = before.Changed(cur.Figures())
	return a.repo.UpdateProject(ctx, cur, cur.Version, c, ev)
}

// DeleteProject deletes a project the caller implements, with its
// indicators, if tag (when given) is the etag of the stored version. Its
// readers (partners and funders) are told by a project.deleted event, as
// they are of its creation and changes. Each indicator goes as if deleted
// on its own before: audited (indicator.delete, by the caller) and an
// indicator.deleted event to the same readers, in the same transaction.
func (a *App) DeleteProject(ctx context.Context, p auth.Principal, id, tag string) error {
	pr, err := a.project(ctx, p, "id", id)
	if err != nil {
		return err
	}
	version, err := checked("etag", tag, pr.Version)
	if err != nil {
		return err
	}
	return a.repo.DeleteProject(ctx, pr.ID, version, change(p, domain.ActionProjectDelete), change(p, domain.ActionIndicatorDelete),
		indicatorEvent(events.IndicatorDeleted, pr, ""), projectEvent(events.ProjectDeleted, pr, nil))
}

// checked returns the version a delete is guarded by: version when tag,
// the etag given, is its etag, 0 (any) when none is given.
func checked(field, tag string, version int64) (int64, error) {
	if err := etag.Match(field, tag, version); err != nil || tag == "" {
		return 0, err
	}
	return version, nil
}

// CreateIndicator adds an indicator to a project the caller implements.
func (a *App) CreateIndicator(ctx context.Context, p auth.Principal, projectID string, in *domain.Indicator, requestID string) (*domain.Indicator, error) {
	pr, err := a.project(ctx, p, "project_id", projectID)
	if err != nil {
		return nil, err
	}
	in.Normalize()
	if err := in.Validate(); err != nil {
		return nil, err
	}
	in.ID = ids.New()
	in.ProjectID = pr.ID
	c := change(p, domain.ActionIndicatorCreate)
	c.After = in.Figures()
	out, err := a.repo.CreateIndicator(ctx, in, requestID, c,
		indicatorEvent(events.IndicatorCreated, pr, in.ID))
	if err == nil && out.ID != in.ID && !out.SameRequest(in) {
		return nil, errs.RequestIDReused("create indicator " + out.ID + " with other data")
	}
	return out, err
}

// change is the audit record of action (on a project, an indicator or
// a value) by p.
func change(p auth.Principal, action string) domain.Change {
	return domain.Change{Action: action, ActorOrganisationID: p.OrganisationID, ActorClientID: p.ClientID}
}

// indicatorEvent is event typ of indicator id of pr, concerning the
// project's readers: the organisations that may read its report.
func indicatorEvent(typ string, pr *domain.Project, id string) events.Event {
	return events.Event{Type: typ, AggregateType: events.AggregateIndicator, AggregateID: id, OrganisationIDs: pr.Readers(),
		Data: map[string]any{"project_id": pr.ID, "indicator_id": id}}
}

// GetIndicator returns an indicator of a project the caller may read.
func (a *App) GetIndicator(ctx context.Context, p auth.Principal, projectID, id string) (*domain.Indicator, error) {
	pr, err := a.readable(ctx, p, "project_id", projectID)
	if err != nil {
		return nil, err
	}
	if err := ids.Check("id", id); err != nil {
		return nil, err
	}
	in, err := a.repo.GetIndicator(ctx, pr.ID, ids.Normalize(id))
	if err != nil {
		return nil, err
	}
	suppressValues(p, pr, in)
	return in, nil
}

// suppressValues hides, from a reader other than the implementing
// organisation, the recorded values of an indicator counting persons that
// its reports would (domain.Indicator.SuppressValues): at the reader's
// threshold, against the planned span's total, the one report such a
// reader gets; and withholds every value's comment (it may say who was
// counted). The implementing organisation reads what it recorded. The
// API client that recorded a value is the implementing organisation's
// business: withheld from every other reader (the organisation and time
// stay).
func suppressValues(p auth.Principal, pr *domain.Project, in *domain.Indicator) {
	if p.OrganisationID == pr.ImplementingOrganisationID {
		return
	}
	for i := range in.Values {
		in.Values[i].Recorder.ClientID = ""
	}
	threshold, err := pr.ThresholdFor(p.OrganisationID, false)
	if err != nil {
		threshold = domain.MinThreshold // not reached: only unsuppressed is refused
	}
	in.SuppressValues(pr.PlannedStart, pr.PlannedEnd, threshold)
}

// ListIndicators lists a readable project's indicators by code.
func (a *App) ListIndicators(ctx context.Context, p auth.Principal, projectID string, size int32, token string) ([]*domain.Indicator, string, error) {
	// The token first: another organisation's is refused as such, before
	// the project is looked for.
	page, err := pagination.Parse(size, token, pagination.TextKey, p.OrganisationID, pagination.Fingerprint(ids.Normalize(projectID)))
	if err != nil {
		return nil, "", err
	}
	if err := ids.Check("project_id", projectID); err != nil {
		return nil, "", err
	}
	pr, rows, err := a.repo.ListIndicators(ctx, p.OrganisationID, ids.Normalize(projectID), page)
	if err != nil {
		return nil, "", err
	}
	rows, next := pagination.Next(page, rows, func(x *domain.Indicator) string { return x.Code })
	for _, in := range rows {
		suppressValues(p, pr, in)
	}
	return rows, next, nil
}

// indicator returns an indicator of a project the caller may change, with
// its project; fields name the request's fields holding projectID and id.
func (a *App) indicator(ctx context.Context, p auth.Principal, fields [2]string, projectID, id string) (*domain.Project, *domain.Indicator, error) {
	pr, err := a.project(ctx, p, fields[0], projectID)
	if err != nil {
		return nil, nil, err
	}
	if err := ids.Check(fields[1], id); err != nil {
		return nil, nil, err
	}
	in, err := a.repo.GetIndicator(ctx, pr.ID, ids.Normalize(id))
	return pr, in, err
}

// UpdateIndicator changes the fields named in paths (pkg/fieldmask) of an
// indicator, if tag is the etag of the stored version.
func (a *App) UpdateIndicator(ctx context.Context, p auth.Principal, in *domain.Indicator, tag string, paths []string) (*domain.Indicator, error) {
	pr, cur, err := a.indicator(ctx, p, [2]string{"indicator.project_id", "indicator.id"}, in.ProjectID, in.ID)
	if err != nil {
		return nil, err
	}
	wasAdditive := cur.Additive()
	before := cur.Figures()
	named, err := cur.Apply(in, paths)
	if err != nil {
		return nil, err
	}
	cur.Normalize()
	if err := cur.ValidateChange(wasAdditive, named); err != nil {
		return nil, err
	}
	if err := etag.Require("indicator.etag", tag, cur.Version); err != nil {
		return nil, err
	}
	c := change(p, domain.ActionIndicatorUpdate)
	c.Fields = named
	c.Before, c.After = before.Changed(cur.Figures())
	ev := indicatorEvent(events.IndicatorUpdated, pr, cur.ID)
	ev.Data["fields"] = named
	return a.repo.UpdateIndicator(ctx, cur, cur.Version, c, ev)
}

// DeleteIndicator deletes an indicator with its recorded values, if tag
// (when given) is the etag of the stored version.
func (a *App) DeleteIndicator(ctx context.Context, p auth.Principal, projectID, id, tag string) error {
	pr, in, err := a.indicator(ctx, p, [2]string{"project_id", "id"}, projectID, id)
	if err != nil {
		return err
	}
	version, err := checked("etag", tag, in.Version)
	if err != nil {
		return err
	}
	return a.repo.DeleteIndicator(ctx, in.ProjectID, in.ID, version, change(p, domain.ActionIndicatorDelete),
		indicatorEvent(events.IndicatorDeleted, pr, in.ID))
}

// RecordValue records the value of a manual indicator for a period,
// replacing the value recorded before for the same period. The value is
// checked against the indicator as read and stored only if nothing
// changed it since (another value recorded at the same moment, for a
// period this one overlaps); if something did, it is read and checked
// again, as if the two calls had come one after the other. The caller is
// kept as the value's recorder; the change is audited (value.record, or
// value.correct when it replaces the period's value, with the values
// before and after) and is an indicator.value_recorded or
// indicator.value_corrected event, in the transaction of the change. The
// period's value recorded again as it is (the same number and comment: a
// retry whose answer was lost) changes nothing: it is answered with the
// indicator as stored, the first recorder and time kept, and is neither
// audited nor an event. A comment changed alone is a correction (the
// value before and after the same).
func (a *App) RecordValue(ctx context.Context, p auth.Principal, projectID, id string, v domain.Value) (*domain.Indicator, error) {
	v.Value = strings.TrimSpace(v.Value)
	v.Comment = strings.TrimSpace(v.Comment)
	v.Recorder = domain.Recorder{OrganisationID: p.OrganisationID, ClientID: p.ClientID}
	var err error
	for range recordAttempts {
		var pr *domain.Project
		var in *domain.Indicator
		if pr, in, err = a.indicator(ctx, p, [2]string{"project_id", "indicator_id"}, projectID, id); err != nil {
			return nil, err
		}
		if err = in.ValidateValue(v); err != nil {
			return nil, err
		}
		if in.Repeats(v) {
			// A retry (or the same figure sent twice): nothing to
			// change, record, audit or tell.
			return in, nil
		}
		// The values as read are those the write finds: it is made only
		// if the indicator's version is still the one read.
		c, typ := change(p, domain.ActionValueRecord), events.IndicatorValueRecorded
		if old, ok := in.Period(v); ok {
			c.Action, c.ValueBefore, typ = domain.ActionValueCorrect, old.Value, events.IndicatorValueCorrected
		}
		c.Start, c.End, c.ValueAfter = v.Start, v.End, v.Value
		ev := indicatorEvent(typ, pr, in.ID)
		ev.Data["period_start"], ev.Data["period_end"], ev.Data["organisation_id"] = v.Start.String(), v.End.String(), p.OrganisationID
		var out *domain.Indicator
		out, err = a.repo.RecordValue(ctx, in.ProjectID, in.ID, v, in.Version, c, ev)
		var e *errs.Error
		if !errors.As(err, &e) || e.Reason != etag.ReasonMismatch {
			return out, err
		}
	}
	return nil, errs.ConcurrentUpdate(err)
}

// recordAttempts bounds the reads and checks of one RecordValue that
// other changes of the indicator overtake.
const recordAttempts = 5
