// Package db opens the PostgreSQL pool of a service, runs its embedded
// migrations, traces its queries and translates PostgreSQL errors into the
// domain vocabulary of package errs.
package db

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"regexp"
	"runtime"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/intconv"
	"github.com/spona/spona/pkg/logging"
)

var schemaName = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// DefaultPoolSize is the pool size of a process that sets none: four
// connections per core the process may use (GOMAXPROCS, which follows the
// container's CPU limit). A request that finds every connection busy waits
// for one (until its deadline); more connections would only make PostgreSQL
// juggle more backends on the same cores.
func DefaultPoolSize() int32 { return intconv.Int32(4 * runtime.GOMAXPROCS(0)) }

// Open returns a pool whose connections use schema (then public, for
// extensions) as search path and whose queries are traced; maxConns <= 0
// means DefaultPoolSize.
func Open(ctx context.Context, url, schema string, maxConns int32) (*pgxpool.Pool, error) {
	if !schemaName.MatchString(schema) {
		return nil, fmt.Errorf("db: bad schema name %q", schema)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("db: parse DATABASE_URL: %w", err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema + ",public"
	cfg.ConnConfig.RuntimeParams["application_name"] = "spona-" + schema
	cfg.ConnConfig.Tracer = NewTracer(cfg.ConnConfig.Database)
	cfg.AfterConnect = func(_ context.Context, c *pgx.Conn) error {
		RegisterTypes(c.TypeMap())
		return nil
	}
	if maxConns <= 0 {
		maxConns = DefaultPoolSize()
	}
	cfg.MaxConns = maxConns
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("db: open pool: %w", err)
	}
	return pool, nil
}

// OwnConn opens a connection of its own beside pool, with pool's
// settings (search path, tracing), for a session held for the process's
// life: a LISTEN, a consumer's leadership lock. From the pool it would
// take a connection from the calls for good. PostgreSQL's max_connections
// must hold them too: deploy/validate and pkg/testkit/devstack count each
// process's (ownConnections). The caller closes it.
func OwnConn(ctx context.Context, pool *pgxpool.Pool) (*pgx.Conn, error) {
	return pgx.ConnectConfig(ctx, pool.Config().ConnConfig.Copy())
}

// Migrate creates schema if needed and applies the goose migrations in
// migrations (SQL files at its root, and the Go ones of a Migrations) under
// a session lock, so several replicas starting at once migrate exactly once. The schema is created
// only when missing: a role that may not create schemas (the schema's
// owner, with split roles) migrates a schema an administrator made.
func Migrate(ctx context.Context, pool *pgxpool.Pool, schema string, migrations fs.FS, log *slog.Logger) error {
	if !schemaName.MatchString(schema) {
		return fmt.Errorf("db: bad schema name %q", schema)
	}
	opts := []goose.ProviderOption{goose.WithTableName(schema + ".goose_db_version")}
	if m, ok := migrations.(Migrations); ok {
		migrations = m.FS
		opts = append(opts, goose.WithGoMigrations(m.Go...))
	}
	var exists bool
	if err := pool.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = $1)", schema).Scan(&exists); err != nil {
		return fmt.Errorf("db: look for schema %s: %w", schema, err)
	}
	if !exists {
		if _, err := pool.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+schema); err != nil {
			// Several services creating their schemas at once can race on the
			// catalog; the schema existing afterwards is all that matters.
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
				return fmt.Errorf("db: create schema %s: %w", schema, err)
			}
		}
	}
	// Another replica migrating holds the lock for as long as its
	// migrations take: this one looks every second, and waits for it
	// rather than failing after goose's five minutes.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(migrationLockID(schema)),
		lock.WithLockTimeout(1, uint64((24*time.Hour)/time.Second)))
	if err != nil {
		return err
	}
	sqlDB := stdlib.OpenDBFromPool(pool)
	// Closing the database/sql view releases nothing of the pool's.
	defer func() { _ = sqlDB.Close() }()
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, migrations, append(opts, goose.WithSessionLocker(locker))...)
	if err != nil {
		return fmt.Errorf("db: migrations: %w: %w", ErrBadMigrations, err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("db: migrate %s: %w", schema, err)
	}
	for _, r := range results {
		log.InfoContext(ctx, "migration applied", slog.String("schema", schema),
			slog.Int64("version", r.Source.Version), slog.Duration("took", r.Duration))
	}
	return nil
}

// migrationLockID is the advisory lock taken while schema is migrated.
func migrationLockID(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("spona-migrate-" + schema))
	return int64(h.Sum64() >> 1)
}

// Error translates a PostgreSQL or connection error into a classified error;
// other errors pass through unchanged. pgx.ErrNoRows is left to the caller,
// which knows what was not found.
func Error(err error) error {
	if err == nil || errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "23505":
			if named := uniqueKeyError(pgErr.SchemaName, pgErr.ConstraintName, err); named != nil {
				return named
			}
			return errs.Wrap(errs.KindAlreadyExists, err, "already exists ("+pgErr.ConstraintName+")")
		case pgErr.Code == "23503":
			return errs.Wrap(errs.KindFailedPrecondition, err, "refers to a record that does not exist ("+pgErr.ConstraintName+")")
		case pgErr.Code == "23514", pgErr.Code == "23502", pgErr.Code == "22P02",
			pgErr.Code == "22007", pgErr.Code == "22008", pgErr.Code == "22001", pgErr.Code == "22003":
			return errs.Wrap(errs.KindInvalidArgument, err, "value rejected: "+logging.WithoutQuotedValue(pgErr.Message))
		case pgErr.Code == "40001", pgErr.Code == "40P01":
			return errs.ConcurrentUpdate(err)
		case pgErr.Code[:2] == "08", pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03", pgErr.Code == "53300":
			return errs.Wrap(errs.KindUnavailable, err, "database unavailable")
		}
		return err
	}
	var connErr *pgconn.ConnectError
	var netErr net.Error
	// io.ErrUnexpectedEOF/io.EOF: the connection broke mid-statement (the
	// server crashed or restarted).
	if errors.As(err, &connErr) || errors.As(err, &netErr) || pgconn.SafeToRetry(err) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return errs.Wrap(errs.KindUnavailable, err, "database unavailable")
	}
	return err
}
