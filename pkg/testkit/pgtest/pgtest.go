// Package pgtest gives integration tests a real PostgreSQL.
//
// A test package calls Main from TestMain. When DATABASE_URL is set, tests
// use that server; otherwise Main starts a private throwaway cluster (see
// pgcluster) for the test binary and removes it afterwards. Each test then
// gets a fresh database from NewDatabase.
//
// Services started in a test (servicetest, edgetest, devstack) connect to
// that database as their own PostgreSQL roles, made without a password
// (pgcluster.ServiceRoles): a server named by DATABASE_URL must let them in
// (trust on loopback, as pgcluster's clusters do).
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/testkit/pgcluster"
)

var serverURL string

// Main runs m with a PostgreSQL server available.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	flag.Parse()
	if testing.Short() {
		return m.Run() // tests needing a database skip themselves
	}
	if u := os.Getenv("DATABASE_URL"); u != "" {
		serverURL = u
		return m.Run()
	}
	tmp, err := os.MkdirTemp("", "spona-pgtest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = os.RemoveAll(tmp) }() // a temp dir; the result is m.Run's
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	c, err := pgcluster.Start(ctx, filepath.Join(tmp, "pg"), pgcluster.Options{StopOnExit: true})
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		return 1
	}
	defer func() {
		if err := c.Remove(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest: remove cluster:", err)
		}
	}()
	serverURL = c.URL("postgres")
	return m.Run()
}

// ServerURL is the URL of the server's maintenance database.
func ServerURL(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("needs PostgreSQL; skipped in -short mode")
	}
	if serverURL == "" {
		t.Fatal("pgtest: call pgtest.Main from TestMain")
	}
	return serverURL
}

// NewDatabase creates an empty database for the test, dropped when it ends,
// and returns its URL. options are CREATE DATABASE's, as SQL: "TEMPLATE
// template0 LC_CTYPE 'C'" makes one whose lower() changes ASCII letters
// only, as CloudNativePG's default locale does.
func NewDatabase(t testing.TB, options ...string) string {
	t.Helper()
	admin := ServerURL(t)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "t_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, strings.Join(append([]string{"CREATE DATABASE", name}, options...), " ")); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("pgtest: bad server URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// Undo takes schema back to before migration version from: the Down
// sections of migrations (goose SQL files at the root, NNNNN_name.sql) from
// that version on, newest first, each with its row of goose_db_version, in
// the connection's session. Go migrations (of a db.Migrations) from that
// version on are only marked not applied: they change data, not the schema,
// and run again. A service started on the database afterwards applies them
// all again, so a test can prove what a migration does to the data that was
// there before it.
func Undo(t testing.TB, conn *pgx.Conn, schema string, migrations fs.FS, from int) {
	t.Helper()
	files, err := fs.Glob(migrations, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(files)
	stmts := []string{"SET search_path = " + pgx.Identifier{schema}.Sanitize()}
	for _, f := range files {
		version, _, _ := strings.Cut(f, "_")
		if v, err := strconv.Atoi(version); err != nil || v < from {
			continue
		}
		raw, err := fs.ReadFile(migrations, f)
		if err != nil {
			t.Fatal(err)
		}
		_, down, ok := strings.Cut(string(raw), "-- +goose Down")
		if !ok {
			t.Fatalf("pgtest: migration %s has no Down section", f)
		}
		stmts = append(stmts, down, "DELETE FROM goose_db_version WHERE version_id = "+version)
	}
	if m, ok := migrations.(db.Migrations); ok {
		for _, g := range m.Go {
			if g.Version >= int64(from) {
				stmts = append(stmts, fmt.Sprintf("DELETE FROM goose_db_version WHERE version_id = %d", g.Version))
			}
		}
	}
	stmts = append(stmts, "RESET search_path")
	for _, s := range stmts {
		if _, err := conn.Exec(context.Background(), s); err != nil {
			t.Fatalf("pgtest: undoing migrations of %s: %v\n%s", schema, err, s)
		}
	}
}

// Connect opens a connection to dbURL, closed when the test ends.
func Connect(t testing.TB, dbURL string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// Locked opens a transaction on a connection of its own to dbURL and runs
// lock in it (a SELECT … FOR UPDATE, a LOCK TABLE): what it locks stays
// locked until the test commits or rolls back the transaction returned, or
// ends.
func Locked(t testing.TB, dbURL, lock string, args ...any) pgx.Tx {
	t.Helper()
	bg := context.Background()
	tx, err := Connect(t, dbURL).Begin(bg)
	if err != nil {
		t.Fatalf("pgtest: begin: %v", err)
	}
	t.Cleanup(func() { _ = tx.Rollback(bg) })
	if _, err := tx.Exec(bg, lock, args...); err != nil {
		t.Fatalf("pgtest: %s: %v", lock, err)
	}
	return tx
}

// WaitingSessions is an expression for queries: how many sessions of the
// current database wait for a lock.
const WaitingSessions = `(SELECT count(DISTINCT pid) FROM pg_locks WHERE NOT granted
	AND pid IN (SELECT pid FROM pg_stat_activity WHERE datname = current_database()))`
