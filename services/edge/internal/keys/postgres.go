package keys

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spona/spona/pkg/db"
)

// Postgres stores API clients in the edge schema.
type Postgres struct{ pool *pgxpool.Pool }

// NewPostgres returns the store on pool.
func NewPostgres(pool *pgxpool.Pool) *Postgres { return &Postgres{pool: pool} }

// ClientByLookupID returns the client with lookupID, or nil when none exists.
func (p *Postgres) ClientByLookupID(ctx context.Context, lookupID string) (*Client, error) {
	var c Client
	err := p.pool.QueryRow(ctx, `SELECT id, name, organisation_id, scopes, lookup_id, secret_hash, create_time, revoke_time
		FROM api_clients WHERE lookup_id = $1`, lookupID).
		Scan(&c.ID, &c.Name, &c.OrganisationID, &c.Scopes, &c.LookupID, &c.SecretHash, &c.CreateTime, &c.RevokeTime)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, db.Error(err)
	}
	return &c, nil
}

// Create stores a new client.
func (p *Postgres) Create(ctx context.Context, c *Client) error {
	_, err := p.pool.Exec(ctx, `INSERT INTO api_clients (id, name, organisation_id, scopes, lookup_id, secret_hash)
		VALUES ($1, $2, $3, $4, $5, $6)`, c.ID, c.Name, c.OrganisationID, c.Scopes, c.LookupID, c.SecretHash)
	return db.Error(err)
}

// Revoke ends a client's access.
func (p *Postgres) Revoke(ctx context.Context, id string) error {
	_, err := p.pool.Exec(ctx, `UPDATE api_clients SET revoke_time = now() WHERE id = $1 AND revoke_time IS NULL`, id)
	return db.Error(err)
}
