package service_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	trnv1 "github.com/spona/spona/gen/go/spona/trainings/v1"
	pb "github.com/spona/spona/gen/go/spona/webhooks/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/projecttest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/webhooktest"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestTrainingEventProjectChanged: a training event the organiser moves
// from one project to another (PATCH of its project_id over the trainings
// service's gRPC) reaches the organiser, by webhook and in its change
// feed, as training_event.project_changed naming the event, both projects
// and the organiser (ids and a count: never the title); the donors of
// either project, subscribed to the same type, are told nothing (they do
// not see the event; each would learn the other project's id).
// Before, the type was unknown (a subscription to it refused) and the
// move was told to nobody.
func TestTrainingEventProjectChanged(t *testing.T) {
	s := start(t, nil)
	trn, rep := s.trainingsAndReporting(t)
	organiser, donorA, donorB := ids.New(), ids.New(), ids.New()
	const typ = "training_event.project_changed"
	rcv, secret, hooks := map[string]*webhooktest.Receiver{}, map[string]string{}, map[string]string{}
	for _, org := range []string{organiser, donorA, donorB} {
		rcv[org] = webhooktest.Start(t, nil)
		w := s.subscribe(t, org, rcv[org].URL(), typ)
		secret[org], hooks[org] = w.GetSecret(), w.GetId()
	}
	ctx := servicetest.As(t, organiser)
	from, to := projecttest.Create(t, rep, ctx, nil, []string{donorA}), projecttest.Create(t, rep, ctx, nil, []string{donorB})
	trainings := trnv1.NewTrainingServiceClient(trn)
	ev, err := trainings.CreateTrainingEvent(ctx, &trnv1.CreateTrainingEventRequest{TrainingEvent: &trnv1.TrainingEvent{ProjectId: from,
		Type: trnv1.EventType_EVENT_TYPE_WORKSHOP, Title: "Rad s djecom bez pratnje", StartDate: "2017-03-01"}})
	if err != nil {
		t.Fatal(err)
	}
	event := ev.GetTrainingEvent()
	if _, err := trainings.UpdateTrainingEvent(ctx, &trnv1.UpdateTrainingEventRequest{
		TrainingEvent: &trnv1.TrainingEvent{Id: event.GetId(), Etag: event.GetEtag(), ProjectId: to},
		UpdateMask:    &fieldmaskpb.FieldMask{Paths: []string{"project_id"}}}); err != nil {
		t.Fatal(err)
	}

	want := map[string]any{"event_id": event.GetId(), "project_id": to, "from_project_id": from, "organisation_id": organiser,
		"completed_count": 0.0, "sequence": 1.0}
	reqs := rcv[organiser].WaitFor(t, 30*time.Second, "the organiser's webhook", func(r []webhooktest.Request) bool { return len(r) >= 1 })
	webhooktest.Verify(t, []string{secret[organiser]}, reqs)
	if len(reqs) != 1 || strings.Contains(string(reqs[0].Body), "djecom") {
		t.Fatalf("the organiser's webhooks: %d, want one without the title", len(reqs))
	}
	got := reqs[0].Decode(t)
	if got.Type != typ || !reflect.DeepEqual(got.Data, want) {
		t.Errorf("the organiser was told %s %v; want %s %v", got.Type, got.Data, typ, want)
	}
	feed, err := s.feed.ListChanges(as(t, organiser), &pb.ListChangesRequest{})
	if err != nil || len(feed.GetEvents()) != 1 || feed.GetEvents()[0].GetId() != got.ID ||
		!reflect.DeepEqual(feed.GetEvents()[0].GetData().AsMap(), want) {
		t.Errorf("the organiser's change feed: %v (%v); want the webhook's event", feed.GetEvents(), err)
	}
	// Applied (the organiser was told): every entry and delivery of the
	// event was written in that one transaction.
	for name, org := range map[string]string{"the old project's donor": donorA, "the new project's donor": donorB} {
		if d := s.deliveries(t, org, hooks[org]); len(d) != 0 {
			t.Errorf("%s was told %v", name, d)
		}
		if feed, err := s.feed.ListChanges(as(t, org), &pb.ListChangesRequest{}); err != nil || len(feed.GetEvents()) != 0 {
			t.Errorf("%s's change feed: %v (%v); want nothing", name, feed.GetEvents(), err)
		}
	}
}
