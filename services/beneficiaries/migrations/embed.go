// Package migrations embeds the beneficiaries schema migrations (goose).
package migrations

import (
	"embed"

	"github.com/pressly/goose/v3"
	"github.com/spona/spona/pkg/db"
)

//go:embed *.sql
var files embed.FS

// FS holds the SQL migrations and the Go ones, and names the append-only
// audit objects they create: with split roles the audit role owns them,
// and the service's runtime role may only INSERT into and SELECT from the
// tables.
var FS = db.Migrations{FS: files, Audit: []string{"audit_events", "audit_purposes", "audit_events_forget_purposes(uuid[], uuid[], uuid[])"},
	Go: []*goose.Migration{
		goose.NewGoMigration(22, &goose.GoFunc{RunTx: NormalEmails}, &goose.GoFunc{}),
		goose.NewGoMigration(23, &goose.GoFunc{RunTx: FoldPurposes}, &goose.GoFunc{}),
		goose.NewGoMigration(30, &goose.GoFunc{RunTx: RefoldInvisible}, &goose.GoFunc{}),
		goose.NewGoMigration(35, &goose.GoFunc{RunTx: FoldGuardians}, &goose.GoFunc{}),
	}}
