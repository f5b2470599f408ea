package adapters_test

import (
	"context"
	"errors"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/services/beneficiaries/internal/adapters"
	"github.com/spona/spona/services/beneficiaries/internal/app"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
)

// BenchmarkErase compares the erasure's statements sent as one statement
// (what Erase does: one round trip) with the same statements sent one at a
// time (a round trip each), each in its transaction, over a table of 20,000
// beneficiaries and 50,000 staged import rows. The person erased has a
// document, a consent, an assistance, a grant, audit events and import
// rows (one created them, one was scored its in-file duplicate), in an
// audit log of 200,000 records of 10,000 calls with a purpose (20 of them
// read the person); erasing again repeats the same work (the statements
// are idempotent). erase_before is the one statement with the audit
// erasure from before purposes were stored once per call (it blanked the
// person's own records only). naming is Erase (her names, numbers, phone
// and e-mail read and folded, then the one statement with the purposes of
// her organisation's calls that name her: every purpose of those calls
// read and compared), naming_statement its statement alone, not_naming
// the one statement without them, each rolled back.
func BenchmarkErase(b *testing.B) {
	calls := 10_000
	if v := os.Getenv("ERASE_BENCH_CALLS"); v != "" {
		var err error
		if calls, err = strconv.Atoi(v); err != nil || calls < 10 {
			b.Fatalf("ERASE_BENCH_CALLS=%q: a number of calls, at least 10", v)
		}
	}
	pool, orgs := load(b, 20_000)
	ctx := context.Background()
	a := app.New(adapters.NewPostgres(pool), nil, nil) // its assistance names no project nor service
	act := app.Actor{Principal: auth.Principal{OrganisationID: orgs[0], ClientID: "bench"}, Purpose: "benchmark"}
	p, err := a.CreateBeneficiary(ctx, act, &domain.Beneficiary{GivenName: "Đurđija", FamilyName: "Kovačević", BirthYear: 1991,
		Sex: "female", Documents: []*domain.Document{{Type: "passport", Number: "PX7Q4K9M2", IssuingCountry: "RS"}}}, "")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := a.CreateConsent(ctx, act, p.ID, &domain.Consent{Purpose: "referral_sharing", GivenBy: "self", Scope: "health"}, ""); err != nil {
		b.Fatal(err)
	}
	if _, err := a.CreateAssistance(ctx, act, p.ID, &domain.Assistance{Type: "information", Date: date.Of(time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)), Notes: "talked"}, ""); err != nil {
		b.Fatal(err)
	}
	if _, err := a.GrantAccess(ctx, act, &domain.Grant{BeneficiaryID: p.ID, GranteeOrganisationID: ids.New(), SourceID: "referral-1", Reason: "health referral"}); err != nil {
		b.Fatal(err)
	}
	// An import of 50,000 rows whose first created the person (row 5 was
	// scored as its in-file duplicate): the others are other people, a
	// tenth of them scored as duplicates of existing records, a tenth as
	// duplicates of an earlier row.
	imp := ids.New()
	for _, s := range []string{
		`INSERT INTO imports (id, kind, organisation_id, validate_only, on_error, on_duplicate, format, file_sha256, state)
			VALUES ('` + imp + `', 'beneficiaries', '` + orgs[0] + `', false, 'skip', 'create', 'csv', '', 'succeeded')`,
		`INSERT INTO import_rows (import_id, row_no, valid, problems, matches, same_as, outcome, resource_id)
			SELECT '` + imp + `', i, true, NULL,
				CASE WHEN i % 10 = 0 THEN jsonb_build_array(jsonb_build_object('id', gen_random_uuid()::text, 'score', 0.9)) END,
				CASE WHEN i % 10 = 5 THEN ARRAY[i - 4] END,
				'created', CASE WHEN i = 1 THEN '` + p.ID + `'::uuid ELSE gen_random_uuid() END
			FROM generate_series(1, 50000) i`,
		`ANALYZE import_rows`,
		// An audit log of 200,000 records: 10,000 calls with a purpose
		// (ERASE_BENCH_CALLS), each reading 20 persons, and 20 of them the
		// person too; each purpose names the first person its call read
		// ("follow-up with Marko Jovanović, case 17"), and ten name the
		// person, which her organisation's calls all are.
		`WITH n AS (SELECT count(*) AS total FROM beneficiaries),
			persons AS (SELECT row_number() OVER (ORDER BY id) AS k, id, organisation_id, given_name, family_name FROM beneficiaries),
			c AS (SELECT i, gen_random_uuid() AS id FROM generate_series(1, ` + strconv.Itoa(calls) + `) i),
			t AS (SELECT c.id, CASE WHEN c.i % (` + strconv.Itoa(calls) + ` / 10) = 7 THEN 'is Đurđija Kovačević registered? case ' || c.i
					ELSE 'follow-up with ' || persons.given_name || ' ' || persons.family_name || ', case ' || c.i END AS purpose
				FROM c CROSS JOIN n JOIN persons ON persons.k = (c.i * 20) % n.total + 1),
			p AS (INSERT INTO audit_purposes (id, purpose, folded, organisation_id)
				SELECT id, purpose, translit_fold(purpose), '` + orgs[0] + `' FROM t),
			others AS (INSERT INTO audit_events (actor_organisation_id, actor_client_id, owner_organisation_id, beneficiary_id, action, fields, purpose_id)
				SELECT '` + orgs[0] + `', 'bench', persons.organisation_id, persons.id, 'list', '{given_name}', c.id
				FROM c CROSS JOIN generate_series(0, 19) j CROSS JOIN n JOIN persons ON persons.k = (c.i * 20 + j) % n.total + 1)
		INSERT INTO audit_events (actor_organisation_id, actor_client_id, owner_organisation_id, beneficiary_id, action, fields, purpose_id)
		SELECT '` + orgs[0] + `', 'bench', '` + orgs[0] + `', '` + p.ID + `', 'list', '{given_name}', c.id FROM c WHERE c.i % 500 = 0`,
		`ANALYZE audit_events, audit_purposes`,
		// The erasure of the audit log before purposes were stored once
		// per call (migration 00013's function), for erase_before.
		`CREATE FUNCTION audit_events_forget_purposes(ids uuid[]) RETURNS bigint LANGUAGE sql AS $$
			WITH blanked AS (UPDATE audit_events SET purpose = '' WHERE beneficiary_id = ANY (ids) AND purpose <> '' RETURNING 1)
			SELECT count(*) FROM blanked $$`,
	} {
		if _, err := pool.Exec(ctx, s); err != nil {
			b.Fatal(err)
		}
	}
	before := regexp.MustCompile(`audit_events_forget_purposes\(.*?, \$1::uuid\[\], ARRAY\(SELECT id FROM e\d+\)\)`).
		ReplaceAllLiteralString(adapters.EraseSQLNotNaming, "audit_events_forget_purposes($1::uuid[])")
	if before == adapters.EraseSQLNotNaming {
		b.Fatal("no audit erasure in EraseSQL")
	}
	words, unspaced, err := adapters.ErasePatterns(ctx, pool, []string{p.ID})
	if err != nil || len(words) == 0 || len(unspaced) == 0 {
		b.Fatalf("patterns %q %q: %v", words, unspaced, err)
	}
	args := []any{[]string{p.ID}, time.Now(), words, unspaced}
	statement := func(sql string, args ...any) func(b *testing.B) {
		return func(b *testing.B) {
			for b.Loop() {
				if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
					_, err := tx.Exec(ctx, sql, args...)
					return err
				}); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	oneStatement, eraseBefore := statement(adapters.EraseSQL, args...), statement(before, args[:2]...)
	// The erasure with and without the purposes naming the person, rolled
	// back: each time the person is there to be looked for in every
	// purpose of her organisation's calls. naming is the repository's
	// Erase (her names, numbers, phone and e-mail read and folded, then
	// the statement), not_naming the statement without them.
	errRollBack := errors.New("rolled back")
	naming := func(b *testing.B) {
		repo, person := adapters.NewPostgres(pool), &domain.Beneficiary{ID: p.ID, EraseTime: time.Now()}
		for b.Loop() {
			if err := repo.InTx(ctx, func(r app.Repository) error {
				if _, _, err := r.Erase(ctx, person, nil); err != nil {
					return err
				}
				return errRollBack
			}); !errors.Is(err, errRollBack) {
				b.Fatal(err)
			}
		}
	}
	rolledBack := func(sql string, args ...any) func(b *testing.B) {
		return func(b *testing.B) {
			for b.Loop() {
				tx, err := pool.Begin(ctx)
				if err != nil {
					b.Fatal(err)
				}
				_, err = tx.Exec(ctx, sql, args...)
				_ = tx.Rollback(ctx)
				if err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	// naming_statement is naming's statement alone (her values folded
	// once, before).
	notNaming, namingStatement := rolledBack(adapters.EraseSQLNotNaming, args[:2]...), rolledBack(adapters.EraseSQL, args...)
	statementEach := func(b *testing.B) {
		for b.Loop() {
			if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
				for _, s := range adapters.EraseParts {
					n := 1
					if strings.Contains(s, "$2") {
						n = 2
					}
					if _, err := tx.Exec(ctx, s, args[:n]...); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
		}
	}
	// The erasure's first read of the person and the wipe, through the
	// repository as the use case runs them, in one transaction: the read
	// as the erasure did it before it locked the row (get), the row
	// locked FOR UPDATE as it did before it locked the survivor first
	// (lock), and the survivor's row locked through the asked record's
	// link as it does now (survivor); the same round trips. Each
	// iteration runs the three, in turn first, and reports their times
	// and ratios (rounds are what outside load on the machine hits alike).
	repo, person := adapters.NewPostgres(pool), &domain.Beneficiary{ID: p.ID, EraseTime: time.Now()}
	reads := []func(r app.Repository) error{
		func(r app.Repository) error { _, err := r.GetBeneficiary(ctx, orgs[0], p.ID); return err },
		func(r app.Repository) error {
			_, err := r.LockBeneficiary(ctx, orgs[0], p.ID, app.LockPerson)
			return err
		},
		func(r app.Repository) error { _, err := r.LockSurvivor(ctx, orgs[0], p.ID); return err },
	}
	thenErase := func(read func(app.Repository) error) error {
		return repo.InTx(ctx, func(r app.Repository) error {
			err := read(r)
			if err == nil {
				_, _, err = r.Erase(ctx, person, nil)
			}
			return err
		})
	}
	getVsLock := func(b *testing.B) {
		var took [3]time.Duration
		n := 0
		for b.Loop() {
			for k := range len(reads) {
				i := (n + k) % len(reads)
				start := time.Now()
				if err := thenErase(reads[i]); err != nil {
					b.Fatal(err)
				}
				took[i] += time.Since(start)
			}
			n++
		}
		b.ReportMetric(float64(took[0].Microseconds())/float64(n), "get-µs/op")
		b.ReportMetric(float64(took[1].Microseconds())/float64(n), "lock-µs/op")
		b.ReportMetric(float64(took[2].Microseconds())/float64(n), "survivor-µs/op")
		b.ReportMetric(float64(took[1])/float64(took[0]), "lock/get")
		b.ReportMetric(float64(took[2])/float64(took[1]), "survivor/lock")
	}
	// Rounds alternating which goes first, so a burst of outside
	// load on the machine hits both alike.
	for round := range 6 {
		if round%2 == 0 {
			b.Run("naming", naming)
			b.Run("naming_statement", namingStatement)
			b.Run("not_naming", notNaming)
			b.Run("one_statement", oneStatement)
			b.Run("erase_before", eraseBefore)
			b.Run("statement_each", statementEach)
			b.Run("get_vs_lock_then_erase", getVsLock)
		} else {
			b.Run("get_vs_lock_then_erase", getVsLock)
			b.Run("statement_each", statementEach)
			b.Run("erase_before", eraseBefore)
			b.Run("one_statement", oneStatement)
			b.Run("not_naming", notNaming)
			b.Run("naming_statement", namingStatement)
			b.Run("naming", naming)
		}
	}
}
