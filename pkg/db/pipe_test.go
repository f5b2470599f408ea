package db_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/testkit/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// sends counts what a pool sends: one per statement sent on its own, one
// per batch (the round trips).
type sends struct {
	mu      sync.Mutex
	n       int
	batches [][]string
}

func (s *sends) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	s.batches = append(s.batches, []string{d.SQL})
	return ctx
}
func (s *sends) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (s *sends) TraceBatchStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	var sqls []string
	for _, q := range d.Batch.QueuedQueries {
		sqls = append(sqls, q.SQL)
	}
	s.batches = append(s.batches, sqls)
	return ctx
}
func (s *sends) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (s *sends) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

func (s *sends) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n, s.batches = 0, nil
}

func (s *sends) count() (int, [][]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n, s.batches
}

func newPool(t *testing.T) (*pgxpool.Pool, *sends) {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	tr := &sends{}
	cfg.ConnConfig.Tracer = tr
	cfg.MaxConns = 2
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if _, err := pool.Exec(context.Background(), `CREATE TABLE t (id int PRIMARY KEY, v text NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	tr.reset()
	return pool, tr
}

func queuer(t *testing.T, tx pgx.Tx) db.Queuer {
	t.Helper()
	q, ok := tx.(db.Queuer)
	if !ok {
		t.Fatalf("%T is not a db.Queuer", tx)
	}
	return q
}

func rowsOf(t *testing.T, pool *pgxpool.Pool) []string {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT v FROM t ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	vs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

func wantSends(t *testing.T, tr *sends, want int) {
	t.Helper()
	if n, b := tr.count(); n != want {
		t.Errorf("%d round trips, want %d: %q", n, want, b)
	}
}

func idle(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	if n := pool.Stat().AcquiredConns(); n != 0 {
		t.Errorf("%d connections still taken", n)
	}
}

// Queued writes and the commit go in one round trip, BEGIN with them.
func TestPipeQueuedWritesOneRoundTrip(t *testing.T) {
	pool, tr := newPool(t)
	ctx := context.Background()
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		if err := db.Defer(ctx, tx, `INSERT INTO t VALUES (1, 'a')`); err != nil {
			return err
		}
		return db.Defer(ctx, tx, `INSERT INTO t VALUES ($1, $2)`, 2, "b")
	})
	if err != nil {
		t.Fatal(err)
	}
	wantSends(t, tr, 1)
	if got := rowsOf(t, pool); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Errorf("rows %q", got)
	}
	idle(t, pool)
}

// A read sends BEGIN and what was queued before it; it sees the queued
// writes, and what is queued after it goes with the commit.
func TestPipeReadSeesQueuedWrites(t *testing.T) {
	pool, tr := newPool(t)
	ctx := context.Background()
	var before, after int
	var returned string
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		queuer(t, tx).Queue(`INSERT INTO t VALUES (1, 'a')`)
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM t`).Scan(&before); err != nil {
			return err
		}
		queuer(t, tx).QueueRow(`INSERT INTO t VALUES (2, 'b') RETURNING v`, nil, func(r pgx.Row) error { return r.Scan(&returned) })
		queuer(t, tx).Queue(`INSERT INTO t VALUES (3, 'c')`)
		rows, err := tx.Query(ctx, `SELECT id FROM t`)
		if err != nil {
			return err
		}
		got, err := pgx.CollectRows(rows, pgx.RowTo[int32])
		after = len(got)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if before != 1 || after != 3 || returned != "b" {
		t.Errorf("count before %d (want 1), after %d (want 3), returned %q", before, after, returned)
	}
	wantSends(t, tr, 3) // BEGIN+insert+count; insert+insert+select; commit
	idle(t, pool)
}

// A queued statement that fails fails the commit, and nothing stays.
func TestPipeQueuedErrorFailsCommit(t *testing.T) {
	pool, _ := newPool(t)
	ctx := context.Background()
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		queuer(t, tx).Queue(`INSERT INTO t VALUES (1, 'a')`)
		queuer(t, tx).Queue(`INSERT INTO t VALUES (1, 'b')`)
		queuer(t, tx).Queue(`INSERT INTO t VALUES (2, 'c')`)
		return nil
	})
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
		t.Fatalf("commit: %v, want a unique violation", err)
	}
	if got := rowsOf(t, pool); len(got) != 0 {
		t.Errorf("rows %q after a failed transaction", got)
	}
	idle(t, pool)
	// The connection is usable again.
	if err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		return db.Defer(ctx, tx, `INSERT INTO t VALUES (1, 'a')`)
	}); err != nil {
		t.Fatal(err)
	}
}

// A queued statement that fails fails the read it went with.
func TestPipeQueuedErrorFailsRead(t *testing.T) {
	pool, _ := newPool(t)
	ctx := context.Background()
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		queuer(t, tx).Queue(`INSERT INTO t VALUES (1, NULL)`)
		var n int
		return tx.QueryRow(ctx, `SELECT count(*) FROM t`).Scan(&n)
	})
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23502" {
		t.Fatalf("read: %v, want a not-null violation", err)
	}
	idle(t, pool)
}

// A transaction that fails before sending anything, or sends nothing,
// costs no round trip.
func TestPipeNothingSent(t *testing.T) {
	pool, tr := newPool(t)
	ctx := context.Background()
	boom := errors.New("boom")
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		queuer(t, tx).Queue(`INSERT INTO t VALUES (1, 'a')`)
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if err := db.InTx(ctx, pool, func(tx pgx.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	wantSends(t, tr, 0)
	if got := rowsOf(t, pool); len(got) != 0 {
		t.Errorf("rows %q", got)
	}
	idle(t, pool)
}

// A failure after a read rolls back what was sent.
func TestPipeRollbackAfterRead(t *testing.T) {
	pool, _ := newPool(t)
	ctx := context.Background()
	boom := errors.New("boom")
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO t VALUES (1, 'a')`); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if got := rowsOf(t, pool); len(got) != 0 {
		t.Errorf("rows %q", got)
	}
	idle(t, pool)
}

// Exec reports its own command tag; batches and COPY carry the queue too.
func TestPipeExecBatchCopy(t *testing.T) {
	pool, tr := newPool(t)
	ctx := context.Background()
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		queuer(t, tx).Queue(`INSERT INTO t VALUES (1, 'a'), (2, 'b')`)
		tag, err := tx.Exec(ctx, `UPDATE t SET v = v || '!'`)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 2 {
			t.Errorf("update tag %s", tag)
		}
		queuer(t, tx).Queue(`INSERT INTO t VALUES (3, 'c')`)
		b := &pgx.Batch{}
		b.Queue(`INSERT INTO t VALUES (4, 'd')`)
		var n int
		b.Queue(`SELECT count(*) FROM t`).QueryRow(func(r pgx.Row) error { return r.Scan(&n) })
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		if n != 4 {
			t.Errorf("batch counted %d rows, want 4", n)
		}
		queuer(t, tx).Queue(`INSERT INTO t VALUES (5, 'e')`)
		copied, err := tx.CopyFrom(ctx, pgx.Identifier{"t"}, []string{"id", "v"}, pgx.CopyFromRows([][]any{{6, "f"}}))
		if err != nil || copied != 1 {
			t.Errorf("copy: %d, %v", copied, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := rowsOf(t, pool); len(got) != 6 || got[0] != "a!" || got[5] != "f" {
		t.Errorf("rows %q", got)
	}
	idle(t, pool)
	_ = tr
}

// A transaction carried by the context is joined, and its queue is its own.
func TestPipeJoinsCarriedTransaction(t *testing.T) {
	pool, tr := newPool(t)
	ctx := context.Background()
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		inner := db.WithTx(ctx, tx)
		return db.InTx(inner, pool, func(tx2 pgx.Tx) error {
			if tx2 != tx {
				t.Error("inner transaction is not the carried one")
			}
			return db.Defer(ctx, tx2, `INSERT INTO t VALUES (1, 'a')`)
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	wantSends(t, tr, 1)
	if got := rowsOf(t, pool); len(got) != 1 {
		t.Errorf("rows %q", got)
	}
}

// AfterCommit runs after a commit, never after a rollback or a failed commit.
func TestPipeAfterCommit(t *testing.T) {
	pool, _ := newPool(t)
	ctx := context.Background()
	ran := 0
	hook := func(tx pgx.Tx) {
		tx.(interface{ AfterCommit(func()) }).AfterCommit(func() {
			if got := rowsOf(t, pool); len(got) == 0 {
				t.Error("AfterCommit ran before the commit was visible")
			}
			ran++
		})
	}
	if err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		hook(tx)
		return db.Defer(ctx, tx, `INSERT INTO t VALUES (1, 'a')`)
	}); err != nil || ran != 1 {
		t.Fatalf("committed: ran %d, %v", ran, err)
	}
	_ = db.InTx(ctx, pool, func(tx pgx.Tx) error {
		hook(tx)
		return errors.New("roll back")
	})
	if err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		hook(tx)
		return db.Defer(ctx, tx, `INSERT INTO t VALUES (1, 'again')`)
	}); err == nil || ran != 1 {
		t.Fatalf("after a rollback and a failed commit: ran %d, %v", ran, err)
	}
}
