package adapters_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/translit"
	"github.com/spona/spona/services/beneficiaries/internal/adapters"
	"github.com/spona/spona/services/beneficiaries/internal/app"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
	"github.com/spona/spona/services/beneficiaries/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// benchRows is the number of beneficiaries loaded: SPONA_BENCH_ROWS, default
// 100000 (set 1000000 for the large run).
func benchRows(b *testing.B) int {
	if s := os.Getenv("SPONA_BENCH_ROWS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1000 {
			b.Fatalf("SPONA_BENCH_ROWS=%q: want a number ≥ 1000", s)
		}
		return n
	}
	return 100_000
}

var (
	givenNames = []string{"Marko", "Ana", "Amina", "Ahmad", "Fatima", "Omar", "Jelena", "Milan", "Sara", "Hamid",
		"Ивана", "Никола", "Zahra", "Ali", "Mirela", "Dragan", "Emina", "Haris", "Lejla", "Reza", "Мирјана", "Stefan"}
	stems = []string{"Petr", "Jovan", "Nikol", "Marko", "Stojan", "Ilij", "Pavl", "Mil", "Đurđ", "Radov", "Kost",
		"Bog", "Vuk", "Lazar", "Simeun", "Tod", "Živk", "Ćir", "Mitr", "Stanoj", "Haddad", "Rahim", "Karim", "Hussein",
		"Ахмет", "Петр", "Јован", "Симић", "Zlat", "Bran", "Đok", "Nen", "Obrad", "Ras", "Sret", "Tih", "Uroš", "Vel"}
	suffixes = []string{"ović", "ević", "ić", "in", "ski", "ov", "i", "zadeh", "ovski", "ač", "ovac"}
)

// schema returns a pool on a new database with the service's schema.
func schema(t testing.TB) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	pool, err := db.Open(ctx, pgtest.NewDatabase(t), "beneficiaries", 8)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := db.Migrate(ctx, pool, "beneficiaries", migrations.FS, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	return pool
}

// load creates the schema and bulk-loads n beneficiaries with COPY across 10
// organisations, 7 of them spellings of Đorđević in organisation 0.
func load(b *testing.B, n int) (*pgxpool.Pool, []string) {
	b.Helper()
	ctx := context.Background()
	pool := schema(b)
	orgs := make([]string, 10)
	for i := range orgs {
		orgs[i] = ids.New()
	}
	start := time.Now()
	if _, err := pool.Exec(ctx, `DROP INDEX beneficiaries_name_key_trgm_idx`); err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	planted := []string{"Ђорђевић", "Đorđević", "Djordjevic", "Dordevic", "ĐORĐEVIĆ", "Djordjević", "Đorđevic"}
	rows := make([][]any, 0, n)
	for i := 0; i < n; i++ {
		given := givenNames[r.IntN(len(givenNames))]
		family := stems[r.IntN(len(stems))] + suffixes[r.IntN(len(suffixes))]
		org := orgs[r.IntN(len(orgs))]
		if i < len(planted) {
			family, org = planted[i], orgs[0]
		}
		rows = append(rows, []any{ids.New(), org, given, family, []string{"female", "male"}[r.IntN(2)],
			1940 + r.IntN(80), translit.Fold(given + " " + family + " "), "Beograd"})
	}
	_, err := pool.CopyFrom(ctx, pgx.Identifier{"beneficiaries", "beneficiaries"},
		[]string{"id", "organisation_id", "given_name", "family_name", "sex", "birth_year", "name_key", "municipality"},
		pgx.CopyFromRows(rows))
	if err != nil {
		b.Fatal(err)
	}
	copied := time.Since(start)
	if _, err := pool.Exec(ctx, `CREATE INDEX beneficiaries_name_key_trgm_idx ON beneficiaries USING gin (name_key gin_trgm_ops)`); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `ANALYZE beneficiaries`); err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d rows with COPY in %v, trigram index built in %v", n, copied.Round(time.Millisecond), (time.Since(start) - copied).Round(time.Millisecond))
	return pool, orgs
}

// BenchmarkBeneficiaries measures create and name search over a bulk-loaded
// table, and compares the trigram-indexed search with the same query
// without the index and with a plain ILIKE scan.
func BenchmarkBeneficiaries(b *testing.B) {
	n := benchRows(b)
	pool, orgs := load(b, n)
	ctx := context.Background()
	a := app.New(adapters.NewPostgres(pool), nil, nil) // no assistance is tagged with a project or names a service here
	act := app.Actor{Principal: auth.Principal{OrganisationID: orgs[0], ClientID: "bench"}, Purpose: "benchmark"}

	b.Run(fmt.Sprintf("create/rows=%d", n), func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			_, err := a.CreateBeneficiary(ctx, act, &domain.Beneficiary{GivenName: "Nikola", FamilyName: "Đorđević",
				BirthYear: 1980, Sex: "male", LegalStatus: "asylum_seeker", Municipality: "Niš"}, "")
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run(fmt.Sprintf("search_app/rows=%d", n), func(b *testing.B) {
		for b.Loop() {
			res, _, err := a.SearchBeneficiaries(ctx, act, "Djordjevic", 20, "")
			if err != nil {
				b.Fatal(err)
			}
			if len(res) < 7 {
				b.Fatalf("found %d of the 7 planted spellings", len(res))
			}
		}
	})
	// The same SQL with the index, with index scans disabled, and plain ILIKE.
	query := func(b *testing.B, setup, sql string, arg string, min int) {
		conn, err := pool.Acquire(ctx)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Release()
		if setup != "" {
			if _, err := conn.Exec(ctx, setup); err != nil {
				b.Fatal(err)
			}
			defer func() {
				if _, err := conn.Exec(ctx, `RESET ALL`); err != nil {
					b.Error(err)
				}
			}()
		}
		for b.Loop() {
			rows, err := conn.Query(ctx, sql, arg)
			if err != nil {
				b.Fatal(err)
			}
			got := 0
			for rows.Next() {
				got++
			}
			if rows.Err() != nil || got < min {
				b.Fatalf("%d rows, %v", got, rows.Err())
			}
		}
	}
	key := translit.Fold("Djordjevic")
	b.Run(fmt.Sprintf("sql_trigram_index/rows=%d", n), func(b *testing.B) {
		query(b, "", adapters.SearchSQL, key, 7)
	})
	b.Run(fmt.Sprintf("sql_trigram_noindex/rows=%d", n), func(b *testing.B) {
		query(b, "SET enable_bitmapscan = off; SET enable_indexscan = off", adapters.SearchSQL, key, 7)
	})
	// ILIKE finds only the spelling it is given (here 1 of the 7).
	b.Run(fmt.Sprintf("sql_ilike/rows=%d", n), func(b *testing.B) {
		query(b, "", `SELECT id FROM beneficiaries WHERE given_name ILIKE '%' || $1 || '%' OR family_name ILIKE '%' || $1 || '%'
			ORDER BY id DESC LIMIT 20`, "Djordjevic", 1)
	})
}
