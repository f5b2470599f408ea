package e2e

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/testkit/devstack"
)

// TestLeastPrivilege runs the system with each process connected to
// PostgreSQL as its own runtime role (issue 16 §5), as make run and the
// deployments do: a person is registered, read with a declared purpose and
// erased through REST, so the audit log is written and its purposes blanked
// by the function that may. Then, as each runtime role, the test tries what
// an attacker holding a service's connection would: create, alter, drop or
// truncate in the service's schema, update, delete or truncate audit rows,
// disable or drop the audit log's append-only triggers, and read another
// service's schema. PostgreSQL refuses each for want of a privilege (not the
// trigger). The owner roles cannot read another schema either, and nothing
// belongs to a runtime role.
func TestLeastPrivilege(t *testing.T) {
	s := startSystem(t)
	ctx := context.Background()

	// The system works on split roles.
	ben := s.call(t, "POST", "/v1/beneficiaries", s.keyA, map[string]any{
		"given_name": "Leyla", "family_name": "Rahimi", "sex": "SEX_FEMALE", "birth_date": "1994-03-02",
		"legal_status": "LEGAL_STATUS_ASYLUM_SEEKER", "municipality": "Beograd", "country": "RS",
	}, "X-Spona-Purpose", "intake for case 7").must(t, 200)
	id := ben.str("id")
	s.call(t, "GET", "/v1/beneficiaries/"+id, s.keyA, nil, "X-Spona-Purpose", "follow-up for case 7").must(t, 200)
	s.call(t, "POST", "/v1/beneficiaries/"+id+":erase", s.keyA, map[string]any{"reason": "her request"}).must(t, 200)
	// A project's indicator, audited in reporting.indicator_audit.
	s.funded(t, "ROLES-1", 0)

	admin := connect(t, s.dbURL)
	var total, withPurpose int
	if err := admin.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE e.purpose <> '' OR p.purpose <> '')
		FROM beneficiaries.audit_events e LEFT JOIN beneficiaries.audit_purposes p ON p.id = e.purpose_id
		WHERE e.beneficiary_id = $1`, id).Scan(&total, &withPurpose); err != nil {
		t.Fatal(err)
	}
	if total < 2 || withPurpose != 0 {
		t.Fatalf("audit records of the erased person: %d, %d still with a purpose (want ≥ 2, 0)", total, withPurpose)
	}

	// The append-only tables (an *_append_only trigger function), by schema.
	audit := map[string][]string{}
	rows, err := admin.Query(ctx, `SELECT DISTINCT n.nspname, c.relname FROM pg_trigger g
		JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_proc p ON p.oid = g.tgfoid WHERE p.proname LIKE '%append_only' ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var schema, table string
		if err := rows.Scan(&schema, &table); err != nil {
			t.Fatal(err)
		}
		audit[schema] = append(audit[schema], table)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"beneficiaries.audit_events", "referrals.organisation_audit", "reporting.indicator_audit", "edge.key_audit"} {
		schema, table, _ := strings.Cut(want, ".")
		if !slices.Contains(audit[schema], table) {
			t.Fatalf("no append-only table %s (found %v)", want, audit)
		}
	}

	for _, svc := range devstack.Services {
		roles := db.RolesFor(svc)
		t.Run(svc+" ownership", func(t *testing.T) {
			var owner string
			if err := admin.QueryRow(ctx, `SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = $1`, svc).Scan(&owner); err != nil || owner != roles.Owner {
				t.Fatalf("schema %s owned by %q, want %s (%v)", svc, owner, roles.Owner, err)
			}
			var owned int
			if err := admin.QueryRow(ctx, `SELECT (SELECT count(*) FROM pg_class WHERE relowner = $1::regrole)
				+ (SELECT count(*) FROM pg_proc WHERE proowner = $1::regrole)
				+ (SELECT count(*) FROM pg_namespace WHERE nspowner = $1::regrole)`, roles.Runtime).Scan(&owned); err != nil || owned != 0 {
				t.Fatalf("runtime role %s owns %d objects (%v)", roles.Runtime, owned, err)
			}
			// A function running as its owner for the runtime role finds
			// only its schema's tables: pg_temp last in its search path
			// (unnamed, it is searched first, and a temporary table of the
			// caller's with a trigger would run the caller's code as the
			// owner).
			definers, err := admin.Query(ctx, `SELECT p.oid::regprocedure::text, coalesce(array_to_string(p.proconfig, ' '), '')
				FROM pg_proc p WHERE p.pronamespace = $1::regnamespace AND p.prosecdef`, svc)
			if err != nil {
				t.Fatal(err)
			}
			type definer struct{ Name, Config string }
			defs, err := pgx.CollectRows(definers, pgx.RowToStructByPos[definer])
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range defs {
				if !strings.HasPrefix(d.Config, "search_path=") || !strings.HasSuffix(d.Config, "pg_temp") || strings.Contains(d.Config, "public") {
					t.Errorf("SECURITY DEFINER function %s has settings %q; want search_path=%s, pg_temp", d.Name, d.Config, svc)
				}
			}
			for _, table := range audit[svc] {
				if err := admin.QueryRow(ctx, `SELECT relowner::regrole::text FROM pg_class WHERE oid = $1::regclass`, svc+"."+table).Scan(&owner); err != nil || owner != roles.Audit {
					t.Errorf("audit table %s.%s owned by %q, want %s (declare it in the service's migrations.FS Audit) %v", svc, table, owner, roles.Audit, err)
				}
			}
		})

		t.Run(svc+" runtime role", func(t *testing.T) {
			conn := connect(t, s.stack.DatabaseURL(svc))
			var who string
			if err := conn.QueryRow(ctx, "SELECT current_user").Scan(&who); err != nil || who != roles.Runtime {
				t.Fatalf("DATABASE_URL of %s connects as %q (%v), want %s", svc, who, err, roles.Runtime)
			}
			refused := func(stmt, want string) {
				t.Helper()
				_, err := conn.Exec(ctx, stmt)
				var pgErr *pgconn.PgError
				if !errors.As(err, &pgErr) || pgErr.Code != "42501" || !strings.Contains(pgErr.Message, want) {
					t.Errorf("%s as %s: %v, want insufficient privilege (%q)", stmt, roles.Runtime, err, want)
				}
			}
			var table string
			if err := admin.QueryRow(ctx, `SELECT relname FROM pg_class WHERE relnamespace = $1::regnamespace AND relkind = 'r'
				AND relname <> ALL (coalesce($2::text[], '{}')) AND relname <> 'goose_db_version' ORDER BY relname LIMIT 1`, svc, audit[svc]).Scan(&table); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: a table of its own: %s; audit tables: %v", svc, table, audit[svc])
			own := svc + "." + table
			if _, err := conn.Exec(ctx, "SELECT FROM "+own+" LIMIT 1"); err != nil {
				t.Fatalf("%s cannot read its own table %s: %v", roles.Runtime, own, err)
			}
			refused("CREATE TABLE "+svc+".intruder (id int)", "permission denied for schema")
			refused("ALTER TABLE "+own+" ADD COLUMN intruder int", "must be owner")
			refused("TRUNCATE "+own, "permission denied")
			refused("DROP TABLE "+own, "must be owner")
			refused("CREATE SCHEMA intruder", "permission denied")
			refused("CREATE EXTENSION IF NOT EXISTS pgcrypto", "permission denied")
			for _, other := range devstack.Services {
				if other != svc {
					refused("SELECT FROM "+other+".goose_db_version LIMIT 1", "permission denied for schema "+other)
				}
			}
			for _, a := range audit[svc] {
				at := svc + "." + a
				var n int
				if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+at).Scan(&n); err != nil || n == 0 {
					t.Errorf("%s reads %d rows of %s (%v); the system wrote some", roles.Runtime, n, at, err)
				}
				var insert bool
				if err := conn.QueryRow(ctx, "SELECT has_table_privilege($1, 'INSERT')", at).Scan(&insert); err != nil || !insert {
					t.Errorf("%s may not INSERT into %s (%v)", roles.Runtime, at, err)
				}
				var col string
				if err := admin.QueryRow(ctx, `SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0
					AND NOT attisdropped AND attidentity = '' ORDER BY attnum LIMIT 1`, at).Scan(&col); err != nil {
					t.Fatal(err)
				}
				refused("UPDATE "+at+" SET "+col+" = "+col, "permission denied for table "+a)
				refused("DELETE FROM "+at, "permission denied for table "+a)
				refused("TRUNCATE "+at, "permission denied for table "+a)
				refused("ALTER TABLE "+at+" DISABLE TRIGGER ALL", "must be owner")
				triggers, err := admin.Query(ctx, `SELECT tgname FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal`, at)
				if err != nil {
					t.Fatal(err)
				}
				names, err := pgx.CollectRows(triggers, pgx.RowTo[string])
				if err != nil || len(names) == 0 {
					t.Fatalf("triggers of %s: %v %v", at, names, err)
				}
				for _, g := range names {
					refused("ALTER TABLE "+at+" DISABLE TRIGGER "+g, "must be owner")
					refused("DROP TRIGGER "+g+" ON "+at, "must be owner")
				}
				refused("ALTER TABLE "+at+" OWNER TO "+roles.Runtime, "must be owner")
			}
			// Nothing above changed the audit log.
			var after int
			if err := admin.QueryRow(ctx, `SELECT count(*) FROM beneficiaries.audit_events WHERE beneficiary_id = $1`, id).Scan(&after); err != nil || after != total {
				t.Fatalf("audit records of the erased person: %d, were %d (%v)", after, total, err)
			}
		})

		t.Run(svc+" owner role", func(t *testing.T) {
			conn := connect(t, s.stack.MigrateDatabaseURL(svc))
			for _, other := range devstack.Services {
				if other == svc {
					continue
				}
				_, err := conn.Exec(ctx, "SELECT FROM "+other+".goose_db_version LIMIT 1")
				var pgErr *pgconn.PgError
				if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
					t.Errorf("%s reads schema %s: %v", roles.Owner, other, err)
				}
			}
		})
	}
}

// connect opens a connection to url, closed when the test ends.
func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}
