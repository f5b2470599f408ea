// Package migrations embeds the reporting schema migrations (goose).
package migrations

import (
	"embed"

	"github.com/spona/spona/pkg/db"
)

//go:embed *.sql
var files embed.FS

// FS holds the SQL migrations and names the append-only audit objects
// they create: with split roles the audit role owns them, and the
// service's runtime role may only INSERT into and SELECT from the table.
var FS = db.Migrations{FS: files, Audit: []string{"indicator_audit", "project_audit"}}
