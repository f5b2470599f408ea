package adapters_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/imports"
	"github.com/spona/spona/pkg/imports/importsjob"
	"github.com/spona/spona/pkg/sheet"
	"github.com/spona/spona/services/beneficiaries/internal/adapters"
	"github.com/spona/spona/services/beneficiaries/internal/app"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
)

// TestImportDuplicateAmongNamesakes: in the database as in memory, a row
// finds the person it repeats among more than ten namesakes registered
// after them (before, only the ten most recent namesakes were scored).
func TestImportDuplicateAmongNamesakes(t *testing.T) {
	ctx := context.Background()
	pool := schema(t)
	org := ids.New()
	var rows [][]any
	for i := range 12 {
		d := domain.Beneficiary{GivenName: "Omar", FamilyName: "Khalil"}
		rows = append(rows, []any{ids.New(), org, "Omar", "Khalil", time.Date(1985+i, 1, 31, 0, 0, 0, 0, time.UTC), 1985 + i, d.NameKey(), "AF"})
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"beneficiaries", "beneficiaries"},
		[]string{"id", "organisation_id", "given_name", "family_name", "birth_date", "birth_year", "name_key", "nationality"}, pgx.CopyFromRows(rows)); err != nil {
		t.Fatal(err)
	}
	a := app.New(adapters.NewPostgres(pool), nil, nil)
	for _, limit := range []int{0, 1 << 30} {
		a.SetDuplicateIndexLimit(limit)
		dups := dryRunCSV(t, a, pool, org, "given_name,family_name,birth_date,nationality\nOmar,Khalil,1985-01-31,AF\n").Duplicates
		if len(dups) != 1 || len(dups[0].Matches) == 0 || dups[0].Matches[0].ID != rows[0][0] {
			t.Errorf("index limit %d: duplicates %+v, want %s (born 1985-01-31) first", limit, dups, rows[0][0])
		}
	}
}

// TestImportRepeatAmongNamesakesInFile: in the database as in memory, a
// row finds the earlier row of the file it repeats among more than ten
// earlier namesakes of other births (before, only the ten nearest by name
// were scored, the first ten namesakes in sheet order).
func TestImportRepeatAmongNamesakesInFile(t *testing.T) {
	pool := schema(t)
	org := ids.New()
	csv := "given_name,family_name,birth_date\n"
	for i := range 12 { // rows 2-13
		csv += fmt.Sprintf("Omar,Khalil,%d-01-31\n", 1980+i)
	}
	csv += "Omar,Khalil,1991-01-31\n" // row 14 repeats row 13
	a := app.New(adapters.NewPostgres(pool), nil, nil)
	for _, limit := range []int{0, 1 << 30} {
		a.SetDuplicateIndexLimit(limit)
		dups := dryRunCSV(t, a, pool, org, csv).Duplicates
		if len(dups) != 1 || dups[0].Row != 14 || !slices.Equal(dups[0].SameAs, []int{13}) {
			t.Errorf("index limit %d: duplicates %+v, want row 14 the same as row 13", limit, dups)
		}
	}
}

// dryRunCSV uploads csv as org's beneficiaries import to validate only
// (the imports of earlier calls deleted first) and returns its dry run.
func dryRunCSV(t *testing.T, a *app.App, pool *pgxpool.Pool, org, csv string) *imports.Import {
	t.Helper()
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `DELETE FROM imports`); err != nil {
		t.Fatal(err)
	}
	runner := importsjob.NewRunner(importsjob.NewStore(pool), importsjob.Config{Limits: sheet.DefaultLimits(100)}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	runner.Register(imports.KindBeneficiaries, a.ImportSpec(), noProcessing{})
	imp, err := runner.Upload(ctx, &imports.Upload{Kind: imports.KindBeneficiaries, OrganisationID: org, Options: imports.Options{ValidateOnly: true},
		ContentType: "text/csv", Data: sheet.Pieces{[]byte(csv)}})
	if err != nil {
		t.Fatal(err)
	}
	return dryRun(t, a, pool, org, imp.ID)
}
