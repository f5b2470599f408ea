// Package migrations embeds the webhooks schema migrations (goose).
package migrations

import "embed"

// FS holds the SQL migrations.
//
//go:embed *.sql
var FS embed.FS
