package adapters

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/outbox"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/services/referrals/internal/app"
	"github.com/spona/spona/services/referrals/internal/domain"
)

const referralCols = `id, beneficiary_id, from_organisation_id, to_organisation_id, COALESCE(to_service_id::text, ''),
	category, reason, urgency, status, due_time, COALESCE(consent_id::text, ''), COALESCE(project_id::text, ''),
	notes, send_time, close_time, close_reason, outcome_code, outcome_note, COALESCE(outcome_assistance_id::text, ''),
	ben_sex, ben_age_band, ben_legal_status, ben_municipality, create_time, update_time, version, consent_end_reason,
	accept_time, complete_time, consent_expire_time, outcome_assistance_void_time, outcome_assistance_void_reason`

// wasSent: the referral left draft (a draft its sender cancelled never
// did: it has no send time; status <> 'draft' is the receiver's indexes'
// predicate), as domain.Referral.WasSent.
const wasSent = `status <> 'draft' AND send_time IS NOT NULL`

// visible: the viewer $1 sent the referral, or received it once it was sent.
const visible = `(from_organisation_id = $1 OR (to_organisation_id = $1 AND ` + wasSent + `))`

func scanReferral(row pgx.Row) (*domain.Referral, error) { return scanReferralWith(row) }

// scanReferralWith scans referralCols, then the columns after them into
// more.
func scanReferralWith(row pgx.Row, more ...any) (*domain.Referral, error) {
	var r domain.Referral
	var sent, closed, accepted, completed, consentExpires, assistanceVoided *time.Time
	err := row.Scan(append([]any{&r.ID, &r.BeneficiaryID, &r.FromOrganisationID, &r.ToOrganisationID, &r.ToServiceID,
		&r.Category, &r.Reason, &r.Urgency, &r.Status, &r.DueTime, &r.ConsentID, &r.ProjectID,
		&r.Notes, &sent, &closed, &r.CloseReason, &r.OutcomeCode, &r.OutcomeNote, &r.AssistanceID,
		&r.Snapshot.Sex, &r.Snapshot.AgeBand, &r.Snapshot.LegalStatus, &r.Snapshot.Municipality,
		&r.CreateTime, &r.UpdateTime, &r.Version, &r.EndReason, &accepted, &completed, &consentExpires,
		&assistanceVoided, &r.AssistanceVoidReason}, more...)...)
	if err != nil {
		return nil, err
	}
	for _, t := range []struct {
		from *time.Time
		to   *time.Time
	}{{sent, &r.SendTime}, {closed, &r.CloseTime}, {accepted, &r.AcceptTime}, {completed, &r.CompleteTime}, {consentExpires, &r.ConsentExpireTime}, {assistanceVoided, &r.AssistanceVoidTime}} {
		if t.from != nil {
			*t.to = *t.from
		}
	}
	return &r, nil
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

const insertEvent = `INSERT INTO referral_events (referral_id, from_status, to_status, organisation_id, client_id, note)
	VALUES ($1, $2, $3, $4, $5, $6)`

// createLock is the lock of creating referrals about beneficiary $1:
// CreateReferral holds it shared (creates go on together), and
// ForgetBeneficiaries alone, so one waits for the other and then reads
// what it committed.
const createLock = `7301, hashtext($1::uuid::text)`

// CreateReferral inserts a draft referral and its first event, unless its
// beneficiary was forgotten: with the create lock taken in a statement of
// its own first (queued with the insert, one round trip), the insert sees
// a ForgetBeneficiaries that committed while it waited.
func (p *Postgres) CreateReferral(ctx context.Context, r *domain.Referral, actorClient, requestID string, evs ...events.Event) (*domain.Referral, error) {
	var out *domain.Referral
	err := db.InTx(ctx, p.pool, func(tx pgx.Tx) error {
		if err := db.Defer(ctx, tx, `SELECT pg_advisory_xact_lock_shared(`+createLock+`)`, r.BeneficiaryID); err != nil {
			return err
		}
		var err error
		out, err = db.CreateOnce(ctx, tx, scanReferral, `
			INSERT INTO referrals (id, beneficiary_id, from_organisation_id, to_organisation_id, to_service_id,
				category, reason, urgency, status, due_time, consent_id, project_id, notes, request_id)
			SELECT $1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::uuid, $6::text, $7::text, $8::text, $9::text, $10::timestamptz,
				$11::uuid, $12::uuid, $13::text, $14::text
			WHERE NOT EXISTS (SELECT 1 FROM forgotten_beneficiaries WHERE beneficiary_id = $2::uuid)
			ON CONFLICT (from_organisation_id, request_id) DO NOTHING
			RETURNING `+referralCols,
			[]any{r.ID, r.BeneficiaryID, r.FromOrganisationID, r.ToOrganisationID, db.Null(r.ToServiceID),
				r.Category, r.Reason, r.Urgency, r.Status, r.DueTime, db.Null(r.ConsentID), db.Null(r.ProjectID), r.Notes, db.RequestKey(requestID)},
			`SELECT `+referralCols+` FROM referrals WHERE from_organisation_id = $1 AND `+db.RequestIDIs("request_id", "$2"),
			r.FromOrganisationID, requestID)
		if errors.Is(err, pgx.ErrNoRows) {
			// Nothing inserted, and no referral made with the request id.
			return errs.FailedPrecondition(domain.ReasonBeneficiaryErased, "beneficiary %s was erased", r.BeneficiaryID)
		}
		if err != nil || out.ID != r.ID {
			return err
		}
		if _, err = tx.Exec(ctx, insertEvent, r.ID, nil, r.Status, r.FromOrganisationID, actorClient, ""); err != nil {
			return db.Error(err)
		}
		return outbox.Write(ctx, tx, evs...)
	})
	return out, err
}

// GetReferral returns a referral visible to viewer.
func (p *Postgres) GetReferral(ctx context.Context, viewer, id string) (*domain.Referral, error) {
	r, err := scanReferral(p.pool.QueryRow(ctx, `SELECT `+referralCols+` FROM referrals WHERE id = $2 AND `+visible, viewer, id))
	return one(r, err, "referral", id)
}

// ListReferrals lists referrals visible to viewer, newest first.
func (p *Postgres) ListReferrals(ctx context.Context, viewer string, f domain.ReferralFilter, now time.Time, page pagination.Page) ([]*domain.Referral, error) {
	sql, args := listReferrals(viewer, f, now, page)
	rows, err := p.pool.Query(ctx, sql, args...)
	return collect(rows, err, scanReferral)
}

// listTime is domain.Referral.ListTime in SQL, the sort key of the list
// (with id) and of its indexes (migration 00035): sent referrals by when
// they were sent, drafts by when they were created.
const listTime = `COALESCE(send_time, create_time)`

// listOrder is the list's order, newest first (domain.ListKey).
const listOrder = listTime + ` DESC, id DESC`

// listReferrals is the statement of ListReferrals: one branch per side
// of the viewer's (the referrals it sent; those it received, once sent),
// each the newest of its own index in list order (listTime, id), merged:
// by organisation and status for a status filter, the organisation's open
// referrals for overdue ones (migrations 00028, 00029, in list order since
// 00035). So a page reads about the
// referrals it returns, not every referral of the organisation (nor every
// open referral of every organisation) to keep the few that match: an OR
// of the two sides is no ordered index scan.
func listReferrals(viewer string, f domain.ReferralFilter, now time.Time, page pagination.Page) (string, []any) {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	org := arg(viewer) + "::uuid"
	var sides []string
	if f.Direction != domain.Incoming {
		sides = append(sides, "from_organisation_id = "+org)
	}
	if f.Direction != domain.Outgoing {
		to := "to_organisation_id = " + org + " AND " + wasSent
		if f.Direction == domain.Both {
			to += " AND from_organisation_id <> " + org // listed once, as sent
		}
		sides = append(sides, to)
	}
	var conds []string
	if page.After != "" {
		k, _ := domain.ParseListKey(page.After) // checked by pagination.Parse
		conds = append(conds, "("+listTime+", id) < ("+arg(k.Time)+"::timestamptz, "+arg(k.ID)+"::uuid)")
	}
	if f.Status != "" {
		conds = append(conds, "status = "+arg(f.Status))
	}
	if f.Category != "" {
		conds = append(conds, "category = "+arg(f.Category))
	}
	switch f.Overdue {
	case domain.OverdueOnly:
		conds = append(conds, "status IN ('sent', 'accepted', 'in_progress') AND due_time < "+arg(now))
	case domain.NotOverdue:
		conds = append(conds, "(status NOT IN ('sent', 'accepted', 'in_progress') OR due_time IS NULL OR due_time >= "+arg(now)+")")
	}
	limit := arg(page.Limit())
	var branches []string
	for _, side := range sides {
		c := append([]string{side}, conds...)
		branches = append(branches, `(SELECT `+referralCols+` FROM referrals WHERE `+strings.Join(c, " AND ")+` ORDER BY `+listOrder+` LIMIT `+limit+`)`)
	}
	return `SELECT * FROM (` + strings.Join(branches, "\n\tUNION ALL ") + `) r ORDER BY ` + listOrder + ` LIMIT ` + limit, args
}

// consentLock is the lock of the referral_sharing consent $1: a send under
// it holds it shared (sends go on together), and EndConsent alone.
const consentLock = `7302, hashtext($1::uuid::text)`

// Transition stores the moved referral and its event in one transaction.
// While a completion's claim lasts (ClaimCompletion), only a completion
// is stored. A completion naming a record whose void came first
// (OutcomeAssistanceVoided: early_void_*) takes that void as its
// outcome's, or names the correction that came after it
// (OutcomeAssistanceCorrected: early_correction_id) with that
// correction's void, if any; the events are of the referral as stored
// (event), so the completion's carries them too.
// A consent's end it records stays (a transition never clears one). A send
// takes its consent's lock shared in a statement of its own first, so that
// it sees an EndConsent that committed while it waited: a send under a
// consent that ended is refused (FAILED_PRECONDITION, CONSENT_REQUIRED).
func (p *Postgres) Transition(ctx context.Context, r *domain.Referral, version int64, ev domain.Event, access app.Access, event func(*domain.Referral) events.Event) (*domain.Referral, error) {
	send := ev.FromStatus == domain.StatusDraft && r.Status == domain.StatusSent && r.ConsentID != ""
	var out *domain.Referral
	err := db.InTx(ctx, p.pool, func(tx pgx.Tx) error {
		if send {
			if err := db.Defer(ctx, tx, `SELECT pg_advisory_xact_lock_shared(`+consentLock+`)`, r.ConsentID); err != nil {
				return err
			}
		}
		row, err := scanReferral(tx.QueryRow(ctx, `
			UPDATE referrals SET status = $3, due_time = $4, consent_id = $5, send_time = $6, close_time = $7,
				close_reason = $8, outcome_code = $9, outcome_note = $10, access = CASE WHEN $11 = 'none' THEN access ELSE $11 END,
				ben_sex = $12, ben_age_band = $13, ben_legal_status = $14, ben_municipality = $15,
				outcome_assistance_id = CASE WHEN $3 = 'completed' AND early_void_assistance_id = $16
					THEN COALESCE(early_correction_id, $16) ELSE $16 END,
				consent_end_reason = COALESCE(NULLIF($17, ''), consent_end_reason),
				outcome_assistance_void_time = CASE WHEN $3 = 'completed' AND early_void_assistance_id = $16
					THEN early_void_time ELSE outcome_assistance_void_time END,
				outcome_assistance_void_reason = CASE WHEN $3 = 'completed' AND early_void_assistance_id = $16
					THEN early_void_reason ELSE outcome_assistance_void_reason END,
				accept_time = $18, complete_time = $19, consent_expire_time = $20, completing_until = NULL,
				uncommitted_assistance_id = CASE WHEN $3 = 'completed' AND uncommitted_assistance_id = $16
					THEN NULL ELSE uncommitted_assistance_id END,
				version = version + 1, update_time = now()
			WHERE id = $1 AND version = $2 AND (completing_until IS NULL OR completing_until <= now() OR $3 = 'completed')
				AND NOT ($3 = 'sent' AND status = 'draft' AND EXISTS (SELECT 1 FROM ended_consents WHERE consent_id = $5::uuid))
			RETURNING `+referralCols,
			r.ID, version, r.Status, r.DueTime, db.Null(r.ConsentID), nullTime(r.SendTime), nullTime(r.CloseTime),
			r.CloseReason, r.OutcomeCode, r.OutcomeNote, string(access),
			r.Snapshot.Sex, r.Snapshot.AgeBand, r.Snapshot.LegalStatus, r.Snapshot.Municipality, db.Null(r.AssistanceID),
			r.EndReason, nullTime(r.AcceptTime), nullTime(r.CompleteTime), nullTime(r.ConsentExpireTime)))
		if send && errors.Is(err, pgx.ErrNoRows) {
			var ended bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM ended_consents WHERE consent_id = $1)`, r.ConsentID).Scan(&ended); err != nil {
				return db.Error(err)
			}
			if ended {
				return errs.FailedPrecondition(domain.ReasonConsentRequired,
					"the referral_sharing consent %s ended while the referral was being sent; record a live one and send again", r.ConsentID)
			}
		}
		if out, err = staleOr(row, err); err != nil {
			return err
		}
		if _, err = tx.Exec(ctx, insertEvent, ev.ReferralID, db.Null(ev.FromStatus), ev.ToStatus, db.Null(ev.ActorOrganisationID), ev.ActorClientID, ev.Note); err != nil {
			return db.Error(err)
		}
		return outbox.Write(ctx, tx, event(out))
	})
	return out, err
}

// ClaimCompletion implements app.ReferralStore (completing_until, which
// Transition checks).
func (p *Postgres) ClaimCompletion(ctx context.Context, id string, version int64, ttl time.Duration) (time.Time, error) {
	var claim time.Time
	err := p.pool.QueryRow(ctx, `UPDATE referrals SET completing_until = now() + make_interval(secs => $3)
		WHERE id = $1 AND version = $2 AND (completing_until IS NULL OR completing_until <= now())
		RETURNING completing_until`, id, version, ttl.Seconds()).Scan(&claim)
	return staleOr(claim, err)
}

// ReleaseCompletion implements app.ReferralStore.
func (p *Postgres) ReleaseCompletion(ctx context.Context, id string, claim time.Time) error {
	_, err := p.pool.Exec(ctx, `UPDATE referrals SET completing_until = NULL WHERE id = $1 AND completing_until = $2`, id, claim)
	return db.Error(err)
}

// SetUncommittedAssistance implements app.ReferralStore (not a change of
// the referral: no new version).
func (p *Postgres) SetUncommittedAssistance(ctx context.Context, id, assistanceID string) error {
	_, err := p.pool.Exec(ctx, `UPDATE referrals SET uncommitted_assistance_id = $2 WHERE id = $1`, id, assistanceID)
	return db.Error(err)
}

// ClearUncommittedAssistance implements app.ReferralStore.
func (p *Postgres) ClearUncommittedAssistance(ctx context.Context, id, assistanceID string) error {
	_, err := p.pool.Exec(ctx, `UPDATE referrals SET uncommitted_assistance_id = NULL
		WHERE id = $1 AND uncommitted_assistance_id = $2`, id, assistanceID)
	return db.Error(err)
}

// UncommittedAssistances implements app.Maintenance.
func (p *Postgres) UncommittedAssistances(ctx context.Context, limit int) ([]app.Uncommitted, error) {
	rows, err := p.pool.Query(ctx, `SELECT `+referralCols+`, uncommitted_assistance_id::text FROM referrals
		WHERE uncommitted_assistance_id IS NOT NULL AND (completing_until IS NULL OR completing_until <= now())
		ORDER BY id LIMIT $1`, limit)
	return collect(rows, err, func(row pgx.Row) (app.Uncommitted, error) {
		var u app.Uncommitted
		var err error
		u.Referral, err = scanReferralWith(row, &u.AssistanceID)
		return u, err
	})
}

// ForgetBeneficiaries records the beneficiaries as erased and returns
// their open referrals, in the transaction ctx carries, in one round trip
// of three statements, each seeing what committed before it started: the
// create lock of each (alone, in a fixed order), so the creates under way
// commit first and later ones wait; the record (forgotten_beneficiaries,
// which those creates check); and every referral of theirs locked, so the
// transitions under way commit first and later ones find them changed.
func (p *Postgres) ForgetBeneficiaries(ctx context.Context, beneficiaryIDs []string) ([]*domain.Referral, error) {
	tx, ok := db.TxFrom(ctx)
	if !ok {
		return nil, errors.New("referrals: ForgetBeneficiaries needs the caller's transaction")
	}
	var all []*domain.Referral
	batch := &pgx.Batch{}
	batch.Queue(`SELECT pg_advisory_xact_lock(`+strings.ReplaceAll(createLock, "$1", "x")+`)
		FROM (SELECT DISTINCT x FROM unnest($1::uuid[]) x ORDER BY 1) s`, beneficiaryIDs)
	batch.Queue(`INSERT INTO forgotten_beneficiaries (beneficiary_id) SELECT DISTINCT unnest($1::uuid[]) ON CONFLICT DO NOTHING`, beneficiaryIDs)
	batch.Queue(`SELECT `+referralCols+` FROM referrals WHERE beneficiary_id = ANY ($1::uuid[]) ORDER BY id FOR UPDATE`, beneficiaryIDs).
		Query(func(rows pgx.Rows) error {
			var err error
			all, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.Referral, error) { return scanReferral(r) })
			return err
		})
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return nil, db.Error(err)
	}
	open := slices.DeleteFunc(all, func(r *domain.Referral) bool { return !domain.Open(r.Status) })
	return open, nil
}

// MarkErased records domain.ReasonBeneficiaryErased as the end of every
// referral of the beneficiaries that has none yet (in ctx's transaction).
func (p *Postgres) MarkErased(ctx context.Context, beneficiaryIDs []string) error {
	_, err := db.Conn(ctx, p.pool).Exec(ctx, `UPDATE referrals SET consent_end_reason = $2, version = version + 1, update_time = now()
		WHERE beneficiary_id = ANY ($1::uuid[]) AND consent_end_reason = ''`, beneficiaryIDs, domain.ReasonBeneficiaryErased)
	return db.Error(err)
}

// RedactBeneficiary wipes the free texts of the beneficiaries' referrals and
// of their transitions, in the transaction ctx carries, and returns the
// referrals it changed.
func (p *Postgres) RedactBeneficiary(ctx context.Context, beneficiaryIDs []string) ([]*domain.Referral, error) {
	tx, ok := db.TxFrom(ctx)
	if !ok {
		return nil, errors.New("referrals: RedactBeneficiary needs the caller's transaction")
	}
	rows, err := tx.Query(ctx, `
		WITH mine AS (SELECT id FROM referrals WHERE beneficiary_id = ANY ($1::uuid[])),
		ev AS (UPDATE referral_events SET note = '' WHERE referral_id IN (SELECT id FROM mine)
				AND note <> '' AND note <> ALL ($2::text[]) RETURNING referral_id),
		rf AS (UPDATE referrals SET reason = '', notes = '', outcome_note = '',
				close_reason = CASE WHEN close_reason = ANY ($2::text[]) THEN close_reason ELSE '' END,
				version = version + 1, update_time = now()
			WHERE id IN (SELECT id FROM mine)
				AND (reason <> '' OR notes <> '' OR outcome_note <> '' OR (close_reason <> '' AND close_reason <> ALL ($2::text[]))
					OR id IN (SELECT referral_id FROM ev))
			RETURNING *)
		SELECT `+referralCols+` FROM rf ORDER BY id`, beneficiaryIDs, domain.SystemCloseReasons)
	changed, err := collect(rows, err, scanReferral)
	if err != nil {
		return nil, err
	}
	// The request ids the referrals were created with (db.ForgetRequestID).
	_, err = tx.Exec(ctx, `UPDATE referrals SET `+db.ForgetRequestID("request_id")+`
		WHERE beneficiary_id = ANY ($1::uuid[]) AND request_id IS NOT NULL`, beneficiaryIDs)
	return changed, db.Error(err)
}

// RepointBeneficiary makes the referrals of from refer to to, in the
// transaction ctx carries.
func (p *Postgres) RepointBeneficiary(ctx context.Context, from, to string) (int, error) {
	tag, err := db.Conn(ctx, p.pool).Exec(ctx, `UPDATE referrals SET beneficiary_id = $2, version = version + 1, update_time = now()
		WHERE beneficiary_id = $1`, from, to)
	if err != nil {
		return 0, db.Error(err)
	}
	return int(tag.RowsAffected()), nil
}

// MarkOverdue marks open referrals past their due time (not marked before)
// and writes their events, in one transaction; SKIP LOCKED keeps replicas
// apart. Past due is due_time < now, as the list's overdue filter and
// domain.Referral.Overdue have it.
func (p *Postgres) MarkOverdue(ctx context.Context, now time.Time, limit int, event func(*domain.Referral) events.Event) ([]*domain.Referral, error) {
	var out []*domain.Referral
	err := db.InTx(ctx, p.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			WITH due AS (
				SELECT id AS due_id FROM referrals
				WHERE status IN ('sent', 'accepted', 'in_progress') AND overdue_event_time IS NULL AND due_time < $1
				ORDER BY due_time LIMIT $2
				FOR UPDATE SKIP LOCKED)
			UPDATE referrals SET overdue_event_time = $1 FROM due WHERE id = due.due_id
			RETURNING `+referralCols, now, limit)
		if out, err = collect(rows, err, scanReferral); err != nil || len(out) == 0 {
			return err
		}
		evs := make([]events.Event, len(out))
		for i, r := range out {
			evs[i] = event(r)
		}
		return outbox.Write(ctx, tx, evs...)
	})
	return out, err
}

// Emit writes events to the outbox in the transaction ctx carries.
func (p *Postgres) Emit(ctx context.Context, evs ...events.Event) error {
	tx, ok := db.TxFrom(ctx)
	if !ok {
		return errors.New("referrals: Emit needs the caller's transaction")
	}
	return outbox.Write(ctx, tx, evs...)
}

// OutcomeAssistanceVoided implements app.Repository. The referral is
// locked first (lockStatus), so that a completion committing now has
// committed (and is read) or waits for this transaction: a void of the
// record a completion not committed yet recorded (it answers the open
// referral) is kept on the referral (early_void_*, not a change of it: no
// new version, so the completion is not found changed), and Transition
// takes it when the completion names that record. A void of the
// correction kept so (early_correction_id, OutcomeAssistanceCorrected) is
// that correction's: the completion names the correction, voided.
func (p *Postgres) OutcomeAssistanceVoided(ctx context.Context, referralID, assistanceID, reason string, at time.Time) (*domain.Referral, error) {
	open, err := p.lockStatus(ctx, referralID)
	if err != nil || !open {
		return p.changeOutcome(ctx, err, `outcome_assistance_void_time = $3, outcome_assistance_void_reason = $4
		WHERE id = $1 AND outcome_assistance_id = $2 AND outcome_assistance_void_time IS NULL`, referralID, assistanceID, at, reason)
	}
	_, err = db.Conn(ctx, p.pool).Exec(ctx, `UPDATE referrals SET
			early_void_assistance_id = CASE WHEN early_correction_id = $2 THEN early_void_assistance_id ELSE $2 END,
			early_correction_id = CASE WHEN early_correction_id = $2 THEN early_correction_id END,
			early_void_time = $3, early_void_reason = $4
		WHERE id = $1`, referralID, assistanceID, at, reason)
	return nil, db.Error(err)
}

// OutcomeAssistanceCorrected implements app.Repository. As
// OutcomeAssistanceVoided, on a referral still open (the completion that
// recorded the corrected record not committed yet) the correction of the
// record whose void is kept (early_void_*, or of the correction kept
// before, voided since) is kept (early_correction_id, the void cleared),
// and Transition makes the completion naming the first record name the
// correction. Before, such a correction matched no outcome and was lost:
// the completed referral's outcome named the voided record.
func (p *Postgres) OutcomeAssistanceCorrected(ctx context.Context, referralID, correctsID, assistanceID string) (*domain.Referral, error) {
	open, err := p.lockStatus(ctx, referralID)
	if err != nil || !open {
		return p.changeOutcome(ctx, err, `outcome_assistance_id = $3, outcome_assistance_void_time = NULL, outcome_assistance_void_reason = ''
		WHERE id = $1 AND outcome_assistance_id = $2 AND outcome_assistance_void_time IS NOT NULL`, referralID, correctsID, assistanceID)
	}
	_, err = db.Conn(ctx, p.pool).Exec(ctx, `UPDATE referrals SET early_correction_id = $3, early_void_time = NULL, early_void_reason = ''
		WHERE id = $1 AND COALESCE(early_correction_id, early_void_assistance_id) = $2 AND early_void_time IS NOT NULL`,
		referralID, correctsID, assistanceID)
	return nil, db.Error(err)
}

// lockStatus locks referral id for the caller's transaction and reports
// whether it is open (sent and not closed); not found, it is not.
func (p *Postgres) lockStatus(ctx context.Context, id string) (open bool, err error) {
	tx, ok := db.TxFrom(ctx)
	if !ok {
		return false, errors.New("referrals: changing an outcome needs the caller's transaction")
	}
	var status string
	err = tx.QueryRow(ctx, `SELECT status FROM referrals WHERE id = $1 FOR UPDATE`, id).Scan(&status)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return domain.Open(status), db.Error(err)
}

// changeOutcome sets the outcome's assistance (set, ending in the WHERE
// clause of the referral $1) as a new version in the caller's transaction,
// and returns the referral so changed, nil when none was; err, the
// failure of locking the referral, when not nil.
func (p *Postgres) changeOutcome(ctx context.Context, err error, set string, args ...any) (*domain.Referral, error) {
	if err != nil {
		return nil, err
	}
	r, err := scanReferral(db.Conn(ctx, p.pool).QueryRow(ctx, `UPDATE referrals SET version = version + 1, update_time = now(), `+set+`
		RETURNING `+referralCols, args...))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return r, db.Error(err)
}

// SetAccess records the state of the receiver's grant.
func (p *Postgres) SetAccess(ctx context.Context, referralID string, access app.Access) error {
	_, err := p.pool.Exec(ctx, `UPDATE referrals SET access = $2 WHERE id = $1`, referralID, string(access))
	return db.Error(err)
}

// OpenReferralsUnderConsent returns the open referrals sent under a
// consent, locked for the caller's transaction (ctx's, when it carries one).
func (p *Postgres) OpenReferralsUnderConsent(ctx context.Context, consentID string) ([]*domain.Referral, error) {
	var out []*domain.Referral
	err := db.InTx(ctx, p.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+referralCols+` FROM referrals
			WHERE consent_id = $1 AND status IN ('sent', 'accepted', 'in_progress') ORDER BY id FOR UPDATE`, consentID)
		out, err = collect(rows, err, scanReferral)
		return err
	})
	return out, err
}

// EndConsent records the consent as ended for reason, in the transaction
// ctx carries, with the consent's lock taken alone first: the sends under
// it under way commit first (OpenReferralsUnderConsent, a later statement,
// finds them), and later ones find it ended and are refused.
func (p *Postgres) EndConsent(ctx context.Context, consentID, reason string) error {
	tx, ok := db.TxFrom(ctx)
	if !ok {
		return errors.New("referrals: EndConsent needs the caller's transaction")
	}
	if err := db.Defer(ctx, tx, `SELECT pg_advisory_xact_lock(`+consentLock+`)`, consentID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO ended_consents (consent_id, reason) VALUES ($1, $2) ON CONFLICT DO NOTHING`, consentID, reason)
	return db.Error(err)
}

// MarkConsentEnded records reason on every referral sent under the consent
// that has no consent end yet (in ctx's transaction, when it carries one).
// A draft was sent under no consent (the consent id a draft names is the
// caller's and is replaced by the live one when it is sent), so it stays
// as it is: it can still be sent under a live consent (and a draft its
// sender cancelled never was sent).
func (p *Postgres) MarkConsentEnded(ctx context.Context, consentID, reason string) error {
	return db.InTx(ctx, p.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE referrals SET consent_end_reason = $2, version = version + 1, update_time = now()
			WHERE consent_id = $1 AND consent_end_reason = '' AND `+wasSent, consentID, reason)
		return db.Error(err)
	})
}

// PendingRevocations returns closed referrals whose grant is not yet revoked.
func (p *Postgres) PendingRevocations(ctx context.Context, limit int) ([]*domain.Referral, error) {
	rows, err := p.pool.Query(ctx, `SELECT `+referralCols+` FROM referrals WHERE access = 'revoke_pending' ORDER BY id LIMIT $1`, limit)
	return collect(rows, err, scanReferral)
}

// StaleAgeBands implements app.Maintenance.
func (p *Postgres) StaleAgeBands(ctx context.Context, limit int) ([]*domain.Referral, error) {
	rows, err := p.pool.Query(ctx, `SELECT `+referralCols+` FROM referrals WHERE ben_age_band_stale ORDER BY id LIMIT $1`, limit)
	return collect(rows, err, scanReferral)
}

// MarkAgeBandsStale implements app.Repository.
func (p *Postgres) MarkAgeBandsStale(ctx context.Context, beneficiaryIDs []string) error {
	_, err := db.Conn(ctx, p.pool).Exec(ctx, `UPDATE referrals SET ben_age_band_stale = true
		WHERE beneficiary_id = ANY ($1::uuid[]) AND send_time IS NOT NULL AND NOT ben_age_band_stale`, db.Strings(beneficiaryIDs))
	return db.Error(err)
}

// SetAgeBand implements app.Maintenance: the band only, not a change of
// the referral (no new version).
func (p *Postgres) SetAgeBand(ctx context.Context, referralID, band string) error {
	_, err := p.pool.Exec(ctx, `UPDATE referrals SET ben_age_band = $2, ben_age_band_stale = false WHERE id = $1 AND ben_age_band_stale`, referralID, band)
	return err
}

func scanEvent(row pgx.Row) (domain.Event, error) {
	var e domain.Event
	var from *string
	err := row.Scan(&e.ID, &e.ReferralID, &from, &e.ToStatus, &e.ActorOrganisationID, &e.ActorClientID, &e.Note, &e.CreateTime)
	if from != nil {
		e.FromStatus = *from
	}
	return e, err
}

// eventCols are the columns of a referral event, as scanEvent reads them.
const eventCols = `id, referral_id, from_status, to_status, COALESCE(organisation_id::text, ''), client_id, note, create_time`

// ListEvents lists a referral's events, oldest first.
func (p *Postgres) ListEvents(ctx context.Context, referralID string, page pagination.Page) ([]domain.Event, error) {
	var w where
	w.add("referral_id = ?::uuid", referralID)
	if page.After != "" {
		w.add("id > ?::bigint", page.After)
	}
	clause, args := w.sql("id", page.Limit())
	rows, err := p.pool.Query(ctx, `SELECT `+eventCols+` FROM referral_events`+clause, args...)
	return collect(rows, err, scanEvent)
}

// LastEvent implements app.ReferralStore.
func (p *Postgres) LastEvent(ctx context.Context, referralID string) (domain.Event, error) {
	e, err := scanEvent(p.pool.QueryRow(ctx, `SELECT `+eventCols+` FROM referral_events
		WHERE referral_id = $1 ORDER BY id DESC LIMIT 1`, referralID))
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.Event{}, errs.NotFound("referral", referralID)
	}
	return e, db.Error(err)
}

var referralDims = aggregate.Dimensions{
	// The status the referral had at the period's end (statusThen), so
	// that a closed period's breakdown does not change as its referrals
	// go on.
	"status":       "COALESCE(st.to_status, status)",
	"category":     "category",
	"urgency":      "urgency",
	"sex":          "NULLIF(ben_sex, '')",
	"age_band":     "NULLIF(ben_age_band, '')",
	"legal_status": "NULLIF(ben_legal_status, '')",
	// By folded spelling: see municipality.
	dimMunicipality: "NULLIF(ben_municipality, '')",
}

// statusThen joins st, the status a referral had at the period's end ($3,
// none: now): the last status change recorded before it. A referral
// counted in a period reached its stage in it, so it has one.
const statusThen = `
		LEFT JOIN LATERAL (SELECT e.to_status FROM referral_events e
			WHERE e.referral_id = referrals.id AND ($3::timestamptz IS NULL OR e.create_time < $3)
			ORDER BY e.id DESC LIMIT 1) st ON true`

// dimMunicipality is the person's municipality as sent, counted by its
// folded spelling (aggregate.Folded): Šid, Sid, ŠID and Шид are one cell,
// labelled with the spelling most of the project's sent referrals give (at
// any time and from any organisation: the same label in every period's
// report).
const dimMunicipality = "municipality"

var municipality = aggregate.Folded{Dim: dimMunicipality, Expr: "ben_municipality", Spellings: `SELECT ben_municipality, count(*) FROM referrals
		WHERE project_id = $1 AND send_time IS NOT NULL AND ben_municipality <> ''
		GROUP BY ben_municipality`}

// stageTimes are the columns holding when a referral reached each stage
// (domain.Stage.ReachedAt).
var stageTimes = map[domain.Stage]string{
	domain.StageSent:      "send_time",
	domain.StageAccepted:  "accept_time",
	domain.StageCompleted: "complete_time",
}

// CountReferrals counts the referrals made under the project that reached
// stage within the days of the period in zone (aggregate.Query.Instants),
// grouped as asked.
func (p *Postgres) CountReferrals(ctx context.Context, q aggregate.Query, zone *time.Location, organisationIDs []string, stage domain.Stage) (aggregate.Aggregate, error) {
	if err := q.Check(referralDims); err != nil {
		return aggregate.Aggregate{}, err
	}
	at, ok := stageTimes[stage]
	if !ok {
		return aggregate.Aggregate{}, fmt.Errorf("referrals: no time for stage %q", stage)
	}
	from, until := q.Instants(zone)
	dims, labels, err := municipality.Apply(ctx, p.pool, referralDims, q.Dimensions(), q.ProjectID)
	if err != nil {
		return aggregate.Aggregate{}, err
	}
	// The total and every breakdown asked for in one statement (one
	// snapshot: they are of the same referrals).
	cols, sel, group := dims.GroupingSets(q.Sets())
	join := ""
	if slices.Contains(q.Dimensions(), "status") {
		join = statusThen
	}
	sql, args := labels.Bind(`SELECT `+sel+`count(*) FROM referrals`+join+`
		WHERE project_id = $1 AND `+at+` IS NOT NULL
			AND ($2::timestamptz IS NULL OR `+at+` >= $2)
			AND ($3::timestamptz IS NULL OR `+at+` < $3)
			AND (cardinality($4::uuid[]) = 0 OR from_organisation_id = ANY($4::uuid[]) OR to_organisation_id = ANY($4::uuid[]))`+group,
		[]any{q.ProjectID, from, until, db.Strings(organisationIDs)})
	rows, err := p.pool.Query(ctx, sql, args...)
	if err != nil {
		return aggregate.Aggregate{}, db.Error(err)
	}
	defer rows.Close()
	var agg aggregate.Aggregate
	if err := aggregate.CollectSets(rows, cols, &agg); err != nil {
		return aggregate.Aggregate{}, db.Error(err)
	}
	agg.Sort()
	return agg, nil
}
