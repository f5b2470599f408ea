package service_test

import (
	"testing"
	"time"

	trnv1 "github.com/spona/spona/gen/go/spona/trainings/v1"
	pb "github.com/spona/spona/gen/go/spona/webhooks/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/webhooktest"
	trainings "github.com/spona/spona/services/trainings/service"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestSubscriptionGetsOnlyLaterEvents: a subscription is sent the events
// of a type that happened after it took the type, even when the webhooks
// process applies an older one only after the subscription was made (a
// catch-up of a feed: its first start, or after downtime); the change feed
// still has the older one. The trainings feed the process consumes is not
// served until the end (its address is the stack's deferred one): a
// trainings replica on another address takes the organiser's changes
// meanwhile, to the same database. A session is created (first), then
// the organiser subscribes an endpoint to session.created (late) and adds
// session.created to one subscribed to session.deleted only (patched); one
// subscribed before the first session (early) and one that had
// session.created before and is patched to add session.deleted (kept) get
// it. A second session after all that reaches all four.
// Before, late and patched were sent the first session too.
func TestSubscriptionGetsOnlyLaterEvents(t *testing.T) {
	s := start(t, nil)
	organiser := ids.New()
	replica := servicetest.Start(t, trainings.New(trainings.Config{Config: servicetest.Platform(t, s.url),
		ReferralsAddr: s.ref.Target(), BeneficiariesAddr: s.ben.Target(), ReportingAddr: s.rep.Addr}))
	rcv := map[string]*webhooktest.Receiver{}
	wh := map[string]*pb.Webhook{}
	subscribe := func(name string, types ...string) {
		rcv[name] = webhooktest.Start(t, nil)
		wh[name] = s.subscribe(t, organiser, rcv[name].URL(), types...)
	}
	patch := func(name string, types ...string) {
		t.Helper()
		if _, err := s.wh.UpdateWebhook(as(t, organiser), &pb.UpdateWebhookRequest{
			Webhook:    &pb.Webhook{Id: wh[name].GetId(), Etag: wh[name].GetEtag(), EventTypes: types},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"event_types"}},
		}); err != nil {
			t.Fatalf("patching %s: %v", name, err)
		}
	}
	subscribe("early", "session.created")
	subscribe("kept", "session.created")
	subscribe("patched", "session.deleted")

	ctx := servicetest.As(t, organiser)
	trn := trnv1.NewTrainingServiceClient(replica)
	ev, err := trn.CreateTrainingEvent(ctx, &trnv1.CreateTrainingEventRequest{TrainingEvent: &trnv1.TrainingEvent{
		Type: trnv1.EventType_EVENT_TYPE_TRAINING, Title: "Zaštita djece", StartDate: "2017-03-01", EndDate: "2017-03-02"}})
	if err != nil {
		t.Fatal(err)
	}
	event := ev.GetTrainingEvent().GetId()
	session := func(date string) string {
		t.Helper()
		resp, err := trn.CreateSession(ctx, &trnv1.CreateSessionRequest{EventId: event,
			Session: &trnv1.Session{Date: date, Topic: "Zaštita djece", Trainer: "Ivana Trener"}})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetSession().GetId()
	}
	first := session("2017-03-01")

	subscribe("late", "session.created")
	patch("patched", "session.created", "session.deleted")
	patch("kept", "session.created", "session.deleted")
	second := session("2017-03-02")

	// The webhooks process reaches the trainings feed now and applies both
	// sessions' events, in order.
	s.trainingsAndReporting(t)
	sessions := func(name string, want ...string) {
		t.Helper()
		sent := func(r []webhooktest.Request) map[string]bool {
			got := map[string]bool{}
			for _, q := range r {
				if e := q.Decode(t); e.Type == "session.created" {
					got[e.Data["session_id"].(string)] = true
				}
			}
			return got
		}
		// The second session's delivery was made after the first's event
		// was applied: the deliveries there then are all there will be.
		rcv[name].WaitFor(t, 30*time.Second, name+"'s webhook of the second session", func(r []webhooktest.Request) bool { return sent(r)[second] })
		if n := len(s.deliveries(t, organiser, wh[name].GetId())); n != len(want) {
			t.Errorf("%s has %d deliveries; want %d", name, n, len(want))
		}
		got := sent(rcv[name].WaitFor(t, 30*time.Second, name+"'s webhooks", func(r []webhooktest.Request) bool { return len(r) >= len(want) }))
		if len(got) != len(want) || !got[want[0]] {
			t.Errorf("%s was sent session.created of %v; want %v (first %s, second %s)", name, got, want, first, second)
		}
	}
	sessions("early", first, second)
	sessions("kept", first, second)
	sessions("late", second)
	sessions("patched", second)

	// The organisation's change feed has both.
	feed, err := s.feed.ListChanges(as(t, organiser), &pb.ListChangesRequest{Types: []string{"session.created"}})
	if err != nil {
		t.Fatal(err)
	}
	if c := feed.GetEvents(); len(c) != 2 || c[0].GetData().AsMap()["session_id"] != first || c[1].GetData().AsMap()["session_id"] != second {
		t.Errorf("the change feed has %v; want the first session's and the second's", c)
	}
}
