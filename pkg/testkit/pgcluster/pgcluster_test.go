package pgcluster

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestStartQueryStopRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL")
	}
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "pg")
	c := startWithKeptRow(ctx, t, dir, Options{})
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	// A second start reuses the data directory: nothing is lost.
	c2, err := Start(ctx, dir, Options{Port: c.Port})
	if err != nil {
		t.Fatal(err)
	}
	checkKeptRow(ctx, t, c2, "after restart")
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); err != nil {
		t.Fatal(err)
	}
}

// TestVersion: BinDir prefers the newest of the directories it finds, on
// Debian and Homebrew alike.
func TestVersion(t *testing.T) {
	for dir, want := range map[string]int{
		"/usr/lib/postgresql/15/bin":           15,
		"/opt/homebrew/opt/postgresql@17/bin":  17,
		"/usr/local/opt/postgresql@16/bin":     16,
		"/usr/lib/postgresql/not-a-number/bin": 0,
	} {
		if got := version(dir); got != want {
			t.Errorf("version(%s) = %d, want %d", dir, got, want)
		}
	}
}

// TestStartAfterARunThatDidNotStop: a cluster left running by a run that
// was killed, or whose terminal was closed, before it could stop it (`make
// run` after a closed terminal) does not keep the next Start from working:
// it is stopped and started again, data kept.
func TestStartAfterARunThatDidNotStop(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL")
	}
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "pg")
	c := startWithKeptRow(ctx, t, dir, Options{Durable: true})

	// The first run is gone without c.Stop(); the server runs on.
	c2, err := Start(ctx, dir, Options{Port: c.Port, Durable: true})
	if err != nil {
		t.Fatalf("start over a server left running: %v", err)
	}
	checkKeptRow(ctx, t, c2, "after the second start")
}

// startWithKeptRow starts a cluster in dir (removed when the test ends)
// and stores one row that a later start on the same directory must find.
func startWithKeptRow(ctx context.Context, t *testing.T, dir string, opts Options) *Cluster {
	t.Helper()
	c, err := Start(ctx, dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Remove() })
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')"); err != nil {
		t.Fatal(err)
	}
	return c
}

// checkKeptRow fails the test unless c holds the row startWithKeptRow stored.
func checkKeptRow(ctx context.Context, t *testing.T, c *Cluster, when string) {
	t.Helper()
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var v string
	if err := conn.QueryRow(ctx, "SELECT v FROM kept").Scan(&v); err != nil || v != "still here" {
		t.Fatalf("%s: %q %v", when, v, err)
	}
}
