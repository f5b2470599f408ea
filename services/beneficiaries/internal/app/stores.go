package app

import (
	"context"
	"time"

	"github.com/spona/spona/pkg/aggregate"
	auditlog "github.com/spona/spona/pkg/audit"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
)

// Repository stores beneficiaries: the ports of the use cases together,
// which one adapter implements (adapters.Postgres). Each use case needs
// only its part, so a test fakes only that. Every read of a beneficiary
// takes the viewing organisation and returns only what it may see; a
// record it may not see is reported as not found.
type Repository interface {
	Transactions
	PersonStore
	Finder
	Lifecycle
	DocumentStore
	HouseholdStore
	AuditStore
	AssistanceStore
	CohortCounts
	ConsentStore
	GrantStore
	ImportRepository
}

// Transactions runs use cases in one transaction and writes their events
// to the outbox with their changes.
type Transactions interface {
	// InTx runs fn with a repository whose statements share one transaction.
	InTx(ctx context.Context, fn func(Repository) error) error
	Outbox
}

// Outbox records domain events, written to the outbox with the
// transaction's changes (inside InTx only).
type Outbox interface {
	Emit(ctx context.Context, evs ...events.Event) error
}

// PersonStore stores the records of persons: create, read, list, update,
// the legal status history, and who registered whom.
type PersonStore interface {
	// CreateBeneficiary inserts b (with its id and organisation set). The
	// insert may be queued: out is complete once the transaction has
	// committed. A request id the organisation used before fails the
	// transaction (KindAlreadyExists, as another unique key may be
	// reported first).
	CreateBeneficiary(ctx context.Context, b *domain.Beneficiary, requestID string) (out *domain.Beneficiary, err error)
	// BeneficiaryByRequest returns what org created with requestID.
	BeneficiaryByRequest(ctx context.Context, org, requestID string) (*domain.Beneficiary, error)
	GetBeneficiary(ctx context.Context, viewer, id string) (*domain.Beneficiary, error)
	// LockBeneficiary is GetBeneficiary for a use case that writes about
	// the person, inside InTx: the row stays locked as lock says until
	// the transaction ends, and a row another transaction changed is read
	// as that one committed it (after waiting for it). Every write to a
	// person's records reads the person through it.
	LockBeneficiary(ctx context.Context, viewer, id string, lock Lock) (*domain.Beneficiary, error)
	// LockSurvivor is LockBeneficiary with LockPerson of the record id
	// was merged into (id's own when it was not), without locking id's
	// row: a merged record's rows are locked after its survivor's, by
	// what erases or merges the person. The record returned was merged
	// away since (MergedInto set) when a merge got in before the lock.
	LockSurvivor(ctx context.Context, viewer, id string) (*domain.Beneficiary, error)
	// ReadAudited returns beneficiary id as viewer sees it, with its details
	// when viewer registered it (merged and erased records included), and
	// records the read as rec says in the same statement, unless the record
	// was merged into another.
	ReadAudited(ctx context.Context, viewer, id string, rec ReadAudit) (*domain.Beneficiary, error)
	// SurvivorSeen returns the record id was merged into when viewer sees
	// that record (a grantee of the person holding the id it was given
	// before the merge), "" otherwise.
	SurvivorSeen(ctx context.Context, viewer, id string) (string, error)
	// LoadDetails fills the legal status history, documents and household of b.
	LoadDetails(ctx context.Context, b *domain.Beneficiary) error
	ListBeneficiaries(ctx context.Context, viewer string, f domain.ListFilter, p pagination.Page) ([]*domain.Beneficiary, error)
	// FillMunicipalityKeys writes the municipality key of the records
	// stored without one (before migration 00024, or by a replica of an
	// earlier release) and returns how many it wrote.
	FillMunicipalityKeys(ctx context.Context) (int, error)
	// UpdateBeneficiary stores b if its stored version is still version.
	UpdateBeneficiary(ctx context.Context, b *domain.Beneficiary, version int64) (*domain.Beneficiary, error)
	// AddLegalStatus starts the legal status history of a person created
	// in this transaction; ChangeLegalStatus appends to a person's history;
	// CorrectLegalStatusSince moves the start of the person's latest
	// period of c.LegalStatus (its entries, and the corrections recorded
	// for the same day) to c.Since, appending c when the history has no
	// entry of that status.
	AddLegalStatus(ctx context.Context, beneficiaryID string, c domain.LegalStatusChange) error
	// TouchBeneficiary moves the version (and update time) of the person
	// id, whose row the transaction locked as LockPerson, for a change of
	// its documents or household membership.
	TouchBeneficiary(ctx context.Context, id string) error
	ChangeLegalStatus(ctx context.Context, beneficiaryID string, c domain.LegalStatusChange) error
	CorrectLegalStatusSince(ctx context.Context, beneficiaryID string, c domain.LegalStatusChange) error
	// FixLegalStatusChange sets the status and start of the entry id of
	// the person's history to fix's, recording fix's
	// CorrectedByOrganisationID and the time as the correction's (the
	// entry keeps who recorded it and when), or deletes the entry when
	// fix is nil, and sets the valid days anew; an id of no entry of the
	// person is not found.
	FixLegalStatusChange(ctx context.Context, beneficiaryID, id string, fix *domain.LegalStatusChange) error
	// LockOpenClears locks and returns the persons (current records, not
	// merged away) whose legal status was cleared before a clearing
	// ended the status held (r14: the history's latest entry has a
	// status, the record none), with when the audit log says it was
	// cleared: the latest change of legal_status audited of the person
	// or of a record merged into it after that entry was recorded (zero
	// when none was).
	LockOpenClears(ctx context.Context) ([]OpenClear, error)
	// EndOpenClears appends to the history of each person an entry of no
	// status since the day given (c.LegalStatus is empty), unless its
	// latest entry has no status by now, and sets the valid days anew;
	// it returns how many it ended.
	EndOpenClears(ctx context.Context, ends map[string]domain.LegalStatusChange) (int, error)
	// LockPastClears locks and returns the persons (current records, no
	// record merged into them) with a change of legal_status audited that
	// recorded no entry in the history (none within
	// ten minutes before it: a change writes its entry in its transaction,
	// which began before the audit record was written), so a clearing
	// before r13, after which a new status was recorded (an entry
	// recorded after it), while the entry held then (the latest recorded
	// before it) has a status.
	LockPastClears(ctx context.Context) ([]PastClear, error)
	// EndPastClears inserts for each clearing an entry of no status since
	// its Day, recorded at its time (so a next start finds it recorded),
	// unless one was by now, and sets the valid days anew; it returns how
	// many it inserted.
	EndPastClears(ctx context.Context, ends []PastClear) (int, error)
	// Owners maps the ids that exist to their registering organisation.
	Owners(ctx context.Context, ids []string) (map[string]string, error)
}

// OpenClear is a person whose status was cleared before a clearing ended
// it (LockOpenClears).
type OpenClear struct {
	BeneficiaryID string
	// Since is when the status the history still holds began.
	Since date.Date
	// Cleared is when the audit log says the status was cleared, and by
	// which organisation; zero when it does not say.
	Cleared        time.Time
	OrganisationID string
}

// PastClear is a clearing before r13 that a new status followed
// (LockPastClears): OpenClear's fields, Next the earliest start of the
// entries recorded after it, Day the report zone's day of Cleared.
type PastClear struct {
	OpenClear
	Next, Day date.Date
}

// Lock is how a write holds the row of the person it writes about until
// its transaction ends, so that it and an erasure (or a merge) of the
// person happen one after the other: a write that got in first is
// committed before the erasure reads what to wipe, and one that comes
// second waits for the erasure and reads that the person was erased.
type Lock int

const (
	// LockRecords is taken by writes to a person's records (assistance,
	// consents, grants): they go on together, and wait for (or are
	// waited for by) LockPerson.
	LockRecords Lock = iota + 1
	// LockPerson is taken by what changes or ends the person's own row
	// (an update, a merge, an erasure, and a change of its documents or
	// household membership, which moves its version): one at a time,
	// alone.
	LockPerson
)

// Finder finds persons by name, and the probable duplicates of one.
type Finder interface {
	// Search returns the visible current persons whose names contain a word
	// similar to key, best first: at most limit after the row at after
	// (nil: from the first), and records the reading of the first shown of
	// them as rec says, with the search.
	Search(ctx context.Context, viewer, key string, after *domain.ScoreKey, limit, shown int, rec ReadAudit) ([]domain.Scored, error)
	Duplicates(ctx context.Context, b *domain.Beneficiary, limit int) ([]domain.Candidate, error)
}

// Lifecycle merges duplicates and erases persons.
type Lifecycle interface {
	// Merge moves everything of dup to primary and marks dup merged.
	Merge(ctx context.Context, primary, dup *domain.Beneficiary) error
	// Erase stores the anonymised b, anonymises the records merged into it
	// and deletes or wipes what refers to any of them; it returns the
	// households they are or were members of (their reference blanked)
	// and the consents of other persons whose guardian's name, naming
	// them, it blanked (a child's consent given by the erased mother).
	Erase(ctx context.Context, b *domain.Beneficiary, merged []string) (households, consents []string, err error)
	// LockMergedFrom returns the ids of the records merged into id, their
	// rows locked as LockPerson, in the order of their ids (after the
	// survivor id's own: see LockSurvivor).
	LockMergedFrom(ctx context.Context, id string) ([]string, error)
	// GrantHolders returns the organisations that hold or held a grant to
	// any of the beneficiaries.
	GrantHolders(ctx context.Context, beneficiaryIDs []string) ([]string, error)
	// LiveGrantHolders returns the organisations that hold a live grant
	// to the beneficiary (they see it now).
	LiveGrantHolders(ctx context.Context, beneficiaryID string) ([]string, error)
}

// DocumentStore stores the identity documents of persons.
type DocumentStore interface {
	// CreateDocument stores d; a document the person has already (the
	// same type, number and issuing country) is AlreadyExists with a
	// violation of document.number (the app refuses the same type and
	// number with no country on one of them first: domain.Document.Same).
	CreateDocument(ctx context.Context, d *domain.Document) (*domain.Document, error)
	ListDocuments(ctx context.Context, beneficiaryID string) ([]*domain.Document, error)
	ListDocumentsPage(ctx context.Context, beneficiaryID string, p pagination.Page) ([]*domain.Document, error)
	DeleteDocument(ctx context.Context, beneficiaryID, id string) error
}

// HouseholdStore stores households and their members.
type HouseholdStore interface {
	CreateHousehold(ctx context.Context, h *domain.Household, requestID string) (out *domain.Household, created bool, err error)
	GetHousehold(ctx context.Context, org, id string) (*domain.Household, error)
	AddHouseholdMember(ctx context.Context, householdID string, m domain.HouseholdMember) error
	RemoveHouseholdMember(ctx context.Context, householdID, beneficiaryID string) error
	// NeverMembers returns those of persons who were never members of the
	// household: not members now, not departed from it, not erased or
	// merged since.
	NeverMembers(ctx context.Context, householdID string, persons []string) ([]string, error)
}

// AuditStore appends to and reads the audit log of personal data.
type AuditStore interface {
	AppendAudit(ctx context.Context, recs []auditlog.Record) error
	ListAudit(ctx context.Context, owner, beneficiaryID, actor string, p pagination.Page) ([]auditlog.Record, error)
}

// AssistanceStore stores the assistance delivered to persons and counts it.
type AssistanceStore interface {
	CreateAssistance(ctx context.Context, a *domain.Assistance, requestID string) (*domain.Assistance, error)
	ListAssistances(ctx context.Context, onlyOrg, beneficiaryID string, voided bool, p pagination.Page) ([]*domain.Assistance, error)
	// LockAssistance returns assistance id and the registering
	// organisation of its person, locked until the transaction ends.
	LockAssistance(ctx context.Context, id string) (a *domain.Assistance, owner string, err error)
	// ReferralAssistances returns the records org made for beneficiary
	// answering referral, voided ones included.
	ReferralAssistances(ctx context.Context, org, beneficiaryID, referralID string) ([]*domain.Assistance, error)
	// VoidAssistance marks assistance id voided for reason.
	VoidAssistance(ctx context.Context, id, reason string) (*domain.Assistance, error)
	// CountAssisted counts by age band as of asOf: the age reached in its
	// year.
	CountAssisted(ctx context.Context, q aggregate.Query, organisations []string, asOf date.Date) (aggregate.Aggregate, error)
}

// CohortCounts counts persons other services know by id (the beneficiary
// participants of training events) by their own data.
type CohortCounts interface {
	// CountCohorts counts the persons of each cohort (valid) once, by
	// groupBy (domain.CohortDimensions, checked here).
	CountCohorts(ctx context.Context, cohorts []domain.Cohort, groupBy []string) (aggregate.Aggregate, error)
}

// ConsentStore stores consents, their withdrawal and their expiry.
type ConsentStore interface {
	CreateConsent(ctx context.Context, c *domain.Consent, requestID string) (*domain.Consent, error)
	GetConsent(ctx context.Context, beneficiaryID, id string) (*domain.Consent, error)
	// LockConsent is GetConsent holding the row (FOR SHARE) until the
	// transaction ends, so that its withdrawal waits.
	LockConsent(ctx context.Context, beneficiaryID, id string) (*domain.Consent, error)
	ListConsents(ctx context.Context, beneficiaryID string, p pagination.Page) ([]*domain.Consent, error)
	WithdrawConsent(ctx context.Context, beneficiaryID, id, reason string) (*domain.Consent, error)
	// LiveConsent returns nil when no consent for the purpose is live.
	LiveConsent(ctx context.Context, beneficiaryID, purpose string) (*domain.Consent, error)
	// ClaimExpiredConsents marks up to limit consents past their expiry as
	// applied and returns them, each with its person's row locked as
	// LockRecords (the order of every write: person, consents, grants);
	// consents or persons locked elsewhere are skipped.
	ClaimExpiredConsents(ctx context.Context, limit int) ([]*domain.Consent, error)
}

// GrantStore stores the access grants other organisations see persons
// through.
type GrantStore interface {
	// UpsertGrant makes a grant live; changed is false when it already was.
	UpsertGrant(ctx context.Context, g *domain.Grant) (out *domain.Grant, changed bool, err error)
	// RevokeGrants ends live grants and returns them, with how many grants
	// matched at all; those of a merged record are its survivor's (the
	// merge moved them there).
	RevokeGrants(ctx context.Context, beneficiaryID, sourceID, grantee string) (revoked []*domain.Grant, matched int, err error)
	// RevokeConsentGrants ends the live grants made under a consent and
	// returns them.
	RevokeConsentGrants(ctx context.Context, consentID string) ([]*domain.Grant, error)
	// SourceGrant returns grantee's grant made for source, live or not, and
	// its consent; KindNotFound when there is none.
	SourceGrant(ctx context.Context, beneficiaryID, grantee, sourceID string) (*domain.Grant, *domain.Consent, error)
}
