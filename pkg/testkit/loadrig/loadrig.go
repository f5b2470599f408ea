// Package loadrig is the frame the load tools share (deploy/load,
// deploy/importload, deploy/webhookload): a run that Ctrl-C stops, a
// throwaway PostgreSQL holding the spona database, the whole system built
// from the working tree and started on free ports, and a teardown that
// reports what it could not undo without failing the measurement.
package loadrig

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/testkit/devstack"
	"github.com/spona/spona/pkg/testkit/pgcluster"
)

// Main runs a tool until it returns or is interrupted; an error is printed
// with the tool's name and ends the process with status 1. -h and --help
// (parsed by run's flag.Parse) print summary and the flags, and exit 0.
func Main(name, summary string, run func(context.Context) error) {
	flag.Usage = func() {
		w := flag.CommandLine.Output()
		fmt.Fprintf(w, "%s: %s\n\nUsage: %s [flags]\n\nFlags:\n", name, summary, name)
		flag.PrintDefaults()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}

// Say prints a progress line on stderr, timed and named.
func Say(name, s string) {
	fmt.Fprintln(os.Stderr, time.Now().Format("15:04:05"), name+":", s)
}

// Options of a rig.
type Options struct {
	// PG configures the cluster (durability, max_connections).
	PG pgcluster.Options
	// Env is added to every process's environment.
	Env []string
}

// Rig is a running system with its own PostgreSQL.
type Rig struct {
	name  string
	dir   string
	PG    *pgcluster.Cluster
	Stack *devstack.Stack
}

// Start makes a temporary directory, starts PostgreSQL with the spona
// database, builds the processes from the tree in the working directory and
// starts them. Whatever it started is undone when it fails.
func Start(ctx context.Context, name string, o Options) (r *Rig, err error) {
	root, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	r = &Rig{name: name}
	if r.dir, err = os.MkdirTemp("", "spona-"+name+"-"); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			r.Close()
			r = nil
		}
	}()
	Say(name, "starting PostgreSQL")
	if r.PG, err = pgcluster.Start(ctx, filepath.Join(r.dir, "pg"), o.PG); err != nil {
		return r, err
	}
	if err = Exec(ctx, r.PG.URL("postgres"), "CREATE DATABASE spona"); err != nil {
		return r, err
	}
	Say(name, "building and starting the processes")
	bin := filepath.Join(r.dir, "bin")
	if err = devstack.Build(ctx, root, bin); err != nil {
		return r, err
	}
	ports, err := devstack.FreePorts()
	if err != nil {
		return r, err
	}
	r.Stack, err = devstack.Start(ctx, devstack.Options{
		BinDir: bin, DatabaseURL: r.PG.URL("spona"), KeysDir: filepath.Join(r.dir, "keys"), Ports: ports,
		LogDir: r.dir, Env: o.Env,
	})
	return r, err
}

// DatabaseURL is the spona database's address.
func (r *Rig) DatabaseURL() string { return r.PG.URL("spona") }

// Close stops the processes and PostgreSQL and removes the temporary
// directory; what fails is reported, not returned: the measurement stands.
func (r *Rig) Close() {
	var errs []error
	if r.Stack != nil {
		errs = append(errs, r.Stack.Stop())
	}
	if r.PG != nil {
		errs = append(errs, r.PG.Remove())
	}
	errs = append(errs, os.RemoveAll(r.dir))
	if err := errors.Join(errs...); err != nil {
		Say(r.name, "cleanup: "+err.Error())
	}
}

// Exec runs one statement on its own connection.
func Exec(ctx context.Context, url, sql string) error {
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer func() { _ = c.Close(ctx) }()
	_, err = c.Exec(ctx, sql)
	return err
}
