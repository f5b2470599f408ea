package service_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"github.com/spona/spona/services/trainings/migrations"
	"google.golang.org/grpc/codes"
)

// TestRegistrationRacingErasure: a beneficiary's registration at a training
// event under way while the person is erased either commits before the
// erasure is applied here, and the erasure reaches it (the participation
// marked erased, so a certificate issued to it gets an ERASED- number), or comes after and is refused
// (FAILED_PRECONDITION BENEFICIARY_ERASED), as the beneficiaries service
// refuses a registration of someone erased before. Before, the
// registration was stored after the erasure had been applied, as if the
// person had never been erased (a certificate issued to it later got a
// number linking to them; the beneficiaries service had said yes before
// the erasure, and the erasure found no participation to mark).
//
// Both orders are made to happen (pgtest.Hold): "registration first"
// holds the registration at its insert, after the beneficiaries service
// said the person may be registered; "erasure first" holds the
// beneficiaries service's answer to that question (its audit record of
// the check, after it read the person) until the erasure is applied here.
// Migration 00020 records those erased before it.
func TestRegistrationRacingErasure(t *testing.T) {
	c := start(t)
	ctx := servicetest.As(t, ids.New())
	e := event(t, c, ctx, seminar(""))
	conn, err := pgx.Connect(context.Background(), c.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	benConn := c.beneficiariesConn(t) // started for the whole test
	ben := benv1.NewBeneficiaryServiceClient(benConn)
	for _, registrationFirst := range []bool{true, false} {
		t.Run(map[bool]string{true: "registration first", false: "erasure first"}[registrationFirst], func(t *testing.T) {
			person := c.beneficiary(t, ctx)
			hold := "INSERT ON trainings.participants"
			if !registrationFirst {
				hold = "INSERT ON beneficiaries.audit_events WHEN (NEW.action = 'access.check')"
			}
			h := pgtest.NewHold(t, conn, hold)
			registered := pgtest.Go(func() error {
				_, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{EventId: e.GetId(), Participant: beneficiary(person),
					RequestId: "registration of " + person})
				return err
			})
			h.Held()
			if _, err := ben.EraseBeneficiary(ctx, &benv1.EraseBeneficiaryRequest{Id: person}); err != nil {
				t.Fatal(err)
			}
			evs, _ := servicetest.Events(t, benConn, "")
			head := evs[len(evs)-1].GetCursor()
			applied := `SELECT EXISTS (SELECT 1 FROM trainings.outbox_cursors WHERE consumer = 'beneficiaries' AND cursor = $1)`
			if registrationFirst {
				// Applied (no lock to wait for), or waiting for the
				// registration to commit.
				pgtest.Until(t, conn, "the erasure applied or waiting", applied+` OR (`+pgtest.LockWaits+`)`, head)
			} else {
				pgtest.Until(t, conn, "the erasure applied", applied, head)
			}
			h.Release()
			err := registered.Wait()
			pgtest.Until(t, conn, "the erasure applied", applied, head)
			if registrationFirst && err != nil {
				t.Fatalf("the registration that went first: %v", err)
			}
			if !registrationFirst && (statustest.Code(err) != codes.FailedPrecondition || statustest.Reason(err) != "BENEFICIARY_ERASED") {
				t.Errorf("the registration after the erasure: %v, want FAILED_PRECONDITION BENEFICIARY_ERASED", err)
			}
			var unreached int
			if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM trainings.participants
				WHERE beneficiary_id = $1 AND NOT beneficiary_erased`, person).Scan(&unreached); err != nil {
				t.Fatal(err)
			}
			if unreached > 0 {
				t.Errorf("%d registrations of the erased person not reached by the erasure", unreached)
			}
		})
	}

	// Migration 00020 records the persons erased before it whose
	// participations were marked ("registration first" above).
	var marked []string
	if err := conn.QueryRow(context.Background(), `SELECT array_agg(DISTINCT beneficiary_id::text)
		FROM trainings.participants WHERE beneficiary_erased`).Scan(&marked); err != nil || len(marked) != 1 {
		t.Fatalf("marked participations: %v %v", marked, err)
	}
	pgtest.Undo(t, conn, "trainings", migrations.FS, 20)
	c.restarted(t)
	var recorded int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM trainings.erased_beneficiaries WHERE beneficiary_id = ANY ($1::uuid[])`,
		marked).Scan(&recorded); err != nil || recorded != len(marked) {
		t.Errorf("after migration 00020: %d of the %d persons erased before recorded (%v)", recorded, len(marked), err)
	}
}
