package service_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/platform"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"google.golang.org/grpc/metadata"
)

// TestChangeNotMadeNotAudited: a change of a beneficiary participant whose
// transaction the database refuses after the change's statements (here a
// trigger refusing its outbox event, and a deferred constraint checked at
// the commit) is not in the person's audit log: the log shows the changes
// made, no more. Before, the record was sent to the beneficiaries service
// in the middle of the transaction, before its queued statements and its
// commit ran, so a refused delete or score stood in the owner's audit log
// as made.
func TestChangeNotMadeNotAudited(t *testing.T) {
	c := start(t)
	a, b := ids.New(), ids.New()
	ctxA, ctxB := servicetest.As(t, a), servicetest.As(t, b)
	e := event(t, c, ctxB, seminar(""))
	person := c.beneficiary(t, ctxA, b)
	p := register(t, c, ctxB, e.GetId(), beneficiary(person))

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, c.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `
		CREATE FUNCTION trainings.refuse() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN RAISE EXCEPTION 'refused by the test'; END $$;
		CREATE TRIGGER refuse_deleted BEFORE INSERT ON trainings.outbox
			FOR EACH ROW WHEN (NEW.type = 'participant.deleted') EXECUTE FUNCTION trainings.refuse();
		CREATE CONSTRAINT TRIGGER refuse_scores AFTER UPDATE ON trainings.participants DEFERRABLE INITIALLY DEFERRED
			FOR EACH ROW WHEN (NEW.pre_test_score IS DISTINCT FROM OLD.pre_test_score) EXECUTE FUNCTION trainings.refuse()`); err != nil {
		t.Fatal(err)
	}

	why := metadata.AppendToOutgoingContext(ctxB, "x-spona-purpose", "cleaning up the list")
	if _, err := c.DeleteParticipant(why, &pb.DeleteParticipantRequest{EventId: e.GetId(), Id: p.GetId()}); err == nil {
		t.Fatal("the delete went through its refused event")
	}
	pre := int32(40)
	if _, err := c.RecordTestScores(why, &pb.RecordTestScoresRequest{EventId: e.GetId(), ParticipantId: p.GetId(), PreTestScore: &pre}); err == nil {
		t.Fatal("the scores went through the refused commit")
	}
	x, err := c.GetParticipant(ctxB, &pb.GetParticipantRequest{EventId: e.GetId(), Id: p.GetId()})
	if err != nil || x.GetParticipant().PreTestScore != nil {
		t.Fatalf("after the refused changes: %v, %v; want the participant kept, without a score", x.GetParticipant(), err)
	}

	ben := c.beneficiaries.Start(t, platform.Service{}) // started by c.beneficiary
	l, err := benv1.NewBeneficiaryServiceClient(ben).ListAuditEvents(ctxA, &benv1.ListAuditEventsRequest{BeneficiaryId: person, ActorOrganisationId: b, PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range l.GetAuditEvents() {
		switch ev.GetAction() {
		case "training_participant.delete", "training_participant.record_test_scores":
			t.Errorf("the owner's audit log shows a change that was not made: %v", ev)
		}
	}
}
