package adapters_test

import (
	"context"
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
// rows (one created them, one was scored its in-file duplicate); erasing
// again repeats the same work (the statements are idempotent).
func BenchmarkErase(b *testing.B) {
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
	} {
		if _, err := pool.Exec(ctx, s); err != nil {
			b.Fatal(err)
		}
	}
	args := []any{[]string{p.ID}, time.Now()}
	oneStatement := func(b *testing.B) {
		for b.Loop() {
			if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
				_, err := tx.Exec(ctx, adapters.EraseSQL, args...)
				return err
			}); err != nil {
				b.Fatal(err)
			}
		}
	}
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
	// Rounds alternating which goes first, so a burst of outside
	// load on the machine hits both alike.
	for round := range 6 {
		if round%2 == 0 {
			b.Run("one_statement", oneStatement)
			b.Run("statement_each", statementEach)
		} else {
			b.Run("statement_each", statementEach)
			b.Run("one_statement", oneStatement)
		}
	}
}
