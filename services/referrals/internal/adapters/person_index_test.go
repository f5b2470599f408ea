package adapters

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/services/referrals/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// migratedPool is a pool on a new database with the referrals schema
// migrated, closed when the test ends.
func migratedPool(ctx context.Context, t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool, err := db.Open(ctx, pgtest.NewDatabase(t), "referrals", 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := db.Migrate(ctx, pool, "referrals", migrations.FS, slog.Default()); err != nil {
		t.Fatal(err)
	}
	return pool
}

// TestPersonLookUpsUseAnIndex: what the beneficiaries feed makes the
// referrals service do to one person's referrals (an erasure: lock,
// record the end, wipe the texts; a merge: repoint; a corrected birth
// year: mark the age bands stale) finds them by beneficiary_id through an
// index, not by reading every referral. Each is one event of the one
// consumer that also applies consent withdrawals: an import correcting
// thousands of birth years made that many full scans, and a withdrawal
// behind them waited (300 000 referrals: 140-340 ms a statement here).
func TestPersonLookUpsUseAnIndex(t *testing.T) {
	ctx := context.Background()
	pool := migratedPool(ctx, t)
	org := ids.New()
	if _, err := pool.Exec(ctx, `INSERT INTO organisations (id, name, kind, created_by) VALUES ($1, 'Receiver', 'ngo', $1)`, org); err != nil {
		t.Fatal(err)
	}
	// Many people with a few referrals each, statistics taken.
	if _, err := pool.Exec(ctx, `INSERT INTO referrals (id, beneficiary_id, from_organisation_id, to_organisation_id, category, urgency, status, due_time, send_time)
		SELECT gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), $1, 'legal', 'normal', 'sent', now(), now()
		FROM generate_series(1, 5000)`, org); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `ANALYZE referrals`); err != nil {
		t.Fatal(err)
	}
	person := []string{ids.New()}
	for name, stmt := range map[string]string{
		"an erasure's referrals": `SELECT id FROM referrals WHERE beneficiary_id = ANY ($1::uuid[]) ORDER BY id FOR UPDATE`,
		"an erasure's end":       `UPDATE referrals SET consent_end_reason = 'BENEFICIARY_ERASED' WHERE beneficiary_id = ANY ($1::uuid[]) AND consent_end_reason = ''`,
		"a merge":                `UPDATE referrals SET beneficiary_id = gen_random_uuid() WHERE beneficiary_id = ($1::uuid[])[1]`,
		"a corrected birth year": `UPDATE referrals SET ben_age_band_stale = true WHERE beneficiary_id = ANY ($1::uuid[]) AND send_time IS NOT NULL AND NOT ben_age_band_stale`,
	} {
		var plan string
		if err := pool.QueryRow(ctx, `EXPLAIN (FORMAT JSON) `+stmt, person).Scan(&plan); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if strings.Contains(plan, `"Seq Scan"`) {
			t.Errorf("%s reads every referral: %s", name, plan)
		}
	}
}
