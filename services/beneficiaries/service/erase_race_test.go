package service_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestWritesRacingErasure: a write to a person's records that runs while
// the person is erased either commits first and is then wiped by the
// erasure, or comes second and is refused (BENEFICIARY_ERASED); either
// way nothing of it is left (audit finding: assistance notes and document
// numbers written during an erasure outlived it, in a fifth of the rounds
// of concurrent requests).
//
// Each interleaving is made to happen, not hoped for (pgtest.Hold): the
// first party's transaction is held at one statement, the second party
// runs until it returns or waits for a lock of the first, and then the
// test lets the first go.
// "write first" holds the write at its insert, after it read the person;
// "erase first" holds the erasure at its update of the person, after
// everything it read before.
func TestWritesRacingErasure(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	bg := context.Background()
	conn := holdConn(t, c)
	// leftovers counts what the erased person (and anyone merged into
	// them) still has that erasure removes.
	leftovers := func(id string) int {
		t.Helper()
		var n int
		if err := conn.QueryRow(bg, `WITH p AS (SELECT id FROM beneficiaries.beneficiaries WHERE id = $1 OR merged_into = $1)
			SELECT (SELECT count(*) FROM beneficiaries.beneficiaries WHERE id IN (SELECT id FROM p) AND given_name <> '')
				+ (SELECT count(*) FROM beneficiaries.assistances WHERE beneficiary_id IN (SELECT id FROM p) AND notes <> '')
				+ (SELECT count(*) FROM beneficiaries.identity_documents WHERE beneficiary_id IN (SELECT id FROM p))
				+ (SELECT count(*) FROM beneficiaries.consents WHERE beneficiary_id IN (SELECT id FROM p) AND scope <> '')
				+ (SELECT count(*) FROM beneficiaries.household_members WHERE beneficiary_id IN (SELECT id FROM p))
				+ (SELECT count(*) FROM beneficiaries.households h JOIN beneficiaries.household_departures d ON d.household_id = h.id
					WHERE d.beneficiary_id IN (SELECT id FROM p) AND h.reference <> '')`, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	secret := "Amina Hasić, HIV+, Ulica 5"
	writes := []struct {
		name string
		// hold is the event and table the write is held at when it
		// goes first.
		hold string
		// write prepares the write to person id and returns it.
		write func(id string) func() error
	}{
		{"assistance", "INSERT ON beneficiaries.assistances", func(id string) func() error {
			return func() error {
				_, err := c.CreateAssistance(ctx, &pb.CreateAssistanceRequest{BeneficiaryId: id, Assistance: &pb.Assistance{
					Type: pb.AssistanceType_ASSISTANCE_TYPE_INFORMATION, Date: "2024-01-02", Notes: secret}})
				return err
			}
		}},
		{"document", "INSERT ON beneficiaries.identity_documents", func(id string) func() error {
			return func() error {
				_, err := c.CreateDocument(ctx, &pb.CreateDocumentRequest{BeneficiaryId: id, Document: &pb.IdentityDocument{
					Type: pb.DocumentType_DOCUMENT_TYPE_PASSPORT, Number: "SY7019"}})
				return err
			}
		}},
		{"consent", "INSERT ON beneficiaries.consents", func(id string) func() error {
			return func() error {
				in := consent(pb.ConsentPurpose_CONSENT_PURPOSE_PHOTO)
				in.Scope = secret
				_, err := c.CreateConsent(ctx, &pb.CreateConsentRequest{BeneficiaryId: id, Consent: in})
				return err
			}
		}},
		{"household member", "INSERT ON beneficiaries.household_members", func(id string) func() error {
			return func() error {
				_, err := c.CreateHousehold(ctx, &pb.CreateHouseholdRequest{Household: &pb.Household{Reference: secret,
					Members: []*pb.HouseholdMember{{BeneficiaryId: id, Relationship: pb.Relationship_RELATIONSHIP_HEAD}}}})
				return err
			}
		}},
		{"merge of a duplicate", "UPDATE ON beneficiaries.identity_documents", func(id string) func() error {
			dup := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Amina", FamilyName: "Hasić"}).GetId()
			if _, err := c.CreateDocument(ctx, &pb.CreateDocumentRequest{BeneficiaryId: dup, Document: &pb.IdentityDocument{
				Type: pb.DocumentType_DOCUMENT_TYPE_PASSPORT, Number: "SY7020"}}); err != nil {
				t.Fatal(err)
			}
			return func() error {
				_, err := c.MergeBeneficiaries(ctx, &pb.MergeBeneficiariesRequest{Id: id, DuplicateId: dup})
				return err
			}
		}},
	}
	for _, w := range writes {
		for _, writeFirst := range []bool{true, false} {
			order := map[bool]string{true: "write first", false: "erase first"}[writeFirst]
			t.Run(w.name+", "+order, func(t *testing.T) {
				id := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Amina", FamilyName: "Hasić", BirthDate: "1994-03-02"}).GetId()
				erase := func() error {
					_, err := c.EraseBeneficiary(ctx, &pb.EraseBeneficiaryRequest{Id: id})
					return err
				}
				write := w.write(id)
				first, second, hold := write, erase, w.hold
				if !writeFirst {
					first, second, hold = erase, write, "UPDATE ON beneficiaries.beneficiaries"
				}
				firstErr, secondErr, returned := pgtest.Interleave(t, conn, hold, first, second)
				writeErr, eraseErr := firstErr, secondErr
				if !writeFirst {
					writeErr, eraseErr = secondErr, firstErr
				}
				if eraseErr != nil {
					t.Fatalf("erase: %v", eraseErr)
				}
				if writeFirst && writeErr != nil {
					t.Errorf("the write that went first: %v", writeErr)
				}
				if !writeFirst && (statustest.Code(writeErr) != codes.FailedPrecondition || statustest.Reason(writeErr) != "BENEFICIARY_ERASED") {
					t.Errorf("the write after the erasure: %v, want FAILED_PRECONDITION BENEFICIARY_ERASED", writeErr)
				}
				if n := leftovers(id); n > 0 {
					t.Errorf("%d records of the erased person keep personal data (the second party returned before the first ended: %v)", n, returned)
				}
			})
		}
	}
}

// holdConn is a connection of the test's own, for pgtest.Hold.
func holdConn(t *testing.T, c clients) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), c.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// TestHouseholdCreateRacingMerge: a household created with its members
// listed in an order other than their ids', while two of them are merged:
// both lock the members' rows, in id order, so neither waits for the other
// in a cycle (a deadlock PostgreSQL would end as ABORTED) and both commit.
func TestHouseholdCreateRacingMerge(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	conn := holdConn(t, c)
	a := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Amina", FamilyName: "Hasić", BirthDate: "1994-03-02"}).GetId()
	b := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Amina", FamilyName: "Hasic", BirthDate: "1994-03-02"}).GetId()
	lo, hi := min(a, b), max(a, b)
	var hhErr, mergeErr error
	h := pgtest.NewHold(t, conn, "INSERT ON beneficiaries.household_members")
	h.Race(func() {
		_, hhErr = c.CreateHousehold(ctx, &pb.CreateHouseholdRequest{Household: &pb.Household{Reference: "HH-1",
			Members: []*pb.HouseholdMember{{BeneficiaryId: hi, Relationship: pb.Relationship_RELATIONSHIP_HEAD},
				{BeneficiaryId: lo, Relationship: pb.Relationship_RELATIONSHIP_SPOUSE}}}})
	}, func() {
		_, mergeErr = c.MergeBeneficiaries(ctx, &pb.MergeBeneficiariesRequest{Id: lo, DuplicateId: hi})
	})
	t.Logf("household create: %v", status.Convert(hhErr))
	t.Logf("merge:            %v", status.Convert(mergeErr))
	if hhErr != nil || mergeErr != nil {
		t.Errorf("a create and a merge that do not conflict (either order commits) ended one with an error: household %v, merge %v", hhErr, mergeErr)
	}
}
