package pgtest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// LockTable holds a SHARE lock on table (schema-qualified) in the database
// of dbURL, from a transaction of its own, until release is called or the
// test ends: whoever writes to the table waits there meanwhile, so a test
// can pause a write half done.
func LockTable(t testing.TB, dbURL, table string) (release func()) {
	t.Helper()
	ctx := context.Background()
	conn := connect(t, dbURL)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatalf("pgtest: begin: %v", err)
	}
	if _, err := tx.Exec(ctx, `LOCK TABLE `+pgx.Identifier(strings.Split(table, ".")).Sanitize()+` IN SHARE MODE`); err != nil {
		t.Fatalf("pgtest: lock %s: %v", table, err)
	}
	return func() { _ = tx.Rollback(ctx) }
}

func connect(t testing.TB, dbURL string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// LockWaiters returns how many sessions of the database of conn wait for
// a lock of any kind (a table, a row, a transaction, an advisory lock) in
// a statement matching like (a LIKE pattern, case-insensitive).
func LockWaiters(t testing.TB, conn *pgx.Conn, like string) int {
	t.Helper()
	var n int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE $1`, like).Scan(&n); err != nil {
		t.Fatalf("pgtest: lock waiters: %v", err)
	}
	return n
}

// WhileWriting runs first and, once it waits for a lock (LockTable holds
// table) in a statement matching like, runs second. When second has
// returned, or waits for a lock too in a statement matching like, first
// goes on. It returns both results (second's returned is whether it
// returned while first waited). For races of two writers made certain:
// the second starts while the first is half done.
func WhileWriting[T any](t testing.TB, dbURL, table, like string, first, second func() T) (a, b T, returned bool) {
	t.Helper()
	release := LockTable(t, dbURL, table)
	conn := connect(t, dbURL)
	ca, cb := make(chan T, 1), make(chan T, 1)
	go func() { ca <- first() }()
	wait := func(what string, n int, done <-chan T) (T, bool) {
		t.Helper()
		for deadline := time.Now().Add(time.Minute); LockWaiters(t, conn, like) < n; time.Sleep(10 * time.Millisecond) {
			select {
			case v := <-done:
				return v, true
			default:
			}
			if time.Now().After(deadline) {
				release()
				t.Fatalf("pgtest: %s neither returned nor waits for a lock", what)
			}
		}
		var zero T
		return zero, false
	}
	if v, early := wait("the first call", 1, ca); early {
		release()
		t.Fatalf("pgtest: the first call returned before it waited for %s: %v", table, v)
	}
	go func() { cb <- second() }()
	b, returned = wait("the second call", 2, cb)
	release()
	if !returned {
		b = <-cb
	}
	return <-ca, b, returned
}
