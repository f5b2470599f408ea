// Package app holds the referral and directory use cases.
package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/audit"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/services/referrals/internal/domain"
)

// Repository stores the directory and referrals: the ports of the use
// cases together, which one adapter implements. Each use case needs only
// its part, so a test fakes only that.
type Repository interface {
	DirectoryStore
	ReferralStore
	Maintenance
}

// DirectoryStore stores the organisation and service directory.
type DirectoryStore interface {
	// CreateOrganisation inserts o; a repeated request id returns the
	// first row. With change, the creation is audited in the same
	// transaction (not again on a repeat); so are the other writes below.
	CreateOrganisation(ctx context.Context, o *domain.Organisation, createdBy, requestID string, change *domain.DirectoryChange) (*domain.Organisation, error)
	GetOrganisation(ctx context.Context, id string) (*domain.Organisation, error)
	ListOrganisations(ctx context.Context, f domain.OrganisationFilter, p pagination.Page) ([]*domain.Organisation, error)
	// UpdateOrganisation stores o if the stored version is still o.Version
	// (errs.KindAborted otherwise) and returns the new row. With a
	// change of action domain.ChangeVerify, the organisation is marked
	// verified too.
	UpdateOrganisation(ctx context.Context, o *domain.Organisation, change *domain.DirectoryChange) (*domain.Organisation, error)

	CreateService(ctx context.Context, s *domain.Service, createdBy, requestID string, change *domain.DirectoryChange) (*domain.Service, error)
	GetService(ctx context.Context, id string) (*domain.Service, error)
	// ServiceWithLocation returns the service that has the location (a
	// location belongs to one service).
	ServiceWithLocation(ctx context.Context, locationID string) (*domain.Service, error)
	ListServices(ctx context.Context, f domain.ServiceFilter, p pagination.Page) ([]*domain.Service, error)
	UpdateService(ctx context.Context, s *domain.Service, change *domain.DirectoryChange) (*domain.Service, error)

	// Numbered pages of the directory, oldest first, with their totals.
	SearchServices(ctx context.Context, q domain.DirectoryQuery) (domain.Results[*domain.Service], error)
	SearchServiceLocations(ctx context.Context, q domain.DirectoryQuery) (domain.Results[domain.ServiceLocation], error)
	SearchOrganisations(ctx context.Context, q domain.DirectoryQuery) (domain.Results[*domain.Organisation], error)
	OrganisationsByID(ctx context.Context, ids []string) ([]*domain.Organisation, error)
	ServicesOf(ctx context.Context, organisationIDs []string) ([]*domain.Service, error)
	// FillSearchKeys writes the search keys (and organisations' match
	// keys) of rows stored without them.
	FillSearchKeys(ctx context.Context) (int, error)
}

// ReferralStore stores referrals and their transitions, for the create,
// read, transition and count use cases. Referral reads take the viewing
// organisation and return only referrals it sent, or received and that
// were sent to it (not drafts).
type ReferralStore interface {
	// CreateReferral inserts a draft and, unless requestID was seen before
	// (the first result is returned), its first transition and evs. A
	// beneficiary erased before (ForgetBeneficiaries) is refused
	// (FAILED_PRECONDITION, ReasonBeneficiaryErased).
	CreateReferral(ctx context.Context, r *domain.Referral, actorClient, requestID string, evs ...events.Event) (*domain.Referral, error)
	GetReferral(ctx context.Context, viewer, id string) (*domain.Referral, error)
	ListReferrals(ctx context.Context, viewer string, f domain.ReferralFilter, now time.Time, p pagination.Page) ([]*domain.Referral, error)
	// Transition stores r (already moved by domain.Referral.Apply) if the
	// stored version is still version, records ev, and sets the receiver's
	// access state, with event(the referral as stored). A concurrent
	// change is errs.KindAborted. A completion naming a record voided
	// before it committed (OutcomeAssistanceVoided) is stored with that
	// void.
	Transition(ctx context.Context, r *domain.Referral, version int64, ev domain.Event, access Access, event func(*domain.Referral) events.Event) (*domain.Referral, error)
	// ClaimCompletion marks referral id, still at version, as being
	// completed, for up to ttl: until then no other transition of it
	// commits (Transition finds it changed, errs.KindAborted, its version
	// the same) but the completion's, which ends the claim. A referral
	// changed since version, or claimed by another completion, is
	// errs.KindAborted. The claim returned ends it early
	// (ReleaseCompletion).
	ClaimCompletion(ctx context.Context, id string, version int64, ttl time.Duration) (claim time.Time, err error)
	// ReleaseCompletion ends the claim of a completion that failed.
	ReleaseCompletion(ctx context.Context, id string, claim time.Time) error
	// SetUncommittedAssistance keeps on referral id the assistance its
	// completion recorded (assistanceID), until the completion commits
	// naming it (Transition clears it then) or ClearUncommittedAssistance.
	SetUncommittedAssistance(ctx context.Context, id, assistanceID string) error
	// ClearUncommittedAssistance forgets assistanceID kept on referral id
	// (voided, or named by the completion).
	ClearUncommittedAssistance(ctx context.Context, id, assistanceID string) error
	// SetAccess records the state of the receiver's access grant.
	SetAccess(ctx context.Context, referralID string, access Access) error
	ListEvents(ctx context.Context, referralID string, p pagination.Page) ([]domain.Event, error)
	// LastEvent returns the latest transition of referral referralID: the
	// one that took it where it is.
	LastEvent(ctx context.Context, referralID string) (domain.Event, error)
	// CountReferrals counts the referrals under q's project that reached
	// stage within the days of q's period in zone.
	CountReferrals(ctx context.Context, q aggregate.Query, zone *time.Location, organisationIDs []string, stage domain.Stage) (aggregate.Aggregate, error)
}

// Maintenance is what work outside a partner's request changes: pending
// revocations, referrals under an ended consent, erasure and merge, overdue
// marks.
type Maintenance interface {
	// PendingRevocations returns closed referrals whose grant is not yet revoked.
	PendingRevocations(ctx context.Context, limit int) ([]*domain.Referral, error)
	// UncommittedAssistances returns up to limit referrals that keep the
	// assistance a completion recorded (SetUncommittedAssistance) and that
	// no completion claims now, each with that assistance's id.
	UncommittedAssistances(ctx context.Context, limit int) ([]Uncommitted, error)
	// OpenReferralsUnderConsent returns the sent, accepted and in-progress
	// referrals sent under a consent.
	OpenReferralsUnderConsent(ctx context.Context, consentID string) ([]*domain.Referral, error)
	// EndConsent records the consent as ended, so that a send under it
	// is refused from then on, and waits for the sends under it under
	// way (in the transaction ctx carries, which it needs).
	EndConsent(ctx context.Context, consentID, reason string) error
	// MarkConsentEnded records reason as why the consent ended on every
	// referral sent under it that has none yet.
	MarkConsentEnded(ctx context.Context, consentID, reason string) error

	// The following run in the transaction ctx carries (an event
	// consumer's), which they need.

	// ForgetBeneficiaries records the beneficiaries as erased, so that a
	// referral about them is no longer created (CreateReferral refuses it,
	// also one whose create is under way now), waits for the transitions
	// of their referrals under way now, and returns their open referrals,
	// locked until the transaction ends.
	ForgetBeneficiaries(ctx context.Context, beneficiaryIDs []string) ([]*domain.Referral, error)
	// MarkErased records ReasonBeneficiaryErased as the end of every
	// referral of the beneficiaries that has none yet.
	MarkErased(ctx context.Context, beneficiaryIDs []string) error
	// OutcomeAssistanceVoided records on the referral whose outcome names
	// assistance that the record was voided at at for reason, in the
	// caller's transaction; it returns the referral changed, nil when its
	// outcome names another record or the void is recorded already. On a
	// referral still open (its completion not committed yet) it keeps the
	// void for the completion that names the record (Transition).
	OutcomeAssistanceVoided(ctx context.Context, referralID, assistanceID, reason string, at time.Time) (*domain.Referral, error)
	// OutcomeAssistanceCorrected makes the outcome of the referral whose
	// voided record is correctsID name assistanceID, which corrects it,
	// in the caller's transaction; nil when no such outcome.
	OutcomeAssistanceCorrected(ctx context.Context, referralID, correctsID, assistanceID string) (*domain.Referral, error)
	// RedactBeneficiary wipes the free texts of the referrals of the
	// beneficiaries and of their transitions (codes stay) and returns the
	// referrals it changed.
	RedactBeneficiary(ctx context.Context, beneficiaryIDs []string) ([]*domain.Referral, error)
	// RepointBeneficiary makes the referrals of from refer to to.
	RepointBeneficiary(ctx context.Context, from, to string) (int, error)
	// Emit writes events to the outbox.
	Emit(ctx context.Context, evs ...events.Event) error

	// MarkOverdue marks up to limit open referrals (sent, accepted, in
	// progress) whose due time passed by now and that were not marked
	// before, and writes event(r) of each to the outbox in the same
	// transaction. Replicas running it at once take different referrals
	// (SKIP LOCKED), so each referral is marked, and its event written,
	// once.
	MarkOverdue(ctx context.Context, now time.Time, limit int, event func(*domain.Referral) events.Event) ([]*domain.Referral, error)

	// StaleAgeBands returns up to limit sent referrals whose age band
	// may no longer be the person's: taken by the rule before migration
	// 00017 (the exact age on the day sent, from the birth date), or
	// before the person's birth year was corrected or their record merged
	// (MarkAgeBandsStale).
	StaleAgeBands(ctx context.Context, limit int) ([]*domain.Referral, error)
	// MarkAgeBandsStale marks the age bands of the sent referrals of the
	// beneficiaries stale, to be taken again; it runs in the transaction
	// ctx carries.
	MarkAgeBandsStale(ctx context.Context, beneficiaryIDs []string) error
	// SetAgeBand stores the age band of a stale referral taken again (the
	// referral is no longer stale); nothing else of it changes.
	SetAgeBand(ctx context.Context, referralID, band string) error
}

// Uncommitted is a referral keeping the assistance (AssistanceID) a
// completion recorded and did not commit (Maintenance.UncommittedAssistances).
type Uncommitted struct {
	Referral     *domain.Referral
	AssistanceID string
}

// Access is the state of the receiving organisation's grant to see the
// beneficiary of a referral.
type Access string

// Access states.
const (
	AccessNone          Access = "none"
	AccessGranted       Access = "granted"
	AccessRevokePending Access = "revoke_pending"
	AccessRevoked       Access = "revoked"
)

// BeneficiaryView is the part of a beneficiary referrals use: only
// disaggregation dimensions, nothing identifying.
type BeneficiaryView struct {
	// Owned: the calling organisation registered the beneficiary (rather
	// than seeing it through an access grant).
	Owned bool
	// Erased: the person was erased (nothing personal is left of them).
	Erased       bool
	Sex          string
	BirthYear    int
	LegalStatus  string
	Municipality string
}

// Consent is the state of a beneficiary's referral_sharing consent.
type Consent struct {
	Live    bool
	ID      string
	Expires time.Time // zero: no expiry
}

// LiveAt reports whether the consent is live at now: not withdrawn, and not
// expired by then (also before the beneficiaries service's expiry sweep
// has recorded it).
func (c Consent) LiveAt(now time.Time) bool {
	return c.Live && (c.Expires.IsZero() || c.Expires.After(now))
}

// Grant gives the receiving organisation of a referral a reduced view of the
// beneficiary.
type Grant struct {
	BeneficiaryID string
	Grantee       string
	SourceID      string // the referral
	Reason        string
	Expires       time.Time
	// ConsentID is the referral_sharing consent the referral records: the
	// grant is made under it or refused (CONSENT_REQUIRED), never under
	// another consent recorded meanwhile.
	ConsentID string
}

// Beneficiaries is what referrals need from the beneficiaries service. Calls
// run as the organisation in ctx; errors are classified (errs): not visible
// is KindNotFound, an outage KindUnavailable.
type Beneficiaries interface {
	// View returns the beneficiary as the calling organisation sees it.
	View(ctx context.Context, beneficiaryID string) (BeneficiaryView, error)
	// ReferralConsent reports the beneficiary's referral_sharing consent.
	ReferralConsent(ctx context.Context, beneficiaryID string) (Consent, error)
	// GrantAccess is idempotent per (beneficiary, source).
	GrantAccess(ctx context.Context, g Grant) error
	// RevokeAccess is idempotent per (beneficiary, source).
	RevokeAccess(ctx context.Context, beneficiaryID, sourceID string) error
	// RecordAssistance records assistance the calling organisation
	// delivered to the beneficiary and returns its id; a repeat with the
	// same requestID returns the first record. The beneficiaries service's
	// refusals (bad input, a service the caller may not name) come back
	// classified as it gave them.
	RecordAssistance(ctx context.Context, beneficiaryID string, a domain.Assistance, requestID string) (string, error)
	// VoidAssistance voids assistance id, recorded by the calling
	// organisation, for reason (a beneficiaries void reason code); it
	// frees the record's request id.
	VoidAssistance(ctx context.Context, id, reason string) error
	// GrantState reports, now, the access of the calling organisation
	// through the grant made for sourceID (a referral it received).
	GrantState(ctx context.Context, beneficiaryID, sourceID string) (GrantState, error)
}

// GrantState is a receiver's access to the beneficiary of a referral: live,
// or ended for a reason (CONSENT_WITHDRAWN, CONSENT_EXPIRED, GRANT_REVOKED,
// GRANT_EXPIRED).
type GrantState struct {
	Live        bool
	EndedReason string
}

// AuditLog is the beneficiaries' audit log, where referrals records every
// read of the personal data a referral holds (reason, notes, outcome note,
// event notes) before returning it. An error means nothing was recorded.
type AuditLog interface {
	Record(ctx context.Context, act audit.Actor, action string, fields []string, reads []Read) error
}

// Read is one referral whose personal data a caller was given.
type Read struct {
	BeneficiaryID string
	ReferralID    string
}

// Actor makes a context that runs calls to other services as an
// organisation, for work done on its behalf outside its own request (ending
// the access its referral granted).
type Actor interface {
	As(ctx context.Context, organisationID string) (context.Context, error)
}

// Projects is the reporting service's word on who may tag records with a
// project. CheckTag runs as the organisation in ctx: nil when it may,
// errs.KindPermissionDenied (with the reason) when it may not,
// errs.KindUnavailable when the answer cannot be had.
type Projects interface {
	CheckTag(ctx context.Context, projectID string) error
}

// App is the referrals application.
type App struct {
	repo          Repository
	beneficiaries Beneficiaries
	audit         AuditLog
	projects      Projects
	actor         Actor
	log           *slog.Logger
	now           func() time.Time
	registry      domain.Registry
	// zone is the time zone whose days counts use (REPORT_TIME_ZONE).
	zone *time.Location
}

// Option configures the application.
type Option func(*App)

// WithRegistrationAgencies sets the registration agencies an organisation
// identifier may start with (domain.DefaultRegistrationAgencies when empty).
func WithRegistrationAgencies(codes []string) Option {
	return func(a *App) { a.registry = domain.NewRegistry(codes) }
}

// WithReportZone sets the time zone whose calendar days counts put time
// stamps in (aggregate.DefaultReportZone when not set).
func WithReportZone(zone *time.Location) Option {
	return func(a *App) { a.zone = zone }
}

// LocalNow is the time now in the zone of REPORT_TIME_ZONE, which the
// directory's schedules (local opening times) are also read in.
func (a *App) LocalNow() time.Time { return a.now().In(a.zone) }

// New returns the application.
func New(repo Repository, b Beneficiaries, auditLog AuditLog, projects Projects, actor Actor, log *slog.Logger, opts ...Option) *App {
	a := &App{repo: repo, beneficiaries: b, audit: auditLog, projects: projects, actor: actor, log: log, now: time.Now, registry: domain.NewRegistry(nil)}
	for _, o := range opts {
		o(a)
	}
	if a.zone == nil {
		a.zone, _ = aggregate.LoadZone("") // built in (time/tzdata)
	}
	return a
}
