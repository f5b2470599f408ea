// Package idempotency keeps the edge's Idempotency-Key records in
// PostgreSQL (schema edge, table idempotency_records).
package idempotency

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/services/edge/internal/gateway"
)

// Postgres implements gateway.IdempotencyStore.
type Postgres struct {
	pool *pgxpool.Pool
	ttl  time.Duration
}

// NewPostgres returns the store on pool; records live for ttl.
func NewPostgres(pool *pgxpool.Pool, ttl time.Duration) *Postgres {
	return &Postgres{pool: pool, ttl: ttl}
}

var _ gateway.IdempotencyStore = (*Postgres)(nil)

// Acquire inserts rec as in flight, or takes over an expired record or a
// stale attempt of the same request; otherwise it returns the holder.
func (p *Postgres) Acquire(ctx context.Context, rec *gateway.IdempotencyRecord, lock time.Duration) (*gateway.IdempotencyRecord, bool, error) {
	for range 3 {
		var ok bool
		err := p.pool.QueryRow(ctx, `
			INSERT INTO idempotency_records AS r (client_id, key, method, path, body_hash, lock_until, expire_time)
			VALUES ($1, $2, $3, $4, $5, now() + $6 * interval '1 millisecond', now() + $7 * interval '1 millisecond')
			ON CONFLICT (client_id, key) DO UPDATE
			   SET method = EXCLUDED.method, path = EXCLUDED.path, body_hash = EXCLUDED.body_hash,
			       status = NULL, header = NULL, body = NULL, create_time = now(),
			       lock_until = EXCLUDED.lock_until, expire_time = EXCLUDED.expire_time
			 WHERE r.expire_time < now()
			    OR (r.status IS NULL AND r.lock_until < now()
			        AND r.method = EXCLUDED.method AND r.path = EXCLUDED.path AND r.body_hash = EXCLUDED.body_hash)
			RETURNING true`,
			rec.ClientID, rec.Key, rec.Method, rec.Path, rec.BodyHash, lock.Milliseconds(), p.ttl.Milliseconds()).Scan(&ok)
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
	err := p.pool.QueryRow(ctx, `SELECT method, path, body_hash, status, header, body
		FROM idempotency_records WHERE client_id = $1 AND key = $2`, clientID, key).
		Scan(&r.Method, &r.Path, &r.BodyHash, &st, &header, &r.Body)
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

// Complete stores the response of an acquired record.
func (p *Postgres) Complete(ctx context.Context, rec *gateway.IdempotencyRecord) error {
	header, err := json.Marshal(http.Header(rec.Header))
	if err != nil {
		return err
	}
	body := rec.Body
	if body == nil {
		body = []byte{}
	}
	_, err = p.pool.Exec(ctx, `UPDATE idempotency_records SET status = $3, header = $4, body = $5
		WHERE client_id = $1 AND key = $2 AND status IS NULL`, rec.ClientID, rec.Key, rec.Status, header, body)
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
	return tag.RowsAffected(), nil
}

// RunCleanup deletes expired records every interval until ctx ends.
func (p *Postgres) RunCleanup(ctx context.Context, interval time.Duration, onError func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for {
			n, err := p.Cleanup(ctx, 1000)
			if err != nil {
				if ctx.Err() == nil {
					onError(err)
				}
				break
			}
			if n < 1000 {
				break
			}
		}
	}
}
