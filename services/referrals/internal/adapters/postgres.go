// Package adapters implements the referrals repository on PostgreSQL and the
// gRPC client of the beneficiaries service.
package adapters

import (
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/etag"
	"github.com/spona/spona/services/referrals/internal/app"
)

// Postgres is the repository.
type Postgres struct{ pool *pgxpool.Pool }

// NewPostgres returns the repository on pool.
func NewPostgres(pool *pgxpool.Pool) *Postgres { return &Postgres{pool: pool} }

var _ app.Repository = (*Postgres)(nil)

// where builds a WHERE clause from conditions with ? placeholders.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, v ...any) {
	for _, a := range v {
		w.args = append(w.args, a)
		cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(w.args)), 1)
	}
	w.conds = append(w.conds, cond)
}

// sql returns the clause ordered by key and limited.
func (w *where) sql(order string, limit int) (string, []any) {
	clause := ""
	if len(w.conds) > 0 {
		clause = " WHERE " + strings.Join(w.conds, " AND ")
	}
	args := slices.Concat(w.args, []any{limit})
	return clause + " ORDER BY " + order + " LIMIT $" + strconv.Itoa(len(args)), args
}

func collect[T any](rows pgx.Rows, err error, scan func(pgx.Row) (T, error)) ([]T, error) {
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (T, error) { return scan(r) })
	return out, db.Error(err)
}

func one[T any](v T, err error, resource, id string) (T, error) {
	if errors.Is(err, pgx.ErrNoRows) {
		var zero T
		return zero, errs.NotFound(resource, id)
	}
	return v, db.Error(err)
}

// staleOr turns "no row updated" of an update guarded by version into an
// etag mismatch (a concurrent change).
func staleOr[T any](v T, err error) (T, error) {
	if errors.Is(err, pgx.ErrNoRows) {
		var zero T
		return zero, etag.Mismatch()
	}
	return v, db.Error(err)
}

func emptyMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
