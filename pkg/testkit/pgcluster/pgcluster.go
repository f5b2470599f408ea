// Package pgcluster runs a private PostgreSQL cluster from the binaries on
// the machine (initdb, pg_ctl). `make run` keeps one in .data/ between runs;
// tests start a throwaway one. initdb refuses to run as root, so as root the
// commands run as the `postgres` user and the data directory is given to it.
package pgcluster

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/testkit/loopback"
)

// Options configures Start.
type Options struct {
	// Port to listen on (127.0.0.1 only); 0 picks a free one.
	Port int
	// Durable keeps fsync on; throwaway test clusters turn it off for speed.
	Durable bool
	// MaxConnections is the server's max_connections: room for every pool
	// that will connect. 0 is DefaultMaxConnections.
	MaxConnections int
	// Extra server settings, "name=value".
	Settings []string
	// StopOnExit stops the server when this process ends, however it
	// ends: a test binary stopped by its -timeout (a panic) or killed
	// runs none of its cleanups, and the server would run on, holding
	// its memory and port, until the machine restarts.
	StopOnExit bool
}

// DefaultMaxConnections is room for ten pools of db.DefaultPoolSize (the
// six processes of a system a test starts, in-process services, the test's
// own pool) and 50 more connections, and at least 300.
func DefaultMaxConnections() int { return max(300, 10*int(db.DefaultPoolSize())+50) }

// Cluster is a running private cluster.
type Cluster struct {
	Dir  string
	Port int
	bin  string
	asPG bool
}

// URL returns a connection string for database on the cluster.
func (c *Cluster) URL(database string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.Port, database)
}

// BinDir finds the directory holding initdb and pg_ctl: $PG_BIN, PATH, or the
// newest /usr/lib/postgresql/*/bin or Homebrew postgresql@*/bin (the places
// tools/setup.sh installs them to).
func BinDir() (string, error) {
	if d := os.Getenv("PG_BIN"); d != "" {
		return d, nil
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Dir(real), nil
		}
		return filepath.Dir(p), nil
	}
	var dirs []string
	// Debian and Ubuntu; Homebrew's postgresql@N (keg-only: not on PATH).
	for _, pattern := range []string{"/usr/lib/postgresql/*/bin", "/opt/homebrew/opt/postgresql@*/bin", "/usr/local/opt/postgresql@*/bin"} {
		found, _ := filepath.Glob(pattern)
		dirs = append(dirs, found...)
	}
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("pgcluster: initdb not found; install PostgreSQL (e.g. apt-get install postgresql) or set PG_BIN or DATABASE_URL")
}

func version(dir string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(filepath.Base(filepath.Dir(dir)), "postgresql@"))
	return n
}

// Start initialises dir if it holds no cluster yet and starts the server.
// A server still running on dir is stopped first: one left by an earlier
// run that ended without stopping it (`make run` killed, or its terminal
// closed), which would otherwise make this start fail ("another server
// might be running"). Starting the same directory twice at once is the
// caller's to prevent (`make run` holds a lock on .data).
func Start(ctx context.Context, dir string, o Options) (*Cluster, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir, Port: o.Port, bin: bin, asPG: os.Geteuid() == 0}
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if err := c.initdb(ctx); err != nil {
			return nil, err
		}
	} else if c.running(ctx) {
		if err := c.Stop(); err != nil {
			return nil, fmt.Errorf("pgcluster: stopping the server an earlier run left running on %s: %w", dir, err)
		}
	}
	settings := []string{
		"listen_addresses=127.0.0.1",
		"unix_socket_directories=",
		"max_connections=" + strconv.Itoa(cmp.Or(o.MaxConnections, DefaultMaxConnections())),
		"shared_buffers=256MB",
	}
	for _, name := range slices.Sorted(maps.Keys(db.LogPrivacySettings)) {
		settings = append(settings, name+"="+db.LogPrivacySettings[name])
	}
	if !o.Durable {
		settings = append(settings, "fsync=off", "synchronous_commit=off", "full_page_writes=off")
	}
	settings = append(settings, o.Settings...)
	if o.StopOnExit {
		if err := c.stopOnExit(); err != nil {
			return nil, err
		}
	}
	// A port Start chooses itself can still be taken by another process
	// between the check and the server binding it (other test binaries
	// start clusters and servers at the same time); the server then refuses
	// to start, and Start tries again on another port.
	for attempt := 1; ; attempt++ {
		if o.Port == 0 {
			if c.Port, err = pickPort(); err != nil {
				return nil, err
			}
		}
		log, err := c.start(ctx, settings)
		if err == nil {
			return c, nil
		}
		if o.Port != 0 || attempt == 5 || !strings.Contains(log, "could not create any TCP/IP sockets") {
			return nil, err
		}
	}
}

// pickPort chooses the port of a cluster Start is not given one for; a
// test replaces it to make the first choice lose the race.
var pickPort = loopback.FreePort

// start starts the server on c.Port with settings and returns, when it does
// not start, what the attempt wrote to the server log.
func (c *Cluster) start(ctx context.Context, settings []string) (string, error) {
	opts := []string{"-p", strconv.Itoa(c.Port)}
	for _, s := range settings {
		opts = append(opts, "-c", s)
	}
	logFile := filepath.Join(c.Dir, "server.log")
	var before int64
	if fi, err := os.Stat(logFile); err == nil {
		before = fi.Size()
	}
	err := c.run(ctx, "pg_ctl", "-D", c.Dir, "-l", logFile, "-w", "-t", "60", "-o", strings.Join(quoteAll(opts), " "), "start")
	if err == nil {
		return "", nil
	}
	written, _ := os.ReadFile(logFile)
	if int64(len(written)) >= before {
		written = written[before:]
	}
	tail := written
	if len(tail) > 2000 {
		tail = tail[len(tail)-2000:]
	}
	return string(written), fmt.Errorf("%w\nserver log:\n%s", err, tail)
}

// Stop shuts the server down (fast mode: open sessions are ended).
func (c *Cluster) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return c.run(ctx, "pg_ctl", "-D", c.Dir, "-m", "fast", "-w", "stop")
}

// running reports whether a server runs on c.Dir (pg_ctl status: 0 when
// it does, 3 when not).
func (c *Cluster) running(ctx context.Context) bool {
	return c.run(ctx, "pg_ctl", "-D", c.Dir, "status") == nil
}

// Restart restarts the server the way an operator would (pg_ctl restart -m
// fast: sessions are ended, the server comes back with the same settings).
func (c *Cluster) Restart(ctx context.Context) error {
	return c.run(ctx, "pg_ctl", "-D", c.Dir, "-l", filepath.Join(c.Dir, "server.log"), "-m", "fast", "-w", "-t", "60", "restart")
}

// Kill kills the postmaster with SIGKILL, as a crash would, and waits until
// it is gone. Its backends notice and exit; Start on the same directory then
// runs crash recovery.
func (c *Cluster) Kill() error {
	raw, err := os.ReadFile(filepath.Join(c.Dir, "postmaster.pid"))
	if err != nil {
		return fmt.Errorf("pgcluster: no running server: %w", err)
	}
	first, _, _ := strings.Cut(string(raw), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		return fmt.Errorf("pgcluster: bad postmaster.pid: %w", err)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		return fmt.Errorf("pgcluster: kill postmaster %d: %w", pid, err)
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if !alive(pid) {
			return nil
		}
	}
	return fmt.Errorf("pgcluster: postmaster %d still alive after SIGKILL", pid)
}

// alive reports whether pid runs; a zombie (killed, not yet reaped by
// whoever inherited it) does not.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	_, rest, _ := strings.Cut(string(stat), ") ")
	return !strings.HasPrefix(rest, "Z")
}

// exitPipes are the write ends of the pipes stopOnExit's watchers read:
// kept here, never closed nor collected, so that a watcher reads the end
// of its pipe only when this process has ended.
var (
	exitPipesMu sync.Mutex
	exitPipes   []*os.File
)

// stopOnExit starts a watcher that stops the server on c.Dir (immediate
// mode; a server already stopped is left alone) once this process ends:
// a shell reading a pipe only this process writes, in a process group of
// its own so that a Ctrl-C of the test does not end it first.
func (c *Cluster) stopOnExit() error {
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	stop := []string{filepath.Join(c.bin, "pg_ctl"), "-D", c.Dir, "-m", "immediate", "stop"}
	if c.asPG {
		stop = append([]string{"runuser", "-u", "postgres", "--"}, stop...)
	}
	cmd := exec.Command("sh", append([]string{"-c", `read -r _; exec "$@"`, "pgcluster-stop-on-exit"}, stop...)...)
	cmd.Dir, cmd.Stdin = "/", r // stdout and stderr: /dev/null, so go test does not wait for it
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		w.Close()
		return fmt.Errorf("pgcluster: watcher: %w", err)
	}
	go func() { _ = cmd.Wait() }()
	exitPipesMu.Lock()
	exitPipes = append(exitPipes, w)
	exitPipesMu.Unlock()
	return nil
}

// Remove stops the server and deletes its data directory.
func (c *Cluster) Remove() error {
	err := c.Stop()
	return errors.Join(err, os.RemoveAll(c.Dir))
}

func (c *Cluster) initdb(ctx context.Context) error {
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return err
	}
	if c.asPG {
		u, err := user.Lookup("postgres")
		if err != nil {
			return fmt.Errorf("pgcluster: running as root needs a postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(c.Dir, uid, gid); err != nil {
			return err
		}
		// The postgres user must be able to reach the directory.
		for p := filepath.Dir(c.Dir); p != "/"; p = filepath.Dir(p) {
			st, err := os.Stat(p)
			if err == nil && st.Mode().Perm()&0o001 == 0 {
				_ = os.Chmod(p, st.Mode().Perm()|0o011)
			}
		}
	}
	return c.run(ctx, "initdb", "-D", c.Dir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
}

func (c *Cluster) run(ctx context.Context, name string, args ...string) error {
	path := filepath.Join(c.bin, name)
	var cmd *exec.Cmd
	if c.asPG {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, path, args...)
	}
	cmd.Dir = "/"
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("pgcluster: %s %s: %w\n%s", name, strings.Join(args, " "), err, out.String())
	}
	return nil
}

func quoteAll(opts []string) []string {
	out := make([]string, len(opts))
	for i, o := range opts {
		if strings.ContainsAny(o, " '=") {
			o = "'" + strings.ReplaceAll(o, "'", `'\''`) + "'"
		}
		out[i] = o
	}
	return out
}

// ServiceRoles sets up process's PostgreSQL roles in the database adminURL
// names (db.Setup, as the administrator adminURL connects as) and returns
// the URLs the process connects with: as its runtime role (DATABASE_URL)
// and as its schema's owner (MIGRATE_DATABASE_URL). The roles have no
// password: the clusters Start makes trust loopback connections.
func ServiceRoles(ctx context.Context, adminURL, process string) (runtimeURL, migrateURL string, err error) {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", "", fmt.Errorf("pgcluster: roles of %s: %w", process, err)
	}
	defer conn.Close(ctx)
	roles := db.RolesFor(process)
	if err := db.Setup(ctx, conn, roles); err != nil {
		return "", "", err
	}
	as := func(role string) (string, error) {
		u, err := url.Parse(adminURL)
		if err != nil {
			return "", fmt.Errorf("pgcluster: %w", err)
		}
		u.User = url.User(role)
		return u.String(), nil
	}
	if runtimeURL, err = as(roles.Runtime); err != nil {
		return "", "", err
	}
	migrateURL, err = as(roles.Owner)
	return runtimeURL, migrateURL, err
}
