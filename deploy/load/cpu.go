package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spona/spona/pkg/testkit/cputime"
	"github.com/spona/spona/pkg/testkit/devstack"
)

// CPU time per iteration says what a path costs far more steadily than
// iterations per second on a shared machine: another program taking a core
// lowers everybody's throughput, but hardly what one iteration spends.
// Each measurement round reads, before and after, the CPU seconds of every
// process of the system (process_cpu_seconds_total on its /metrics), of
// this harness (getrusage: its clients and pools) and of PostgreSQL (the
// postmaster, its live backends and the backends it has reaped, from /proc).

// Columns of the CPU table besides the system's processes.
const (
	harnessCol  = "harness"
	postgresCol = "postgres"
)

// cpuTimes is CPU seconds per column at one moment; a column missing was
// not readable.
type cpuTimes map[string]float64

// cpuMeter reads cpuTimes and adds up differences per path and number of
// clients.
type cpuMeter struct {
	stack  *devstack.Stack
	pgDir  string
	spent  map[cpuKey]*cpuSpent
	failed map[string]error // column → why it could not be read (the first time)
}

type cpuKey struct {
	path    string
	clients int
	col     string
}

// cpuSpent is the seconds a column spent over iterations (the rounds in
// which it was read before and after).
type cpuSpent struct {
	seconds    float64
	iterations int
}

func newCPUMeter(stack *devstack.Stack, pgDir string) *cpuMeter {
	return &cpuMeter{stack: stack, pgDir: pgDir, spent: map[cpuKey]*cpuSpent{}, failed: map[string]error{}}
}

func (m *cpuMeter) columns() []string {
	return append(append([]string{}, devstack.Services...), harnessCol, postgresCol)
}

// read takes one reading of every column.
func (m *cpuMeter) read(ctx context.Context) cpuTimes {
	t := cpuTimes{}
	note := func(col string, v float64, err error) {
		if err != nil {
			if m.failed[col] == nil {
				m.failed[col] = err
			}
			return
		}
		t[col] = v
	}
	for _, name := range devstack.Services {
		v, err := scrapeMetric(ctx, m.stack.AdminURL(name)+"/metrics", "process_cpu_seconds_total")
		note(name, v, err)
	}
	self, err := cputime.Self()
	note(harnessCol, self.Seconds(), err)
	pg, err := postgresCPU(m.pgDir)
	note(postgresCol, pg, err)
	return t
}

// add records what path spent between before and after over n iterations
// at clients.
func (m *cpuMeter) add(path string, clients, n int, before, after cpuTimes) {
	for col, b := range before {
		a, ok := after[col]
		if !ok {
			continue
		}
		k := cpuKey{path, clients, col}
		if m.spent[k] == nil {
			m.spent[k] = &cpuSpent{}
		}
		m.spent[k].seconds += a - b
		m.spent[k].iterations += n
	}
}

// perIteration is the milliseconds of CPU per iteration of path at
// clients, per column and in total (ok false when nothing was measured).
func (m *cpuMeter) perIteration(path string, clients int) (cols map[string]float64, total float64, ok bool) {
	cols = map[string]float64{}
	for _, col := range m.columns() {
		if s := m.spent[cpuKey{path, clients, col}]; s != nil && s.iterations > 0 {
			cols[col] = s.seconds * 1000 / float64(s.iterations)
			total += cols[col]
		}
	}
	return cols, total, len(cols) > 0
}

// table prints CPU milliseconds per iteration, each path's total and its
// ratio to pgx-equiv's total at the same number of clients.
func (m *cpuMeter) table(paths []string, clients []int) string {
	var w strings.Builder
	fmt.Fprintln(&w, "CPU per iteration, ms (process_cpu_seconds_total of each process, getrusage of this harness, /proc of PostgreSQL's postmaster and backends; read before and after every round)")
	cols := m.columns()
	fmt.Fprintf(&w, "%-11s %7s", "path", "clients")
	for _, c := range cols {
		fmt.Fprintf(&w, " %8s", abbreviate(c))
	}
	fmt.Fprintf(&w, " %8s %11s\n", "total", "total/equiv")
	for _, c := range clients {
		_, equiv, haveEquiv := m.perIteration("pgx-equiv", c)
		for _, p := range paths {
			per, total, ok := m.perIteration(p, c)
			if !ok {
				continue
			}
			fmt.Fprintf(&w, "%-11s %7d", p, c)
			for _, col := range cols {
				if v, ok := per[col]; ok {
					fmt.Fprintf(&w, " %8.3f", v)
				} else {
					fmt.Fprintf(&w, " %8s", "-")
				}
			}
			fmt.Fprintf(&w, " %8.3f", total)
			if haveEquiv && equiv > 0 {
				fmt.Fprintf(&w, " %10.2fx", total/equiv)
			}
			fmt.Fprintln(&w)
		}
	}
	for _, col := range cols {
		if err := m.failed[col]; err != nil {
			fmt.Fprintf(&w, "%s: not measured: %v\n", col, err)
		}
	}
	return w.String()
}

func abbreviate(col string) string {
	if len(col) > 8 {
		return col[:8]
	}
	return col
}

// postgresCPU is the CPU seconds of the cluster in dir: its postmaster,
// the backends and workers running now and those that have ended.
func postgresCPU(dir string) (float64, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return 0, err
	}
	first, _, _ := strings.Cut(string(raw), "\n")
	postmaster, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		return 0, fmt.Errorf("postmaster.pid: %w", err)
	}
	t, err := cputime.Tree(postmaster)
	return t.Seconds(), err
}

// round reads the meter before a measurement of path at clients; done
// reads it again and adds the difference over the measurement's n
// iterations.
func (m *cpuMeter) round(ctx context.Context, path string, clients int) (done func(n int)) {
	before := m.read(ctx)
	return func(n int) {
		m.add(path, clients, n, before, m.read(ctx))
	}
}
