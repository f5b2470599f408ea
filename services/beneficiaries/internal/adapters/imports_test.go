package adapters_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/imports"
	"github.com/spona/spona/pkg/imports/importsjob"
	"github.com/spona/spona/services/beneficiaries/internal/adapters"
	"github.com/spona/spona/services/beneficiaries/internal/app"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
)

// TestImportScoredAgainstErasedPerson: an import scores its rows against
// the persons it read when it started; a bad row scored against one erased
// since (her erasure could not find it) loses what her erasure would have
// cleared once its scores are stored: its problem's cell text, its cells
// (it is not written) and the import's purpose. The row stays invalid.
func TestImportScoredAgainstErasedPerson(t *testing.T) {
	ctx := context.Background()
	pool := schema(t)
	repo := adapters.NewPostgres(pool)
	a := app.New(repo, nil, nil)
	org := ids.New()
	act := app.Actor{Principal: auth.Principal{OrganisationID: org, ClientID: "test"}, Purpose: "test"}
	her, err := a.CreateBeneficiary(ctx, act, &domain.Beneficiary{GivenName: "Amina", FamilyName: "Hasić", Sex: "female", BirthYear: 2011}, "")
	if err != nil {
		t.Fatal(err)
	}
	store := importsjob.NewStore(pool)
	imp := &imports.Import{ID: ids.New(), Kind: imports.KindBeneficiaries, OrganisationID: org, Purpose: "upis Amine Hasić",
		Options: imports.Options{OnError: imports.OnErrorSkip, OnDuplicate: imports.OnDuplicateCreate}, Format: "csv"}
	bad := &imports.StagedRow{Row: 2, Cells: []string{"Amina", "Hasić", "31.02.2011"}, NameKey: "amina hasic",
		Problems: []imports.Problem{{Row: 2, Column: "C", Field: "birth_date", Value: "31.02.2011", Message: `"31.02.2011" is not a day of the calendar`}}}
	if _, err := store.Create(ctx, imp, "test", time.Minute, func(yield func(*imports.StagedRow) error) error { return yield(bad) }); err != nil {
		t.Fatal(err)
	}
	if _, err := a.EraseBeneficiary(ctx, act, her.ID, ""); err != nil {
		t.Fatal(err)
	}
	// The import scores the row against her as it read her.
	bad.Matches = []imports.Match{{ID: her.ID, Score: 0.6, NameScore: 1}}
	if err := repo.SetImportDuplicates(ctx, imp.ID, []*imports.StagedRow{bad}); err != nil {
		t.Fatal(err)
	}
	rows, err := repo.ImportRows(ctx, imp.ID, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Fatalf("%d staged rows, want 1", len(rows))
	}
	// Still invalid (not written), still scored (its keys kept for the
	// rows after it), its cells gone.
	if r := rows[0]; r.Valid() || len(r.Cells) != 0 || r.NameKey != "amina hasic" || len(r.Matches) != 1 {
		t.Fatalf("the row after scoring: %+v", *r)
	}
	if p := rows[0].Problems[0]; p.Value != "" || strings.Contains(p.Message, "31.02") || p.Column != "C" {
		t.Fatalf("the problem after scoring: %+v", p)
	}
	got, err := store.Get(ctx, org, imp.ID)
	if err != nil || got.Purpose != "" {
		t.Fatalf("the import after scoring: %+v %v", got, err)
	}
}
