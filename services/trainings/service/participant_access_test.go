package service_test

import (
	"strings"
	"testing"

	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestParticipantBeneficiaryMustBeVisible: issue 9 §5. An organiser counts
// among its participants only people it sees: its own, or those referred to
// it with consent. Another organisation's person, or an id nobody
// registered, is refused and nothing is stored, so nobody can inflate a
// project's beneficiary counts with ids it cannot see.
func TestParticipantBeneficiaryMustBeVisible(t *testing.T) {
	c := start(t)
	a, b := ids.New(), ids.New()
	ctxA, ctxB := servicetest.As(t, a), servicetest.As(t, b)
	e := event(t, c, ctxB, seminar(""))

	for name, id := range map[string]string{
		"another organisation's person": c.beneficiary(t, ctxA),
		"an id nobody registered":       ids.New(),
	} {
		_, err := c.CreateParticipant(ctxB, &pb.CreateParticipantRequest{EventId: e.GetId(), Participant: beneficiary(id)})
		if status.Code(err) != codes.NotFound || !strings.Contains(status.Convert(err).Message(), id) {
			t.Fatalf("%s: %v, want NotFound naming %s", name, err, id)
		}
	}
	l, err := c.ListParticipants(ctxB, &pb.ListParticipantsRequest{EventId: e.GetId()})
	if err != nil || len(l.GetParticipants()) != 0 {
		t.Fatalf("refused participants were stored: %v %v", l, err)
	}

	// Its own person, and one referred to it with consent, are counted.
	register(t, c, ctxB, e.GetId(), beneficiary(c.beneficiary(t, ctxB)))
	register(t, c, ctxB, e.GetId(), beneficiary(c.beneficiary(t, ctxA, b)))
	if l, err := c.ListParticipants(ctxB, &pb.ListParticipantsRequest{EventId: e.GetId()}); err != nil || len(l.GetParticipants()) != 2 {
		t.Fatalf("participants: %v %v", l, err)
	}
}
