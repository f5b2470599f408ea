package db

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Queuer is a transaction that can hold statements back and send them with
// the next statement whose answer is awaited, or with the commit, in one
// round trip. InTx's transactions are Queuers.
type Queuer interface {
	// Queue adds a statement whose result nobody reads. Its error, if
	// any, is returned by the call that sends it (the next Exec, Query,
	// QueryRow, SendBatch or Commit); the transaction then fails.
	Queue(sql string, args ...any)
	// QueueRow adds a statement returning one row; scan receives it once
	// the statement has run (pgx.ErrNoRows from Scan when it returned
	// none). scan's error fails the call that sent the statement (see
	// DeferRow: it cannot undo a COMMIT sent with it).
	QueueRow(sql string, args []any, scan func(pgx.Row) error)
	// QueueRows adds a statement returning rows; read receives them once
	// the statement has run (they are closed after it), as QueueRow.
	QueueRows(sql string, args []any, read func(pgx.Rows) error)
}

// Defer runs a statement whose result is not read: queued on a Queuer
// (sent with the next statement or the commit, so its error surfaces
// there), at once on anything else.
func Defer(ctx context.Context, q Querier, sql string, args ...any) error {
	if p, ok := q.(Queuer); ok {
		p.Queue(sql, args...)
		return nil
	}
	_, err := q.Exec(ctx, sql, args...)
	return Error(err)
}

// DeferRow runs a statement returning one row and hands the row to scan:
// queued on a Queuer (scan then runs once the statement has run, at the
// latest at the commit, and its error is that call's), at once on anything
// else.
//
// With the commit, scan runs after PostgreSQL committed: its error is
// reported but cannot stop the commit. A condition that must stop it
// belongs in the SQL (a constraint, an error raised by the statement).
func DeferRow(ctx context.Context, q Querier, sql string, args []any, scan func(pgx.Row) error) error {
	if p, ok := q.(Queuer); ok {
		p.QueueRow(sql, args, scan)
		return nil
	}
	return scan(q.QueryRow(ctx, sql, args...))
}

// Pipe is a pgx.Tx that spends as few round trips as the caller lets it:
//
//   - BEGIN is not sent on its own: it goes with the first statement;
//   - queued statements (Queue, QueueRow) go with the next statement whose
//     answer is awaited, or with COMMIT;
//   - a transaction that ran nothing sends nothing at all.
//
// A use case that reads once and then writes is two round trips: BEGIN +
// read, then the writes + COMMIT. Everything else behaves as pgx.Tx: Exec,
// Query and QueryRow run when called (Query and QueryRow return their own
// rows; Exec its own command tag), so queued statements change only when
// their errors are seen.
type Pipe struct {
	conn   *pgxpool.Conn
	opts   pgx.TxOptions
	tx     pgx.Tx // the transaction, once BEGIN has gone out
	queue  []queued
	before []func(context.Context) error
	after  []func()
	ended  bool
}

type queued struct {
	sql  string
	args []any
	scan func(pgx.Row) error
	read func(pgx.Rows) error
}

var (
	_ pgx.Tx = (*Pipe)(nil)
	_ Queuer = (*Pipe)(nil)
)

// BeginPipe takes a connection from pool for a pipelined transaction; the
// transaction begins (with opts) with the first statement sent.
func BeginPipe(ctx context.Context, pool *pgxpool.Pool, opts pgx.TxOptions) (*Pipe, error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	return &Pipe{conn: conn, opts: opts}, nil
}

func (p *Pipe) Queue(sql string, args ...any) {
	p.queue = append(p.queue, queued{sql: sql, args: args})
}

func (p *Pipe) QueueRow(sql string, args []any, scan func(pgx.Row) error) {
	p.queue = append(p.queue, queued{sql: sql, args: args, scan: scan})
}

func (p *Pipe) QueueRows(sql string, args []any, read func(pgx.Rows) error) {
	p.queue = append(p.queue, queued{sql: sql, args: args, read: read})
}

// AfterCommit runs fn once the transaction has committed (never after a
// rollback or a failed commit): for work that must see the commit, such as
// waking whatever reads what the transaction wrote.
func (p *Pipe) AfterCommit(fn func()) { p.after = append(p.after, fn) }

// BeforeCommit runs fn as the last step of the transaction, once
// everything it queued has run and its deferred constraints have been
// checked (SET CONSTRAINTS ALL IMMEDIATE); from Commit on, the checks, fn
// (given Commit's ctx) and the COMMIT go through even if Commit's ctx
// ends meanwhile (a client gone), bounded by commitGrace: for a
// write elsewhere that must be made only with this transaction's change,
// such as the change's record in another service's audit log
// (pkg/audit/auditgrpc.RecordChange). Nothing the transaction did can
// refuse the COMMIT after fn, so fn's write stands for a committed change;
// only the database or its connection failing during the COMMIT itself
// can still end the transaction. An error from fn rolls the transaction
// back and is Commit's error.
func (p *Pipe) BeforeCommit(fn func(context.Context) error) { p.before = append(p.before, fn) }

// commitGrace bounds the end of a transaction with BeforeCommit work,
// which the caller's end (a client gone) no longer cancels.
const commitGrace = 30 * time.Second

// settle runs what is queued and checks the deferred constraints, then
// runs the BeforeCommit work.
func (p *Pipe) settle(ctx context.Context) error {
	if _, err := p.Exec(ctx, "SET CONSTRAINTS ALL IMMEDIATE"); err != nil {
		return err
	}
	for _, fn := range p.before {
		if err := fn(ctx); err != nil {
			return err
		}
	}
	return nil
}

// direct reports whether a statement can go straight to the transaction:
// BEGIN is out and nothing waits.
func (p *Pipe) direct() bool { return p.tx != nil && len(p.queue) == 0 }

// send sends BEGIN (when not yet out), the queued statements and then
// more's, in one batch, reads the answers to BEGIN and the queued
// statements and returns the batch positioned at more's first answer.
func (p *Pipe) send(ctx context.Context, more []*pgx.QueuedQuery) (pgx.BatchResults, error) {
	if p.ended {
		return nil, pgx.ErrTxClosed
	}
	b := &pgx.Batch{}
	begin := p.tx == nil
	if begin {
		b.BeginTx(p.opts)
	}
	queue := p.queue
	p.queue = nil
	for _, q := range queue {
		b.Queue(q.sql, q.args...)
	}
	b.QueuedQueries = append(b.QueuedQueries, more...)
	var br pgx.BatchResults
	if begin {
		br = p.conn.Conn().SendBatch(ctx, b)
		p.tx = br.Tx()
		if _, err := br.Exec(); err != nil {
			return nil, errors.Join(err, br.Close())
		}
	} else {
		br = p.tx.SendBatch(ctx, b)
	}
	for _, q := range queue {
		var err error
		switch {
		case q.scan != nil:
			err = q.scan(br.QueryRow())
		case q.read != nil:
			err = readRows(br, q.read)
		default:
			_, err = br.Exec()
		}
		if err != nil {
			_ = br.Close()
			return nil, err
		}
	}
	return br, nil
}

func readRows(br pgx.BatchResults, read func(pgx.Rows) error) error {
	rows, err := br.Query()
	if err != nil {
		return err
	}
	err = read(rows)
	rows.Close()
	if err != nil {
		return err
	}
	return rows.Err()
}

func statement(sql string, args []any) []*pgx.QueuedQuery {
	return []*pgx.QueuedQuery{{SQL: sql, Arguments: args}}
}

func (p *Pipe) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if p.direct() {
		return p.tx.Exec(ctx, sql, args...)
	}
	br, err := p.send(ctx, statement(sql, args))
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag, err
}

func (p *Pipe) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if p.direct() {
		return p.tx.Query(ctx, sql, args...)
	}
	br, err := p.send(ctx, statement(sql, args))
	if err != nil {
		return errRows{err}, err
	}
	rows, err := br.Query()
	if err != nil {
		_ = br.Close()
		return errRows{err}, err
	}
	return &batchRows{Rows: rows, br: br}, nil
}

func (p *Pipe) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if p.direct() {
		return p.tx.QueryRow(ctx, sql, args...)
	}
	return rowFunc(func(dest ...any) error {
		rows, err := p.Query(ctx, sql, args...)
		if err != nil {
			return err
		}
		return scanOne(rows, dest)
	})
}

func (p *Pipe) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	if p.direct() {
		return p.tx.SendBatch(ctx, b)
	}
	br, err := p.send(ctx, b.QueuedQueries)
	if err != nil {
		return pgx.FailedBatchResults(b, err)
	}
	return br
}

// begun makes sure BEGIN and the queued statements have gone out.
func (p *Pipe) begun(ctx context.Context) error {
	if p.direct() {
		return nil
	}
	br, err := p.send(ctx, nil)
	if err != nil {
		return err
	}
	return br.Close()
}

func (p *Pipe) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error) {
	if err := p.begun(ctx); err != nil {
		return 0, err
	}
	return p.tx.CopyFrom(ctx, table, columns, src)
}

// Begin starts a nested transaction (a savepoint).
func (p *Pipe) Begin(ctx context.Context) (pgx.Tx, error) {
	if err := p.begun(ctx); err != nil {
		return nil, err
	}
	return p.tx.Begin(ctx)
}

func (p *Pipe) Prepare(ctx context.Context, name, sql string) (*pgconn.StatementDescription, error) {
	return p.conn.Conn().Prepare(ctx, name, sql)
}

// LargeObjects is not supported before the transaction has sent a
// statement (nothing in Spona uses large objects).
func (p *Pipe) LargeObjects() pgx.LargeObjects {
	if p.tx == nil {
		return pgx.LargeObjects{}
	}
	return p.tx.LargeObjects()
}

func (p *Pipe) Conn() *pgx.Conn { return p.conn.Conn() }

// Commit sends what is queued and COMMIT in one round trip; a transaction
// that never sent anything sends nothing. Work given to BeforeCommit runs
// first, as it says.
func (p *Pipe) Commit(ctx context.Context) error {
	if p.ended {
		return pgx.ErrTxClosed
	}
	if len(p.before) > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), commitGrace)
		defer cancel()
		if err := p.settle(ctx); err != nil {
			_ = p.Rollback(ctx)
			return err
		}
	}
	if p.tx == nil && len(p.queue) == 0 {
		after := p.after
		p.end()
		for _, fn := range after {
			fn()
		}
		return nil
	}
	br, err := p.send(ctx, statement("commit", nil))
	if err != nil {
		_ = p.Rollback(ctx) // err says what went wrong
		return err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = p.Rollback(ctx)
		return err
	}
	after := p.after
	p.end()
	if tag.String() == "ROLLBACK" {
		return pgx.ErrTxCommitRollback
	}
	for _, fn := range after {
		fn()
	}
	return nil
}

// Rollback drops what is queued and rolls back what was sent. It is safe to
// call after Commit (it then does nothing but return pgx.ErrTxClosed).
func (p *Pipe) Rollback(ctx context.Context) error {
	if p.ended {
		return pgx.ErrTxClosed
	}
	p.queue = nil
	var err error
	if p.tx != nil && p.conn.Conn().PgConn().TxStatus() != 'I' {
		_, err = p.conn.Conn().Exec(ctx, "rollback")
	}
	p.end()
	return err
}

// end gives the connection back; the pool closes it if it is broken or
// still inside a transaction.
func (p *Pipe) end() {
	p.ended = true
	p.queue, p.before, p.after = nil, nil, nil
	p.conn.Release()
}

// batchRows are the rows of a statement sent in a batch; the batch is
// closed with them (or once they are exhausted), freeing the connection.
type batchRows struct {
	pgx.Rows
	br  pgx.BatchResults
	err error
}

func (r *batchRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.close()
	return false
}

func (r *batchRows) close() {
	if r.br != nil {
		r.Rows.Close()
		r.err = r.br.Close()
		r.br = nil
	}
}

func (r *batchRows) Close() { r.close() }

func (r *batchRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.err
}

// errRows are the rows of a statement that could not be sent.
type errRows struct{ err error }

func (r errRows) Close()                                       {}
func (r errRows) Err() error                                   { return r.err }
func (r errRows) CommandTag() pgconn.CommandTag                { return pgconn.CommandTag{} }
func (r errRows) FieldDescriptions() []pgconn.FieldDescription { return nil }
func (r errRows) Next() bool                                   { return false }
func (r errRows) Scan(...any) error                            { return r.err }
func (r errRows) Values() ([]any, error)                       { return nil, r.err }
func (r errRows) RawValues() [][]byte                          { return nil }
func (r errRows) Conn() *pgx.Conn                              { return nil }
func (r errRows) TypeMap() *pgtype.Map                         { return nil }

type rowFunc func(dest ...any) error

func (f rowFunc) Scan(dest ...any) error { return f(dest...) }

// scanOne scans the first row as pgx's QueryRow does.
func scanOne(rows pgx.Rows, dest []any) error {
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	rows.Close()
	return rows.Err()
}
