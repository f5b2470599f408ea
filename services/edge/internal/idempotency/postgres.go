// Package idempotency keeps the edge's Idempotency-Key records in
// PostgreSQL (schema edge, table idempotency_records).
package idempotency

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/outbox"
	"github.com/spona/spona/services/edge/internal/gateway"
)

// Postgres implements gateway.IdempotencyStore.
type Postgres struct {
	pool *pgxpool.Pool
	ttl  time.Duration
}

// An erased person's stored responses go with them, and those of their
// households and of the consents of others whose guardian's name named
// them (outbox.PersonEvents).
var (
	_ outbox.HouseholdCopies = (*Postgres)(nil)
	_ outbox.ConsentCopies   = (*Postgres)(nil)
)

// NewPostgres returns the store on pool; records live for ttl.
func NewPostgres(pool *pgxpool.Pool, ttl time.Duration) *Postgres {
	return &Postgres{pool: pool, ttl: ttl}
}

var _ gateway.IdempotencyStore = (*Postgres)(nil)

// Acquire inserts rec as in flight, or takes over an expired record or a
// stale attempt of the same request (for the same organisation); otherwise
// it returns the holder.
func (p *Postgres) Acquire(ctx context.Context, rec *gateway.IdempotencyRecord, lock time.Duration) (*gateway.IdempotencyRecord, bool, error) {
	for range 3 {
		var ok bool
		err := p.pool.QueryRow(ctx, `
			INSERT INTO idempotency_records AS r (client_id, key, method, path, body_hash, lock_until, expire_time, organisation_id)
			VALUES ($1, $2, $3, $4, $5, now() + $6 * interval '1 millisecond', now() + $7 * interval '1 millisecond', lower($8))
			ON CONFLICT (client_id, key) DO UPDATE
			   SET method = EXCLUDED.method, path = EXCLUDED.path, body_hash = EXCLUDED.body_hash, organisation_id = EXCLUDED.organisation_id,
			       status = NULL, header = NULL, body = NULL, create_time = now(),
			       lock_until = EXCLUDED.lock_until, expire_time = EXCLUDED.expire_time
			 WHERE r.expire_time < now()
			    OR (r.status IS NULL AND r.lock_until < now()
			        AND r.method = EXCLUDED.method AND r.path = EXCLUDED.path AND r.body_hash = EXCLUDED.body_hash
			        AND coalesce(r.organisation_id, EXCLUDED.organisation_id) = EXCLUDED.organisation_id)
			RETURNING true`,
			rec.ClientID, rec.Key, rec.Method, rec.Path, rec.BodyHash, lock.Milliseconds(), p.ttl.Milliseconds(), rec.OrganisationID).Scan(&ok)
		if err == nil {
			return nil, true, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return nil, false, db.Error(err)
		}
		existing, err := p.get(ctx, rec.ClientID, rec.Key)
		if err != nil {
			return nil, false, err
		}
		if existing != nil {
			return existing, false, nil
		}
		// Released between the two statements: try again.
	}
	return nil, false, errors.New("idempotency record keeps changing")
}

func (p *Postgres) get(ctx context.Context, clientID, key string) (*gateway.IdempotencyRecord, error) {
	r := &gateway.IdempotencyRecord{ClientID: clientID, Key: key}
	var st *int32
	var header []byte
	err := p.pool.QueryRow(ctx, `SELECT method, path, body_hash, coalesce(organisation_id, ''), status, header, body
		FROM idempotency_records WHERE client_id = $1 AND key = $2`, clientID, key).
		Scan(&r.Method, &r.Path, &r.BodyHash, &r.OrganisationID, &st, &header, &r.Body)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, db.Error(err)
	}
	if st != nil {
		r.Done, r.Status = true, int(*st)
		if len(header) > 0 {
			if err := json.Unmarshal(header, &r.Header); err != nil {
				return nil, err
			}
		}
	}
	return r, nil
}

// Complete stores the response of an acquired record, with the ids its
// path and response name (subject_ids), by which an erasure finds it. When
// one of them was erased meanwhile, the response is not stored: the record
// goes, and a retry runs again against what the services now hold. Nor is
// a response naming more than maxSubjects ids (the :issueCertificates
// answer of an event with hundreds of certified people): an erasure must
// find every stored response that names the person, so ids are recorded
// all or the response is not kept; its retry runs again too.
//
// An erasure (ForgetBeneficiary) takes an exclusive lock per erased id and
// this a shared one per named id, so the two serialise: either the erasure
// comes after and deletes the stored response, or it came before and this
// sees it in erased_subjects. A consent's end (ForgetShared) takes the
// same lock: a write of an organisation other than the person's own that
// was under way when the end was applied (acquired before it: its answer
// was made while the grant held) is not stored either (shared_ended).
//
// Both statements go in one batch, which PostgreSQL runs as one implicit
// transaction, one statement after the other: the update's snapshot (READ
// COMMITTED: one per statement) is taken once the locks are held, so an
// erasure that committed while this waited for them is seen.
func (p *Postgres) Complete(ctx context.Context, rec *gateway.IdempotencyRecord) error {
	header, err := json.Marshal(http.Header(rec.Header))
	if err != nil {
		return err
	}
	body := rec.Body
	if body == nil {
		body = []byte{}
	}
	subjects := Subjects(rec.Path, string(body))
	if len(subjects) > maxSubjects {
		return p.Release(ctx, rec.ClientID, rec.Key)
	}
	// One round trip, one (implicit) transaction: the batch's statements
	// run one after the other until its single Sync, the shared locks
	// held until then.
	b := &pgx.Batch{}
	b.Queue(`SELECT pg_advisory_xact_lock_shared($1::int, hashtext(s)) FROM unnest($2::text[]) AS s ORDER BY s`,
		subjectLock, subjects)
	b.Queue(`WITH rec AS (SELECT create_time, organisation_id FROM idempotency_records WHERE client_id = $1 AND key = $2 AND status IS NULL),
			erased AS (SELECT EXISTS (SELECT 1 FROM erased_subjects WHERE id = ANY ($6::uuid[]))
				OR EXISTS (SELECT 1 FROM shared_ended e, rec WHERE e.id = ANY ($6::uuid[])
					AND e.end_time >= rec.create_time AND rec.organisation_id IS DISTINCT FROM e.owner_id) AS yes),
			del AS (DELETE FROM idempotency_records WHERE client_id = $1 AND key = $2 AND status IS NULL AND (SELECT yes FROM erased))
			UPDATE idempotency_records SET status = $3, header = $4, body = $5, subject_ids = $6
			WHERE client_id = $1 AND key = $2 AND status IS NULL AND NOT (SELECT yes FROM erased)`,
		rec.ClientID, rec.Key, rec.Status, header, body, subjects)
	br := p.pool.SendBatch(ctx, b)
	for range b.Len() {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return db.Error(err)
		}
	}
	return db.Error(br.Close())
}

// subjectLock is the first key of the advisory locks that order storing a
// response and erasing a person it names.
const subjectLock = 0x5350_4944 // "SPID"

// maxSubjects bounds the ids of a stored response (each is an index entry,
// and a lock while the response is stored); one naming more is not kept.
const maxSubjects = 1000

// Subjects returns the distinct UUIDs in texts (lower-cased, sorted): every
// id a request path or a response names, people among them, all of them.
// Recording more than the people (organisations, referrals) costs a little
// index space and nothing else; missing a person would keep their data
// after erasure.
func Subjects(texts ...string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range texts {
		for i := 0; i+36 <= len(t); {
			if !isUUID(t[i : i+36]) {
				i++
				continue
			}
			m := strings.ToLower(t[i : i+36])
			if !seen[m] {
				seen[m] = true
				out = append(out, m)
			}
			i += 36 // matches do not overlap
		}
	}
	sort.Strings(out)
	if out == nil {
		out = []string{}
	}
	return out
}

// isUUID reports whether s (36 bytes) is a UUID in its text form: hex
// digits, either case, in groups of 8-4-4-4-12.
func isUUID(s string) bool {
	for i := range 36 {
		switch c := s[i]; {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
		default:
			return false
		}
	}
	return true
}

// ForgetBeneficiary deletes every stored response naming the erased
// beneficiaries and remembers them as erased (for responses completing
// now), in the consumer's transaction ctx carries.
func (p *Postgres) ForgetBeneficiary(ctx context.Context, beneficiaryIDs []string) error {
	return p.forget(ctx, beneficiaryIDs)
}

// ForgetHouseholds deletes every stored response naming the households of
// an erased person (their reference may name them), as ForgetBeneficiary
// does for the person.
func (p *Postgres) ForgetHouseholds(ctx context.Context, householdIDs []string) error {
	return p.forget(ctx, householdIDs)
}

// ForgetConsents deletes every stored response naming the consents whose
// guardian's name an erasure blanked (the create's response of a child's
// consent holds the erased mother's name as its guardian's; it names the
// child and the consent, not her), as ForgetBeneficiary does for the
// person.
func (p *Postgres) ForgetConsents(ctx context.Context, consentIDs []string) error {
	return p.forget(ctx, consentIDs)
}

// ForgetRegistrations deletes every stored response naming the deleted
// training participants (the create's response holds a professional's
// name and e-mail, which the trainings service forgets with the last
// registration), as ForgetBeneficiary does for an erased person; a retry
// of the create then registers anew.
func (p *Postgres) ForgetRegistrations(ctx context.Context, participantIDs []string) error {
	return p.forget(ctx, participantIDs)
}

// forget deletes every stored response naming one of the ids and
// remembers them as erased.
func (p *Postgres) forget(ctx context.Context, subjects []string) error {
	ids := Subjects(strings.Join(subjects, " "))
	if len(ids) == 0 {
		return nil
	}
	q := db.Conn(ctx, p.pool)
	if _, err := q.Exec(ctx, `SELECT pg_advisory_xact_lock($1::int, hashtext(s)) FROM unnest($2::text[]) AS s ORDER BY s`,
		subjectLock, ids); err != nil {
		return db.Error(err)
	}
	if _, err := q.Exec(ctx, `INSERT INTO erased_subjects (id) SELECT unnest($1::uuid[]) ON CONFLICT DO NOTHING`, ids); err != nil {
		return db.Error(err)
	}
	_, err := q.Exec(ctx, `DELETE FROM idempotency_records WHERE subject_ids && $1::uuid[]`, ids)
	return db.Error(err)
}

// ForgetShared deletes the stored responses naming the beneficiary that
// organisations other than the person's own (ownerID) got, when one of the
// person's consents ends: what they read under it is not replayed to them,
// whether the consent's end ended their access or it had ended before (a
// referral closed; the event names only the former). Those of the person's
// own organisation stay. Such a write under way now (its answer made
// while the grant held) is not stored when it completes: the end is
// remembered in shared_ended, under the lock Complete takes. In the
// consumer's transaction ctx carries.
func (p *Postgres) ForgetShared(ctx context.Context, beneficiaryID, ownerID string) error {
	ids := Subjects(beneficiaryID)
	if len(ids) != 1 || ownerID == "" {
		return nil
	}
	owner := strings.ToLower(ownerID)
	q := db.Conn(ctx, p.pool)
	if _, err := q.Exec(ctx, `SELECT pg_advisory_xact_lock($1::int, hashtext($2::text))`, subjectLock, ids[0]); err != nil {
		return db.Error(err)
	}
	if _, err := q.Exec(ctx, `INSERT INTO shared_ended (id, owner_id) VALUES ($1, $2)
		ON CONFLICT (id) DO UPDATE SET owner_id = EXCLUDED.owner_id, end_time = EXCLUDED.end_time`, ids[0], owner); err != nil {
		return db.Error(err)
	}
	_, err := q.Exec(ctx, `DELETE FROM idempotency_records WHERE subject_ids && $1::uuid[] AND organisation_id IS DISTINCT FROM $2`,
		ids, owner)
	return db.Error(err)
}

// MoveBeneficiary adds the survivor (to) to the subjects of every stored
// response naming the merged record (from), in the consumer's transaction
// ctx carries. The response replays as it was, but a consent's end names
// the survivor (the merge moved the consent to it): ForgetShared then finds
// what the grantees read under the merged record too. It takes the
// exclusive lock of from, as an erasure does, so a response naming from
// that completes meanwhile is stored first and gets the survivor here.
func (p *Postgres) MoveBeneficiary(ctx context.Context, from, to string) error {
	f, t := Subjects(from), Subjects(to)
	if len(f) != 1 || len(t) != 1 || f[0] == t[0] {
		return nil
	}
	q := db.Conn(ctx, p.pool)
	if _, err := q.Exec(ctx, `SELECT pg_advisory_xact_lock($1::int, hashtext($2::text))`, subjectLock, f[0]); err != nil {
		return db.Error(err)
	}
	_, err := q.Exec(ctx, `UPDATE idempotency_records SET subject_ids = subject_ids || ARRAY[$2::uuid]
		WHERE subject_ids && ARRAY[$1::uuid] AND NOT subject_ids && ARRAY[$2::uuid]`, f[0], t[0])
	return db.Error(err)
}

// Extend holds an in-flight record for lock more.
func (p *Postgres) Extend(ctx context.Context, clientID, key string, lock time.Duration) error {
	_, err := p.pool.Exec(ctx, `UPDATE idempotency_records SET lock_until = now() + $3 * interval '1 millisecond'
		WHERE client_id = $1 AND key = $2 AND status IS NULL`, clientID, key, lock.Milliseconds())
	return db.Error(err)
}

// Release deletes an in-flight record.
func (p *Postgres) Release(ctx context.Context, clientID, key string) error {
	_, err := p.pool.Exec(ctx, `DELETE FROM idempotency_records WHERE client_id = $1 AND key = $2 AND status IS NULL`, clientID, key)
	return db.Error(err)
}

// Cleanup deletes expired records, at most batch at a time, and returns how
// many it deleted.
func (p *Postgres) Cleanup(ctx context.Context, batch int) (int64, error) {
	tag, err := p.pool.Exec(ctx, `DELETE FROM idempotency_records WHERE ctid IN (
		SELECT ctid FROM idempotency_records WHERE expire_time < now() LIMIT $1)`, batch)
	if err != nil {
		return 0, db.Error(err)
	}
	// An erased id matters while a response naming it can still complete:
	// requests are held far shorter than records live.
	if _, err := p.pool.Exec(ctx, `DELETE FROM erased_subjects WHERE erase_time < now() - 2 * $1 * interval '1 millisecond'`,
		p.ttl.Milliseconds()); err != nil {
		return 0, db.Error(err)
	}
	if _, err := p.pool.Exec(ctx, `DELETE FROM shared_ended WHERE end_time < now() - 2 * $1 * interval '1 millisecond'`,
		p.ttl.Milliseconds()); err != nil {
		return 0, db.Error(err)
	}
	return tag.RowsAffected(), nil
}

// CleanExpired deletes every expired record, a batch at a time (the edge
// runs it periodically with platform.Base.Every).
func (p *Postgres) CleanExpired(ctx context.Context) error {
	for {
		n, err := p.Cleanup(ctx, 1000)
		if err != nil || n < 1000 {
			return err
		}
	}
}
