package service_test

import (
	"testing"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/platform"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"google.golang.org/grpc/metadata"
)

// TestParticipantReadsAudited: a beneficiary participant's registration
// (that the person took part, their attendance, scores and certificate) is
// their personal data, so the organiser's reads of it (get and list) are in
// the person's audit log, which the owner reads: who (organisation,
// client), what (the registration as resource), why (the purpose declared).
func TestParticipantReadsAudited(t *testing.T) {
	c := start(t)
	a, b := ids.New(), ids.New()
	ctxA, ctxB := servicetest.As(t, a), servicetest.As(t, b)
	e := event(t, c, ctxB, seminar(""))
	person := c.beneficiary(t, ctxA, b) // A's, referred to B
	p := register(t, c, ctxB, e.GetId(), beneficiary(person))

	why := metadata.AppendToOutgoingContext(ctxB, "x-spona-purpose", "training follow-up")
	if _, err := c.ListParticipants(why, &pb.ListParticipantsRequest{EventId: e.GetId()}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetParticipant(why, &pb.GetParticipantRequest{EventId: e.GetId(), Id: p.GetId()}); err != nil {
		t.Fatal(err)
	}

	conn := c.beneficiaries.Start(t, platform.Service{}) // started by c.beneficiary
	l, err := benv1.NewBeneficiaryServiceClient(conn).ListAuditEvents(ctxA, &benv1.ListAuditEventsRequest{BeneficiaryId: person, ActorOrganisationId: b})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*benv1.AuditEvent{}
	for _, ev := range l.GetAuditEvents() {
		got[ev.GetAction()] = ev
	}
	resource := "trainingEvents/" + e.GetId() + "/participants/" + p.GetId()
	for _, action := range []string{"training_participant.list", "training_participant.read"} {
		ev := got[action]
		if ev == nil {
			t.Errorf("no %s in the owner's audit log of the participant: %v", action, l.GetAuditEvents())
			continue
		}
		if ev.GetActorOrganisationId() != b || ev.GetActorClientId() == "" || ev.GetPurpose() != "training follow-up" || ev.GetResource() != resource {
			t.Errorf("%s recorded as %v, want actor %s with its client, purpose %q, resource %s", action, ev, b, "training follow-up", resource)
		}
	}
}
