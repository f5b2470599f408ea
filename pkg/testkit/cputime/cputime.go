// Package cputime reads the CPU time processes have spent, for benchmarks
// and load tools that report CPU per operation: on a shared machine it
// moves far less than wall-clock time, which waits for a share of the
// cores.
package cputime

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Self is the CPU time (user and system) this process has spent.
func Self() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, err
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's times: 100 on
// every Linux architecture Go runs on.
const clockTicks = 100

func ticks(n int64) time.Duration { return time.Duration(n) * time.Second / clockTicks }

// Stat is what /proc/<pid>/stat says of a process's parent and CPU times.
type Stat struct {
	// Name is the process's command name.
	Name string
	PPID int
	// User and System are the process's own; ChildUser and ChildSystem
	// those of its children it has waited for.
	User, System, ChildUser, ChildSystem time.Duration
}

// Of reads /proc/<pid>/stat (Linux only).
func Of(pid int) (Stat, error) {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return Stat{}, err
	}
	// The command name (field 2) is in parentheses and may hold spaces;
	// fields 3 onwards follow the last ')'.
	open, i := strings.IndexByte(string(raw), '('), strings.LastIndexByte(string(raw), ')')
	if open < 0 || i < open {
		return Stat{}, errors.New("cputime: unreadable /proc stat")
	}
	f := strings.Fields(string(raw[i+1:]))
	// f[0] is field 3 (state): ppid is field 4, utime..cstime 14..17.
	if len(f) < 15 {
		return Stat{}, errors.New("cputime: short /proc stat")
	}
	var v [5]int64
	for k, field := range []int{4, 14, 15, 16, 17} {
		if v[k], err = strconv.ParseInt(f[field-3], 10, 64); err != nil {
			return Stat{}, err
		}
	}
	return Stat{Name: string(raw[open+1 : i]), PPID: int(v[0]), User: ticks(v[1]), System: ticks(v[2]), ChildUser: ticks(v[3]), ChildSystem: ticks(v[4])}, nil
}

// Tree is the CPU time of process pid, of its children still running and
// of those it has waited for (a PostgreSQL postmaster and its backends,
// including the backends that have ended).
func Tree(pid int) (time.Duration, error) {
	own, err := Of(pid)
	if err != nil {
		return 0, err
	}
	total := own.User + own.System + own.ChildUser + own.ChildSystem
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil || child == pid {
			continue
		}
		s, err := Of(child)
		if err != nil || s.PPID != pid {
			continue // gone meanwhile, or not a child
		}
		total += s.User + s.System
	}
	return total, nil
}

// Querier runs a query (a pool, a connection).
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Backends is the CPU time of the client backends of q's database that are
// connected now (PostgreSQL on this machine): before and after a
// measurement on connections that stay open (a pool's), the difference is
// what PostgreSQL spent on them.
func Backends(ctx context.Context, q Querier) (time.Duration, error) {
	rows, err := q.Query(ctx, `SELECT pid FROM pg_stat_activity
		WHERE datname = current_database() AND backend_type = 'client backend'`)
	if err != nil {
		return 0, err
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return 0, err
	}
	var total time.Duration
	for _, pid := range pids {
		s, err := Of(int(pid))
		if errors.Is(err, os.ErrNotExist) {
			continue // ended meanwhile
		}
		if err != nil {
			return 0, err
		}
		if s.Name != "postgres" {
			return 0, fmt.Errorf("cputime: backend %d is %q here: PostgreSQL runs on another machine", pid, s.Name)
		}
		total += s.User + s.System
	}
	return total, nil
}

// Syscalls is how many read and write system calls this process has made
// (/proc/self/io's syscr and syscw, Linux only): unlike times, a count a
// busy machine does not change.
func Syscalls() (reads, writes int64, err error) {
	raw, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0, 0, err
	}
	for line := range strings.Lines(string(raw)) {
		name, v, _ := strings.Cut(strings.TrimSpace(line), ": ")
		switch name {
		case "syscr":
			reads, err = strconv.ParseInt(v, 10, 64)
		case "syscw":
			writes, err = strconv.ParseInt(v, 10, 64)
		}
		if err != nil {
			return 0, 0, err
		}
	}
	return reads, writes, nil
}

// Meter reports what a benchmark spends per operation: this process's CPU
// (cpu-µs/op: the client's and, in process, the server's) and its read and
// write system calls (reads/op, writes/op) and, given a pool, PostgreSQL's
// CPU on that database's connections (pg-cpu-µs/op).
type Meter struct {
	b     *testing.B
	q     Querier
	start reading
}

type reading struct {
	self, pg      time.Duration
	reads, writes int64
}

// Start reads the counters before the timed loop; q may be nil.
func Start(b *testing.B, q Querier) *Meter {
	b.Helper()
	m := &Meter{b: b, q: q}
	m.start = m.read()
	return m
}

func (m *Meter) read() reading {
	m.b.Helper()
	var r reading
	var err error
	if r.self, err = Self(); err != nil {
		m.b.Fatal(err)
	}
	if r.reads, r.writes, err = Syscalls(); err != nil {
		m.b.Fatal(err)
	}
	if m.q != nil {
		if r.pg, err = Backends(context.Background(), m.q); err != nil {
			m.b.Fatal(err)
		}
	}
	return r
}

// Report reads the counters again after b.N operations and reports them
// per operation.
func (m *Meter) Report() {
	m.b.Helper()
	r := m.read()
	n := float64(max(m.b.N, 1))
	m.b.ReportMetric(float64((r.self-m.start.self).Nanoseconds())/1e3/n, "cpu-µs/op")
	m.b.ReportMetric(float64(r.reads-m.start.reads)/n, "reads/op")
	m.b.ReportMetric(float64(r.writes-m.start.writes)/n, "writes/op")
	if m.q != nil {
		m.b.ReportMetric(float64((r.pg-m.start.pg).Nanoseconds())/1e3/n, "pg-cpu-µs/op")
	}
}
