package pgcluster

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/spona/spona/pkg/testkit/loopback"
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

// TestStartRetriesAPortTakenMeanwhile: a port Start chose that another
// process binds before the server does (other test binaries start servers
// at the same time) makes the server refuse to start; Start then starts it
// on another port. Before, Start failed ("could not create any TCP/IP
// sockets") and so did every test of the binary.
func TestStartRetriesAPortTakenMeanwhile(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL")
	}
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	takenPort := taken.Addr().(*net.TCPAddr).Port
	var picks []int
	pickPort = func() (int, error) {
		p := takenPort
		if len(picks) > 0 {
			var err error
			if p, err = loopback.FreePort(); err != nil {
				return 0, err
			}
		}
		picks = append(picks, p)
		return p, nil
	}
	t.Cleanup(func() { pickPort = loopback.FreePort })

	ctx := context.Background()
	c, err := Start(ctx, filepath.Join(t.TempDir(), "pg"), Options{})
	if err != nil {
		t.Fatalf("Start after its first port was taken: %v", err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	if len(picks) != 2 || c.Port != picks[1] || c.Port == takenPort {
		t.Fatalf("ports chosen %v, server on %d; want the taken %d, then another it runs on", picks, c.Port, takenPort)
	}
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := conn.Ping(ctx); err != nil {
		t.Fatal(err)
	}

	// A port the caller names is not changed behind its back.
	if _, err := Start(ctx, filepath.Join(t.TempDir(), "pg"), Options{Port: takenPort}); err == nil {
		t.Fatal("Start on a taken port the caller named succeeded")
	}
}

// TestStopOnExitWhenTheProcessDies: a process that started a server with
// StopOnExit and then ended without stopping it (a test binary's -timeout
// panics past every cleanup) leaves no server running. Before, the server
// ran on after its test binary, holding its port and memory.
func TestStopOnExitWhenTheProcessDies(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL")
	}
	if dir := os.Getenv("PGCLUSTER_DYING_DIR"); dir != "" { // the process that dies
		if _, err := Start(context.Background(), dir, Options{StopOnExit: true}); err != nil {
			t.Fatal(err)
		}
		os.Exit(3)
	}
	dir := filepath.Join(t.TempDir(), "pg")
	cmd := exec.Command(os.Args[0], "-test.run=^TestStopOnExitWhenTheProcessDies$")
	cmd.Env = append(os.Environ(), "PGCLUSTER_DYING_DIR="+dir)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("the process starting the server: %v\n%s", err, out)
	}
	bin, err := BinDir()
	if err != nil {
		t.Fatal(err)
	}
	c := &Cluster{Dir: dir, bin: bin, asPG: os.Geteuid() == 0}
	ctx := context.Background()
	for deadline := time.Now().Add(30 * time.Second); c.running(ctx); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			_ = c.Stop()
			t.Fatal("the server still runs 30 s after the process that started it ended")
		}
	}
}
