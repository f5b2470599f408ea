package adapters_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/benchenv"
	"github.com/spona/spona/pkg/testkit/cputime"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/translit"
	"github.com/spona/spona/services/beneficiaries/internal/adapters"
	"github.com/spona/spona/services/beneficiaries/internal/app"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
	"github.com/spona/spona/services/beneficiaries/migrations"
	"github.com/spona/spona/services/beneficiaries/service"
)

// wordSimilaritySQL is the search as it was before name_keys (a
// word_similarity probe of a trigram GIN index over the persons themselves,
// visibility checked per candidate), kept as BenchmarkSearch's baseline. It
// runs against baseline.beneficiaries, a copy of the fixture's persons with
// that index.
const wordSimilaritySQL = `SELECT ` + adapters.BeneficiaryCols + `, word_similarity($2, b.name_key) AS score
	FROM beneficiaries b
	WHERE $2 <% b.name_key AND ` + adapters.Visible + ` AND ` + adapters.Current + `
		AND ($4::real IS NULL OR (word_similarity($2, b.name_key), b.id) < ($4::real, $5::uuid))
	ORDER BY score DESC, b.id DESC LIMIT $3`

// searchFixture is the database BenchmarkSearch measures, built once per run
// (process) whatever -count says.
var searchFixture struct {
	once sync.Once
	url  string
	orgs []string
}

// searchQueries are what BenchmarkSearch looks for as organisation 0: a rare
// name (its 7 planted spellings and 2 more granted by organisation 1) and a
// common one (a page of 20 among about 2,000 of its own at 1,000,000 rows).
// least is how many results each must find whatever the size.
var searchQueries = []struct {
	name, query string
	least       int
}{{"rare", "Djordjevic", 9}, {"common", "Petrović", 1}}

// buildSearchFixture creates database bench_search_<n>[_parents] (dropped first if an
// earlier run left it on a DATABASE_URL server; a throwaway cluster goes
// with its run), loads n beneficiaries with COPY (fill), grants
// organisation 0 access to 200 persons of other organisations (two of them
// Đorđevićs), and copies the persons to baseline.beneficiaries with the
// trigram GIN index the search used before.
func buildSearchFixture(b *testing.B, n int, parents bool) {
	ctx := context.Background()
	u, err := url.Parse(pgtest.ServerURL(b))
	if err != nil {
		b.Fatal(err)
	}
	name := fmt.Sprintf("bench_search_%d", n)
	if parents {
		name += "_parents"
	}
	admin, err := pgx.Connect(ctx, u.String())
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
		b.Fatal(err)
	}
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+name); err != nil {
		b.Fatal(err)
	}
	u.Path = "/" + name
	pool, err := db.Open(ctx, u.String(), "beneficiaries", 4)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	if err := db.Migrate(ctx, pool, "beneficiaries", migrations.FS, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		b.Fatal(err)
	}
	orgs := fill(b, pool, n, parents)
	start := time.Now()
	planted := []string{"Djordjević", "Đorđević"}
	keys := []string{translit.Fold("Milan " + planted[0]), translit.Fold("Milan " + planted[1])}
	if _, err := pool.Exec(ctx, `INSERT INTO beneficiaries (id, organisation_id, given_name, family_name, name_key)
		SELECT gen_random_uuid(), $1, 'Milan', f, k FROM unnest($2::text[], $3::text[]) AS u(f, k)`, orgs[1], planted, keys); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `WITH p AS (
			(SELECT id, organisation_id FROM beneficiaries WHERE organisation_id <> $1 ORDER BY id LIMIT 198)
			UNION ALL (SELECT id, organisation_id FROM beneficiaries WHERE organisation_id = $2 AND given_name = 'Milan' AND family_name = ANY($3))),
		c AS (INSERT INTO consents (id, beneficiary_id, organisation_id, purpose, given_by, given_time)
			SELECT gen_random_uuid(), p.id, p.organisation_id, 'referral_sharing', 'self', now() FROM p
			RETURNING id, beneficiary_id, organisation_id)
		INSERT INTO access_grants (id, beneficiary_id, organisation_id, granted_by, source_id, consent_id)
		SELECT gen_random_uuid(), c.beneficiary_id, $1, c.organisation_id, 'bench', c.id FROM c`, orgs[0], orgs[1], planted); err != nil {
		b.Fatal(err)
	}
	for _, s := range []string{
		`CREATE SCHEMA baseline`,
		`CREATE TABLE baseline.beneficiaries AS TABLE beneficiaries`,
		`ALTER TABLE baseline.beneficiaries ADD PRIMARY KEY (id)`,
		`CREATE INDEX ON baseline.beneficiaries USING gin (name_key gin_trgm_ops)`,
		`VACUUM ANALYZE baseline.beneficiaries, beneficiaries, access_grants, consents, name_keys`,
	} {
		if _, err := pool.Exec(ctx, s); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("grants and baseline copy with its trigram index in %v", time.Since(start).Round(time.Millisecond))
	searchFixture.url, searchFixture.orgs = u.String(), orgs
}

// BenchmarkSearch measures name search over SPONA_BENCH_ROWS beneficiaries
// (default 100,000; the fixture is built once per run; names repeat as fill
// makes them, or less with SPONA_BENCH_NAMES=parents), as organisation 0 of
// 10, for a rare and a common name:
//
//   - sql_word_similarity_gin: the search before name_keys (baseline);
//   - sql_name_keys: the search's SQL now (adapters.SearchSQL);
//   - sql_name_keys_audited: the statement the use case sends (the same
//     search that also writes the audit records of the rows shown);
//   - app: the use case (that statement, the page token, reduced views);
//   - rpc: SearchBeneficiaries over gRPC (mTLS on loopback);
//
// and the create use case (varied names, other organisations) as it is and
// with the baseline's trigram index over the persons added back.
//
// Before measuring it checks that the search finds what the baseline finds,
// in the same order with the same scores, over three pages.
func BenchmarkSearch(b *testing.B) {
	n := benchRows(b)
	parents := os.Getenv("SPONA_BENCH_NAMES") == "parents"
	searchFixture.once.Do(func() { buildSearchFixture(b, n, parents) })
	if searchFixture.url == "" {
		b.Fatal("the fixture failed to build")
	}
	orgs := searchFixture.orgs
	ctx := context.Background()
	pool, err := db.Open(ctx, searchFixture.url, "beneficiaries", 8)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	a := app.New(adapters.NewPostgres(pool), nil, nil) // no assistance is tagged with a project or names a service here
	act := app.Actor{Principal: auth.Principal{OrganisationID: orgs[0], ClientID: "bench"}, Purpose: "benchmark"}
	conn := servicetest.Start(b, service.New(service.Config{Config: servicetest.Platform(b, searchFixture.url),
		ReportingAddr: servicetest.Defer(b).Addr, ReferralsAddr: "127.0.0.1:1"}))
	cl := pb.NewBeneficiaryServiceClient(conn)
	rpcCtx := servicetest.As(b, orgs[0])

	baseline, err := pool.Acquire(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer baseline.Release()
	if _, err := baseline.Exec(ctx, `SET search_path = baseline, beneficiaries, public`); err != nil {
		b.Fatal(err)
	}
	defer func() {
		if _, err := baseline.Exec(ctx, `RESET ALL`); err != nil {
			b.Error(err)
		}
	}()
	for _, q := range searchQueries {
		sameResults(b, baseline, pool, orgs[0], translit.Fold(q.query))
	}
	r := rand.New(rand.NewPCG(3, 4))
	for round := range benchenv.Rounds(b) {
		searchRound(b, a, act, cl, rpcCtx, baseline.Conn(), pool, orgs)
		createRound(b, pool, a, r, orgs, round%2 == 1)
	}
}

// searchRound measures each way to search for each of searchQueries.
func searchRound(b *testing.B, a *app.App, act app.Actor, cl pb.BeneficiaryServiceClient, rpcCtx context.Context,
	baseline querier, current *pgxpool.Pool, orgs []string) {
	ctx := context.Background()
	// Each reports its CPU per search beside its time: this process's
	// (client and, for the RPC, the server in process) and PostgreSQL's.
	metered := func(name string, search func(b *testing.B) int, least int) {
		b.Run(name, func(b *testing.B) {
			cpu := cputime.Start(b, current)
			for b.Loop() {
				if got := search(b); got < least {
					b.Fatalf("%d results", got)
				}
			}
			cpu.Report()
		})
	}
	for _, q := range searchQueries {
		key := translit.Fold(q.query)
		sql := func(c querier, sql string) func(*testing.B) int {
			return func(b *testing.B) int { return len(scored(b, c, sql, orgs[0], key, nil)) }
		}
		metered("sql_word_similarity_gin/q="+q.name, sql(baseline, wordSimilaritySQL), q.least)
		metered("sql_name_keys/q="+q.name, sql(current, adapters.SearchSQL), q.least)
		// The statement the use case sends (the search and its audit).
		fields := []string{"given_name", "family_name"}
		audited := func(sql string, withCall bool) func(b *testing.B) int {
			return func(b *testing.B) int {
				args := []any{orgs[0], key, 21, nil, nil, orgs[0], "bench", "search", fields, fields, "benchmark", 20}
				if withCall {
					args = append(args, ids.New()) // each search a call of its own
				}
				rows, err := current.Query(ctx, sql, args...)
				if err != nil {
					b.Fatal(err)
				}
				got := 0
				for rows.Next() {
					got++
				}
				if rows.Err() != nil {
					b.Fatal(rows.Err())
				}
				return got
			}
		}
		metered("sql_name_keys_audited/q="+q.name, audited(adapters.SearchAuditedSQL, true), q.least)
		// The same before purposes were stored once per call.
		metered("sql_name_keys_audited_before/q="+q.name, audited(adapters.SearchAuditedBeforeSQL, false), q.least)
		metered("app/q="+q.name, func(b *testing.B) int {
			res, _, err := a.SearchBeneficiaries(ctx, act, q.query, 20, "")
			if err != nil {
				b.Fatal(err)
			}
			return len(res)
		}, q.least)
		metered("rpc/q="+q.name, func(b *testing.B) int {
			res, err := cl.SearchBeneficiaries(rpcCtx, &pb.SearchBeneficiariesRequest{Query: q.query})
			if err != nil {
				b.Fatal(err)
			}
			return len(res.GetResults())
		}, q.least)
	}
}

// createRound measures the create use case with varied names in other
// organisations than 0, as it is and with the old trigram index added back
// to the persons (built before and dropped after, outside the timing), in
// that order or, with oldFirst, the other way round.
func createRound(b *testing.B, pool *pgxpool.Pool, a *app.App, r *rand.Rand, orgs []string, oldFirst bool) {
	ctx := context.Background()
	n := benchRows(b)
	create := func(b *testing.B) {
		for b.Loop() {
			given, family := randomName(r)
			who := app.Actor{Principal: auth.Principal{OrganisationID: orgs[1+r.IntN(len(orgs)-1)], ClientID: "bench"}, Purpose: "benchmark"}
			if _, err := a.CreateBeneficiary(ctx, who, &domain.Beneficiary{GivenName: given, FamilyName: family,
				BirthYear: 1980, Sex: "male", LegalStatus: "asylum_seeker", Municipality: "Niš"}, ""); err != nil {
				b.Fatal(err)
			}
		}
	}
	withOld := func(b *testing.B) {
		b.StopTimer()
		if _, err := pool.Exec(ctx, `CREATE INDEX bench_old_trgm_idx ON beneficiaries USING gin (name_key gin_trgm_ops)`); err != nil {
			b.Fatal(err)
		}
		defer func() {
			if _, err := pool.Exec(ctx, `DROP INDEX bench_old_trgm_idx`); err != nil {
				b.Error(err)
			}
		}()
		b.StartTimer()
		create(b)
	}
	if oldFirst {
		b.Run(fmt.Sprintf("create_old_gin/rows=%d", n), withOld)
	}
	b.Run(fmt.Sprintf("create/rows=%d", n), create)
	if !oldFirst {
		b.Run(fmt.Sprintf("create_old_gin/rows=%d", n), withOld)
	}
}

// querier runs a statement: the baseline's connection (its search path set
// to the copy) or the pool (the raw statements run on the pool's
// connections as the use case's do).
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// scored runs a search statement (arguments as adapters.SearchSQL takes
// them: viewer, key, limit 20, the previous page's last row) and returns
// its (id, score) rows.
func scored(b *testing.B, c querier, sql, viewer, key string, after *domain.ScoreKey) []domain.ScoreKey {
	var score *float32
	var id *string
	if after != nil {
		s := float32(after.Score)
		score, id = &s, &after.ID
	}
	rows, err := c.Query(context.Background(), sql, viewer, key, 20, score, id)
	if err != nil {
		b.Fatal(err)
	}
	var out []domain.ScoreKey
	for rows.Next() {
		var k domain.ScoreKey
		dest := make([]any, len(rows.FieldDescriptions()))
		dest[0], dest[len(dest)-1] = &k.ID, &k.Score
		if err := rows.Scan(dest...); err != nil {
			b.Fatal(err)
		}
		out = append(out, k)
	}
	if rows.Err() != nil {
		b.Fatal(rows.Err())
	}
	return out
}

// sameResults checks that the search and the baseline give the same
// results (ids, scores, order) over three pages.
func sameResults(b *testing.B, baseline *pgxpool.Conn, current querier, viewer, key string) {
	var after *domain.ScoreKey
	for page := range 3 {
		want := scored(b, baseline.Conn(), wordSimilaritySQL, viewer, key, after)
		got := scored(b, current, adapters.SearchSQL, viewer, key, after)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			b.Fatalf("%q page %d: search gives %v, the baseline %v", key, page, got, want)
		}
		if len(got) < 20 {
			return
		}
		after = &got[len(got)-1]
	}
}
