package db

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Querier is satisfied by *pgxpool.Pool, *pgx.Conn and pgx.Tx.
type Querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// CreateOnce makes a create idempotent by request id. insert must end in
// "ON CONFLICT (<request-id key>) DO NOTHING RETURNING …": when it returns no
// row the request id was seen before, and existing (a SELECT of the same
// columns by request id) returns the first result instead.
func CreateOnce[T any](ctx context.Context, q Querier, scan func(pgx.Row) (T, error), insert string, insertArgs []any, existing string, existingArgs ...any) (T, error) {
	v, err := scan(q.QueryRow(ctx, insert, insertArgs...))
	if errors.Is(err, pgx.ErrNoRows) {
		v, err = scan(q.QueryRow(ctx, existing, existingArgs...))
	}
	return v, Error(err)
}

// InTx runs fn in a transaction, committed when fn returns nil. When ctx
// carries a transaction (WithTx), fn joins it instead: it commits or rolls
// back with the caller's work (an event consumer applying a use case in the
// transaction that also moves its cursor).
//
// On a pool the transaction is pipelined (see Queuer): BEGIN goes with the
// first statement, statements queued with Queue or Defer go with the next
// one or with COMMIT.
func InTx(ctx context.Context, b interface {
	Begin(context.Context) (pgx.Tx, error)
}, fn func(pgx.Tx) error) error {
	if tx, ok := TxFrom(ctx); ok {
		return fn(tx)
	}
	var tx pgx.Tx
	var err error
	if pool, ok := b.(*pgxpool.Pool); ok {
		var p *Pipe
		p, err = BeginPipe(ctx, pool, pgx.TxOptions{})
		tx = p
	} else {
		tx, err = b.Begin(ctx)
	}
	if err != nil {
		return Error(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if err := fn(tx); err != nil {
		return err
	}
	return Error(tx.Commit(ctx))
}

// InSnapshot runs read in one REPEATABLE READ READ ONLY transaction on
// pool: every statement it sends sees the database as it was when the
// first ran, whatever commits meanwhile, so that figures read by several
// statements agree (a report's total and its breakdowns, a feed's events
// and its state). The transaction is pipelined as InTx's.
func InSnapshot(ctx context.Context, pool *pgxpool.Pool, read func(*Pipe) error) error {
	tx, err := BeginPipe(ctx, pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return Error(err)
	}
	defer func() { _ = tx.Rollback(ctx) }() // after Commit: nothing
	if err := read(tx); err != nil {
		return err
	}
	return Error(tx.Commit(ctx))
}

type txKey struct{}

// WithTx returns ctx carrying tx: InTx and Conn use it instead of starting
// or picking their own.
func WithTx(ctx context.Context, tx pgx.Tx) context.Context {
	return context.WithValue(ctx, txKey{}, tx)
}

// TxFrom returns the transaction ctx carries.
func TxFrom(ctx context.Context) (pgx.Tx, bool) {
	tx, ok := ctx.Value(txKey{}).(pgx.Tx)
	return tx, ok
}

// Conn returns the transaction ctx carries, or q.
func Conn(ctx context.Context, q Querier) Querier {
	if tx, ok := TxFrom(ctx); ok {
		return tx
	}
	return q
}
