package adapters

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/pkg/translit"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
)

const consentCols = `id, beneficiary_id, organisation_id, purpose, scope, given_by, guardian_name, given_time,
	expire_time, withdraw_time, withdraw_reason, create_time`

func scanConsent(row pgx.Row) (*domain.Consent, error) {
	var c domain.Consent
	var expire, withdraw *time.Time
	err := row.Scan(&c.ID, &c.BeneficiaryID, &c.OrganisationID, &c.Purpose, &c.Scope, &c.GivenBy, &c.GuardianName,
		&c.GivenTime, &expire, &withdraw, &c.WithdrawReason, &c.CreateTime)
	if err != nil {
		return nil, err
	}
	c.ExpireTime, c.WithdrawTime = timeOf(expire), timeOf(withdraw)
	return &c, nil
}

func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// CreateConsent inserts c, with its guardian's name folded (for an
// erasure of the guardian to find: eraseSQL); a repeated request id
// returns the first row. A consent naming a guardian holds its
// organisation's guardians lock (shared) to its commit, taken in a
// statement of its own before the insert: an erasure looking through that
// organisation's guardians' names (Erase) waits for it, so the consent it
// blanks the name of has committed when it looks.
func (p *Postgres) CreateConsent(ctx context.Context, c *domain.Consent, requestID string) (*domain.Consent, error) {
	folded := translit.Fold(c.GuardianName)
	if folded != "" {
		if err := db.Defer(ctx, p.q, `SELECT pg_advisory_xact_lock_shared(`+guardiansLock+`)`, c.OrganisationID); err != nil {
			return nil, err
		}
	}
	return db.CreateOnce(ctx, p.q, scanConsent, `
		INSERT INTO consents (id, beneficiary_id, organisation_id, purpose, scope, given_by, guardian_name,
			given_time, expire_time, request_id, guardian_folded)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (organisation_id, request_id) DO NOTHING
		RETURNING `+consentCols,
		[]any{c.ID, c.BeneficiaryID, c.OrganisationID, c.Purpose, c.Scope, c.GivenBy, c.GuardianName,
			c.GivenTime, nullTime(c.ExpireTime), db.RequestKey(requestID), folded},
		`SELECT `+consentCols+` FROM consents WHERE organisation_id = $1 AND `+db.RequestIDIs("request_id", "$2"),
		c.OrganisationID, requestID)
}

// GetConsent returns a consent of a beneficiary.
func (p *Postgres) GetConsent(ctx context.Context, beneficiaryID, id string) (*domain.Consent, error) {
	c, err := scanConsent(p.q.QueryRow(ctx, `SELECT `+consentCols+` FROM consents WHERE id = $1 AND beneficiary_id = $2`, id, beneficiaryID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.NotFound("consent", id)
	}
	return c, db.Error(err)
}

// LockConsent is GetConsent with the row locked (FOR SHARE) until the
// transaction ends: a withdrawal of the consent waits for it, and then
// finds what the transaction made under the consent.
func (p *Postgres) LockConsent(ctx context.Context, beneficiaryID, id string) (*domain.Consent, error) {
	c, err := scanConsent(p.q.QueryRow(ctx, `SELECT `+consentCols+` FROM consents WHERE id = $1 AND beneficiary_id = $2 FOR SHARE`, id, beneficiaryID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.NotFound("consent", id)
	}
	return c, db.Error(err)
}

// ListConsents lists a beneficiary's consents, newest first.
func (p *Postgres) ListConsents(ctx context.Context, beneficiaryID string, page pagination.Page) ([]*domain.Consent, error) {
	rows, err := p.q.Query(ctx, `SELECT `+consentCols+` FROM consents
		WHERE beneficiary_id = $1 AND ($2 = '' OR id < $2::uuid) ORDER BY id DESC LIMIT $3`, beneficiaryID, page.After, page.Limit())
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.Consent, error) { return scanConsent(r) })
	return out, db.Error(err)
}

// WithdrawConsent marks a live consent withdrawn; a consent already
// withdrawn is refused.
func (p *Postgres) WithdrawConsent(ctx context.Context, beneficiaryID, id, reason string) (*domain.Consent, error) {
	c, err := scanConsent(p.q.QueryRow(ctx, `UPDATE consents SET withdraw_time = now(), withdraw_reason = $3
		WHERE id = $1 AND beneficiary_id = $2 AND withdraw_time IS NULL RETURNING `+consentCols, id, beneficiaryID, reason))
	if errors.Is(err, pgx.ErrNoRows) {
		if _, gerr := p.GetConsent(ctx, beneficiaryID, id); gerr != nil {
			return nil, gerr
		}
		return nil, errs.FailedPrecondition("CONSENT_WITHDRAWN", "consent %s is already withdrawn", id)
	}
	return c, db.Error(err)
}

// LiveConsent returns the live consent of a beneficiary for a purpose that
// lasts longest, or nil.
func (p *Postgres) LiveConsent(ctx context.Context, beneficiaryID, purpose string) (*domain.Consent, error) {
	c, err := scanConsent(p.q.QueryRow(ctx, `SELECT `+consentCols+` FROM consents
		WHERE beneficiary_id = $1 AND purpose = $2 AND withdraw_time IS NULL AND given_time <= now()
			AND (expire_time IS NULL OR expire_time > now())
		ORDER BY expire_time DESC NULLS FIRST, id DESC LIMIT 1`, beneficiaryID, purpose))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return c, db.Error(err)
}

const grantCols = `id, beneficiary_id, organisation_id, granted_by, source_id, reason, create_time, expire_time, revoke_time,
	COALESCE(consent_id::text, '')`

func scanGrant(row pgx.Row, extra ...any) (*domain.Grant, error) {
	var g domain.Grant
	var expire, revoke *time.Time
	if err := row.Scan(append([]any{&g.ID, &g.BeneficiaryID, &g.GranteeOrganisationID, &g.GrantedBy, &g.SourceID, &g.Reason,
		&g.CreateTime, &expire, &revoke, &g.ConsentID}, extra...)...); err != nil {
		return nil, err
	}
	g.ExpireTime, g.RevokeTime = timeOf(expire), timeOf(revoke)
	return &g, nil
}

// UpsertGrant makes the grant for (beneficiary, grantee, source) live,
// creating it or reviving a revoked one; changed is false when it was
// already live.
func (p *Postgres) UpsertGrant(ctx context.Context, g *domain.Grant) (*domain.Grant, bool, error) {
	var changed bool
	out, err := scanGrant(p.q.QueryRow(ctx, `
		WITH before AS (SELECT revoke_time IS NULL AND (expire_time IS NULL OR expire_time > now()) AND consent_id = $8 AS live
			FROM access_grants WHERE beneficiary_id = $2 AND organisation_id = $3 AND source_id = $5)
		INSERT INTO access_grants AS g (id, beneficiary_id, organisation_id, granted_by, source_id, reason, expire_time, consent_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (beneficiary_id, organisation_id, source_id) DO UPDATE
			SET revoke_time = NULL, expire_time = EXCLUDED.expire_time, reason = EXCLUDED.reason, consent_id = EXCLUDED.consent_id
		RETURNING `+grantCols+`, NOT COALESCE((SELECT live FROM before), false)`,
		g.ID, g.BeneficiaryID, g.GranteeOrganisationID, g.GrantedBy, g.SourceID, g.Reason, nullTime(g.ExpireTime), g.ConsentID), &changed)
	return out, changed, db.Error(err)
}

// RevokeGrants ends the live grants of a beneficiary made for source; when
// grantee is not empty, only that organisation's. It returns the grants it
// ended and how many matched at all (live or not). The grants of a merged
// record are the survivor's (the merge moved them there).
func (p *Postgres) RevokeGrants(ctx context.Context, beneficiaryID, sourceID, grantee string) (revoked []*domain.Grant, matched int, err error) {
	rows, err := p.q.Query(ctx, `UPDATE access_grants SET revoke_time = now()
		WHERE beneficiary_id = `+grantsOf+` AND source_id = $2 AND ($3 = '' OR organisation_id = $3::uuid) AND revoke_time IS NULL
		RETURNING `+grantCols, beneficiaryID, sourceID, grantee)
	if err != nil {
		return nil, 0, db.Error(err)
	}
	if revoked, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.Grant, error) { return scanGrant(r) }); err != nil {
		return nil, 0, db.Error(err)
	}
	err = p.q.QueryRow(ctx, `SELECT count(*) FROM access_grants
		WHERE beneficiary_id = `+grantsOf+` AND source_id = $2 AND ($3 = '' OR organisation_id = $3::uuid)`,
		beneficiaryID, sourceID, grantee).Scan(&matched)
	return revoked, matched, db.Error(err)
}

// grantsOf is the record whose grants are those of the beneficiary $1
// (uuid): its survivor when it was merged, else itself.
const grantsOf = `COALESCE((SELECT b.merged_into FROM beneficiaries b WHERE b.id = $1::uuid), $1::uuid)`

// RevokeConsentGrants ends every live grant made under a consent and
// returns them.
func (p *Postgres) RevokeConsentGrants(ctx context.Context, consentID string) ([]*domain.Grant, error) {
	rows, err := p.q.Query(ctx, `UPDATE access_grants SET revoke_time = now()
		WHERE consent_id = $1 AND revoke_time IS NULL RETURNING `+grantCols, consentID)
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.Grant, error) { return scanGrant(r) })
	return out, db.Error(err)
}

// SourceGrant returns grantee's grant of a beneficiary made for source, live
// or not, with the consent it was made under (nil for a grant older than
// consent tracking). The grants of a merged record are the survivor's
// (the merge moved them there, with their consents).
func (p *Postgres) SourceGrant(ctx context.Context, beneficiaryID, grantee, sourceID string) (*domain.Grant, *domain.Consent, error) {
	g, err := scanGrant(p.q.QueryRow(ctx, `SELECT `+grantCols+` FROM access_grants
		WHERE beneficiary_id = `+grantsOf+` AND organisation_id = $2 AND source_id = $3`, beneficiaryID, grantee, sourceID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, errs.NotFound("beneficiary", beneficiaryID)
	}
	if err != nil || g.ConsentID == "" {
		return g, nil, db.Error(err)
	}
	c, err := p.GetConsent(ctx, g.BeneficiaryID, g.ConsentID)
	return g, c, err
}

// Owners returns the registering organisation of each beneficiary in ids
// that exists (merged and erased ones included), whoever asks.
func (p *Postgres) Owners(ctx context.Context, ids []string) (map[string]string, error) {
	rows, err := p.q.Query(ctx, `SELECT id, organisation_id FROM beneficiaries WHERE id = ANY ($1::uuid[])`, ids)
	if err != nil {
		return nil, db.Error(err)
	}
	defer rows.Close()
	out := make(map[string]string, len(ids))
	for rows.Next() {
		var id, org string
		if err := rows.Scan(&id, &org); err != nil {
			return nil, db.Error(err)
		}
		out[id] = org
	}
	return out, db.Error(rows.Err())
}

// ClaimExpiredConsents marks up to limit consents whose expiry time has
// passed and whose expiry was not applied yet as applied, and returns them.
// Rows another transaction holds are skipped (SKIP LOCKED): replicas
// sweeping at once never claim the same consent. The person's row is
// locked too (FOR SHARE, as app.LockRecords), with the consent: every
// write locks in the order person, then consents, then grants (the
// erasure's single statement changes grants and consents in an order
// PostgreSQL leaves open, under the person's lock), so the sweep skips a
// person being erased, merged or updated and applies the expiry on a later
// pass.
func (p *Postgres) ClaimExpiredConsents(ctx context.Context, limit int) ([]*domain.Consent, error) {
	rows, err := p.q.Query(ctx, `UPDATE consents SET expiry_apply_time = now()
		WHERE id IN (SELECT c.id FROM consents c JOIN beneficiaries b ON b.id = c.beneficiary_id
			WHERE c.expire_time <= now() AND c.expiry_apply_time IS NULL AND c.withdraw_time IS NULL
			ORDER BY c.expire_time LIMIT $1 FOR SHARE OF b SKIP LOCKED FOR UPDATE OF c SKIP LOCKED)
		RETURNING `+consentCols, limit)
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.Consent, error) { return scanConsent(r) })
	return out, db.Error(err)
}
