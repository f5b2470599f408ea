package service_test

import (
	"context"
	"fmt"
	"testing"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/audit"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"google.golang.org/grpc/metadata"
)

// TestReadsRacingErasure: an audited read of a person whose purpose names
// her ("file of Đurđija Kovačević, HIV"), recorded while she is erased,
// keeps its audit records (who read whom, when, what) and loses its
// purpose, as the reads recorded before the erasure do. Before, a read
// held at its audit record (or at its purpose) while the erasure ran to
// its end committed after it, and her record kept the purpose: the
// erasure blanks the purposes of the calls whose records it sees, and the
// read's were not committed yet (r19 erasure, "Found, left alone").
//
// Each interleaving is made to happen (pgtest.Interleave): the read held
// at its audit record (before it locks her row: the erasure runs to its
// end, and the read finds her erased), or at its purpose (after it locked
// her row: the erasure waits for the read's commit, and blanks its
// purpose), for a read, a list, a search and a read recorded by another
// service (RecordAccess, as referrals and trainings record theirs); and
// the erasure held at its own audit record, after it locked her row,
// while a read comes second (and waits).
func TestReadsRacingErasure(t *testing.T) {
	c := startAll(t)
	conn := holdConn(t, c)
	const purpose = "file of Đurđija Kovačević, HIV"
	reads := map[string]func(ctx context.Context, id string) error{
		"read": func(ctx context.Context, id string) error {
			_, err := c.GetBeneficiary(ctx, &pb.GetBeneficiaryRequest{Id: id})
			return err
		},
		"list": func(ctx context.Context, id string) error {
			_, err := c.ListBeneficiaries(ctx, &pb.ListBeneficiariesRequest{})
			return err
		},
		"search": func(ctx context.Context, id string) error {
			_, err := c.SearchBeneficiaries(ctx, &pb.SearchBeneficiariesRequest{Query: "Đurđija Kovačević"})
			return err
		},
		"referral.read": func(ctx context.Context, id string) error {
			_, err := c.internal.RecordAccess(ctx, &pb.RecordAccessRequest{Action: "referral.read",
				Fields: []string{"referral.reason"}, Purpose: purpose,
				Resources: []*pb.AccessedResource{{BeneficiaryId: id, Resource: "referrals/" + ids.New()}}})
			return err
		},
	}
	const atRecord, atPurpose = "INSERT ON beneficiaries.audit_events WHEN (NEW.action = '%s')",
		"INSERT ON beneficiaries.audit_purposes WHEN (NEW.purpose <> '')"
	cases := []struct {
		name, action, hold string
		readFirst          bool
		// waits: the second party waits for the first's commit (its
		// row lock).
		waits bool
	}{
		{"read held at its audit record", "read", atRecord, true, false},
		{"read held at its purpose", "read", atPurpose, true, true},
		{"list held at its audit record", "list", atRecord, true, false},
		{"search held at its audit record", "search", atRecord, true, false},
		{"referral read held at its audit record", "referral.read", atRecord, true, false},
		{"referral read held at its purpose", "referral.read", atPurpose, true, true},
		{"erasure first", "read", fmt.Sprintf(atRecord, "erase"), false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			org := ids.New()
			ctx := servicetest.As(t, org)
			her := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Đurđija", FamilyName: "Kovačević", BirthYear: 1988}).GetId()
			readCtx := metadata.AppendToOutgoingContext(ctx, audit.PurposeBinMetadata, purpose)
			if tc.action == "referral.read" {
				readCtx = servicetest.As(t, org, auth.ScopeAuditWrite)
			}
			read := func() error { return reads[tc.action](readCtx, her) }
			erase := func() error {
				_, err := c.EraseBeneficiary(ctx, &pb.EraseBeneficiaryRequest{Id: her})
				return err
			}
			first, second := read, erase
			if !tc.readFirst {
				first, second = erase, read
			}
			hold := tc.hold
			if hold == atRecord {
				hold = fmt.Sprintf(atRecord, tc.action)
			}
			firstErr, secondErr, returned := pgtest.Interleave(t, conn, hold, first, second)
			if firstErr != nil || secondErr != nil {
				t.Fatalf("first: %v, second: %v", firstErr, secondErr)
			}
			if tc.waits && returned {
				t.Errorf("the second party returned while the first, holding her row, was held")
			}
			purposes := purposesOf(t, ctx, c, her, tc.action)
			if len(purposes) != 1 {
				t.Fatalf("%d %s records of her, want 1 (the read's, kept)", len(purposes), tc.action)
			}
			if purposes[0] != "" {
				t.Errorf("her %s record keeps its purpose %q after her erasure (the second party returned while the first was held: %v)",
					tc.action, purposes[0], returned)
			}
			var named int
			if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM beneficiaries.audit_purposes
				WHERE organisation_id = $1 AND folded LIKE '%kovacevic%'`, org).Scan(&named); err != nil {
				t.Fatal(err)
			}
			if named > 0 {
				t.Errorf("%d stored purposes name her after her erasure", named)
			}
		})
	}
}
