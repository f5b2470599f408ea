// Package migrations embeds the trainings schema migrations (goose).
package migrations

import (
	"embed"

	"github.com/pressly/goose/v3"
	"github.com/spona/spona/pkg/db"
)

//go:embed *.sql
var files embed.FS

// FS holds the SQL migrations and the Go ones.
var FS = db.Migrations{FS: files, Go: []*goose.Migration{
	goose.NewGoMigration(8, &goose.GoFunc{RunTx: PersonKeys}, &goose.GoFunc{}),
	goose.NewGoMigration(10, &goose.GoFunc{RunTx: NormalEmails}, &goose.GoFunc{}),
	goose.NewGoMigration(11, &goose.GoFunc{RunTx: ForgetOrphans}, &goose.GoFunc{}),
	goose.NewGoMigration(14, &goose.GoFunc{RunTx: FoldNames}, &goose.GoFunc{}),
	goose.NewGoMigration(16, &goose.GoFunc{RunTx: OrganisationKeys}, &goose.GoFunc{}),
	goose.NewGoMigration(19, &goose.GoFunc{RunTx: EventLanguageCase}, &goose.GoFunc{}),
}}
