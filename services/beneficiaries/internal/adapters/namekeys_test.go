package adapters_test

import (
	"context"
	"maps"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/services/beneficiaries/internal/adapters"
	"github.com/spona/spona/services/beneficiaries/internal/app"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
)

// TestNameKeysFollowPersons: name_keys holds every name key some
// beneficiary carries, with how many carry it, through creates (one row
// or a COPY of many), renames, merges and erasures; a key nobody carries
// any more is gone (an erased name leaves nothing behind).
func TestNameKeysFollowPersons(t *testing.T) {
	ctx := context.Background()
	pool := schema(t)
	a := app.New(adapters.NewPostgres(pool), nil, nil)
	actor := func(org string) app.Actor {
		return app.Actor{Principal: auth.Principal{OrganisationID: org, ClientID: "test"}, Purpose: "test"}
	}
	orgA, orgB := actor(ids.New()), actor(ids.New())
	create := func(act app.Actor, given, family string) *domain.Beneficiary {
		t.Helper()
		b, err := a.CreateBeneficiary(ctx, act, &domain.Beneficiary{GivenName: given, FamilyName: family, Sex: "male"}, "")
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	want := func(step string, keys map[string]int) {
		t.Helper()
		rows, err := pool.Query(ctx, `SELECT key, persons FROM name_keys`)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		var k string
		var n int
		if _, err := pgx.ForEachRow(rows, []any{&k, &n}, func() error { got[k] = n; return nil }); err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(got, keys) {
			t.Fatalf("%s: name_keys %v, want %v", step, got, keys)
		}
	}

	m1 := create(orgA, "Marko", "Đorđević")
	m2 := create(orgA, "Marko", "Djordjevic")
	create(orgB, "Марко", "Ђорђевић")
	ana := create(orgA, "Ana", "Petrović")
	want("created", map[string]int{"marko dordevic": 3, "ana petrovic": 1})

	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"beneficiaries", "beneficiaries"}, []string{"id", "organisation_id", "given_name", "name_key"},
		pgx.CopyFromRows([][]any{{ids.New(), orgB.OrganisationID, "Ana", "ana petrovic"}, {ids.New(), orgB.OrganisationID, "Zlatija", "zlatija"},
			{ids.New(), orgB.OrganisationID, "Zlatija", "zlatija"}, {ids.New(), orgB.OrganisationID, "", ""}})); err != nil {
		t.Fatal(err)
	}
	want("copied", map[string]int{"marko dordevic": 3, "ana petrovic": 2, "zlatija": 2})

	if _, err := a.UpdateBeneficiary(ctx, orgA, ana.ID, ana.Etag(), &domain.Beneficiary{FamilyName: "Petrovna"}, []string{"family_name"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.UpdateBeneficiary(ctx, orgA, m2.ID, m2.Etag(), &domain.Beneficiary{Notes: "moved"}, []string{"notes"}); err != nil {
		t.Fatal(err)
	}
	want("renamed", map[string]int{"marko dordevic": 3, "ana petrovic": 1, "ana petrovna": 1, "zlatija": 2})

	// A merged record keeps its name (it is no longer current, and search
	// skips it by the persons' index); erasing the person erases both.
	if _, err := a.MergeBeneficiaries(ctx, orgA, m1.ID, m2.ID); err != nil {
		t.Fatal(err)
	}
	want("merged", map[string]int{"marko dordevic": 3, "ana petrovic": 1, "ana petrovna": 1, "zlatija": 2})
	if _, err := a.EraseBeneficiary(ctx, orgA, m1.ID, "the person asked"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.EraseBeneficiary(ctx, orgA, ana.ID, "the person asked"); err != nil {
		t.Fatal(err)
	}
	want("erased", map[string]int{"marko dordevic": 1, "ana petrovic": 1, "zlatija": 2})

	if _, err := pool.Exec(ctx, `DELETE FROM beneficiaries WHERE organisation_id = $1 AND given_name = 'Zlatija'`, orgB.OrganisationID); err != nil {
		t.Fatal(err)
	}
	want("deleted", map[string]int{"marko dordevic": 1, "ana petrovic": 1})
}
