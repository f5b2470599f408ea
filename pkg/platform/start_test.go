package platform

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/testkit/pgtest"
)

var oneTable = fstest.MapFS{"00001_t.sql": {Data: []byte("-- +goose Up\nCREATE TABLE t (id int);\n-- +goose Down\nDROP TABLE t;\n")}}

func withDatabase(t *testing.T, server, user, database string) string {
	u, err := url.Parse(server)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(user)
	u.Path = "/" + database
	return u.String()
}

func randomName(prefix string) string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func startIn(t *testing.T, dbURL string) (*Base, error) {
	cfg := Config{DatabaseURL: dbURL, DBMaxConns: 2, PrincipalTTL: auth.MaxTTL,
		LogLevel: "error", ShutdownTimeout: time.Second, StartupTimeout: 20 * time.Second}
	b, err := Start(context.Background(), "probe", cfg, oneTable, cfg)
	if err == nil {
		t.Cleanup(func() { _ = b.Close(context.Background()) })
	}
	return b, err
}

// An empty server: the database named in DATABASE_URL is created when the
// role may; otherwise the error says what to create; credentials that
// cannot work fail at once instead of after STARTUP_TIMEOUT.
func TestStartOnAnEmptyServer(t *testing.T) {
	server := pgtest.ServerURL(t)
	admin, err := pgx.Connect(context.Background(), server)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())

	name := randomName("empty_")
	t.Cleanup(func() { _, _ = admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	b, err := startIn(t, withDatabase(t, server, "postgres", name))
	if err != nil {
		t.Fatalf("start on a missing database: %v", err)
	}
	var n int
	if err := b.Pool.QueryRow(context.Background(), "SELECT count(*) FROM probe.t").Scan(&n); err != nil {
		t.Fatalf("migrated table missing: %v", err)
	}

	role := randomName("nocreate_")
	if _, err := admin.Exec(context.Background(), "CREATE ROLE "+role+" LOGIN"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = admin.Exec(context.Background(), "DROP ROLE IF EXISTS "+role) })
	missing := randomName("missing_")
	_, err = startIn(t, withDatabase(t, server, role, missing))
	if err == nil || !strings.Contains(err.Error(), `CREATE DATABASE "`+missing+`" OWNER "`+role+`"`) {
		t.Fatalf("role without CREATEDB: %v; want the statement to run", err)
	}

	_, err = startIn(t, withDatabase(t, server, randomName("nobody_"), name))
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("unknown role: %v", err)
	}
	// It points the operator to the roles' setup (docs/operations.md,
	// "PostgreSQL roles").
	if !strings.Contains(err.Error(), "probe setup-sql") {
		t.Errorf("unknown role: %v; want it to point to `probe setup-sql`", err)
	}
	// migrate retries only errors db.Permanent calls transient, so an error
	// it classifies as permanent was returned on the first attempt, not
	// after STARTUP_TIMEOUT.
	if !db.Permanent(err) || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("an unknown role was retried until the startup timeout: %v", err)
	}
}
