// Package migrations embeds the trainings schema migrations (goose).
package migrations

import "embed"

// FS holds the SQL migrations.
//
//go:embed *.sql
var FS embed.FS
