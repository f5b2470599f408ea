// Package app holds the beneficiaries use cases. It enforces who may see
// what, writes the audit log of every read and change of personal data, and
// delegates storage to a Repository.
package app

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spona/spona/pkg/aggregate"
	auditlog "github.com/spona/spona/pkg/audit"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/etag"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/intconv"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
)

// ReadAudit is the audit record of one read: who, the action, and the
// fields read by the registering organisation or by a grantee.
type ReadAudit struct {
	Actor                      Actor
	Action                     string
	OwnerFields, GrantedFields []string
}

// Directory is the service directory of the referrals service, read as
// the calling organisation. A service it does not list is
// errs.KindNotFound; an outage errs.KindUnavailable.
type Directory interface {
	Service(ctx context.Context, id string) (domain.DirectoryService, error)
}

// Actor is who calls and why: the verified principal and the purpose it
// declared (recorded in the audit log).
type Actor = auditlog.Actor

// Projects is the reporting service's word on who may tag records with a
// project. CheckTag runs as the organisation in ctx: nil when it may,
// errs.KindPermissionDenied (with the reason) when it may not,
// errs.KindUnavailable when the answer cannot be had.
type Projects interface {
	CheckTag(ctx context.Context, projectID string) error
}

// referralsProcess is the process that records the assistance of a
// referral it completes (see CreateAssistance).
const referralsProcess = "referrals"

// App is the beneficiaries application.
type App struct {
	repo      Repository
	projects  Projects
	directory Directory
	today     func() date.Date
	zone      *time.Location // today's
	now       func() time.Time
	// maxIndexed: see SetDuplicateIndexLimit.
	maxIndexed int
}

// New returns the application over repo, asking projects who may tag
// records with a project and checking the services assistance records name
// against directory.
func New(repo Repository, projects Projects, directory Directory) *App {
	a := &App{repo: repo, projects: projects, directory: directory, now: func() time.Time { return time.Now().UTC() },
		maxIndexed: maxIndexedPersons}
	zone, _ := aggregate.LoadZone("") // built in (time/tzdata)
	a.SetReportZone(zone)
	return a
}

// SetReportZone sets the time zone whose calendar day "today" is (the day
// a legal status recorded without legal_status_since starts on, and the
// bound of birth dates): by default the report time zone
// aggregate.DefaultReportZone, in which counts put days.
func (a *App) SetReportZone(zone *time.Location) {
	a.zone = zone
	a.today = func() date.Date { return aggregate.Today(zone, a.now()) }
}

// Now is the application's clock.
func (a *App) Now() time.Time { return a.now() }

// audit appends one record per beneficiary, in the caller's transaction, so
// personal data is never returned or changed without its record.
func audit(ctx context.Context, r AuditStore, act Actor, action string, fields []string, bs ...*domain.Beneficiary) error {
	if len(bs) == 0 {
		return nil
	}
	subjects := make([]auditlog.Subject, len(bs))
	for i, b := range bs {
		subjects[i] = auditlog.Subject{BeneficiaryID: b.ID, OwnerOrganisationID: b.OrganisationID}
	}
	return r.AppendAudit(ctx, act.Records(action, fields, "", subjects...))
}

// CreateBeneficiary registers b (with its documents) for the caller's
// organisation: the inserts, the audit record and the event go to the
// database together, with the commit. A retry with the same request id
// returns the first result.
func (a *App) CreateBeneficiary(ctx context.Context, act Actor, b *domain.Beneficiary, requestID string) (*domain.Beneficiary, error) {
	b.Normalize()
	today := a.today()
	if err := b.Validate("beneficiary.", today); err != nil {
		return nil, err
	}
	b.ID = ids.New()
	b.OrganisationID = act.OrganisationID
	var out *domain.Beneficiary
	err := a.repo.InTx(ctx, func(r Repository) error {
		var err error
		out, err = createIn(ctx, r, act, b, requestID, today)
		return err
	})
	if requestID != "" && errors.Is(err, errs.ErrAlreadyExists) {
		// A retry (PostgreSQL may name another unique key than the
		// request id's): the first result, as it is now, when the request
		// asks for it again.
		first, ferr := a.createdBy(ctx, act, requestID, b)
		switch {
		case ferr == nil:
			return first, nil
		case !errors.Is(ferr, errs.ErrNotFound):
			return nil, ferr
		}
	}
	if err != nil {
		return nil, a.externalIDTaken(ctx, act.OrganisationID, b.ExternalID, b.ID, err)
	}
	// The history row was written in the record's transaction: its time is
	// the record's.
	for i := range out.LegalStatusHistory {
		out.LegalStatusHistory[i].RecordTime = out.CreateTime
	}
	return out, nil
}

// externalIDTaken is err, the failure of a create or update of record
// self with externalID, as the refusal of that external_id naming the
// record that has it when err is a unique violation and another record of
// org has it; err otherwise (another key's violation, or the other record
// changed since).
func (a *App) externalIDTaken(ctx context.Context, org, externalID, self string, err error) error {
	if externalID == "" || !errors.Is(err, errs.ErrAlreadyExists) {
		return err
	}
	taken, terr := a.repo.ExternalIDsTaken(ctx, org, []string{externalID})
	if holder, ok := taken[externalID]; terr == nil && ok && holder != self {
		return domain.ExternalIDTaken("beneficiary.external_id", holder)
	}
	return err
}

// createdBy returns what the caller's organisation created with requestID,
// as it is now, when asked is a retry of that create: a read, audited.
// Another person (or other data) is refused REQUEST_ID_REUSED, unread:
// answering the first record would tell the caller the new one was
// registered.
func (a *App) createdBy(ctx context.Context, act Actor, requestID string, asked *domain.Beneficiary) (*domain.Beneficiary, error) {
	var out *domain.Beneficiary
	err := a.repo.InTx(ctx, func(r Repository) error {
		first, err := r.BeneficiaryByRequest(ctx, act.OrganisationID, requestID)
		if err != nil {
			return err
		}
		if err := r.LoadDetails(ctx, first); err != nil {
			return err
		}
		if !first.SameRequest(asked) {
			return errs.RequestIDReused("register beneficiary " + first.ID + " with other data")
		}
		out = first
		return audit(ctx, r, act, domain.ActionRead, domain.ViewFields(domain.AccessOwner), out)
	})
	return out, err
}

// createIn stores a validated b (its id and organisation set) with its
// legal status and documents and audits the create, in r's transaction
// (the API's create and each row of an import go through it). The returned
// record, with its details, is complete once the transaction has committed;
// until then only b's id and organisation are known.
func createIn(ctx context.Context, r creator, act Actor, b *domain.Beneficiary, requestID string, today date.Date) (*domain.Beneficiary, error) {
	out, err := r.CreateBeneficiary(ctx, b, requestID)
	if err != nil {
		return nil, err
	}
	if b.LegalStatus != "" {
		since := b.LegalStatusSince
		if since.IsZero() {
			since = today
		}
		change := domain.LegalStatusChange{ID: ids.New(), LegalStatus: b.LegalStatus, Since: since, OrganisationID: act.OrganisationID}
		if err := r.AddLegalStatus(ctx, b.ID, change); err != nil {
			return nil, err
		}
		out.LegalStatusHistory = []domain.LegalStatusChange{change}
	}
	docs := make([]*domain.Document, 0, len(b.Documents))
	for _, d := range b.Documents {
		d.ID, d.BeneficiaryID, d.OrganisationID = ids.New(), b.ID, act.OrganisationID
		doc, err := r.CreateDocument(ctx, d)
		if err != nil {
			return nil, err
		}
		docs = append(docs, doc)
	}
	// As LoadDetails lists them: by id.
	slices.SortFunc(docs, func(x, y *domain.Document) int { return strings.Compare(x.ID, y.ID) })
	out.Documents = docs
	if err := audit(ctx, r, act, domain.ActionCreate, domain.ViewFields(domain.AccessOwner), b); err != nil {
		return nil, err
	}
	return out, r.Emit(ctx, beneficiaryEvent(events.BeneficiaryCreated, b.ID, []string{b.OrganisationID}, nil))
}

// creator is what a create writes to.
type creator interface {
	PersonStore
	DocumentStore
	AuditStore
	Outbox
}

// readable returns a beneficiary the caller may see: NotFound otherwise, and
// FailedPrecondition naming the survivor for a merged record.
func readable(ctx context.Context, r PersonStore, act Actor, field, id string) (*domain.Beneficiary, error) {
	return find(ctx, r, act, field, id, 0)
}

// find is readable with the row locked as lock says (0: not locked).
func find(ctx context.Context, r PersonStore, act Actor, field, id string, lock Lock) (*domain.Beneficiary, error) {
	if err := ids.Check(field, id); err != nil {
		return nil, err
	}
	var b *domain.Beneficiary
	var err error
	if lock == 0 {
		b, err = r.GetBeneficiary(ctx, act.OrganisationID, ids.Normalize(id))
	} else {
		b, err = r.LockBeneficiary(ctx, act.OrganisationID, ids.Normalize(id), lock)
	}
	if err != nil {
		return nil, err
	}
	if b.MergedInto != "" {
		return nil, errs.FailedPrecondition("BENEFICIARY_MERGED", "beneficiary %s was merged into %s", b.ID, b.MergedInto)
	}
	return b, nil
}

// owned is readable restricted to the registering organisation: one that
// sees the record only through an access grant gets PermissionDenied.
func owned(ctx context.Context, r PersonStore, act Actor, field, id string) (*domain.Beneficiary, error) {
	return ownerOnly(readable(ctx, r, act, field, id))
}

func ownerOnly(b *domain.Beneficiary, err error) (*domain.Beneficiary, error) {
	if err == nil && b.Access != domain.AccessOwner {
		return nil, errs.PermissionDenied("only the registering organisation may do this")
	}
	return b, err
}

// live is owned, refusing an erased record.
func live(ctx context.Context, r PersonStore, act Actor, field, id string) (*domain.Beneficiary, error) {
	return unerased(owned(ctx, r, act, field, id))
}

func unerased(b *domain.Beneficiary, err error) (*domain.Beneficiary, error) {
	if err == nil && !b.EraseTime.IsZero() {
		return nil, errs.FailedPrecondition("BENEFICIARY_ERASED", "beneficiary %s was erased", b.ID)
	}
	return b, err
}

// writable is live for a write about the person: the row stays locked as
// lock says until the transaction ends, so that the person is not erased
// (or merged away) between this check and the commit (see Lock).
func writable(ctx context.Context, r PersonStore, act Actor, field, id string, lock Lock) (*domain.Beneficiary, error) {
	return unerased(ownerOnly(find(ctx, r, act, field, id, lock)))
}

// GetBeneficiary returns a beneficiary visible to the caller; the read is
// audited in the statement that reads (a merged record, refused, is not).
func (a *App) GetBeneficiary(ctx context.Context, act Actor, id string) (*domain.Beneficiary, error) {
	if err := ids.Check("id", id); err != nil {
		return nil, err
	}
	id = ids.Normalize(id)
	b, err := a.repo.ReadAudited(ctx, act.OrganisationID, id, ReadAudit{Actor: act, Action: domain.ActionRead,
		OwnerFields: domain.ViewFields(domain.AccessOwner), GrantedFields: domain.ViewFields(domain.AccessGranted)})
	if errs.KindOf(err) == errs.KindNotFound {
		// A grantee reading the person by the id it was given, merged
		// since into a record it sees (the grant moved there): told where
		// the person is now, as the owner is, not that its access ended.
		survivor, serr := a.repo.SurvivorSeen(ctx, act.OrganisationID, id)
		if serr != nil {
			return nil, serr
		}
		if survivor != "" {
			return nil, errs.FailedPrecondition("BENEFICIARY_MERGED", "beneficiary %s was merged into %s", id, survivor)
		}
	}
	if err != nil {
		return nil, err
	}
	if b.MergedInto != "" {
		return nil, errs.FailedPrecondition("BENEFICIARY_MERGED", "beneficiary %s was merged into %s", b.ID, b.MergedInto)
	}
	if b.Access != domain.AccessOwner {
		b.Reduce()
	}
	return b, nil
}

// FillMunicipalityKeys keys the municipalities of records stored without
// a key, so the list's municipality filter finds them (the service runs it
// when it starts, before it serves).
func (a *App) FillMunicipalityKeys(ctx context.Context) (int, error) {
	return a.repo.FillMunicipalityKeys(ctx)
}

// EndOpenClears ends the legal statuses cleared before a clearing ended
// the status held (r14, as UpdateBeneficiary does since): each gets an
// entry of no status since the day (the report zone's) the audit log says
// the status was cleared, so counts by the status of a later day give
// none. A person whose clearing the audit log does not date (no change
// of legal_status audited after the status was recorded), or dates
// before the status began, is left as it is and counted in left: their
// clearing day cannot be known. The service runs it when it starts,
// before it serves; what it ended is not found again.
func (a *App) EndOpenClears(ctx context.Context) (ended, left int, err error) {
	err = a.repo.InTx(ctx, func(r Repository) error {
		open, err := r.LockOpenClears(ctx)
		if err != nil {
			return err
		}
		ends := map[string]domain.LegalStatusChange{}
		for _, o := range open {
			day := aggregate.Today(a.zone, o.Cleared)
			if o.Cleared.IsZero() || day.Before(o.Since) {
				left++
				continue
			}
			ends[o.BeneficiaryID] = domain.LegalStatusChange{Since: day, OrganisationID: o.OrganisationID}
		}
		if len(ends) == 0 {
			return nil
		}
		ended, err = r.EndOpenClears(ctx, ends)
		return err
	})
	return ended, left, err
}

// EndPastClears ends the legal statuses cleared before r13 that a new
// status followed (EndOpenClears ends those still cleared): without an
// entry for the clearing, the status cleared stayed the person's until
// the next one began, counted on days the person held none. Each gets an
// entry of no status since the day (the report zone's) of the clearing,
// recorded at the clearing's time, as UpdateBeneficiary records one
// since. A clearing dated before the status it cleared began, or on or
// after the start of a status recorded later (which then covers its
// day), is left as it is. The service runs it when it starts, before it
// serves; what it ended is not found again.
func (a *App) EndPastClears(ctx context.Context) (ended int, err error) {
	err = a.repo.InTx(ctx, func(r Repository) error {
		past, err := r.LockPastClears(ctx)
		if err != nil {
			return err
		}
		var ends []PastClear
		for _, p := range past {
			p.Day = aggregate.Today(a.zone, p.Cleared)
			if p.Day.Before(p.Since) || !p.Day.Before(p.Next) {
				continue
			}
			ends = append(ends, p)
		}
		if len(ends) == 0 {
			return nil
		}
		ended, err = r.EndPastClears(ctx, ends)
		return err
	})
	return ended, err
}

// ListBeneficiaries lists beneficiaries visible to the caller, newest first.
func (a *App) ListBeneficiaries(ctx context.Context, act Actor, f domain.ListFilter, size int32, token string) ([]*domain.Beneficiary, string, error) {
	f.Normalize()
	if err := f.Validate(); err != nil {
		return nil, "", err
	}
	page, err := pagination.Parse(size, token, pagination.UUIDKey, act.OrganisationID, pagination.Fingerprint(f))
	if err != nil {
		return nil, "", err
	}
	var rows []*domain.Beneficiary
	var next string
	err = a.repo.InTx(ctx, func(r Repository) error {
		all, err := r.ListBeneficiaries(ctx, act.OrganisationID, f, page)
		if err != nil {
			return err
		}
		rows, next = pagination.Next(page, all, func(b *domain.Beneficiary) string { return b.ID })
		return auditViews(ctx, r, act, domain.ActionList, rows)
	})
	return rows, next, err
}

// auditViews reduces grantee views and records one event per row.
func auditViews(ctx context.Context, r AuditStore, act Actor, action string, rows []*domain.Beneficiary) error {
	var owner, granted []*domain.Beneficiary
	for _, b := range rows {
		if b.Access == domain.AccessOwner {
			owner = append(owner, b)
		} else {
			b.Reduce()
			granted = append(granted, b)
		}
	}
	if err := audit(ctx, r, act, action, listFields(domain.AccessOwner), owner...); err != nil {
		return err
	}
	return audit(ctx, r, act, action, listFields(domain.AccessGranted), granted...)
}

// listFields are the fields a list or search returns (no details).
func listFields(access string) []string {
	var out []string
	for _, f := range domain.ViewFields(access) {
		switch f {
		case "legal_status_history", "documents", "household":
		default:
			out = append(out, f)
		}
	}
	return out
}

// UpdateBeneficiary changes the fields named by paths (pkg/fieldmask), if
// tag is the etag of the stored version.
func (a *App) UpdateBeneficiary(ctx context.Context, act Actor, id, tag string, patch *domain.Beneficiary, paths []string) (*domain.Beneficiary, error) {
	if err := ids.Check("beneficiary.id", id); err != nil {
		return nil, err
	}
	var out *domain.Beneficiary
	var externalID string // the one the record is to have
	err := a.repo.InTx(ctx, func(r Repository) error {
		b, err := writable(ctx, r, act, "beneficiary.id", id, LockPerson)
		if err != nil {
			return err
		}
		before := *b
		named, err := b.Apply(patch, paths)
		if err != nil {
			return err
		}
		b.Normalize()
		today := a.today()
		if err := b.ValidateChange(&before, named, "beneficiary.", today); err != nil {
			return err
		}
		if b.BirthChanged(&before) || b.LegalStatusSince != before.LegalStatusSince {
			// The person's documents and legal status history are not in
			// b: a new birth date (or year) is checked against the JMBGs
			// stored, as a create checks it, and the history against
			// both the birth and a corrected start of the status.
			held := &domain.Beneficiary{ID: b.ID, OrganisationID: b.OrganisationID}
			if err := r.LoadDetails(ctx, held); err != nil {
				return err
			}
			if b.BirthDate != before.BirthDate && !b.BirthDate.IsZero() || b.BirthYear != before.BirthYear && b.BirthYear != 0 {
				var v errs.Violations
				domain.CheckBirth(&v, "beneficiary.", b.BirthDate, b.BirthYear, held.Documents)
				if err := v.Err(); err != nil {
					return err
				}
			}
			if err := b.CheckHistory(&before, held.LegalStatusHistory, "beneficiary."); err != nil {
				return err
			}
		}
		if err := etag.Require("beneficiary.etag", tag, before.Version); err != nil {
			return err
		}
		if b.ExternalID != before.ExternalID {
			externalID = b.ExternalID
		}
		if out, err = r.UpdateBeneficiary(ctx, b, before.Version); err != nil {
			return err
		}
		if b.LegalStatus != "" && (b.LegalStatus != before.LegalStatus || b.LegalStatusSince != before.LegalStatusSince) {
			since := b.LegalStatusSince
			if since.IsZero() {
				since = today
			}
			change := domain.LegalStatusChange{LegalStatus: b.LegalStatus, Since: since, OrganisationID: act.OrganisationID}
			write := r.ChangeLegalStatus
			if b.LegalStatus == before.LegalStatus && !b.LegalStatusSince.IsZero() {
				// The same status from another day: a correction of
				// when it began, not a second period of it.
				write = r.CorrectLegalStatusSince
			}
			if err := write(ctx, out.ID, change); err != nil {
				return err
			}
		}
		if b.LegalStatus == "" && before.LegalStatus != "" {
			// Cleared: the status held ends today, and the history says
			// so with an entry of no status, so that the status of a day
			// after it is none (a status cleared on the day it began was
			// never held, as a correction of that day).
			change := domain.LegalStatusChange{Since: today, OrganisationID: act.OrganisationID}
			if err := r.ChangeLegalStatus(ctx, out.ID, change); err != nil {
				return err
			}
		}
		return updated(ctx, r, act, domain.ActionUpdate, domain.Changed(&before, b), out)
	})
	if err != nil {
		return nil, a.externalIDTaken(ctx, act.OrganisationID, externalID, ids.Normalize(id), err)
	}
	return out, nil
}

// SearchBeneficiaries finds beneficiaries visible to the caller by name,
// one page at a time (keyset on score and id).
func (a *App) SearchBeneficiaries(ctx context.Context, act Actor, query string, size int32, token string) ([]domain.Scored, string, error) {
	key, limit, err := domain.SearchQuery(query, size)
	if err != nil {
		return nil, "", err
	}
	page, after, err := scorePage(act, limit, token, "search", key)
	if err != nil {
		return nil, "", err
	}
	// One statement finds the page and audits the rows shown.
	out, err := a.repo.Search(ctx, act.OrganisationID, key, after, page.Limit(), page.Size, ReadAudit{Actor: act,
		Action: domain.ActionSearch, OwnerFields: listFields(domain.AccessOwner), GrantedFields: listFields(domain.AccessGranted)})
	if err != nil {
		return nil, "", err
	}
	out, next := pagination.Next(page, out, func(s domain.Scored) string { return s.Key().String() })
	for _, s := range out {
		if s.Beneficiary.Access != domain.AccessOwner {
			s.Beneficiary.Reduce()
		}
	}
	return out, next, nil
}

// scoreKey is the kind of key of a ranked list (see pagination.Key).
var scoreKey = pagination.Key(func(s string) bool { _, ok := domain.ParseScoreKey(s); return ok })

// scorePage parses the page of a ranked list.
func scorePage(act Actor, limit int, token string, filters ...any) (pagination.Page, *domain.ScoreKey, error) {
	page, err := pagination.Parse(intconv.Int32(limit), token, scoreKey, act.OrganisationID, pagination.Fingerprint(filters...))
	if err != nil {
		return page, nil, err
	}
	after, _ := domain.ParseScoreKey(page.After) // checked by Parse
	return page, after, nil
}

// FindDuplicates lists the caller's beneficiaries that may be the same
// person as id, best first, one page at a time.
func (a *App) FindDuplicates(ctx context.Context, act Actor, id string, size int32, token string) ([]domain.Candidate, string, error) {
	limit := int(size)
	switch {
	case size < 0:
		var v errs.Violations
		v.Add("page_size", "must not be negative")
		return nil, "", v.Err()
	case size == 0:
		limit = 10
	case size > 50:
		limit = 50
	}
	page, after, err := scorePage(act, limit, token, "duplicates", ids.Normalize(id))
	if err != nil {
		return nil, "", err
	}
	var out []domain.Candidate
	var next string
	err = a.repo.InTx(ctx, func(r Repository) error {
		b, err := live(ctx, r, act, "id", id)
		if err != nil {
			return err
		}
		if err := r.LoadDetails(ctx, b); err != nil {
			return err
		}
		ranked, err := r.Duplicates(ctx, b, domain.MaxDuplicateCandidates)
		if err != nil {
			return err
		}
		ranked = domain.CandidatesAfter(ranked, after)
		out, next = pagination.Next(page, ranked[:min(len(ranked), page.Limit())], func(c domain.Candidate) string { return c.Key().String() })
		rows := []*domain.Beneficiary{b}
		for _, c := range out {
			rows = append(rows, c.Beneficiary)
		}
		return audit(ctx, r, act, domain.ActionFindDuplicates, listFields(domain.AccessOwner), rows...)
	})
	return out, next, err
}

// updated records, in the transaction of r, that fields of out (as
// stored) changed by action: audited, told as beneficiary.updated naming
// them, and out's details loaded for the answer.
func updated(ctx context.Context, r Repository, act Actor, action string, fields []string, out *domain.Beneficiary) error {
	if err := audit(ctx, r, act, action, fields, out); err != nil {
		return err
	}
	if err := r.Emit(ctx, beneficiaryEvent(events.BeneficiaryUpdated, out.ID, []string{out.OrganisationID},
		map[string]any{"fields": fields})); err != nil {
		return err
	}
	return r.LoadDetails(ctx, out)
}

// beneficiaryEvent is an event about beneficiary id.
func beneficiaryEvent(typ, id string, orgs []string, data map[string]any) events.Event {
	d := map[string]any{"beneficiary_id": id}
	for k, v := range data {
		d[k] = v
	}
	return events.Event{Type: typ, AggregateType: events.AggregateBeneficiary, AggregateID: id, OrganisationIDs: orgs, Data: d}
}

// ListAuditEvents lists the audit log of the caller's beneficiary id, or of
// all its beneficiaries for "-".
func (a *App) ListAuditEvents(ctx context.Context, act Actor, beneficiaryID, actorOrg string, size int32, token string) ([]auditlog.Record, string, error) {
	var v errs.Violations
	if actorOrg != "" && !ids.Valid(ids.Normalize(actorOrg)) {
		v.Add("actor_organisation_id", "must be a UUID")
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	actorOrg = ids.Normalize(actorOrg)
	page, err := pagination.Parse(size, token, pagination.IntKey, act.OrganisationID, pagination.Fingerprint("audit", beneficiaryID, actorOrg))
	if err != nil {
		return nil, "", err
	}
	var rows []auditlog.Record
	err = a.repo.InTx(ctx, func(r Repository) error {
		id := ""
		if beneficiaryID != "-" {
			// Merged and erased records keep their audit log.
			if err := ids.Check("beneficiary_id", beneficiaryID); err != nil {
				return err
			}
			b, err := r.GetBeneficiary(ctx, act.OrganisationID, ids.Normalize(beneficiaryID))
			if err != nil {
				return err
			}
			if b.Access != domain.AccessOwner {
				return errs.PermissionDenied("only the registering organisation may read the audit log")
			}
			id = b.ID
		}
		rows, err = r.ListAudit(ctx, act.OrganisationID, id, actorOrg, page)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	rows, next := pagination.Next(page, rows, func(e auditlog.Record) string { return strconv.FormatInt(e.ID, 10) })
	return rows, next, nil
}

// CreateAssistance records assistance the caller delivered to a beneficiary
// it can see. A named directory service must exist (else a field
// violation) and belong to the caller or to an organisation that may see
// the beneficiary (else PermissionDenied), and a named location must be
// one of its locations.
func (a *App) CreateAssistance(ctx context.Context, act Actor, beneficiaryID string, as *domain.Assistance, requestID string) (*domain.Assistance, error) {
	if err := ids.Check("beneficiary_id", beneficiaryID); err != nil {
		return nil, err
	}
	as.Normalize()
	if err := as.Validate(a.today()); err != nil {
		return nil, err
	}
	if as.ProjectID != "" {
		// Only the project's implementing organisation and partners add to
		// its counts.
		if err := a.projects.CheckTag(ctx, as.ProjectID); err != nil {
			return nil, err
		}
	}
	var svc *domain.DirectoryService
	if as.ServiceID != "" {
		s, err := a.directory.Service(ctx, as.ServiceID)
		if errors.Is(err, errs.ErrNotFound) {
			var v errs.Violations
			v.Add("assistance.service_id", "the directory has no service %s (GET /v1/services lists them)", as.ServiceID)
			return nil, v.Err()
		}
		if err != nil {
			return nil, err
		}
		if err := as.DeliveredBy(s); err != nil {
			return nil, err
		}
		svc = &s
	}
	var out *domain.Assistance
	err := a.repo.InTx(ctx, func(r Repository) error {
		// A grantee records assistance too.
		b, err := unerased(find(ctx, r, act, "beneficiary_id", beneficiaryID, LockRecords))
		correction := false
		if errs.KindOf(err) == errs.KindNotFound && as.ReferralID != "" {
			// The receiver of a referral that ended, correcting its record.
			correction = true
			b, err = a.endedReferralPerson(ctx, r, act, beneficiaryID, as.ReferralID, err)
		}
		if err != nil {
			return err
		}
		if err := as.CheckBorn(b); err != nil {
			return err
		}
		if as.ReferralID != "" {
			if err := a.answersReferral(ctx, r, act, b, as); err != nil {
				return err
			}
		}
		if svc != nil && svc.OrganisationID != act.OrganisationID {
			// Another organisation's service: only one that may see the
			// person (registered them, or holds a live grant) delivers to
			// them.
			if _, err := r.GetBeneficiary(ctx, svc.OrganisationID, b.ID); errors.Is(err, errs.ErrNotFound) {
				return errs.PermissionDenied("service %s belongs to organisation %s, which has no access to this beneficiary; "+
					"name your own service, or one of an organisation the person was referred to", svc.ID, svc.OrganisationID)
			} else if err != nil {
				return err
			}
		}
		as.ID, as.BeneficiaryID, as.OrganisationID = ids.New(), b.ID, act.OrganisationID
		if out, err = r.CreateAssistance(ctx, as, requestID); err != nil {
			return err
		}
		// The referrals service records a referral's assistance at its
		// completion, under the referral's own request id.
		if out.ID != as.ID && !out.SameRequest(as, act.IssuedBy == referralsProcess) {
			// Not a retry: the other record must not be answered as if
			// this one were made.
			first := out.ID
			out = nil
			return errs.RequestIDReused("record assistance " + first + " with other data")
		}
		if out.ID == as.ID {
			// A new record (a retry answers the one made, told then).
			if err := r.Emit(ctx, assistanceEvent(events.AssistanceRecorded, out, b.OrganisationID, nil)); err != nil {
				return err
			}
		}
		if correction && out.ID == as.ID {
			corrected, err := correctsVoided(ctx, r, act, b, out)
			if err != nil {
				out = nil
				return err
			}
			// The referral's outcome follows the correction.
			if err := r.Emit(ctx, assistanceEvent(events.AssistanceCorrected, out, b.OrganisationID,
				map[string]any{"corrects_id": corrected})); err != nil {
				return err
			}
		}
		action := domain.ActionAssistance
		if out.ID != as.ID {
			// A retry answers the record made: a read.
			action = domain.ActionAssistanceList
		}
		return audit(ctx, r, act, action, []string{"assistance"}, b)
	})
	return out, err
}

// endedReferralPerson returns, locked (LockPerson: one correction at a
// time), the person id names (the survivor, after a merge) for the caller
// whose access to them, granted by referralID, ended with that referral
// (revoked when it closed, the consent still live): such a caller may
// record an assistance answering the referral that corrects the one it
// voided (correctsVoided, once recorded). Without such a grant it returns
// notFound, what the caller was told before; a grant that ended with the
// consent (withdrawn, expired) is refused, naming that.
func (a *App) endedReferralPerson(ctx context.Context, r Repository, act Actor, id, referralID string, notFound error) (*domain.Beneficiary, error) {
	g, c, err := r.SourceGrant(ctx, ids.Normalize(id), act.OrganisationID, referralID)
	if errors.Is(err, errs.ErrNotFound) {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	switch reason := g.EndedReason(c, a.now()); reason {
	case domain.EndedGrantRevoked:
	case "": // live, yet not found: changed meanwhile
		return nil, notFound
	default:
		return nil, errs.FailedPrecondition(reason, "your access to beneficiary %s ended (%s): no assistance may be recorded for them", id, reason)
	}
	owners, err := r.Owners(ctx, []string{g.BeneficiaryID})
	if err != nil {
		return nil, err
	}
	b, err := r.LockBeneficiary(ctx, owners[g.BeneficiaryID], g.BeneficiaryID, LockPerson)
	if err != nil {
		return nil, err
	}
	if b.MergedInto != "" { // merged after the grant was read
		return nil, notFound
	}
	return unerased(b, nil)
}

// correctsVoided checks that made, recorded for b through the grant of the
// referral it answers after that ended (endedReferralPerson), corrects a
// record of that referral the caller voided last, voided as
// wrong_details, and that no other record of the referral by the caller is
// live (domain.CorrectsVoided), and returns the id of the record it
// corrects.
func correctsVoided(ctx context.Context, r Repository, act Actor, b *domain.Beneficiary, made *domain.Assistance) (string, error) {
	recorded, err := r.ReferralAssistances(ctx, act.OrganisationID, b.ID, made.ReferralID)
	if err != nil {
		return "", err
	}
	if id, ok := domain.CorrectsVoided(recorded, made.ID); ok {
		return id, nil
	}
	return "", errs.FailedPrecondition(domain.EndedGrantRevoked, "your access to beneficiary %s ended with referral %s: only an assistance "+
		"correcting the record of it you voided last, if voided as ASSISTANCE_VOID_REASON_WRONG_DETAILS, may be recorded now, "+
		"one at a time (void the live one first)", b.ID, made.ReferralID)
}

// answersReferral checks the referral as (for b) names: it must be one
// sent to the caller's organisation for b, the organisation that delivers
// what the person was referred for (its completion records the assistance
// so), and as must not be dated before the day it was sent (in the report
// time zone). The grant the sending made the receiver (its source is the
// referral, kept when it ends, moved to the survivor by a merge) is this
// service's record of that referral: another organisation's referral, a
// draft, one for another person or an id of nothing are all refused alike,
// saying nothing of what the id names.
func (a *App) answersReferral(ctx context.Context, r Repository, act Actor, b *domain.Beneficiary, as *domain.Assistance) error {
	g, _, err := r.SourceGrant(ctx, b.ID, act.OrganisationID, as.ReferralID)
	switch {
	case errors.Is(err, errs.ErrNotFound):
		return as.AnswersReferral(date.Date{})
	case err != nil:
		return err
	}
	return as.AnswersReferral(aggregate.Today(a.zone, g.CreateTime))
}

// VoidAssistance voids assistance id, recorded in error, for reason (one of
// domain.AssistanceVoidReasons): only the organisation that recorded it
// may, also once it no longer sees the person (its grant ended with the
// referral it answered). The record is kept, marked, and counted by no
// report; its request id is freed, so that the same request (a referral's
// completion retried after it failed) records it anew. The registering
// organisation, which sees the record, is told that only the recording
// one may void it; any other caller finds no such record. Voiding a voided
// record answers it unchanged. The void is audited in the person's log
// and emitted (events.AssistanceVoided) with the change.
func (a *App) VoidAssistance(ctx context.Context, act Actor, id, reason string) (*domain.Assistance, error) {
	if err := ids.Check("id", id); err != nil {
		return nil, err
	}
	if err := domain.CheckVoidReason(reason, act.IssuedBy == referralsProcess); err != nil {
		return nil, err
	}
	id = ids.Normalize(id)
	var out *domain.Assistance
	err := a.repo.InTx(ctx, func(r Repository) error {
		as, owner, err := r.LockAssistance(ctx, id)
		if err != nil {
			return err
		}
		if as.OrganisationID != act.OrganisationID {
			if owner == act.OrganisationID {
				return errs.PermissionDenied("assistance %s was recorded by organisation %s; only it may void the record", id, as.OrganisationID)
			}
			return errs.NotFound("assistance", id)
		}
		if !as.VoidTime.IsZero() {
			out = as
			return nil
		}
		if out, err = r.VoidAssistance(ctx, id, reason); err != nil {
			return err
		}
		person := &domain.Beneficiary{ID: as.BeneficiaryID, OrganisationID: owner}
		if err := audit(ctx, r, act, domain.ActionAssistanceVoid, []string{"assistance"}, person); err != nil {
			return err
		}
		return r.Emit(ctx, assistanceEvent(events.AssistanceVoided, out, owner, map[string]any{
			"reason_code": reason, "void_time": events.Time(out.VoidTime)}))
	})
	return out, err
}

// assistanceEvent is event typ of as, a record of a person registered by
// owner, with more data: it concerns the recording organisation and owner,
// the two that see the record. It carries the record's ids and codes
// (events.AssistanceRecorded), never its notes.
func assistanceEvent(typ string, as *domain.Assistance, owner string, more map[string]any) events.Event {
	data := map[string]any{"assistance_id": as.ID, "beneficiary_id": as.BeneficiaryID, "organisation_id": as.OrganisationID,
		"assistance_type": as.Type, "date": as.Date.String()}
	for k, v := range map[string]string{"project_id": as.ProjectID, "referral_id": as.ReferralID,
		"service_id": as.ServiceID, "location_id": as.LocationID} {
		if v != "" {
			data[k] = v
		}
	}
	maps.Copy(data, more)
	orgs := []string{as.OrganisationID}
	if owner != as.OrganisationID {
		orgs = append(orgs, owner)
	}
	return events.Event{Type: typ, AggregateType: events.AggregateAssistance, AggregateID: as.ID, OrganisationIDs: orgs, Data: data}
}

// ListAssistances lists the assistance of a beneficiary the caller can see,
// the voided records only when voided says so; a grantee sees only the
// assistance it recorded itself.
func (a *App) ListAssistances(ctx context.Context, act Actor, beneficiaryID string, voided bool, size int32, token string) ([]*domain.Assistance, string, error) {
	filters := []any{ids.Normalize(beneficiaryID)}
	if voided {
		// The tokens of the default list stay those given before voids.
		filters = append(filters, "voided")
	}
	page, err := pagination.Parse(size, token, pagination.UUIDKey, act.OrganisationID, pagination.Fingerprint(filters...))
	if err != nil {
		return nil, "", err
	}
	var rows []*domain.Assistance
	err = a.repo.InTx(ctx, func(r Repository) error {
		b, err := readable(ctx, r, act, "beneficiary_id", beneficiaryID)
		if err != nil {
			return err
		}
		onlyOrg := ""
		if b.Access != domain.AccessOwner {
			onlyOrg = act.OrganisationID
		}
		if rows, err = r.ListAssistances(ctx, onlyOrg, b.ID, voided, page); err != nil {
			return err
		}
		return audit(ctx, r, act, domain.ActionAssistanceList, []string{"assistance"}, b)
	})
	if err != nil {
		return nil, "", err
	}
	rows, next := pagination.Next(page, rows, func(x *domain.Assistance) string { return x.ID })
	return rows, next, nil
}

// CountCohorts counts persons another service knows by id (the beneficiary
// participants of training events) by their own data (see domain.Cohort):
// counts only, never a person's values. It is asked for by services, not
// partners (its scope is internal), and reads no personal data out, so it
// writes no audit record, as CountAssisted.
func (a *App) CountCohorts(ctx context.Context, cohorts []domain.Cohort, groupBy []string) (aggregate.Aggregate, error) {
	if err := domain.ValidateCohorts(cohorts, groupBy); err != nil {
		return aggregate.Aggregate{}, err
	}
	return a.repo.CountCohorts(ctx, cohorts, groupBy)
}

// CountAssisted counts unique beneficiaries assisted under a project,
// optionally only by some organisations. It returns counts only, never
// personal data. Age bands are taken in the year of each person's first
// assistance counted; for a period within one year, that is the year of
// its end, or of today (in the report time zone) for a period not ended.
func (a *App) CountAssisted(ctx context.Context, q aggregate.Query, organisations []string) (aggregate.Aggregate, error) {
	var v errs.Violations
	orgs := make([]string, 0, len(organisations))
	for i, o := range organisations {
		o = ids.Normalize(o)
		if !ids.Valid(o) {
			v.Add(fmt.Sprintf("organisation_ids[%d]", i), "must be a UUID")
		}
		orgs = append(orgs, o)
	}
	if err := v.Err(); err != nil {
		return aggregate.Aggregate{}, err
	}
	asOf := a.today()
	if !q.To.IsZero() && q.To.Before(asOf) {
		asOf = q.To
	}
	return a.repo.CountAssisted(ctx, q, orgs, asOf)
}
