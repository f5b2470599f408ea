package platform

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/testkit/pgcluster"
	"github.com/spona/spona/pkg/testkit/pgtest"
)

// slowMigration is a migration that records its run in table runs and
// takes seconds.
func slowMigration(seconds int) fstest.MapFS {
	return fstest.MapFS{"00001_slow.sql": {Data: []byte(fmt.Sprintf(`-- +goose Up
CREATE TABLE runs (at timestamptz NOT NULL DEFAULT clock_timestamp());
INSERT INTO runs DEFAULT VALUES;
SELECT pg_sleep(%d);
-- +goose Down
DROP TABLE runs;
`, seconds))}}
}

// A migration that runs longer than STARTUP_TIMEOUT (how long a process
// waits for PostgreSQL) still completes: on a large database an upgrade's
// migrations take what they take, and cutting them off rolls them back at
// every start, so the upgrade never lands. Two replicas start at once: one
// migrates, the other waits for it (longer than STARTUP_TIMEOUT too) and
// then finds the schema current; the migration runs once.
func TestMigrationLongerThanTheStartupTimeout(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	slow := slowMigration(3)
	cfg := Config{DatabaseURL: dbURL, DBMaxConns: 2, PrincipalTTL: auth.MaxTTL,
		LogLevel: "error", ShutdownTimeout: time.Second, StartupTimeout: time.Second}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	bases := make([]*Base, 2)
	for i := range 2 {
		wg.Go(func() { bases[i], errs[i] = Start(context.Background(), "probe", cfg, slow, cfg) })
	}
	wg.Wait()
	for i, b := range bases {
		if b != nil {
			t.Cleanup(func() { _ = b.Close(context.Background()) })
		}
		if errs[i] != nil {
			t.Errorf("replica %d: %v", i+1, errs[i])
		}
	}
	if t.Failed() {
		return
	}
	var n int
	if err := bases[0].Pool.QueryRow(context.Background(), "SELECT count(*) FROM probe.runs").Scan(&n); err != nil || n != 1 {
		t.Fatalf("the migration ran %d times (%v); want once", n, err)
	}
}

// The same with split roles (MIGRATE_DATABASE_URL, as deploy/ runs): the
// owner migrates once and grants the runtime role once, the second replica
// waits for both, and both serve as the runtime role.
func TestReplicasMigrateAtOnceWithSplitRoles(t *testing.T) {
	ctx := context.Background()
	runtime, owner, err := pgcluster.ServiceRoles(ctx, pgtest.NewDatabase(t), "probe")
	if err != nil {
		t.Fatal(err)
	}
	slow := slowMigration(2)
	cfg := Config{DatabaseURL: runtime, MigrateDatabaseURL: owner, DBMaxConns: 2, PrincipalTTL: auth.MaxTTL,
		LogLevel: "error", ShutdownTimeout: time.Second, StartupTimeout: time.Second}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	bases := make([]*Base, 2)
	for i := range 2 {
		wg.Go(func() { bases[i], errs[i] = Start(ctx, "probe", cfg, slow, cfg) })
	}
	wg.Wait()
	for i, b := range bases {
		if b != nil {
			t.Cleanup(func() { _ = b.Close(ctx) })
		}
		if errs[i] != nil {
			t.Fatalf("replica %d: %v", i+1, errs[i])
		}
	}
	var n int
	if err := bases[0].Pool.QueryRow(ctx, "SELECT count(*) FROM probe.runs").Scan(&n); err != nil || n != 1 {
		t.Errorf("%d runs (%v); want the migration once", n, err)
	}
	for i, b := range bases {
		if _, err := b.Pool.Exec(ctx, "INSERT INTO probe.runs DEFAULT VALUES"); err != nil {
			t.Errorf("replica %d may not write its table: %v", i+1, err)
		}
	}
}
