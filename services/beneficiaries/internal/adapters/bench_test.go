package adapters_test

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/benchenv"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/translit"
	"github.com/spona/spona/services/beneficiaries/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// benchRows is the number of beneficiaries loaded: SPONA_BENCH_ROWS, default
// 100000 (set 1000000 for the large run), at least 1000.
func benchRows(b *testing.B) int {
	n := benchenv.Int(b, "SPONA_BENCH_ROWS", 100_000)
	if n < 1000 {
		b.Fatalf("SPONA_BENCH_ROWS=%d: want at least 1000", n)
	}
	return n
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

// load creates the schema and bulk-loads n beneficiaries (see fill).
func load(b *testing.B, n int) (*pgxpool.Pool, []string) {
	b.Helper()
	pool := schema(b)
	return pool, fill(b, pool, n, false)
}

// fill bulk-loads n beneficiaries with COPY across 10 organisations, 7 of
// them spellings of Đorđević in organisation 0, and returns the
// organisations. Names are a given and a family name from short lists, so
// they repeat (about 8,700 distinct name keys however many rows); with
// parents, a parent's given name too, as registers often note it (about
// 200,000 distinct keys in a million rows).
func fill(b testing.TB, pool *pgxpool.Pool, n int, parents bool) []string {
	b.Helper()
	ctx := context.Background()
	orgs := make([]string, 10)
	for i := range orgs {
		orgs[i] = ids.New()
	}
	start := time.Now()
	r := rand.New(rand.NewPCG(1, 2))
	planted := []string{"Ђорђевић", "Đorđević", "Djordjevic", "Dordevic", "ĐORĐEVIĆ", "Djordjević", "Đorđevic"}
	rows := make([][]any, 0, n)
	for i := 0; i < n; i++ {
		given, family := randomName(r)
		if parents {
			given += " " + givenNames[r.IntN(len(givenNames))]
		}
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
	if _, err := pool.Exec(ctx, `VACUUM ANALYZE beneficiaries, name_keys`); err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d rows with COPY (%d distinct name keys) in %v", n, count(b, pool, `SELECT count(*) FROM name_keys`),
		time.Since(start).Round(time.Millisecond))
	return orgs
}

// randomName is a given and a family name as fill makes them.
func randomName(r *rand.Rand) (string, string) {
	return givenNames[r.IntN(len(givenNames))], stems[r.IntN(len(stems))] + suffixes[r.IntN(len(suffixes))]
}

func count(b testing.TB, pool *pgxpool.Pool, sql string, args ...any) int {
	b.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}
