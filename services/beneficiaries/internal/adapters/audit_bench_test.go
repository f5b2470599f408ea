package adapters_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	auditlog "github.com/spona/spona/pkg/audit"
	"github.com/spona/spona/pkg/audit/auditpg"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/pkg/testkit/benchenv"
	"github.com/spona/spona/services/beneficiaries/internal/adapters"
	"github.com/spona/spona/services/beneficiaries/internal/app"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
)

// withoutLocks is the statement sql, with audit records written by
// auditpg.Insert's WITH queries named name, as it was before a call with
// a purpose locked the persons it records and stored its purpose blank
// for an erased one (r20): BenchmarkAuditedReads' baseline.
func withoutLocks(sql, name string) string {
	i, j := strings.Index(sql, name+"_erased AS ("), strings.Index(sql, name+"_purpose AS (")
	returning, blanked := "RETURNING actor_organisation_id, beneficiary_id", " AND NOT EXISTS (SELECT 1 FROM "+name+"_blanked)"
	if i < 0 || j < i || !strings.Contains(sql, returning) || !strings.Contains(sql, blanked) {
		panic("withoutLocks: no locking audit insert " + name + " in " + sql)
	}
	sql = sql[:i] + sql[j:]
	sql = strings.Replace(sql, returning, "RETURNING actor_organisation_id", 1)
	return strings.Replace(sql, blanked, "", 1)
}

// The baseline's statements: ReadAudited's, and auditpg.Append's (its
// records of one call, with their owners $3 and persons $4).
var (
	readAuditedBefore = withoutLocks(adapters.ReadAuditedSQL, "a")
	appendBefore      = withoutLocks(`WITH `+auditpg.Insert("a", `SELECT $1::uuid, $2::text, o, b, $5::text, $6::text[], $8::text
	FROM unnest($3::uuid[], $4::uuid[]) AS t(o, b)`, "$7::text[]", "$9")+` SELECT`, "a")
)

// roundTrips counts what a pool sends: one per statement sent on its
// own, one per batch or pipeline flush.
type roundTrips struct {
	mu sync.Mutex
	n  int
}

func (r *roundTrips) add() {
	r.mu.Lock()
	r.n++
	r.mu.Unlock()
}

func (r *roundTrips) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

func (r *roundTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	r.add()
	return ctx
}
func (r *roundTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (r *roundTrips) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	r.add()
	return ctx
}
func (r *roundTrips) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (r *roundTrips) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// BenchmarkAuditedReads compares the audited reads that declare a purpose
// (X-Spona-Purpose) with the baseline from before they locked the persons
// they record (FOR KEY SHARE, for an erasure to wait for them or they for
// it: r20), over 20,000 beneficiaries: the read of one person
// (ReadAudited's one statement: get, a person at random each time;
// get_one, the same person every time, whose row each read locks anew)
// and a list of 50 (the list query, then its 50 audit records queued
// with the commit, in one pipelined transaction as ListBeneficiaries
// runs them), each way once per iteration, in turn first
// (benchenv.Interleaved). It reports the median times, the round trips
// of each way (rt) and the ratios after/before, and logs the WAL each
// way writes per call (a lock writes a record, and a page's first change
// after a checkpoint its image).
func BenchmarkAuditedReads(b *testing.B) {
	loaded, orgs := load(b, 20_000)
	ctx := context.Background()
	pool, rt, persons := counted(b, loaded, orgs[1])
	act := auditlog.Actor{}
	act.OrganisationID, act.ClientID = orgs[1], "bench"
	owner, granted := domain.ViewFields(domain.AccessOwner), domain.ViewFields(domain.AccessGranted)
	// Each way counts its own calls, so the ways of an iteration read
	// the same persons.
	calls := map[string]int{}
	// get reads a person with sql, as a call declaring a purpose that
	// names her.
	get := func(name, sql string, one bool) func() error {
		return func() error {
			calls[name]++
			n := calls[name]
			id := persons[0]
			if !one {
				id = persons[n%len(persons)]
			}
			call := act.WithPurpose(fmt.Sprintf("file of person %d, follow-up", n))
			rows, err := pool.Query(ctx, sql, orgs[1], id, act.OrganisationID, act.ClientID, domain.ActionRead,
				db.Strings(owner), db.Strings(granted), auditpg.PurposeArg(call.Purpose), auditpg.CallArg(call.PurposeCall()))
			if err != nil {
				return err
			}
			read := 0
			for rows.Next() {
				read++
			}
			if rows.Close(); rows.Err() == nil && read != 1 {
				return fmt.Errorf("read %d rows, want 1", read)
			}
			return rows.Err()
		}
	}
	repo := adapters.NewPostgres(pool)
	// list lists 50 persons and records them, with Append or the
	// baseline's statement.
	list := func(name string, before bool) func() error {
		return func() error {
			calls[name]++
			n := calls[name]
			call := act.WithPurpose(fmt.Sprintf("files of March, case %d", n))
			return db.InTx(ctx, pool, func(tx pgx.Tx) error {
				return repo.InTx(db.WithTx(ctx, tx), func(r app.Repository) error {
					all, err := r.ListBeneficiaries(ctx, orgs[1], domain.ListFilter{},
						pagination.Page{Size: 50, After: persons[n%len(persons)]})
					if err != nil || len(all) == 0 {
						return fmt.Errorf("listed %d: %v", len(all), err)
					}
					subjects := make([]auditlog.Subject, len(all))
					for i, p := range all {
						subjects[i] = auditlog.Subject{BeneficiaryID: p.ID, OwnerOrganisationID: p.OrganisationID}
					}
					recs := call.Records(domain.ActionList, []string{"given_name", "family_name"}, "", subjects...)
					if !before {
						return auditpg.Append(ctx, tx, recs)
					}
					owners, bens := make([]string, len(recs)), make([]string, len(recs))
					for i, rec := range recs {
						owners[i], bens[i] = rec.OwnerOrganisationID, rec.BeneficiaryID
					}
					h := recs[0]
					return db.Defer(ctx, tx, appendBefore, h.ActorOrganisationID, h.ActorClientID, owners, bens, h.Action,
						db.Strings(h.Fields), auditpg.PurposeArg(h.Purpose), h.Resource, auditpg.CallArg(h.Call))
				})
			})
		}
	}
	trips := map[string]int{}
	counted := func(name string, run func() error) benchenv.Way {
		return benchenv.Way{Name: name, Run: func() error {
			before := rt.count()
			err := run()
			trips[name] += rt.count() - before
			return err
		}}
	}
	ways := []benchenv.Way{
		counted("get_before", get("get_before", readAuditedBefore, false)), counted("get", get("get", adapters.ReadAuditedSQL, false)),
		counted("get_one_before", get("get_one_before", readAuditedBefore, true)),
		counted("get_one", get("get_one", adapters.ReadAuditedSQL, true)),
		counted("list_before", list("list_before", true)), counted("list", list("list", false)),
	}
	logWAL(b, loaded, ways)
	for range benchenv.Rounds(b) {
		b.Run("audited_reads", func(b *testing.B) {
			clear(trips)
			med, rounds := benchenv.Interleaved(b, ways)
			for _, w := range ways {
				b.ReportMetric(float64(trips[w.Name])/float64(rounds), w.Name+"-rt")
			}
			for _, w := range []string{"get", "get_one", "list"} {
				b.ReportMetric(float64(med[w])/float64(med[w+"_before"]), w+"/before")
			}
		})
	}
}

// logWAL logs the WAL each way writes per call, over 200 calls of it one
// after the other (once, before the timed rounds), read on pool.
func logWAL(b *testing.B, pool *pgxpool.Pool, ways []benchenv.Way) {
	b.Helper()
	ctx := context.Background()
	for _, w := range ways {
		var start, end int64
		if err := pool.QueryRow(ctx, `SELECT pg_current_wal_lsn() - '0/0'`).Scan(&start); err != nil {
			b.Fatal(err)
		}
		for range 200 {
			if err := w.Run(); err != nil {
				b.Fatal(err)
			}
		}
		if err := pool.QueryRow(ctx, `SELECT pg_current_wal_lsn() - '0/0'`).Scan(&end); err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: %.0f bytes of WAL a call", w.Name, float64(end-start)/200)
	}
}

// counted returns a pool on loaded's database whose round trips rt
// counts, and 1,000 persons of organisation org.
func counted(b *testing.B, loaded *pgxpool.Pool, org string) (*pgxpool.Pool, *roundTrips, []string) {
	b.Helper()
	ctx := context.Background()
	cfg := loaded.Config()
	rt := &roundTrips{}
	cfg.ConnConfig.Tracer = rt
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	rows, err := pool.Query(ctx, `SELECT id::text FROM beneficiaries WHERE organisation_id = $1 ORDER BY id DESC LIMIT 1000`, org)
	if err != nil {
		b.Fatal(err)
	}
	persons, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(persons) < 1000 {
		b.Fatalf("%d persons: %v", len(persons), err)
	}
	return pool, rt, persons
}
