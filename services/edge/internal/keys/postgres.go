package keys

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/pagination"
)

// Channel is the PostgreSQL notification channel of key changes (see the
// api_keys trigger).
const Channel = "spona_api_keys"

// Postgres stores clients and keys in the edge schema.
type Postgres struct{ pool *pgxpool.Pool }

// NewPostgres returns the store on pool.
func NewPostgres(pool *pgxpool.Pool) *Postgres { return &Postgres{pool: pool} }

var (
	_ Store      = (*Postgres)(nil)
	_ AdminStore = (*Postgres)(nil)
)

// keyColumns are read by scanKey, in this order.
const keyColumns = `k.id, k.client_id, c.name, c.organisation_id, c.scopes, k.lookup_id, k.secret_hash,
	k.create_time, k.expire_time, k.revoke_time, coalesce(k.revoke_reason, ''), k.last_use_time, coalesce(k.replaced_by::text, '')`

const keyFrom = ` FROM api_keys k JOIN api_clients c ON c.id = k.client_id`

func scanKey(row pgx.Row) (*Key, error) {
	var k Key
	err := row.Scan(&k.ID, &k.ClientID, &k.Name, &k.OrganisationID, &k.Scopes, &k.LookupID, &k.SecretHash,
		&k.CreateTime, &k.ExpireTime, &k.RevokeTime, &k.RevokeReason, &k.LastUseTime, &k.ReplacedBy)
	if err != nil {
		return nil, err
	}
	return &k, nil
}

// KeyByLookupID returns the key with lookupID, or nil when none exists.
func (p *Postgres) KeyByLookupID(ctx context.Context, lookupID string) (*Key, error) {
	k, err := scanKey(p.pool.QueryRow(ctx, `SELECT `+keyColumns+keyFrom+` WHERE k.lookup_id = $1`, lookupID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return k, db.Error(err)
}

// RecordUse sets last-use times in one statement; the key_changed trigger
// does not fire for it (it only watches the columns that end a key).
func (p *Postgres) RecordUse(ctx context.Context, used map[string]time.Time) error {
	idList := make([]string, 0, len(used))
	times := make([]time.Time, 0, len(used))
	for id, t := range used {
		idList = append(idList, id)
		times = append(times, t)
	}
	_, err := p.pool.Exec(ctx, `UPDATE api_keys k SET last_use_time = u.t
		FROM unnest($1::uuid[], $2::timestamptz[]) AS u(id, t)
		WHERE k.id = u.id AND (k.last_use_time IS NULL OR k.last_use_time < u.t)`, idList, times)
	return db.Error(err)
}

// listenCheck is how long Listen waits for a notification before it checks
// that its connection still answers, and how long it gives the answer: a
// connection gone silent (its server lost without a reset, a partition) is
// found within twice that, and the subscription ends.
const listenCheck = 500 * time.Millisecond

// Listen subscribes to key changes on a connection of its own (not one of
// the pool's), until ctx ends or the connection breaks or stops answering.
func (p *Postgres) Listen(ctx context.Context, ready func(), changed func(lookupID string)) error {
	conn, err := db.OwnConn(ctx, p.pool)
	if err != nil {
		return err
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), listenCheck)
		defer cancel()
		_ = conn.Close(ctx) // a silent server is not waited for
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		return err
	}
	ready()
	for {
		wait, cancel := context.WithTimeout(ctx, listenCheck)
		n, err := conn.WaitForNotification(wait)
		cancel()
		switch {
		case err == nil:
			changed(n.Payload)
			continue
		case ctx.Err() != nil:
			return ctx.Err()
		case !errors.Is(err, context.DeadlineExceeded):
			return err
		}
		// Nothing came: is anybody still there? (Notifications that arrive
		// meanwhile are kept for the next wait.)
		ping, cancel := context.WithTimeout(ctx, listenCheck)
		err = conn.Ping(ping)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("the connection listening to key changes does not answer: %w", err)
		}
	}
}

func audit(ctx context.Context, tx pgx.Tx, action string, k *Key, e AuditEntry) error {
	detail, err := json.Marshal(e.Detail)
	if err != nil || e.Detail == nil {
		detail = []byte("{}")
	}
	_, err = tx.Exec(ctx, `INSERT INTO key_audit (action, key_id, client_id, organisation_id, actor_organisation_id, actor_client_id, reason, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, action, k.ID, k.ClientID, k.OrganisationID, e.Actor.OrganisationID, e.Actor.ClientID, e.Reason, detail)
	return err
}

func insertKey(ctx context.Context, tx pgx.Tx, k *Key) error {
	return tx.QueryRow(ctx, `INSERT INTO api_keys (id, client_id, lookup_id, secret_hash, expire_time, request_id)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING create_time`, k.ID, k.ClientID, k.LookupID, k.SecretHash, k.ExpireTime, db.Null(k.RequestID)).Scan(&k.CreateTime)
}

// ByRequestID returns the key made by the request requestID, or nil.
func (p *Postgres) ByRequestID(ctx context.Context, requestID string) (*Key, error) {
	k, err := scanKey(p.pool.QueryRow(ctx, `SELECT `+keyColumns+keyFrom+` WHERE k.request_id = $1`, requestID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return k, db.Error(err)
}

// Create stores a new client and its first key.
func (p *Postgres) Create(ctx context.Context, k *Key, e AuditEntry) error {
	return db.Error(pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO api_clients (id, name, organisation_id, scopes) VALUES ($1, $2, $3, $4)`,
			k.ClientID, k.Name, k.OrganisationID, k.Scopes); err != nil {
			return err
		}
		if err := insertKey(ctx, tx, k); err != nil {
			return err
		}
		return audit(ctx, tx, "create", k, e)
	}))
}

// Get returns a key.
func (p *Postgres) Get(ctx context.Context, id string) (*Key, error) {
	k, err := scanKey(p.pool.QueryRow(ctx, `SELECT `+keyColumns+keyFrom+` WHERE k.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.NotFound("API key", id)
	}
	return k, db.Error(err)
}

// List returns keys newest first (ids are UUIDv7).
func (p *Postgres) List(ctx context.Context, f Filter, page pagination.Page) ([]*Key, error) {
	rows, err := p.pool.Query(ctx, `SELECT `+keyColumns+keyFrom+`
		WHERE ($1 = '' OR c.organisation_id = $1::uuid)
		  AND ($2 OR (k.revoke_time IS NULL AND (k.expire_time IS NULL OR k.expire_time > now())))
		  AND ($3 = '' OR k.id < $3::uuid)
		ORDER BY k.id DESC LIMIT $4`, f.OrganisationID, f.ShowRevoked, page.After, page.Limit())
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Key, error) { return scanKey(r) })
	return out, db.Error(err)
}

// lockLive locks the key id for a change; it must be live.
func lockLive(ctx context.Context, tx pgx.Tx, id string) (*Key, error) {
	k, err := scanKey(tx.QueryRow(ctx, `SELECT `+keyColumns+keyFrom+` WHERE k.id = $1 FOR UPDATE OF k`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.NotFound("API key", id)
	}
	if err != nil {
		return nil, err
	}
	if !k.Active(time.Now()) {
		return nil, errs.FailedPrecondition("KEY_INACTIVE", "key %s is already revoked or expired", id)
	}
	return k, nil
}

// Revoke revokes a live key and, when it is its client's current key, the
// client's replaced keys still in their overlap.
func (p *Postgres) Revoke(ctx context.Context, id, reason string, e AuditEntry) (*Key, []*Key, error) {
	var (
		out  *Key
		with []*Key
	)
	err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		k, err := lockLive(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE api_keys SET revoke_time = now(), revoke_reason = $2 WHERE id = $1`, id, reason); err != nil {
			return err
		}
		if err := audit(ctx, tx, "revoke", k, e); err != nil {
			return err
		}
		if k.ReplacedBy == "" {
			// The client's other working keys are ones rotations replaced
			// (only the current key is not): they end with it.
			rows, err := tx.Query(ctx, `SELECT `+keyColumns+keyFrom+` WHERE k.client_id = $1 AND k.id <> $2
				AND k.revoke_time IS NULL AND (k.expire_time IS NULL OR k.expire_time > now()) ORDER BY k.id FOR UPDATE OF k`, k.ClientID, id)
			if err != nil {
				return err
			}
			with, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Key, error) { return scanKey(r) })
			if err != nil {
				return err
			}
			for _, w := range with {
				if _, err := tx.Exec(ctx, `UPDATE api_keys SET revoke_time = now(), revoke_reason = $2 WHERE id = $1`, w.ID, reason); err != nil {
					return err
				}
				if err := audit(ctx, tx, "revoke", w, AuditEntry{Actor: e.Actor, Reason: e.Reason,
					Detail: map[string]any{"with_key_id": id, "replaced_by": w.ReplacedBy}}); err != nil {
					return err
				}
				now := time.Now()
				w.RevokeTime, w.RevokeReason = &now, reason
			}
		}
		out, err = scanKey(tx.QueryRow(ctx, `SELECT `+keyColumns+keyFrom+` WHERE k.id = $1`, id))
		return err
	})
	if err != nil {
		return nil, nil, db.Error(err)
	}
	return out, with, nil
}

// Rotate adds next to the live key's client and sets the old key's expiry.
func (p *Postgres) Rotate(ctx context.Context, id string, next *Key, oldExpiry time.Time, e AuditEntry) (*Key, error) {
	var out *Key
	err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		k, err := lockLive(ctx, tx, id)
		if err != nil {
			return err
		}
		if k.ReplacedBy != "" { // a rotation of it committed meanwhile
			return replaced(k)
		}
		next.ClientID = k.ClientID
		if err := insertKey(ctx, tx, next); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE api_keys SET expire_time = $2, replaced_by = $3 WHERE id = $1`, id, oldExpiry, next.ID); err != nil {
			return err
		}
		if err := audit(ctx, tx, "rotate", k, e); err != nil {
			return err
		}
		if err := audit(ctx, tx, "create", next, AuditEntry{Actor: e.Actor, Reason: e.Reason, Detail: map[string]any{"rotated_from": id}}); err != nil {
			return err
		}
		out, err = scanKey(tx.QueryRow(ctx, `SELECT `+keyColumns+keyFrom+` WHERE k.id = $1`, id))
		return err
	})
	return out, db.Error(err)
}
