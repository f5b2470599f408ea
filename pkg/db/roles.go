package db

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/pressly/goose/v3"
)

// Roles are the PostgreSQL roles of one process, whose data is the schema
// of the same name (least privilege; docs/operations.md, "PostgreSQL
// roles"):
//
//   - Owner owns the schema and what its migrations create; migrations run
//     as Owner (MIGRATE_DATABASE_URL). It is a member of Audit, so later
//     migrations may change the audit tables too.
//   - Runtime is what the process connects as while it serves
//     (DATABASE_URL): USAGE on the schema, SELECT, INSERT, UPDATE and DELETE
//     on its tables, its sequences. It owns nothing, so it may not create,
//     alter, drop or truncate anything, nor disable a trigger.
//   - Audit (NOLOGIN) owns the schema's audit tables and the functions
//     allowed to change them (Migrations.Audit); Runtime may only INSERT
//     into and SELECT from those tables.
//
// None of them has any privilege on another process's schema.
type Roles struct {
	Schema, Owner, Runtime, Audit string
}

// RolesFor returns the conventional roles of schema: spona_<schema>_owner,
// spona_<schema> and spona_<schema>_audit.
func RolesFor(schema string) Roles {
	return Roles{Schema: schema, Owner: "spona_" + schema + "_owner", Runtime: "spona_" + schema, Audit: "spona_" + schema + "_audit"}
}

// Extensions are the extensions the services' migrations use. An
// administrator creates them (SetupSQL) before the services start: no
// service role may create an extension.
var Extensions = []string{"pg_trgm", "unaccent"}

// SetupSQL is what an administrator (a superuser, or CloudNativePG's
// postInitApplicationSQL) runs once in the database before the process
// first starts: the three roles (LOGIN without a password for Owner and
// Runtime: set one with ALTER ROLE … PASSWORD, or let the deployment manage
// them), the schema owned by Owner (taken over, with what is in it, when
// another role made it: a schema from before the split), Owner a member of
// Audit, and the extensions. Every statement may run again.
func (r Roles) SetupSQL() []string {
	q := func(s string) string { return pgx.Identifier{s}.Sanitize() }
	lit := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	create := func(role, attrs string) string {
		// Roles are cluster-wide: another database's setup may create the
		// same role at the same moment.
		return fmt.Sprintf(`DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = %s) THEN CREATE ROLE %s %s; END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`, lit(role), q(role), attrs)
	}
	out := []string{
		create(r.Owner, "LOGIN"),
		create(r.Runtime, "LOGIN"),
		create(r.Audit, "NOLOGIN"),
		fmt.Sprintf(`DO $$ BEGIN IF NOT pg_has_role(%s, %s, 'MEMBER') THEN GRANT %s TO %s; END IF;
EXCEPTION WHEN unique_violation THEN NULL; END $$`, lit(r.Owner), lit(r.Audit), q(r.Audit), q(r.Owner)),
		fmt.Sprintf("CREATE SCHEMA IF NOT EXISTS %s AUTHORIZATION %s", q(r.Schema), q(r.Owner)),
		r.adoptSQL(),
		// The audit role must be allowed to create in the schema to own
		// tables there; it cannot log in, and only Owner is its member.
		fmt.Sprintf("GRANT USAGE, CREATE ON SCHEMA %s TO %s", q(r.Schema), q(r.Audit)),
	}
	for _, e := range Extensions {
		out = append(out, fmt.Sprintf("CREATE EXTENSION IF NOT EXISTS %s WITH SCHEMA public", q(e)))
	}
	return out
}

// adoptSQL gives Owner the schema and whatever in it another role owns
// (the audit role's objects excepted): a schema made before the roles were
// split (one role owning every schema, or a superuser's) is taken over.
func (r Roles) adoptSQL() string {
	lit := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	return fmt.Sprintf(`DO $$
DECLARE
    o record;
    schema_name text := %s;
    owner_role text := %s;
    audit_role text := %s;
BEGIN
    IF (SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = schema_name) <> quote_ident(owner_role) THEN
        EXECUTE format('ALTER SCHEMA %%I OWNER TO %%I', schema_name, owner_role);
    END IF;
    FOR o IN SELECT c.oid::regclass AS name, CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END AS kind
            FROM pg_class c JOIN pg_roles ro ON ro.oid = c.relowner
            WHERE c.relnamespace = schema_name::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
                AND ro.rolname NOT IN (owner_role, audit_role)
                -- sequences of identity and serial columns go with their table
                AND NOT (c.relkind = 'S' AND EXISTS (SELECT FROM pg_depend d
                    WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')))
    LOOP
        EXECUTE format('ALTER %%s %%s OWNER TO %%I', o.kind, o.name, owner_role);
    END LOOP;
    FOR o IN SELECT p.oid::regprocedure AS name FROM pg_proc p JOIN pg_roles ro ON ro.oid = p.proowner
            WHERE p.pronamespace = schema_name::regnamespace AND ro.rolname NOT IN (owner_role, audit_role)
    LOOP
        EXECUTE format('ALTER ROUTINE %%s OWNER TO %%I', o.name, owner_role);
    END LOOP;
    FOR o IN SELECT t.oid::regtype AS name, CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END AS kind
            FROM pg_type t JOIN pg_roles ro ON ro.oid = t.typowner
            WHERE t.typnamespace = schema_name::regnamespace AND t.typtype IN ('e', 'd')
                AND ro.rolname NOT IN (owner_role, audit_role)
    LOOP
        EXECUTE format('ALTER %%s %%s OWNER TO %%I', o.kind, o.name, owner_role);
    END LOOP;
END $$`, lit(r.Schema), lit(r.Owner), lit(r.Audit))
}

// Setup runs SetupSQL on conn (an administrator's connection to the
// database). Concurrent setups of several databases of one server may
// collide on the cluster-wide roles; Setup tries again then.
func Setup(ctx context.Context, conn Querier, r Roles) error {
	var err error
	for range 5 {
		if err = setupOnce(ctx, conn, r); err == nil || !retryable(err) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("db: set up the roles of %s: %w", r.Schema, err)
	}
	return nil
}

func setupOnce(ctx context.Context, conn Querier, r Roles) error {
	for _, stmt := range r.SetupSQL() {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}

// retryable reports whether err is a collision with another session
// changing the same catalog rows ("tuple concurrently updated", a unique
// violation in the catalog, a deadlock).
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "XX000" || pgErr.Code == "23505" || pgErr.Code == "40P01" || pgErr.Code == "40001")
}

// Migrations are a schema's goose migrations (SQL files at the root of
// the FS, and migrations written in Go where SQL alone would restate a
// domain rule) and the audit objects they create.
type Migrations struct {
	fs.FS
	// Go are migrations run as Go functions, numbered among the files.
	Go []*goose.Migration
	// Audit names the schema's append-only audit tables and the functions
	// allowed to change them ("name(argument types)"): with split roles
	// they belong to the audit role, and the runtime role may only INSERT
	// into and SELECT from the tables and EXECUTE the functions.
	Audit []string
}

// AuditObjects returns the audit objects of migrations (none unless it is
// a Migrations).
func AuditObjects(migrations fs.FS) []string {
	if m, ok := migrations.(Migrations); ok {
		return m.Audit
	}
	return nil
}

// GrantRuntime gives roles.Runtime what the process needs at run time and
// nothing more, and gives the audit objects to roles.Audit. pool connects
// as roles.Owner (after Migrate). It runs under the schema's migration
// lock, so replicas starting at once do not collide.
func GrantRuntime(ctx context.Context, pool *pgxpool.Pool, roles Roles, audit []string) error {
	q := func(s string) string { return pgx.Identifier{s}.Sanitize() }
	schema, runtime := q(roles.Schema), q(roles.Runtime)
	stmts := []string{
		"SELECT pg_advisory_xact_lock($1)",
		fmt.Sprintf("GRANT USAGE ON SCHEMA %s TO %s", schema, runtime),
		fmt.Sprintf("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %s TO %s", schema, runtime),
		fmt.Sprintf("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %s TO %s", schema, runtime),
		// Tables a later migration run by hand creates get the same.
		fmt.Sprintf("ALTER DEFAULT PRIVILEGES FOR ROLE %s IN SCHEMA %s GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %s", q(roles.Owner), schema, runtime),
		fmt.Sprintf("ALTER DEFAULT PRIVILEGES FOR ROLE %s IN SCHEMA %s GRANT USAGE, SELECT ON SEQUENCES TO %s", q(roles.Owner), schema, runtime),
		// The migrations' bookkeeping: read, so a process without
		// MIGRATE_DATABASE_URL can tell whether its schema is current.
		fmt.Sprintf("REVOKE INSERT, UPDATE, DELETE ON %s.goose_db_version FROM %s", schema, runtime),
	}
	// An audit object changes owner only when it is not the audit role's
	// yet (just made by a migration): ALTER … OWNER locks the table even
	// when nothing changes, and would wait for every open transaction
	// that writes the audit log (an import) while every audited read
	// queues behind it. GRANT and REVOKE take no lock on the table.
	type step struct {
		sql   string
		owned string // an object whose owner must be checked first
		fn    bool
	}
	steps := make([]step, 0, len(stmts)+3*len(audit))
	for _, stmt := range stmts {
		steps = append(steps, step{sql: stmt})
	}
	for _, obj := range audit {
		if name, args, ok := strings.Cut(obj, "("); ok {
			fn := schema + "." + q(name) + "(" + args
			steps = append(steps,
				step{sql: fmt.Sprintf("ALTER FUNCTION %s OWNER TO %s", fn, q(roles.Audit)), owned: fn, fn: true},
				step{sql: fmt.Sprintf("REVOKE ALL ON FUNCTION %s FROM PUBLIC", fn)},
				step{sql: fmt.Sprintf("GRANT EXECUTE ON FUNCTION %s TO %s", fn, runtime)})
			continue
		}
		t := schema + "." + q(obj)
		steps = append(steps,
			step{sql: fmt.Sprintf("ALTER TABLE %s OWNER TO %s", t, q(roles.Audit)), owned: t},
			step{sql: fmt.Sprintf("REVOKE ALL ON %s FROM %s", t, runtime)},
			step{sql: fmt.Sprintf("GRANT SELECT, INSERT ON %s TO %s", t, runtime)})
	}
	return InTx(ctx, pool, func(tx pgx.Tx) error {
		for i, st := range steps {
			if st.owned != "" {
				check := "SELECT relowner = $2::regrole FROM pg_class WHERE oid = $1::regclass"
				if st.fn {
					check = "SELECT proowner = $2::regrole FROM pg_proc WHERE oid = $1::regprocedure"
				}
				var already bool
				if err := tx.QueryRow(ctx, check, st.owned, pgx.Identifier{roles.Audit}.Sanitize()).Scan(&already); err != nil {
					return fmt.Errorf("db: audit object %s, role %s: %w", st.owned, roles.Audit, err)
				}
				if already {
					continue
				}
			}
			var args []any
			if i == 0 {
				args = []any{migrationLockID(roles.Schema)}
			}
			if _, err := tx.Exec(ctx, st.sql, args...); err != nil {
				return fmt.Errorf("db: grant %s to %s: %s: %w", roles.Schema, roles.Runtime, st.sql, err)
			}
		}
		return nil
	})
}

// RuntimeRole returns the role a PostgreSQL URL connects as.
func RuntimeRole(url string) (string, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return "", err
	}
	return cfg.User, nil
}
