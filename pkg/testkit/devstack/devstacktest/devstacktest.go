// Package devstacktest runs the whole system in a test: the six binaries
// built from this repository and started as OS processes on free loopback
// ports, stopped when the test ends (with their logs printed if it failed).
package devstacktest

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spona/spona/pkg/testkit/devstack"
	"github.com/spona/spona/pkg/testkit/syncbuf"
)

// Logs collects the processes' output, each line prefixed with "[process] ".
type Logs = syncbuf.Buffer

// RaceReport begins each report of the race detector.
const RaceReport = "WARNING: DATA RACE"

// Root is the repository's root directory.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "..")
}

var built struct {
	once sync.Once
	dir  string
	err  error
}

// binaries builds the six binaries once per test binary, next to it: `go
// test` removes its build directory when the run ends.
func binaries() (string, error) {
	built.once.Do(func() {
		exe, err := os.Executable()
		if err != nil {
			built.err = err
			return
		}
		built.dir = filepath.Join(filepath.Dir(exe), "spona-bin")
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
		defer cancel()
		built.err = devstack.Build(ctx, Root(), built.dir)
	})
	return built.dir, built.err
}

// Binaries builds the five binaries (once per test binary) and returns
// their directory. It skips in -short mode.
func Binaries(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binaries")
	}
	bin, err := binaries()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// Start builds (once) and starts the system against databaseURL; env is
// added to every process's environment. It skips in -short mode.
func Start(t testing.TB, databaseURL string, env ...string) (*devstack.Stack, *Logs) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and starts the whole system")
	}
	bin, err := binaries()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// Ports are checked free before the processes bind them; another test
	// binary can take one in between, so a lost race is retried on new ports.
	var (
		stack *devstack.Stack
		logs  *Logs
	)
	keysDir := t.TempDir()
	for attempt := 1; ; attempt++ {
		ports, err := devstack.FreePorts()
		if err != nil {
			t.Fatal(err)
		}
		logs = &Logs{}
		stack, err = devstack.Start(ctx, devstack.Options{
			BinDir: bin, DatabaseURL: databaseURL, KeysDir: keysDir, Ports: ports, Env: env, Logs: logs,
		})
		if err == nil {
			break
		}
		if attempt == 3 || !strings.Contains(logs.String(), "address already in use") {
			t.Fatalf("%v\n%s", err, logs.String())
		}
		t.Logf("a port was taken while starting (attempt %d); retrying on new ports", attempt)
	}
	t.Cleanup(func() {
		if err := stack.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
		// Built with -race (devstack.Race), a process reports each race
		// it finds on stderr, and goes on.
		if strings.Contains(logs.String(), RaceReport) {
			t.Errorf("the race detector reported a data race in a process (see the logs)")
		}
		if t.Failed() {
			t.Logf("process logs:\n%s", logs.String())
		}
	})
	return stack, logs
}
