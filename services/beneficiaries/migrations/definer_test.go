package migrations_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/platform"
	"github.com/spona/spona/pkg/testkit/pgcluster"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/services/beneficiaries/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// The runtime role may call audit_events_forget_purposes (erasure blanks
// purposes), which runs as the audit role owning the audit log. A table of
// the caller's session named like the function's (pg_temp is searched
// first for tables unless the function's search_path names it) must not
// take the real one's place: through a trigger on it, the caller would run
// its own code as the audit role and could empty the log.
func TestForgetPurposesRunsOnlyOnTheAuditLog(t *testing.T) {
	ctx := context.Background()
	admin := pgtest.NewDatabase(t)
	runtime, owner, err := pgcluster.ServiceRoles(ctx, admin, "beneficiaries")
	if err != nil {
		t.Fatal(err)
	}
	if err := platform.Migrate(ctx, "beneficiaries", platform.MigrateConfig{DatabaseURL: runtime, MigrateDatabaseURL: owner,
		StartupTimeout: 30 * time.Second, LogLevel: "error"}, migrations.FS); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, runtime)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	org, person := ids.New(), ids.New()
	if _, err := conn.Exec(ctx, `INSERT INTO beneficiaries.audit_events (actor_organisation_id, owner_organisation_id, beneficiary_id, action, purpose)
		VALUES ($1, $1, $2, 'read', 'follow-up of case 7')`, org, person); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`CREATE TEMP TABLE audit_events (id bigint, purpose text, purpose_id uuid, owner_organisation_id uuid, beneficiary_id uuid)`,
		`INSERT INTO pg_temp.audit_events VALUES (1, 'x', NULL, '` + org + `', '` + person + `')`,
		`GRANT ALL ON pg_temp.audit_events TO spona_beneficiaries_audit`,
		`CREATE FUNCTION pg_temp.intrude() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
			ALTER TABLE beneficiaries.audit_events DISABLE TRIGGER USER;
			DELETE FROM beneficiaries.audit_events;
			ALTER TABLE beneficiaries.audit_events ENABLE TRIGGER USER;
			RETURN NEW; END $$`,
		`CREATE TRIGGER intrude BEFORE UPDATE ON pg_temp.audit_events FOR EACH ROW EXECUTE FUNCTION pg_temp.intrude()`,
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	if _, err := conn.Exec(ctx, `SELECT beneficiaries.audit_events_forget_purposes($1, $2, '{}')`, []string{org}, []string{person}); err != nil {
		t.Fatalf("forget purposes: %v", err)
	}

	check, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close(ctx)
	var n int
	var purpose string
	if err := check.QueryRow(ctx, `SELECT count(*), coalesce(max(purpose), '') FROM beneficiaries.audit_events WHERE beneficiary_id = $1`, person).
		Scan(&n, &purpose); err != nil || n != 1 || purpose != "" {
		t.Fatalf("audit records after the runtime role's call: %d, purpose %q; want 1, blanked (%v)", n, purpose, err)
	}
}
