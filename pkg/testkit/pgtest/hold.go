package pgtest

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Hold makes one interleaving of concurrent transactions happen instead of
// hoping for it: the statements that fire the trigger event ("INSERT ON
// schema.table", optionally followed by "WHEN (condition on NEW/OLD)") wait
// at each row, inside their transaction, until Release, then go on as
// without it (a held DELETE deletes the row: the trigger returns OLD for
// it, NEW for an INSERT or UPDATE). It is a probe the
// test adds to its own database (a trigger waiting for an advisory lock the
// test's connection holds); conn must stay free for the Holder's queries.
type Hold struct {
	t       testing.TB
	conn    *pgx.Conn
	key     int64
	name    string
	table   string
	release bool
}

var holds atomic.Int64

// holdKeys + n is the advisory lock key of the n-th hold: a bigint below
// 2^32, which pg_locks shows as classid 0 and objid the key (LockWaits
// leaves them out).
const holdKeys = 1578172416

// NewHold puts a hold at event, in place until Release (or the test's
// end).
func NewHold(t testing.TB, conn *pgx.Conn, event string) *Hold {
	t.Helper()
	n := holds.Add(1)
	h := &Hold{t: t, conn: conn, key: holdKeys + n, name: fmt.Sprintf("test_hold_%d", n)}
	var table string
	if _, err := fmt.Sscanf(event, "%s ON %s", new(string), &table); err != nil {
		t.Fatalf("hold at %q: %v", event, err)
	}
	h.table = table
	h.exec(`SELECT pg_advisory_lock($1)`, h.key)
	h.exec(fmt.Sprintf(`CREATE FUNCTION public.%s() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN PERFORM pg_advisory_xact_lock_shared(%d); IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$`, h.name, h.key))
	on, when, _ := strings.Cut(event, " WHEN ")
	if when != "" {
		when = "WHEN " + when
	}
	h.exec(fmt.Sprintf(`CREATE TRIGGER %s BEFORE %s FOR EACH ROW %s EXECUTE FUNCTION public.%s()`, h.name, on, when, h.name))
	h.release = true
	t.Cleanup(h.Release)
	return h
}

func (h *Hold) exec(sql string, args ...any) {
	h.t.Helper()
	if _, err := h.conn.Exec(context.Background(), sql, args...); err != nil {
		h.t.Fatal(err)
	}
}

// Held waits until a transaction waits at the hold.
func (h *Hold) Held() {
	h.t.Helper()
	Until(h.t, h.conn, "a transaction held by "+h.name, `SELECT EXISTS (SELECT 1 FROM pg_locks
		WHERE locktype = 'advisory' AND objsubid = 1 AND classid = 0 AND objid::bigint = $1 AND NOT granted)`, h.key)
}

// Release lets the held transactions go on and removes the hold.
func (h *Hold) Release() {
	if !h.release {
		return
	}
	h.release = false
	h.exec(`SELECT pg_advisory_unlock($1)`, h.key)
	h.exec(fmt.Sprintf(`DROP TRIGGER %s ON %s`, h.name, h.table))
	h.exec(fmt.Sprintf(`DROP FUNCTION public.%s()`, h.name))
}

// Until polls query (one boolean row; no row is false) on conn until it
// is true; the test fails after a minute.
func Until(t testing.TB, conn *pgx.Conn, what, query string, args ...any) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(5 * time.Millisecond) {
		var ok bool
		err := conn.QueryRow(context.Background(), query, args...).Scan(&ok)
		if err != nil && err != pgx.ErrNoRows {
			t.Fatal(err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited a minute for %s", what)
		}
	}
}

// LockWaits is a query for Until: true while a session waits for a lock
// other than a hold's.
const LockWaits = `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted
	AND NOT (locktype = 'advisory' AND objsubid = 1 AND classid = 0 AND objid::bigint > 1578172416))`

// Started is a call started by Go.
type Started struct{ done chan error }

// Go starts call.
func Go(call func() error) *Started {
	s := &Started{done: make(chan error, 1)}
	go func() { s.done <- call() }()
	return s
}

// Wait returns the call's error once it has returned.
func (s *Started) Wait() error { return <-s.done }

// ReturnsOrWaits waits until the call returns (true, with its error) or a
// session waits for a lock (LockWaits; false: Wait has its error later).
func (s *Started) ReturnsOrWaits(t testing.TB, conn *pgx.Conn) (error, bool) {
	t.Helper()
	return s.returnsOr(t, conn, LockWaits)
}

func (s *Started) returnsOr(t testing.TB, conn *pgx.Conn, waits string, args ...any) (error, bool) {
	t.Helper()
	for {
		select {
		case err := <-s.done:
			return err, true
		case <-time.After(5 * time.Millisecond):
			var waiting bool
			if err := conn.QueryRow(context.Background(), waits, args...).Scan(&waiting); err != nil {
				t.Fatal(err)
			}
			if waiting {
				return nil, false
			}
		}
	}
}

// Interleave puts a hold at event and runs first until it waits there,
// then second until it returns or waits for a lock (LockWaits), then lets
// first go on, and returns both calls' errors once both returned, and
// whether second returned while first was held.
func Interleave(t testing.TB, conn *pgx.Conn, event string, first, second func() error) (firstErr, secondErr error, returned bool) {
	t.Helper()
	h := NewHold(t, conn, event)
	firstDone := Go(first)
	h.Held()
	secondDone := Go(second)
	secondErr, returned = secondDone.ReturnsOrWaits(t, conn)
	h.Release()
	firstErr = firstDone.Wait()
	if !returned {
		secondErr = secondDone.Wait()
	}
	return firstErr, secondErr, returned
}

// Race makes second start while first is half done: it runs first until
// it waits at the hold, then second until it returns or waits too (at the
// hold, behind first, or for another lock), then releases the hold and
// waits for both. It reports whether second returned while first was held.
func (h *Hold) Race(first, second func()) (returned bool) {
	h.t.Helper()
	a := Go(func() error { first(); return nil })
	h.Held()
	b := Go(func() error { second(); return nil })
	_, returned = b.returnsOr(h.t, h.conn, `SELECT (`+LockWaits+`) OR (SELECT count(*) > 1 FROM pg_locks
		WHERE locktype = 'advisory' AND objsubid = 1 AND classid = 0 AND objid::bigint = $1 AND NOT granted)`, h.key)
	h.Release()
	if !returned {
		_ = b.Wait()
	}
	_ = a.Wait()
	return returned
}
