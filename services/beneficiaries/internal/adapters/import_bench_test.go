package adapters_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/imports"
	"github.com/spona/spona/pkg/imports/importsjob"
	"github.com/spona/spona/pkg/sheet"
	"github.com/spona/spona/pkg/testkit/benchenv"
	"github.com/spona/spona/pkg/testkit/register"
	"github.com/spona/spona/services/beneficiaries/internal/adapters"
	"github.com/spona/spona/services/beneficiaries/internal/app"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
)

// BenchmarkImportDuplicates finds the probable duplicates of a staged import
// (SPONA_IMPORT_ROWS rows of a register, default 2,000) among an
// organisation's SPONA_BENCH_ROWS existing beneficiaries (default 20,000,
// the earlier rows of the same register, so about 2% of the file repeats
// an existing person in another spelling) and within the file, as a dry
// run's check phase does: the first way (two lateral queries per chunk of
// 1,000 rows, a trigram index probe per row; baseline), one statement per
// chunk with the rows' keys as arrays, and the in-memory trigram index, in
// the same run. µs/row is per row of the file.
func BenchmarkImportDuplicates(b *testing.B) {
	existing := benchenv.Int(b, "SPONA_BENCH_ROWS", 20_000)
	m := benchenv.Int(b, "SPONA_IMPORT_ROWS", 2_000)
	ctx := context.Background()
	pool, org := loadRegister(b, existing)
	if os.Getenv("SPONA_EXPLAIN") != "" {
		impID := stage(b, pool, org, existing, m)
		for _, setup := range strings.Split(os.Getenv("SPONA_EXPLAIN"), "|") {
			explain(b, pool, setup, adapters.LateralExistingSQL, org, impID, 0, 1001)
			explain(b, pool, setup, adapters.LateralWithinSQL, impID, 0, 1001)
		}
	}
	a := app.New(adapters.NewPostgres(pool), nil, nil)
	for _, v := range []struct {
		name string
		run  func(b *testing.B, impID string)
	}{{"baseline_lateral", func(b *testing.B, impID string) {
		for after := 0; ; {
			rows, err := importsjob.Rows(ctx, pool, impID, after, 1000)
			if err != nil || len(rows) == 0 {
				if err != nil {
					b.Fatal(err)
				}
				return
			}
			if _, _, err := adapters.ImportDuplicatesLateral(ctx, pool, org, impID, after, rows[len(rows)-1].Row); err != nil {
				b.Fatal(err)
			}
			after = rows[len(rows)-1].Row
		}
	}}, {"sql_chunk", func(b *testing.B, impID string) {
		a.SetDuplicateIndexLimit(0)
		dryRun(b, a, pool, org, impID)
	}}, {"memory", func(b *testing.B, impID string) {
		a.SetDuplicateIndexLimit(1 << 30)
		dryRun(b, a, pool, org, impID)
	}}} {
		b.Run(fmt.Sprintf("%s/existing=%d/rows=%d", v.name, existing, m), func(b *testing.B) {
			for range b.N {
				// An ended import drops its keys: each run checks a new one.
				b.StopTimer()
				if _, err := pool.Exec(ctx, `DELETE FROM imports`); err != nil {
					b.Fatal(err)
				}
				impID := stage(b, pool, org, existing, m)
				b.StartTimer()
				v.run(b, impID)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*m), "µs/row")
		})
	}
}

// TestImportDuplicatesInMemory checks that scoring an import's rows in
// memory finds what scoring them in the database finds, row by row, on a
// register with repeated persons in other spellings and scripts.
func TestImportDuplicatesInMemory(t *testing.T) {
	pool, org := loadRegister(t, 2000)
	a := app.New(adapters.NewPostgres(pool), nil, nil)
	var got [2][]imports.RowDuplicates
	for i, limit := range []int{0, 1 << 30} {
		// The same file each time (an ended import drops its keys).
		if _, err := pool.Exec(context.Background(), `DELETE FROM imports`); err != nil {
			t.Fatal(err)
		}
		a.SetDuplicateIndexLimit(limit)
		got[i] = dryRun(t, a, pool, org, stage(t, pool, org, 2000, 1000)).Duplicates
	}
	if len(got[0]) < 200 {
		t.Fatalf("%d rows with duplicates in the database: the register should give more", len(got[0]))
	}
	if diff := cmp.Diff(got[0], got[1]); diff != "" {
		t.Errorf("in memory vs in the database (-sql +memory):\n%s", diff)
	}
}

// dryRun runs the check phase of a staged import.
func dryRun(t testing.TB, a *app.App, pool *pgxpool.Pool, org, impID string) *imports.Import {
	ctx := context.Background()
	store := importsjob.NewStore(pool)
	imp, err := store.Get(ctx, org, impID)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Process(ctx, imp, func(string, imports.Counts, int) {}); err != nil {
		t.Fatal(err)
	}
	if imp, err = store.Get(ctx, org, impID); err != nil {
		t.Fatal(err)
	}
	return imp
}

// loadRegister creates the schema and bulk-loads the first n rows of the
// register (seed 1) as one organisation's beneficiaries.
func loadRegister(b testing.TB, n int) (*pgxpool.Pool, string) {
	b.Helper()
	ctx := context.Background()
	pool := schema(b)
	org := ids.New()
	rows := make([][]any, 0, n)
	for i := range n {
		p := register.Row(1, i)
		d := domain.Beneficiary{GivenName: p.Given, FamilyName: p.Family}
		birth := time.Date(p.Year, time.Month(p.Month), p.Day, 0, 0, 0, 0, time.UTC)
		rows = append(rows, []any{ids.New(), org, p.Given, p.Family, p.Sex, birth, p.Year, d.NameKey(), p.Municipality, p.Nationality})
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"beneficiaries", "beneficiaries"},
		[]string{"id", "organisation_id", "given_name", "family_name", "sex", "birth_date", "birth_year", "name_key", "municipality", "nationality"},
		pgx.CopyFromRows(rows)); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `ANALYZE beneficiaries`); err != nil {
		b.Fatal(err)
	}
	return pool, org
}

// stage stores an import of register rows [from, from+n) as an upload
// does (its processing left out).
func stage(b testing.TB, pool *pgxpool.Pool, org string, from, n int) string {
	b.Helper()
	runner := importsjob.NewRunner(importsjob.NewStore(pool), importsjob.Config{Limits: sheet.DefaultLimits(100_000)}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	runner.Register(imports.KindBeneficiaries, app.New(adapters.NewPostgres(pool), nil, nil).ImportSpec(), noProcessing{})
	imp, err := runner.Upload(context.Background(), &imports.Upload{Kind: imports.KindBeneficiaries, OrganisationID: org,
		Options: imports.Options{ValidateOnly: true}, ContentType: "text/csv", Data: sheet.Pieces{register.CSV(1, from, n)}})
	if err != nil {
		b.Fatal(err)
	}
	if imp.Counts.Rows != n {
		b.Fatalf("staged %d rows, want %d", imp.Counts.Rows, n)
	}
	return imp.ID
}

type noProcessing struct{}

func (noProcessing) Process(context.Context, *imports.Import, func(string, imports.Counts, int)) error {
	return nil
}

func explain(b testing.TB, pool *pgxpool.Pool, setup, sql string, args ...any) {
	ctx := context.Background()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "RESET ALL; "+setup); err != nil {
		b.Fatal(err)
	}
	defer func() {
		if _, err := conn.Exec(ctx, "RESET ALL"); err != nil {
			b.Error(err)
		}
	}()
	rows, err := conn.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+sql, args...)
	if err != nil {
		b.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		b.Fatal(err)
	}
	b.Log(setup + "\n" + strings.Join(lines, "\n"))
}
