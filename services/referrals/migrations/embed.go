// Package migrations embeds the referrals schema migrations (goose).
package migrations

import (
	"embed"

	"github.com/pressly/goose/v3"
	"github.com/spona/spona/pkg/db"
)

//go:embed *.sql
var files embed.FS

// FS holds the SQL migrations and the Go ones, and names the append-only
// audit objects they create: with split roles the audit role owns them, and
// the service's runtime role may only INSERT into and SELECT from the
// tables.
var FS = db.Migrations{FS: files, Audit: []string{"organisation_audit"}, Go: []*goose.Migration{
	goose.NewGoMigration(16, &goose.GoFunc{RunTx: ASCIIEmails}, &goose.GoFunc{}),
	goose.NewGoMigration(20, &goose.GoFunc{RunTx: LanguageCase}, &goose.GoFunc{}),
}}
