package db

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// ErrBadMigrations marks a set of migrations that cannot be applied as
// shipped (two files of one version, say): a build error, not a wait.
var ErrBadMigrations = errors.New("the migrations shipped are invalid")

// Permanent reports whether err (from connecting or migrating) will not go
// away by waiting: bad credentials, a missing database or role, a
// privilege the role lacks. Start-up retries only the others (the server
// still starting, the network).
func Permanent(err error) bool {
	if errors.Is(err, ErrBadMigrations) {
		return true
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	switch pgErr.Code {
	case "28P01", "28000", "3D000", "42501", "42P01", "42704":
		return true
	}
	return false
}

// Privilege reports whether err is PostgreSQL refusing for want of a
// privilege (insufficient_privilege, or "must be owner").
func Privilege(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "42501"
}

// MissingRole reports whether err is PostgreSQL saying a role does not
// exist: at connection (invalid_authorization_specification) or in a
// statement naming it (undefined_object).
func MissingRole(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "28000" || pgErr.Code == "42704") &&
		strings.HasPrefix(pgErr.Message, "role ") && strings.HasSuffix(pgErr.Message, " does not exist")
}

// MissingDatabase reports whether err says the database does not exist.
func MissingDatabase(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "3D000"
}

// CreateDatabase creates the database url names, connecting to the
// server's maintenance database ("postgres") with the same credentials.
// When the role may not create databases, the error says what an
// administrator has to run.
func CreateDatabase(ctx context.Context, url string) error {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return fmt.Errorf("db: parse DATABASE_URL: %w", err)
	}
	name, role := cfg.Database, cfg.User
	cfg.Database = "postgres"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("database %q does not exist and the maintenance database cannot be reached to create it (%v); "+
			"create it: CREATE DATABASE %s OWNER %s;", name, err, pgx.Identifier{name}.Sanitize(), pgx.Identifier{role}.Sanitize())
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	var pgErr *pgconn.PgError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &pgErr) && pgErr.Code == "42P04": // created meanwhile by another process
		return nil
	case errors.As(err, &pgErr) && pgErr.Code == "42501":
		return fmt.Errorf("database %q does not exist and role %q may not create databases; "+
			"as an administrator run: CREATE DATABASE %s OWNER %s;", name, role, pgx.Identifier{name}.Sanitize(), pgx.Identifier{role}.Sanitize())
	}
	return fmt.Errorf("db: create database %q: %w", name, err)
}
