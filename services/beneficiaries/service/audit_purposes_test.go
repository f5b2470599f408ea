package service_test

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/services/beneficiaries/migrations"
)

// TestAuditPurposesMigration: the audit records from before purposes were
// stored once per call (migration 00018) get the same reach. Each group
// of records one transaction wrote with the same actor and purpose (one
// call) shares its stored purpose, so erasing a person blanks the purpose
// on the records of the others that call read; another call with the same
// text keeps it. The migration's Down puts the purposes back on the
// records, and Up again groups them.
func TestAuditPurposesMigration(t *testing.T) {
	c := startAll(t)
	org := ids.New()
	ctx := servicetest.As(t, org)
	haddad := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Amina", FamilyName: "Haddad"}).GetId()
	hadzic := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Amina", FamilyName: "Hadžić"}).GetId()
	const named = "is Amina H. registered?" // not her full name: this is about calls, not texts naming her
	if r, err := c.SearchBeneficiaries(withPurpose(ctx, "new: "+named), &pb.SearchBeneficiariesRequest{Query: "Amina Haddad"}); err != nil ||
		len(r.GetResults()) != 2 {
		t.Fatalf("search: %v %v", r, err)
	}

	// The schema as it was before 00018 (and the later migrations undone
	// by their Down sections).
	db, err := pgx.Connect(context.Background(), c.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	pgtest.Undo(t, db, "beneficiaries", migrations.FS, 18)
	// Records written then, a call per transaction: a search that read
	// both, and a read of the other alone with the same text.
	legacy := func(bens ...string) {
		t.Helper()
		if err := pgx.BeginFunc(context.Background(), db, func(tx pgx.Tx) error {
			for _, b := range bens {
				if _, err := tx.Exec(context.Background(), `INSERT INTO beneficiaries.audit_events
						(actor_organisation_id, actor_client_id, owner_organisation_id, beneficiary_id, action, purpose)
					VALUES ($1, 'old', $1, $2, 'search', $3)`, org, b, "old: "+named); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	legacy(haddad, hadzic)
	legacy(hadzic)
	var inColumn int
	if err := db.QueryRow(context.Background(), `SELECT count(*) FROM beneficiaries.audit_events WHERE purpose LIKE '%Amina H.%'`).
		Scan(&inColumn); err != nil || inColumn != 5 {
		t.Fatalf("records with their purpose in audit_events before the migration: %d %v", inColumn, err)
	}

	// The service starts again: the migration runs.
	c2 := restarted(t, c)
	if err := db.QueryRow(context.Background(), `SELECT count(*) FROM beneficiaries.audit_events WHERE purpose <> ''`).
		Scan(&inColumn); err != nil || inColumn != 0 {
		t.Fatalf("records keeping their purpose in audit_events after the migration: %d %v", inColumn, err)
	}
	purposes := func(id string) []string {
		t.Helper()
		out := auditOf(t, ctx, c2, id, "search", func(e *pb.AuditEvent) string { return e.GetActorClientId() + " " + e.GetPurpose() })
		slices.Sort(out)
		return out
	}
	const client = "test" // servicetest.As
	if got, want := purposes(hadzic), []string{"old old: " + named, "old old: " + named, client + " new: " + named}; !slices.Equal(got, want) {
		t.Fatalf("the other's search records after the migration: %q, want %q", got, want)
	}

	if _, err := c2.EraseBeneficiary(ctx, &pb.EraseBeneficiaryRequest{Id: haddad}); err != nil {
		t.Fatal(err)
	}
	if got, want := purposes(hadzic), []string{"old ", "old old: " + named, client + " "}; !slices.Equal(got, want) {
		t.Fatalf("the other's search records after erasure: %q, want %q (the call that read only them keeps its purpose)", got, want)
	}
	if got, want := purposes(haddad), []string{"old ", client + " "}; !slices.Equal(got, want) {
		t.Fatalf("the erased person's search records: %q, want %q", got, want)
	}
}
