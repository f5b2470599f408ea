package platform

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/testkit/pgcluster"
	"github.com/spona/spona/pkg/testkit/pgtest"
)

// Split roles: `migrate` (the owner) migrates and grants, and a process
// given only its runtime role's DATABASE_URL then starts on the current
// schema, writes its tables, appends to its audit table and may not change
// it; with a migration pending it refuses to start and says to set
// MIGRATE_DATABASE_URL; an audit role that does not exist is named.
func TestSplitRoles(t *testing.T) {
	ctx := context.Background()
	runtime, owner, err := pgcluster.ServiceRoles(ctx, pgtest.NewDatabase(t), "probe")
	if err != nil {
		t.Fatal(err)
	}
	files := fstest.MapFS{"00001_t.sql": {Data: []byte(`-- +goose Up
CREATE TABLE t (id int);
CREATE TABLE log (id bigint GENERATED ALWAYS AS IDENTITY, what text NOT NULL);
-- +goose Down
DROP TABLE log;
DROP TABLE t;
`)}}
	audited := db.Migrations{FS: files, Audit: []string{"log"}}
	mcfg := MigrateConfig{DatabaseURL: runtime, MigrateDatabaseURL: owner, StartupTimeout: 20 * time.Second, LogLevel: "error"}
	if err := Migrate(ctx, "probe", mcfg, audited); err != nil {
		t.Fatalf("migrate as the owner: %v", err)
	}

	start := func(migrations db.Migrations, cfg Config) (*Base, error) {
		cfg.DatabaseURL, cfg.DBMaxConns, cfg.PrincipalTTL = runtime, 2, auth.MaxTTL
		cfg.LogLevel, cfg.ShutdownTimeout, cfg.StartupTimeout = "error", time.Second, 20*time.Second
		b, err := Start(ctx, "probe", cfg, migrations, cfg)
		if err == nil {
			t.Cleanup(func() { _ = b.Close(ctx) })
		}
		return b, err
	}
	b, err := start(audited, Config{})
	if err != nil {
		t.Fatalf("start with the runtime role on a current schema: %v", err)
	}
	for _, stmt := range []string{"INSERT INTO t VALUES (1)", "UPDATE t SET id = 2", "DELETE FROM t", "INSERT INTO log (what) VALUES ('x')", "SELECT count(*) FROM log"} {
		if _, err := b.Pool.Exec(ctx, stmt); err != nil {
			t.Errorf("%s as the runtime role: %v", stmt, err)
		}
	}
	for _, stmt := range []string{"UPDATE log SET what = 'y'", "DELETE FROM log", "TRUNCATE log", "TRUNCATE t", "CREATE TABLE probe.u (id int)"} {
		_, err := b.Pool.Exec(ctx, stmt)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Errorf("%s as the runtime role: %v, want insufficient privilege", stmt, err)
		}
	}

	// A replica starting while another writes its audit log in a long
	// transaction (an import) does not wait for it: giving the audit table
	// to the audit role again would lock the table until that commits,
	// and every audited read behind it.
	tx, err := b.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "INSERT INTO log (what) VALUES ('a long import')"); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	err = Migrate(wctx, "probe", mcfg, audited)
	cancel()
	if rerr := tx.Rollback(ctx); rerr != nil {
		t.Fatal(rerr)
	}
	if err != nil {
		t.Fatalf("migrate beside an open transaction on the audit table: %v", err)
	}

	pending := fstest.MapFS{"00002_u.sql": {Data: []byte("-- +goose Up\nCREATE TABLE u (id int);\n-- +goose Down\nDROP TABLE u;\n")}}
	pending["00001_t.sql"] = files["00001_t.sql"]
	_, err = start(db.Migrations{FS: pending, Audit: audited.Audit}, Config{})
	if err == nil || !strings.Contains(err.Error(), "MIGRATE_DATABASE_URL") || !strings.Contains(err.Error(), "spona_probe") {
		t.Fatalf("runtime role with a migration pending: %v; want a refusal naming MIGRATE_DATABASE_URL", err)
	}

	_, err = start(audited, Config{MigrateDatabaseURL: owner, DatabaseAuditRole: "spona_nobody_audit"})
	if err == nil || !strings.Contains(err.Error(), "spona_nobody_audit") || !strings.Contains(err.Error(), "setup-sql") {
		t.Fatalf("missing audit role: %v; want it named, and setup-sql", err)
	}
}

// A schema made before the roles were split (the process ran as one role
// owning it) is taken over by setup: its owner then migrates it, and its
// runtime role serves.
func TestSplitRolesTakeOverSchema(t *testing.T) {
	ctx := context.Background()
	admin := pgtest.NewDatabase(t)
	single := Config{DatabaseURL: admin, DBMaxConns: 2, PrincipalTTL: auth.MaxTTL, LogLevel: "error",
		ShutdownTimeout: time.Second, StartupTimeout: 20 * time.Second}
	b, err := Start(ctx, "legacy", single, oneTable, single)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Pool.Exec(ctx, "INSERT INTO t VALUES (7)"); err != nil {
		t.Fatal(err)
	}
	_ = b.Close(ctx)

	runtime, owner, err := pgcluster.ServiceRoles(ctx, admin, "legacy")
	if err != nil {
		t.Fatal(err)
	}
	split := single
	split.DatabaseURL, split.MigrateDatabaseURL = runtime, owner
	b, err = Start(ctx, "legacy", split, oneTable, split)
	if err != nil {
		t.Fatalf("start on split roles after a single role: %v", err)
	}
	defer b.Close(ctx)
	var n int
	var tableOwner string
	if err := b.Pool.QueryRow(ctx, "SELECT (SELECT count(*) FROM t), (SELECT tableowner FROM pg_tables WHERE schemaname = 'legacy' AND tablename = 't')").
		Scan(&n, &tableOwner); err != nil || n != 1 || tableOwner != "spona_legacy_owner" {
		t.Fatalf("after the take-over: %d rows, table owned by %q (%v)", n, tableOwner, err)
	}
}
