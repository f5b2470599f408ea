package db_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/testkit/pgtest"
)

// A statement sent in a CustomPlans batch is planned for its values every
// time, however often it ran; the setting ends with the batch. The same
// statement sent in a plain batch goes generic after five runs.
func TestCustomPlans(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	const stmt = `SELECT count(*) FROM generate_series(1, 10) g WHERE g > $1::int`
	plans := func() (generic, custom int64) {
		t.Helper()
		if err := conn.QueryRow(ctx, `SELECT generic_plans, custom_plans FROM pg_prepared_statements
			WHERE statement = $1`, stmt).Scan(&generic, &custom); err != nil {
			t.Fatal(err)
		}
		return generic, custom
	}
	run := func(b *pgx.Batch, want string) {
		t.Helper()
		var mode string
		var n int64
		b.Queue(stmt, 3).QueryRow(func(r pgx.Row) error { return r.Scan(&n) })
		b.Queue(`SELECT current_setting('plan_cache_mode')`).QueryRow(func(r pgx.Row) error { return r.Scan(&mode) })
		if err := conn.SendBatch(ctx, b).Close(); err != nil {
			t.Fatal(err)
		}
		if n != 7 || mode != want {
			t.Fatalf("count %d, plan_cache_mode %q in the batch (want 7, %q)", n, mode, want)
		}
	}
	for range 8 {
		run(&pgx.Batch{}, "auto")
	}
	generic, custom := plans()
	if generic == 0 {
		t.Fatalf("a plain batch: %d generic and %d custom plans in 8 runs; the test expects PostgreSQL to go generic", generic, custom)
	}
	for range 8 {
		run(db.CustomPlans(), "force_custom_plan")
	}
	if g, c := plans(); g != generic || c != custom+8 {
		t.Errorf("in CustomPlans batches: %d more generic and %d more custom plans in 8 runs", g-generic, c-custom)
	}
	var mode string
	if err := conn.QueryRow(ctx, `SELECT current_setting('plan_cache_mode')`).Scan(&mode); err != nil || mode != "auto" {
		t.Errorf("after the batches plan_cache_mode is %q (%v)", mode, err)
	}
}
