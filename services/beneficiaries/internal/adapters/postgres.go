// Package adapters implements the beneficiaries repository on PostgreSQL.
package adapters

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spona/spona/pkg/audit/auditpg"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/etag"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/imports/importsjob"
	"github.com/spona/spona/pkg/outbox"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/pkg/validate"
	"github.com/spona/spona/services/beneficiaries/internal/app"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
)

// Postgres is the repository. Inside InTx, q is the transaction.
type Postgres struct {
	pool *pgxpool.Pool
	q    db.Querier
	tx   pgx.Tx
	// pending events, written to the outbox when the transaction commits.
	pending []events.Event
	// pendingEach write events made from query rows (outbox.WriteEach),
	// after pending.
	pendingEach []func(tx pgx.Tx) error
}

// NewPostgres returns the repository on pool.
func NewPostgres(pool *pgxpool.Pool) *Postgres {
	db.NameUniqueKeys("beneficiaries", uniqueKeys)
	return &Postgres{pool: pool, q: pool}
}

// uniqueKeys are the unique keys of the schema a request can run into
// without a key of its own to answer by, by the field that takes them. A
// case number (external_id) another record has is refused by the app
// instead, naming that record; request ids answer the first result.
var uniqueKeys = map[string]db.UniqueKey{
	"identity_documents_number_key": {Field: "document.number",
		Description: "is already taken: the beneficiary has a document of this type, number and issuing country"},
}

var _ app.Repository = (*Postgres)(nil)

// InTx runs fn with a repository whose statements share one transaction,
// committed when fn returns nil, with the events fn emitted written to the
// outbox last. Nested calls join the outer transaction.
//
// The transaction is pipelined (db.Queuer): statements whose results are
// not awaited go with the next one that is, or with the COMMIT.
func (p *Postgres) InTx(ctx context.Context, fn func(app.Repository) error) error {
	if p.tx != nil {
		return fn(p)
	}
	return db.InTx(ctx, p.pool, func(tx pgx.Tx) error {
		r := &Postgres{pool: p.pool, q: tx, tx: tx}
		if err := fn(r); err != nil {
			return err
		}
		if err := outbox.Write(ctx, tx, r.pending...); err != nil {
			return err
		}
		for _, w := range r.pendingEach {
			if err := w(tx); err != nil {
				return err
			}
		}
		return nil
	})
}

// Emit records events to write with the transaction's changes.
func (p *Postgres) Emit(_ context.Context, evs ...events.Event) error {
	if p.tx == nil {
		return errors.New("beneficiaries: events emitted outside a transaction")
	}
	p.pending = append(p.pending, evs...)
	return nil
}

// beneficiaryCols are read with $1 bound to the viewing organisation.
const beneficiaryCols = `b.id, b.organisation_id, COALESCE(b.external_id, ''), b.given_name, b.family_name, b.original_script_name,
	b.sex, b.birth_date, COALESCE(b.birth_year, 0), b.birth_date_estimated, b.nationality, b.languages, b.legal_status,
	b.municipality, b.country, b.accommodation, b.vulnerabilities, b.create_time, b.update_time, b.version,
	CASE WHEN b.organisation_id = $1 THEN 'owner' ELSE 'granted' END,
	b.phone, b.email, b.notes, b.legal_status_since, COALESCE(b.merged_into::text, ''), b.merge_time, b.erase_time`

// visible is true for rows of beneficiaries b the organisation $1 may see:
// its own, or one it holds a live grant for. A grant is live while it is
// neither revoked nor expired and the consent it was made under is neither
// withdrawn nor expired, checked here at every read, so a consent's expiry
// ends access at its expiry time on every replica.
const visible = `(b.organisation_id = $1 OR EXISTS (SELECT 1 FROM access_grants g ` + liveGrant + `
	WHERE g.beneficiary_id = b.id AND g.organisation_id = $1))`

// liveGrant joins the consent of access_grants g and keeps g only while it
// and its consent are live.
const liveGrant = `JOIN consents gc ON gc.id = g.consent_id
	AND g.revoke_time IS NULL AND (g.expire_time IS NULL OR g.expire_time > now())
	AND gc.withdraw_time IS NULL AND (gc.expire_time IS NULL OR gc.expire_time > now())`

// current excludes merged and erased records from lists and searches.
const current = `b.merged_into IS NULL AND b.erase_time IS NULL`

func scanBeneficiary(row pgx.Row, extra ...any) (*domain.Beneficiary, error) {
	var b domain.Beneficiary
	if err := scanInto(row, &b, extra...); err != nil {
		return nil, err
	}
	return &b, nil
}

// scanInto scans beneficiaryCols (and extra) into the record's columns of b.
func scanInto(row pgx.Row, b *domain.Beneficiary, extra ...any) error {
	var birth, since *time.Time
	var merge, erase *time.Time
	dest := []any{&b.ID, &b.OrganisationID, &b.ExternalID, &b.GivenName, &b.FamilyName, &b.OriginalScriptName,
		&b.Sex, &birth, &b.BirthYear, &b.BirthDateEstimated, &b.Nationality, &b.Languages, &b.LegalStatus,
		&b.Municipality, &b.Country, &b.Accommodation, &b.Vulnerabilities, &b.CreateTime, &b.UpdateTime, &b.Version, &b.Access,
		&b.Phone, &b.Email, &b.Notes, &since, &b.MergedInto, &merge, &erase}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return err
	}
	b.BirthDate, b.LegalStatusSince = date.FromPtr(birth), date.FromPtr(since)
	b.MergeTime, b.EraseTime = timeOf(merge), timeOf(erase)
	return nil
}

func collect(rows pgx.Rows, err error) ([]*domain.Beneficiary, error) {
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.Beneficiary, error) { return scanBeneficiary(r) })
	return out, db.Error(err)
}

// CreateBeneficiary queues the insert of b: the returned record is filled
// once it has run, at the latest when the transaction commits (use b's id
// and organisation until then). A request id the organisation used before
// fails the transaction with a unique violation: the insert has no ON
// CONFLICT clause, so that PostgreSQL itself stops what was queued after
// it, COMMIT included.
func (p *Postgres) CreateBeneficiary(ctx context.Context, b *domain.Beneficiary, requestID string) (*domain.Beneficiary, error) {
	out := &domain.Beneficiary{}
	err := db.DeferRow(ctx, p.q, `
		INSERT INTO beneficiaries AS b (id, organisation_id, external_id, given_name, family_name, original_script_name,
			sex, birth_date, birth_year, birth_date_estimated, nationality, languages, legal_status,
			municipality, country, accommodation, vulnerabilities, request_id, phone, email, notes, legal_status_since, name_key,
			municipality_key)
		VALUES ($2, $1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)
		RETURNING `+beneficiaryCols,
		[]any{b.OrganisationID, b.ID, db.Null(b.ExternalID), b.GivenName, b.FamilyName, b.OriginalScriptName,
			b.Sex, b.BirthDate.Ptr(), db.NullInt(b.BirthYear), b.BirthDateEstimated, b.Nationality, db.Strings(b.Languages), b.LegalStatus,
			b.Municipality, b.Country, b.Accommodation, db.Strings(b.Vulnerabilities), db.RequestKey(requestID),
			b.Phone, b.Email, b.Notes, b.LegalStatusSince.Ptr(), b.NameKey(), b.MunicipalityKey()},
		func(row pgx.Row) error { return scanInto(row, out) })
	return out, db.Error(err)
}

// BeneficiaryByRequest returns what org created with requestID.
func (p *Postgres) BeneficiaryByRequest(ctx context.Context, org, requestID string) (*domain.Beneficiary, error) {
	b, err := scanBeneficiary(p.q.QueryRow(ctx, `SELECT `+beneficiaryCols+` FROM beneficiaries b
		WHERE b.organisation_id = $1 AND `+db.RequestIDIs("b.request_id", "$2"), org, requestID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.NotFound("beneficiary", requestID)
	}
	return b, db.Error(err)
}

// GetBeneficiary returns the beneficiary if viewer may see it (merged and
// erased records included).
func (p *Postgres) GetBeneficiary(ctx context.Context, viewer, id string) (*domain.Beneficiary, error) {
	b, err := scanBeneficiary(p.q.QueryRow(ctx, `SELECT `+beneficiaryCols+` FROM beneficiaries b WHERE b.id = $2 AND `+visible, viewer, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.NotFound("beneficiary", id)
	}
	return b, db.Error(err)
}

// SurvivorSeen returns the record id was merged into when viewer sees
// that record, "" otherwise (id not merged, or the survivor not visible).
func (p *Postgres) SurvivorSeen(ctx context.Context, viewer, id string) (string, error) {
	var survivor string
	err := p.q.QueryRow(ctx, `SELECT b.id::text FROM beneficiaries d JOIN beneficiaries b ON b.id = d.merged_into
		WHERE d.id = $2 AND `+visible, viewer, id).Scan(&survivor)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return survivor, db.Error(err)
}

// LockBeneficiary is GetBeneficiary with the row locked until the
// transaction ends: FOR SHARE for app.LockRecords (it conflicts with the
// erasure's and an update's locks, where the FOR KEY SHARE an insert's
// foreign key takes conflicts with neither), FOR UPDATE for
// app.LockPerson. A row locked by another transaction is read once that
// one has ended, as it left it.
func (p *Postgres) LockBeneficiary(ctx context.Context, viewer, id string, lock app.Lock) (*domain.Beneficiary, error) {
	if p.tx == nil {
		return nil, errors.New("beneficiaries: a row lock outside a transaction")
	}
	clause := ` FOR SHARE OF b`
	if lock == app.LockPerson {
		clause = ` FOR UPDATE OF b`
	}
	b, err := scanBeneficiary(p.q.QueryRow(ctx, `SELECT `+beneficiaryCols+` FROM beneficiaries b WHERE b.id = $2 AND `+visible+clause, viewer, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.NotFound("beneficiary", id)
	}
	return b, db.Error(err)
}

// LockSurvivor locks (FOR UPDATE) and returns the record id was merged
// into, or id's own when it was not merged; id's row is read, not locked
// (the record id must be visible to viewer, as the survivor).
func (p *Postgres) LockSurvivor(ctx context.Context, viewer, id string) (*domain.Beneficiary, error) {
	if p.tx == nil {
		return nil, errors.New("beneficiaries: a row lock outside a transaction")
	}
	b, err := scanBeneficiary(p.q.QueryRow(ctx, `SELECT `+beneficiaryCols+` FROM beneficiaries b
		WHERE b.id = (SELECT COALESCE(b.merged_into, b.id) FROM beneficiaries b WHERE b.id = $2 AND `+visible+`)
		AND `+visible+` FOR UPDATE OF b`, viewer, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.NotFound("beneficiary", id)
	}
	return b, db.Error(err)
}

// LoadDetails fills the legal status history, documents and household,
// in one round trip.
func (p *Postgres) LoadDetails(ctx context.Context, b *domain.Beneficiary) error {
	batch := &pgx.Batch{}
	queueDetails(batch, b.OrganisationID, b.ID, b)
	return db.Error(p.sendBatch(ctx, batch))
}

// sendBatch sends batch in the repository's transaction, or on its own.
func (p *Postgres) sendBatch(ctx context.Context, batch *pgx.Batch) error {
	if p.tx != nil {
		return p.tx.SendBatch(ctx, batch).Close()
	}
	return p.pool.SendBatch(ctx, batch).Close()
}

// queueDetails queues the reads of beneficiary id's legal status history,
// documents and household into dst; they return rows only when viewer is
// the registering organisation.
func queueDetails(batch *pgx.Batch, viewer, id string, dst *domain.Beneficiary) {
	const owned = `EXISTS (SELECT 1 FROM beneficiaries o WHERE o.id = $1 AND o.organisation_id = $2)`
	batch.Queue(`SELECT id::text, legal_status, since, organisation_id, create_time,
			COALESCE(corrected_by_organisation_id::text, ''), correct_time FROM legal_status_history
		WHERE beneficiary_id = $1 AND `+owned+` ORDER BY since, create_time, id`, id, viewer).Query(func(rows pgx.Rows) error {
		var err error
		dst.LegalStatusHistory, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.LegalStatusChange, error) {
			var c domain.LegalStatusChange
			var since time.Time
			var corrected *time.Time
			err := r.Scan(&c.ID, &c.LegalStatus, &since, &c.OrganisationID, &c.RecordTime, &c.CorrectedByOrganisationID, &corrected)
			c.Since = date.Of(since)
			if corrected != nil {
				c.CorrectTime = *corrected
			}
			return c, err
		})
		return err
	})
	batch.Queue(`SELECT `+documentCols+` FROM identity_documents WHERE beneficiary_id = $1 AND `+owned+` ORDER BY id`, id, viewer).
		Query(func(rows pgx.Rows) error {
			var err error
			dst.Documents, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.Document, error) { return scanDocument(r) })
			return err
		})
	batch.Queue(`SELECT household_id, relationship FROM household_members WHERE beneficiary_id = $1 AND `+owned, id, viewer).
		QueryRow(func(row pgx.Row) error {
			err := row.Scan(&dst.HouseholdID, &dst.Relationship)
			if errors.Is(err, pgx.ErrNoRows) {
				dst.HouseholdID, dst.Relationship = "", ""
				return nil
			}
			return err
		})
}

// ReadAudited reads beneficiary id as viewer sees it, with its details
// when viewer registered it, and records the read in the audit log, in one
// round trip: the audit row is inserted by the statement that reads, for a
// record viewer may see and that was not merged away.
func (p *Postgres) ReadAudited(ctx context.Context, viewer, id string, rec app.ReadAudit) (*domain.Beneficiary, error) {
	var b domain.Beneficiary
	found := false
	batch := &pgx.Batch{}
	batch.Queue(readAuditedSQL, viewer, id, rec.Actor.OrganisationID, rec.Actor.ClientID, rec.Action,
		db.Strings(rec.OwnerFields), db.Strings(rec.GrantedFields), auditpg.PurposeArg(rec.Actor.Purpose), auditpg.CallArg(rec.Actor.PurposeCall())).
		QueryRow(func(row pgx.Row) error {
			err := scanInto(row, &b)
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			}
			found = err == nil
			return err
		})
	queueDetails(batch, viewer, id, &b)
	if err := p.sendBatch(ctx, batch); err != nil {
		return nil, db.Error(err)
	}
	if !found {
		return nil, errs.NotFound("beneficiary", id)
	}
	return &b, nil
}

// readAuditedSQL reads beneficiary $2 as viewer $1 sees it and records
// that actor $3 (client $4, purpose $8, call $9) did $5 on the fields $6 of
// its own persons or $7 of those it was granted.
var readAuditedSQL = `WITH r AS (SELECT ` + beneficiaryCols + ` FROM beneficiaries b WHERE b.id = $2 AND ` + visible + `),
	` + auditpg.Insert("a", `SELECT $3::uuid, $4::text, m.organisation_id, m.id, $5::text,
			CASE WHEN m.organisation_id = $1 THEN $6::text[] ELSE $7::text[] END, ''::text
		FROM beneficiaries m WHERE m.id = $2 AND m.merged_into IS NULL AND EXISTS (SELECT 1 FROM r)`, "$8::text[]", "$9") + `
	SELECT * FROM r`

// ListBeneficiaries returns up to p.Limit() visible current rows after
// p.After, newest first.
func (p *Postgres) ListBeneficiaries(ctx context.Context, viewer string, f domain.ListFilter, page pagination.Page) ([]*domain.Beneficiary, error) {
	where := []string{visible, current}
	args := []any{viewer}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if page.After != "" {
		add("b.id < ?::uuid", page.After)
	}
	// A filter on a field the caller does not see of a granted record
	// (nationality) keeps the caller's own records only.
	filter := func(field, cond, v string) {
		if v == "" {
			return
		}
		if !domain.Sees(domain.AccessGranted, field) {
			cond = "(b.organisation_id = $1 AND " + cond + ")"
		}
		add(cond, v)
	}
	filter("legal_status", "b.legal_status = ?", f.LegalStatus)
	// A municipality matches folded (migration 00024): Sid, Шид and ŠID find
	// Šid. (The filter's key is never empty: Validate refuses one without
	// letters or digits.)
	filter("municipality", "b.municipality_key = ?", domain.MunicipalityKey(f.Municipality))
	filter("sex", "b.sex = ?", f.Sex)
	filter("nationality", "b.nationality = ?", f.Nationality)
	filter("country", "b.country = ?", f.Country)
	filter("vulnerabilities", "? = ANY (b.vulnerabilities)", f.Vulnerability)
	args = append(args, page.Limit())
	return collect(p.q.Query(ctx, `SELECT `+beneficiaryCols+` FROM beneficiaries b WHERE `+strings.Join(where, " AND ")+
		` ORDER BY b.id DESC LIMIT $`+strconv.Itoa(len(args)), args...))
}

// FillMunicipalityKeys writes the municipality keys of the rows stored
// without one, a batch at a time (a record's version and update time stay:
// the key is derived), and returns how many it wrote. A row keyed since it
// was read keeps its key.
func (p *Postgres) FillMunicipalityKeys(ctx context.Context) (int, error) {
	filled := 0
	for {
		rows, err := p.q.Query(ctx, `SELECT id::text, municipality FROM beneficiaries WHERE municipality_key IS NULL LIMIT 1000`)
		if err != nil {
			return filled, db.Error(err)
		}
		var ids, keys []string
		for rows.Next() {
			var id, municipality string
			if err := rows.Scan(&id, &municipality); err != nil {
				rows.Close()
				return filled, db.Error(err)
			}
			ids, keys = append(ids, id), append(keys, domain.MunicipalityKey(municipality))
		}
		if err := rows.Err(); err != nil {
			return filled, db.Error(err)
		}
		if len(ids) == 0 {
			return filled, nil
		}
		if _, err := p.q.Exec(ctx, `UPDATE beneficiaries b SET municipality_key = k.key
			FROM unnest($1::uuid[], $2::text[]) AS k (id, key) WHERE b.id = k.id AND b.municipality_key IS NULL`, ids, keys); err != nil {
			return filled, db.Error(err)
		}
		filled += len(ids)
	}
}

// UpdateBeneficiary stores b if its stored version is still version.
func (p *Postgres) UpdateBeneficiary(ctx context.Context, b *domain.Beneficiary, version int64) (*domain.Beneficiary, error) {
	out, err := scanBeneficiary(p.q.QueryRow(ctx, `
		UPDATE beneficiaries b SET external_id = $4, given_name = $5, family_name = $6, original_script_name = $7,
			sex = $8, birth_date = $9, birth_year = $10, birth_date_estimated = $11, nationality = $12, languages = $13,
			legal_status = $14, municipality = $15, country = $16, accommodation = $17, vulnerabilities = $18,
			phone = $19, email = $20, notes = $21, legal_status_since = $22, name_key = $23, municipality_key = $24,
			version = b.version + 1, update_time = now()
		WHERE b.id = $2 AND b.version = $3 AND b.organisation_id = $1
		RETURNING `+beneficiaryCols,
		b.OrganisationID, b.ID, version, db.Null(b.ExternalID), b.GivenName, b.FamilyName, b.OriginalScriptName,
		b.Sex, b.BirthDate.Ptr(), db.NullInt(b.BirthYear), b.BirthDateEstimated, b.Nationality, db.Strings(b.Languages),
		b.LegalStatus, b.Municipality, b.Country, b.Accommodation, db.Strings(b.Vulnerabilities),
		b.Phone, b.Email, b.Notes, b.LegalStatusSince.Ptr(), b.NameKey(), b.MunicipalityKey()))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, etag.Mismatch()
	}
	return out, db.Error(err)
}

// AddLegalStatus starts the legal status history of a person just created:
// its one entry is valid on every day (the column defaults: see migration
// 00015). Queued in a transaction: its error is the next statement's.
func (p *Postgres) AddLegalStatus(ctx context.Context, beneficiaryID string, c domain.LegalStatusChange) error {
	id := c.ID
	if id == "" {
		id = ids.New()
	}
	return db.Defer(ctx, p.q, insertLegalStatus, id, beneficiaryID, c.LegalStatus, c.Since.Time(), c.OrganisationID)
}

// TouchBeneficiary: see app.PersonStore.
func (p *Postgres) TouchBeneficiary(ctx context.Context, id string) error {
	_, err := p.q.Exec(ctx, `UPDATE beneficiaries SET version = version + 1, update_time = now() WHERE id = $1`, id)
	return db.Error(err)
}

// ChangeLegalStatus appends to a person's legal status history and sets
// the days each entry is valid on anew (queued alike).
func (p *Postgres) ChangeLegalStatus(ctx context.Context, beneficiaryID string, c domain.LegalStatusChange) error {
	if err := db.Defer(ctx, p.q, insertLegalStatus, ids.New(), beneficiaryID, c.LegalStatus, c.Since.Time(), c.OrganisationID); err != nil {
		return err
	}
	return db.Defer(ctx, p.q, legalStatusValidity, []string{beneficiaryID})
}

// CorrectLegalStatusSince moves the start of the person's latest period
// of c.LegalStatus to c.Since (queued alike): the entries of that status
// with its latest since, and the corrections recorded for that day (valid
// on no day, they stay so), keep their record time and organisation and
// record c.OrganisationID and the transaction's time as their
// correction's; with no entry of the status, c is appended. The valid days are set anew.
func (p *Postgres) CorrectLegalStatusSince(ctx context.Context, beneficiaryID string, c domain.LegalStatusChange) error {
	if err := db.Defer(ctx, p.q, correctLegalStatusSince, ids.New(), beneficiaryID, c.LegalStatus, c.Since.Time(), c.OrganisationID); err != nil {
		return err
	}
	return db.Defer(ctx, p.q, legalStatusValidity, []string{beneficiaryID})
}

// FixLegalStatusChange: see app.PersonStore. The entry keeps its record
// time and organisation, and records fix's CorrectedByOrganisationID and
// the transaction's time as its correction's.
func (p *Postgres) FixLegalStatusChange(ctx context.Context, beneficiaryID, id string, fix *domain.LegalStatusChange) error {
	query, args := `DELETE FROM legal_status_history WHERE id = $1 AND beneficiary_id = $2`, []any{id, beneficiaryID}
	if fix != nil {
		query = `UPDATE legal_status_history SET legal_status = $3, since = $4, corrected_by_organisation_id = $5, correct_time = now()
			WHERE id = $1 AND beneficiary_id = $2`
		args = append(args, fix.LegalStatus, fix.Since.Time(), fix.CorrectedByOrganisationID)
	}
	tag, err := p.q.Exec(ctx, query, args...)
	if err != nil {
		return db.Error(err)
	}
	if tag.RowsAffected() == 0 {
		return errs.NotFound("legal status history entry", id)
	}
	_, err = p.q.Exec(ctx, legalStatusValidity, []string{beneficiaryID})
	return db.Error(err)
}

// LockOpenClears: see app.PersonStore. The persons' rows are locked
// (FOR UPDATE) so that a clearing or a merge waits for EndOpenClears, and
// a second process starting at once reads what the first ended.
func (p *Postgres) LockOpenClears(ctx context.Context) ([]app.OpenClear, error) {
	rows, err := p.q.Query(ctx, `SELECT b.id::text, last.since, c.time, c.actor_organisation_id::text
		FROM beneficiaries b
		CROSS JOIN LATERAL (SELECT h.legal_status, h.since, h.create_time FROM legal_status_history h WHERE h.beneficiary_id = b.id
			ORDER BY h.since DESC, h.create_time DESC, h.id DESC LIMIT 1) last
		LEFT JOIN LATERAL (SELECT a.time, a.actor_organisation_id FROM audit_events a
			WHERE a.owner_organisation_id = b.organisation_id
				AND a.beneficiary_id IN (SELECT b.id UNION ALL SELECT m.id FROM beneficiaries m WHERE m.merged_into = b.id)
				AND a.action = '`+domain.ActionUpdate+`' AND 'legal_status' = ANY (a.fields) AND a.time > last.create_time
			ORDER BY a.time DESC, a.id DESC LIMIT 1) c ON true
		WHERE b.legal_status = '' AND b.merged_into IS NULL AND last.legal_status <> ''
		ORDER BY b.id FOR UPDATE OF b`)
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (app.OpenClear, error) {
		var o app.OpenClear
		var since time.Time
		var cleared *time.Time
		var org *string
		err := r.Scan(&o.BeneficiaryID, &since, &cleared, &org)
		o.Since = date.Of(since)
		if cleared != nil && org != nil {
			o.Cleared, o.OrganisationID = *cleared, *org
		}
		return o, err
	})
	return out, db.Error(err)
}

// EndOpenClears: see app.PersonStore.
func (p *Postgres) EndOpenClears(ctx context.Context, ends map[string]domain.LegalStatusChange) (int, error) {
	var entries, persons, orgs []string
	var days []time.Time
	for _, id := range slices.Sorted(maps.Keys(ends)) {
		c := ends[id]
		entries, persons, orgs, days = append(entries, ids.New()), append(persons, id), append(orgs, c.OrganisationID), append(days, c.Since.Time())
	}
	tag, err := p.q.Exec(ctx, `INSERT INTO legal_status_history (id, beneficiary_id, legal_status, since, organisation_id)
		SELECT x.id, x.beneficiary_id, '', x.since, x.organisation_id
		FROM unnest($1::uuid[], $2::uuid[], $3::date[], $4::uuid[]) AS x (id, beneficiary_id, since, organisation_id)
		WHERE (SELECT h.legal_status FROM legal_status_history h WHERE h.beneficiary_id = x.beneficiary_id
			ORDER BY h.since DESC, h.create_time DESC, h.id DESC LIMIT 1) <> ''`, entries, persons, days, orgs)
	if err != nil {
		return 0, db.Error(err)
	}
	if _, err := p.q.Exec(ctx, legalStatusValidity, persons); err != nil {
		return 0, db.Error(err)
	}
	return int(tag.RowsAffected()), nil
}

// LockPastClears: see app.PersonStore. Read from the audited changes of
// legal statuses (migration 00032's index); the persons' rows are locked
// as LockOpenClears locks them. A person a record was merged into is
// left out: the merge joined two histories, and which of them a
// clearing ended cannot be told from the joined one.
// A person with a history entry deleted (DeleteLegalStatusChange) is left
// out too: the change that recorded the entry would read as a clearing
// (a change of legal_status with no entry recorded with it).
func (p *Postgres) LockPastClears(ctx context.Context) ([]app.PastClear, error) {
	rows, err := p.q.Query(ctx, `SELECT b.id::text, held.since, next.since, a.time, a.actor_organisation_id::text
		FROM audit_events a
		JOIN beneficiaries b ON b.id = a.beneficiary_id AND b.merged_into IS NULL
			AND NOT EXISTS (SELECT 1 FROM beneficiaries m WHERE m.merged_into = b.id)
			AND NOT EXISTS (SELECT 1 FROM audit_events d WHERE d.owner_organisation_id = b.organisation_id
				AND d.beneficiary_id = b.id AND d.action = '`+domain.ActionHistoryDelete+`')
		CROSS JOIN LATERAL (SELECT h.legal_status, h.since FROM legal_status_history h
			WHERE h.beneficiary_id = b.id AND h.create_time < a.time
			ORDER BY h.since DESC, h.create_time DESC, h.id DESC LIMIT 1) held
		CROSS JOIN LATERAL (SELECT h.since FROM legal_status_history h WHERE h.beneficiary_id = b.id AND h.create_time > a.time
			ORDER BY h.since LIMIT 1) next
		WHERE a.action = '`+domain.ActionUpdate+`' AND 'legal_status' = ANY (a.fields)
			AND a.owner_organisation_id = b.organisation_id AND held.legal_status <> ''
			AND NOT EXISTS (SELECT 1 FROM legal_status_history h WHERE h.beneficiary_id = b.id AND `+recordedWith("h", "a.time")+`)
		ORDER BY b.id, a.time FOR UPDATE OF b`)
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (app.PastClear, error) {
		var c app.PastClear
		var since, next time.Time
		err := r.Scan(&c.BeneficiaryID, &since, &next, &c.Cleared, &c.OrganisationID)
		c.Since, c.Next = date.Of(since), date.Of(next)
		return c, err
	})
	return out, db.Error(err)
}

// EndPastClears: see app.PersonStore.
func (p *Postgres) EndPastClears(ctx context.Context, ends []app.PastClear) (int, error) {
	var entries, persons, orgs []string
	var days []time.Time
	var cleared []time.Time
	for _, c := range ends {
		entries, persons, orgs = append(entries, ids.New()), append(persons, c.BeneficiaryID), append(orgs, c.OrganisationID)
		days, cleared = append(days, c.Day.Time()), append(cleared, c.Cleared)
	}
	tag, err := p.q.Exec(ctx, `INSERT INTO legal_status_history (id, beneficiary_id, legal_status, since, organisation_id, create_time)
		SELECT x.id, x.beneficiary_id, '', x.since, x.organisation_id, x.cleared
		FROM unnest($1::uuid[], $2::uuid[], $3::date[], $4::uuid[], $5::timestamptz[]) AS x (id, beneficiary_id, since, organisation_id, cleared)
		WHERE NOT EXISTS (SELECT 1 FROM legal_status_history h WHERE h.beneficiary_id = x.beneficiary_id AND `+recordedWith("h", "x.cleared")+`)`,
		entries, persons, days, orgs, cleared)
	if err != nil {
		return 0, db.Error(err)
	}
	if _, err := p.q.Exec(ctx, legalStatusValidity, persons); err != nil {
		return 0, db.Error(err)
	}
	return int(tag.RowsAffected()), nil
}

// recordedWith: the history entry h was recorded by the change audited
// at the time t (an SQL expression), in its transaction: at most ten minutes
// before it (an entry's create_time is when its transaction began, the
// audit record's time when it was written).
func recordedWith(h, t string) string {
	return h + ".create_time BETWEEN " + t + " - interval '10 minutes' AND " + t
}

const (
	insertLegalStatus = `INSERT INTO legal_status_history (id, beneficiary_id, legal_status, since, organisation_id)
		VALUES ($1, $2, $3, $4, $5)`
	correctLegalStatusSince = `WITH moved AS (UPDATE legal_status_history h SET since = $4,
				corrected_by_organisation_id = $5, correct_time = now()
			WHERE h.beneficiary_id = $2 AND h.since = (SELECT max(x.since) FROM legal_status_history x
				WHERE x.beneficiary_id = $2 AND x.legal_status = $3)
			RETURNING h.id)
		INSERT INTO legal_status_history (id, beneficiary_id, legal_status, since, organisation_id)
		SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS (SELECT 1 FROM moved)`
	// legalStatusValidity sets the valid days of the entries of the
	// persons $1 (migration 00015).
	legalStatusValidity = `SELECT legal_status_validity($1::uuid[])`
)

// Search returns visible current beneficiaries whose folded names contain a
// word similar to key, best first, at most limit after the (score, id) of
// the previous page's last row when after is set, and records the reading
// of the first shown of them as rec says, in the same statement (one round
// trip, no transaction around it).
func (p *Postgres) Search(ctx context.Context, viewer, key string, after *domain.ScoreKey, limit, shown int, rec app.ReadAudit) ([]domain.Scored, error) {
	var afterScore *float32 // scores are PostgreSQL reals
	var afterID *string
	if after != nil {
		score := float32(after.Score)
		afterScore, afterID = &score, &after.ID
	}
	rows, err := p.q.Query(ctx, searchAuditedSQL, viewer, key, limit, afterScore, afterID,
		rec.Actor.OrganisationID, rec.Actor.ClientID, rec.Action, db.Strings(rec.OwnerFields), db.Strings(rec.GrantedFields),
		auditpg.PurposeArg(rec.Actor.Purpose), shown, auditpg.CallArg(rec.Actor.PurposeCall()))
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Scored, error) {
		var s domain.Scored
		var err error
		s.Beneficiary, err = scanBeneficiary(r, &s.Score)
		return s, err
	})
	return out, db.Error(err)
}

// searchPage is the page of search results of viewer $1 for key $2: at
// most $3 (id, score) rows after the (score $4, id $5) of the previous
// page's last row. The distinct name keys word-similar to $2 (pg_trgm's <%,
// by the trigram index of name_keys) come first; then the viewer's own
// current beneficiaries with those keys (by organisation and key) and the
// current ones it holds a live grant for; the page is computed once (also
// when only the rows read it). Scores are word_similarity of the
// same keys, so results and their order are those of a search over the
// persons themselves.
const searchPage = `WITH k AS MATERIALIZED (SELECT k.key, k.score FROM word_similar_name_keys($2) k),
	hit AS (
		SELECT b.id, k.score FROM k JOIN beneficiaries b ON b.organisation_id = $1 AND b.name_key = k.key AND ` + current + `
		UNION ALL
		SELECT b.id, k.score FROM beneficiaries b JOIN k ON k.key = b.name_key
		WHERE b.organisation_id <> $1 AND ` + current + `
			AND b.id IN (SELECT g.beneficiary_id FROM access_grants g ` + liveGrant + ` WHERE g.organisation_id = $1)),
	page AS MATERIALIZED (
		SELECT hit.id, hit.score FROM hit WHERE $4::real IS NULL OR (hit.score, hit.id) < ($4::real, $5::uuid)
		ORDER BY hit.score DESC, hit.id DESC LIMIT $3)`

// searchRows reads the page's rows in full, best first.
const searchRows = ` SELECT ` + beneficiaryCols + `, page.score FROM page JOIN beneficiaries b ON b.id = page.id
	ORDER BY page.score DESC, b.id DESC`

// SearchSQL is the search without its audit record (BenchmarkSearch
// compares it with the search before name_keys).
const SearchSQL = searchPage + searchRows

// searchAuditedSQL is the search that also records, for the first $12 rows
// of the page (those shown), that actor $6 (client $7, purpose $11, call
// $13) did $8 on the fields $9 of its own persons or $10 of those it was
// granted.
var searchAuditedSQL = searchPage + `,
	` + auditpg.Insert("audited", `SELECT $6::uuid, $7::text, b.organisation_id, b.id, $8::text,
			CASE WHEN b.organisation_id = $1 THEN $9::text[] ELSE $10::text[] END, ''::text
		FROM (SELECT page.id FROM page ORDER BY page.score DESC, page.id DESC LIMIT $12) s JOIN beneficiaries b ON b.id = s.id`,
	"$11::text[]", "$13") + searchRows

// similarKeys is the set of name keys similar (pg_trgm's %) to the SQL
// expression key, for persons' b.name_key IN (...).
func similarKeys(key string) string {
	return `(SELECT nk FROM similar_name_keys(` + key + `) nk)`
}

// sameDocument is the SQL of domain.Document.Same for the
// identity_documents rows x and y.
func sameDocument(x, y string) string {
	return x + ".type = " + y + ".type AND " + x + ".number = " + y + ".number AND " + sameRegister(x, y)
}

// sameRegister: the identity_documents rows x and y come from one issuing
// country, or one of them names none.
func sameRegister(x, y string) string {
	return "(" + x + ".issuing_country = " + y + ".issuing_country OR " + x + ".issuing_country = '' OR " + y + ".issuing_country = '')"
}

// otherNumber is the SQL of domain.Document.OtherNumber for the
// identity_documents rows x and y: personal numbers (JMBG, OIB) of one
// register that differ.
func otherNumber(x, y string) string {
	return x + ".type IN ('jmbg', 'oib') AND " + x + ".type = " + y + ".type AND " + x + ".number <> " + y + ".number AND " +
		sameRegister(x, y)
}

// Duplicates scores the organisation's other current beneficiaries that
// resemble b by name or share a document with it (domain.Document.Same).
func (p *Postgres) Duplicates(ctx context.Context, b *domain.Beneficiary, limit int) ([]domain.Candidate, error) {
	rows, err := p.q.Query(ctx, `SELECT `+beneficiaryCols+`,
			`+scoreSQL("b", "$3", "$4::date", "$5::int", "$6")+`,
			CASE WHEN EXISTS (SELECT 1 FROM identity_documents dx JOIN identity_documents dy
				ON `+sameDocument("dx", "dy")+`
				WHERE dx.beneficiary_id = $2 AND dy.beneficiary_id = b.id) THEN 1.0 ELSE 0 END AS doc,
			EXISTS (SELECT 1 FROM identity_documents dx JOIN identity_documents dy
				ON `+otherNumber("dx", "dy")+`
				WHERE dx.beneficiary_id = $2 AND dy.beneficiary_id = b.id) AS other_number
		FROM beneficiaries b
		WHERE b.organisation_id = $1 AND b.id <> $2 AND `+current+`
			AND b.id IN (SELECT b.id FROM beneficiaries b WHERE b.organisation_id = $1 AND `+current+`
					AND b.name_key IN `+similarKeys("$3")+`
				UNION ALL
				SELECT dy.beneficiary_id FROM identity_documents dx JOIN identity_documents dy
				ON `+sameDocument("dx", "dy")+`
				WHERE dx.beneficiary_id = $2 AND dy.organisation_id = $1)
		ORDER BY doc DESC, similarity(b.name_key, $3) DESC, b.id DESC LIMIT 200`,
		b.OrganisationID, b.ID, b.NameKey(), b.BirthDate.Ptr(), db.NullInt(b.BirthYear), b.Nationality)
	if err != nil {
		return nil, db.Error(err)
	}
	all, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Candidate, error) {
		var c domain.Candidate
		var err error
		c.Beneficiary, err = scanBeneficiary(r, &c.NameScore, &c.BirthScore, &c.NationalityScore, &c.DocumentScore, &c.OtherNumber)
		c.Combine()
		return c, err
	})
	if err != nil {
		return nil, db.Error(err)
	}
	return domain.RankCandidates(all, limit), nil
}

// Merge moves everything of dup to primary and marks dup merged into it.
func (p *Postgres) Merge(ctx context.Context, primary, dup *domain.Beneficiary) error {
	stmts := []string{
		`UPDATE assistances SET beneficiary_id = $1 WHERE beneficiary_id = $2`,
		`UPDATE consents SET beneficiary_id = $1 WHERE beneficiary_id = $2`,
		// The survivor's current legal status is the one of the joined
		// history: the duplicate's when its latest entry comes after
		// every entry of the survivor (in the history's order: since,
		// then recorded); none when that entry records the status
		// cleared (one of no status: a duplicate whose status was cleared
		// before entries of no status were recorded gives none).
		`UPDATE beneficiaries p SET legal_status = d.legal_status, legal_status_since = d.legal_status_since
			FROM beneficiaries d WHERE p.id = $1 AND d.id = $2
			AND EXISTS (SELECT 1 FROM legal_status_history x WHERE x.beneficiary_id = $2 AND (d.legal_status <> '' OR x.legal_status = '') AND NOT EXISTS (SELECT 1
				FROM legal_status_history y WHERE y.beneficiary_id = $1 AND (y.since, y.create_time, y.id) > (x.since, x.create_time, x.id)))`,
		`UPDATE legal_status_history SET beneficiary_id = $1 WHERE beneficiary_id = $2`,
		// One history of the two: each entry's valid days anew.
		`SELECT legal_status_validity(ARRAY[$1::uuid, $2::uuid])`,
		// A document both have is kept once, the survivor's, given the
		// duplicate's issuing country when it had none (one document by
		// domain.Document.Same).
		`UPDATE identity_documents p SET issuing_country = d.issuing_country FROM identity_documents d
			WHERE p.beneficiary_id = $1 AND p.issuing_country = '' AND d.beneficiary_id = $2 AND d.type = p.type
			AND d.number = p.number AND d.issuing_country <> '' AND NOT EXISTS (SELECT 1 FROM identity_documents q
				WHERE q.beneficiary_id = $1 AND q.type = p.type AND q.number = p.number AND q.issuing_country <> '')`,
		`DELETE FROM identity_documents d WHERE d.beneficiary_id = $2 AND EXISTS (SELECT 1 FROM identity_documents p
			WHERE p.beneficiary_id = $1 AND ` + sameDocument("p", "d") + `)`,
		`UPDATE identity_documents SET beneficiary_id = $1 WHERE beneficiary_id = $2`,
		// When both were in a household, the duplicate leaves its own (a
		// departure: erasing the person blanks its reference too).
		`INSERT INTO household_departures (household_id, beneficiary_id) SELECT household_id, beneficiary_id FROM household_members
			WHERE beneficiary_id = $2 AND EXISTS (SELECT 1 FROM household_members WHERE beneficiary_id = $1) ON CONFLICT DO NOTHING`,
		`DELETE FROM household_members WHERE beneficiary_id = $2 AND EXISTS (SELECT 1 FROM household_members WHERE beneficiary_id = $1)`,
		`UPDATE household_members SET beneficiary_id = $1 WHERE beneficiary_id = $2`,
		`UPDATE access_grants g SET revoke_time = COALESCE(g.revoke_time, now()) WHERE g.beneficiary_id = $2 AND EXISTS
			(SELECT 1 FROM access_grants p WHERE p.beneficiary_id = $1 AND p.organisation_id = g.organisation_id AND p.source_id = g.source_id)`,
		`UPDATE access_grants g SET beneficiary_id = $1 WHERE g.beneficiary_id = $2 AND NOT EXISTS
			(SELECT 1 FROM access_grants p WHERE p.beneficiary_id = $1 AND p.organisation_id = g.organisation_id AND p.source_id = g.source_id)`,
		// Records merged into dup earlier now point at the survivor:
		// locked in the order of their ids, after the pair (the
		// survivors), as the erasure locks them.
		`UPDATE beneficiaries SET merged_into = $1 WHERE id IN
			(SELECT id FROM beneficiaries WHERE merged_into = $2 ORDER BY id FOR UPDATE)`,
		`UPDATE beneficiaries SET version = version + 1, update_time = now(),
			merged_into = CASE WHEN id = $2 THEN $1 ELSE merged_into END,
			merge_time = CASE WHEN id = $2 THEN now() ELSE merge_time END
		WHERE id IN ($1, $2)`,
	}
	for _, s := range stmts {
		if _, err := p.q.Exec(ctx, s, primary.ID, dup.ID); err != nil {
			return db.Error(err)
		}
	}
	return nil
}

// LockMergedFrom locks (FOR UPDATE, in the order of their ids) and
// returns the records merged into id (merges point every earlier
// duplicate at the latest survivor).
func (p *Postgres) LockMergedFrom(ctx context.Context, id string) ([]string, error) {
	rows, err := p.q.Query(ctx, `SELECT id::text FROM beneficiaries WHERE merged_into = $1 ORDER BY id FOR UPDATE`, id)
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return out, db.Error(err)
}

// GrantHolders returns the organisations that hold or held an access grant
// to any of the beneficiaries.
func (p *Postgres) GrantHolders(ctx context.Context, beneficiaryIDs []string) ([]string, error) {
	rows, err := p.q.Query(ctx, `SELECT DISTINCT organisation_id::text FROM access_grants WHERE beneficiary_id = ANY ($1::uuid[]) ORDER BY 1`, beneficiaryIDs)
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return out, db.Error(err)
}

// LiveGrantHolders returns the organisations that hold a live grant to
// the beneficiary (liveGrant: they see it now).
func (p *Postgres) LiveGrantHolders(ctx context.Context, beneficiaryID string) ([]string, error) {
	rows, err := p.q.Query(ctx, `SELECT DISTINCT g.organisation_id::text FROM access_grants g `+liveGrant+`
		WHERE g.beneficiary_id = $1 ORDER BY 1`, beneficiaryID)
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return out, db.Error(err)
}

// Erase stores the anonymised b, anonymises the records merged into it
// (merged, the same person) and deletes or wipes what refers to any of
// them: documents, household links (and the free-text reference of the
// households they are or were members of), assistance notes, consent texts, grant reasons, the purposes
// declared in the audit log (of the calls that read them, and of their
// organisation's calls, or the calls of an organisation they were shared
// with, that name them), and of the spreadsheet imports that
// were them or refused a row that may name them the rows (the cell texts
// their problems quote) and the declared purpose.
// What reports count stays: sex, birth year, legal status,
// municipality, country, dates and codes. Two round trips: the persons'
// names, numbers, phones and e-mails read (their rows are locked) and
// folded here, so that the database compares purposes (and the guardians'
// names of other persons' consents: a child's consent she gave as its
// guardian) with them folded as they were, whatever its locale; then one
// statement (eraseSQL). It returns the households whose reference it
// blanked and the consents of other persons whose guardian's name it
// blanked.
func (p *Postgres) Erase(ctx context.Context, b *domain.Beneficiary, merged []string) (households, consents []string, err error) {
	ids := append([]string{b.ID}, merged...)
	// The guardians locks of the organisations whose guardians' names the
	// statement looks through, in a statement of its own (queued with the
	// read of the names): the consents naming a guardian under way there commit
	// before the statement starts, and it sees them (CreateConsent).
	if err := db.Defer(ctx, p.q, `SELECT pg_advisory_xact_lock(`+strings.ReplaceAll(guardiansLock, "$1", "o")+`)
		FROM (SELECT DISTINCT o FROM unnest(`+namingOrganisations+`) o ORDER BY 1) s`, ids); err != nil {
		return nil, nil, err
	}
	n, err := p.namingOf(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	sql, args := eraseSQLNotNaming, []any{ids, b.EraseTime}
	if words, unspaced := n.Patterns(); len(words)+len(unspaced) > 0 {
		sql, args = eraseSQL, append(args, words, unspaced)
	}
	err = p.q.QueryRow(ctx, sql, args...).Scan(nil, &households, &consents)
	return households, consents, db.Error(err)
}

// householdsOf selects the households the persons $1 (uuid[]) are or were
// members of.
const householdsOf = `SELECT household_id FROM household_members WHERE beneficiary_id = ANY ($1::uuid[])
	UNION SELECT household_id FROM household_departures WHERE beneficiary_id = ANY ($1::uuid[])`

// eraseParts are the statements of an erasure ($1: the ids, $2: the erase
// time), run as the parts of one statement (eraseSQL): every part sees the
// rows as they were before it (households are found through the links
// another part deletes).
var eraseParts = []string{
	`UPDATE beneficiaries SET external_id = NULL, given_name = '', family_name = '', original_script_name = '',
		birth_year = COALESCE(birth_year, EXTRACT(year FROM birth_date)::int), birth_date = NULL,
		birth_date_estimated = false, nationality = '', languages = '{}', accommodation = '', vulnerabilities = '{}',
		phone = '', email = '', notes = '', name_key = '', legal_status_since = NULL, ` + db.ForgetRequestID("request_id") + `,
		erase_time = COALESCE(erase_time, $2), version = version + 1, update_time = $2
		WHERE id = ANY ($1::uuid[])`,
	`DELETE FROM identity_documents WHERE beneficiary_id = ANY ($1::uuid[])`,
	`UPDATE households SET reference = '', ` + db.ForgetRequestID("request_id") + ` WHERE id IN (` + householdsOf + `)`,
	`DELETE FROM household_members WHERE beneficiary_id = ANY ($1::uuid[])`,
	`DELETE FROM household_departures WHERE beneficiary_id = ANY ($1::uuid[])`,
	`UPDATE assistances SET notes = '', ` + db.ForgetRequestID("request_id") + ` WHERE beneficiary_id = ANY ($1::uuid[])`,
	`UPDATE consents SET scope = '', guardian_name = '', guardian_folded = '', withdraw_reason = '', ` + db.ForgetRequestID("request_id") +
		` WHERE beneficiary_id = ANY ($1::uuid[])`,
	`UPDATE access_grants SET revoke_time = COALESCE(revoke_time, $2), reason = '' WHERE beneficiary_id = ANY ($1::uuid[])`,
	forgetImportRows,
	// Last: eraseSQL passes the imports it returns to the audit log.
	forgetImportPurposes,
}

// forgetImportRows and forgetImportPurposes are the erasure's statements
// on the import tables (importsjob.ForgetSQL): also the refused rows that
// may name an erased person, found by her name key and birth year as they
// were (refusedMayBe).
var forgetImportRows, forgetImportPurposes = importsjob.ForgetSQL(`SELECT organisation_id, name_key,
		COALESCE(birth_year, EXTRACT(year FROM birth_date)::int) AS birth_year
	FROM beneficiaries WHERE id = ANY ($1::uuid[]) AND name_key <> ''`, refusedMayBe)

// refusedMayBe holds when the refused import row r (its name key and
// birth year) may be person p: its name is similar (pg_trgm's %, as the
// duplicates of a record or a row are looked for) and its duplicate score
// against her may reach MinDuplicateScore, scored as imports and
// FindDuplicates score (scoreSQL) but with what the row did not keep
// (nationality, a birth year when either has none) counted as matching:
// erasure had better clear a near-namesake's row than miss hers.
var refusedMayBe = fmt.Sprintf(`r.name_key %% p.name_key AND (SELECT
		%[1]g * s.name + %[2]g * CASE WHEN r.birth_year IS NULL OR p.birth_year IS NULL THEN 1 ELSE s.birth END + %[3]g
		FROM (SELECT %[5]s) s(name, birth, nationality)) >= %[4]g`,
	domain.WeightName, domain.WeightBirth, domain.WeightNationality, domain.MinDuplicateScore,
	scoreSQL("r", "p.name_key", "NULL::date", "p.birth_year", "''"))

// namingSQL reads the persons $1 as a purpose may name them (their names
// in either order, original-script name, document numbers, phone and
// e-mail), for Erase to fold (auditpg.Naming, with the other spellings of
// an e-mail address: validate.EmailSpellings, a domain stored in ASCII as
// written in Unicode).
const namingSQL = `SELECT ARRAY[b.given_name || ' ' || b.family_name, b.family_name || ' ' || b.given_name, b.original_script_name],
		ARRAY(SELECT number FROM identity_documents WHERE beneficiary_id = b.id), b.phone, b.email
	FROM beneficiaries b WHERE b.id = ANY ($1::uuid[])`

// namingOf reads the persons ids as a purpose may name them.
func (p *Postgres) namingOf(ctx context.Context, ids []string) (auditpg.Naming, error) {
	var n auditpg.Naming
	rows, err := p.q.Query(ctx, namingSQL, ids)
	if err != nil {
		return n, db.Error(err)
	}
	var names, numbers []string
	var phone, email string
	_, err = pgx.ForEachRow(rows, []any{&names, &numbers, &phone, &email}, func() error {
		n.Names, n.Numbers = append(n.Names, names...), append(n.Numbers, numbers...)
		n.Phones, n.Emails = append(n.Phones, phone), append(n.Emails, validate.EmailSpellings(email)...)
		return nil
	})
	return n, db.Error(err)
}

// eraseSQL is the erasure as one statement: eraseParts as data-modifying
// WITH queries, and the purposes declared in the audit log blanked by the
// function that may (the service's role may not update the log): those of
// every call that read or changed one of the persons, of the imports whose
// purpose the last part blanked, and of the calls whose purpose names them
// ($3 and $4: auditpg.Naming's patterns; a call before they were
// registered read others only) made by their organisations or by the
// organisations they were shared with (namingOrganisations: a receiver
// checking its own register for the person referred to it names her in a
// call that reads its own clients), and the guardian's name of the
// consents of other persons, recorded by those organisations, that name
// them (guardiansNamed). eraseSQLNotNaming is it without the last two, for
// persons with nothing specific enough to look for.
var eraseSQL, eraseSQLNotNaming = eraseStatement(auditpg.NamedSQL(namingOrganisations, "$3::text[]", "$4::text[]"), guardiansNamed), eraseStatement("", "")

// guardiansNamed blanks the guardian's name of the consents of persons
// other than $1 (their own consents are eraseParts') recorded by the
// organisations that knew them (namingOrganisations) whose folded name
// names them ($3 and $4, as the purposes), and returns their ids. Given by
// a guardian they stay: the name goes, the consent and who gave it stay.
var guardiansNamed = `UPDATE consents SET guardian_name = '', guardian_folded = ''
	WHERE organisation_id = ANY (` + namingOrganisations + `) AND guardian_folded <> '' AND beneficiary_id <> ALL ($1::uuid[])
		AND ` + auditpg.Names("guardian_folded", "$3::text[]", "$4::text[]") + `
	RETURNING id`

// guardiansLock is the advisory lock of the guardians' names of the
// consents organisation $1 records: shared by a consent naming a guardian
// (CreateConsent) until it commits, exclusive by an erasure looking through
// them (Erase), so that a consent naming the erased person as its guardian
// whose create was under way is there when the erasure looks, not stored
// after it.
const guardiansLock = `1397770069, hashtext($1::uuid::text)` // 'SPGU'

// namingOrganisations selects (uuid[]) the organisations whose calls'
// purposes an erasure of the persons $1 looks through for their names:
// the persons' own, and every organisation that holds or held an access
// grant to them (a referral's receiver), which knows their names.
const namingOrganisations = `ARRAY(SELECT organisation_id FROM beneficiaries WHERE id = ANY ($1::uuid[])
	UNION SELECT organisation_id FROM access_grants WHERE beneficiary_id = ANY ($1::uuid[]))`

// eraseStatement is eraseSQL with the purposes named selects (a SELECT of
// purpose ids, or "" for none) blanked too, in the audit log and, for the
// imports among them, in the imports, and the statement guardians (an
// UPDATE returning consent ids, or "" for none) run with them.
func eraseStatement(named, guardians string) string {
	var b strings.Builder
	for i, part := range eraseParts {
		if i == 0 {
			b.WriteString("WITH ")
		} else {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, "e%d AS (%s)", i, part)
	}
	if named != "" {
		// An import's purpose is stored with the import too (its id is
		// its records' call): an import whose purpose names them, none of
		// whose rows was them, loses it there as well.
		fmt.Fprintf(&b, ",\nnamed AS (%s),\nnamed_imports AS (UPDATE imports SET purpose = '' WHERE purpose <> '' AND id IN (SELECT id FROM named))", named)
		named = " UNION SELECT id FROM named"
	}
	consents := "'{}'::text[]"
	if guardians != "" {
		fmt.Fprintf(&b, ",\nguardians AS (%s)", guardians)
		consents = "ARRAY(SELECT id FROM guardians)::text[]"
	}
	// The households whose reference was blanked, as the rows were before,
	// and the consents whose guardian's name was.
	fmt.Fprintf(&b, "\nSELECT audit_events_forget_purposes(ARRAY(SELECT organisation_id FROM beneficiaries WHERE id = ANY ($1::uuid[])),"+
		" $1::uuid[], ARRAY(SELECT id FROM e%d%s)), ARRAY(%s)::text[], %s", len(eraseParts)-1, named, householdsOf, consents)
	return b.String()
}
