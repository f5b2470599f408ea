package service_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	pb "github.com/spona/spona/gen/go/spona/webhooks/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/webhooktest"
	"github.com/spona/spona/services/webhooks/service"
)

// latestState is a partner's receiver keeping the latest status of each
// referral as the webhook docs tell it to: an event whose data.sequence is
// not above the one it applied last for the referral is acknowledged and
// ignored. It answers 503 while down.
type latestState struct {
	mu     sync.Mutex
	down   bool
	status map[string]string  // referral -> status applied last
	seq    map[string]float64 // referral -> its sequence
	bad    []string           // bodies without a sequence
}

func (l *latestState) respond(t *testing.T) webhooktest.Responder {
	return func(_ int, r webhooktest.Request) int {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.down {
			return http.StatusServiceUnavailable
		}
		e := r.Decode(t)
		ref, _ := e.Data["referral_id"].(string)
		seq, ok := e.Data["sequence"].(float64)
		if !ok || seq < 1 {
			l.bad = append(l.bad, string(r.Body))
			return http.StatusOK
		}
		if seq > l.seq[ref] {
			l.seq[ref], l.status[ref] = seq, e.Data["status"].(string)
		}
		return http.StatusOK
	}
}

// TestSequenceOrdersOutOfOrderDeliveries: an event dead-lettered while the
// receiver was down and redelivered after a later event of the same
// referral arrives last, with the same timestamp as the later one (two
// changes in one moment); its data.sequence (1, below the later event's 2)
// tells a receiver keeping the latest state to ignore it, so the referral
// stays cancelled. The change feed carries the same numbers, and each
// organisation told of one event gets the same number.
func TestSequenceOrdersOutOfOrderDeliveries(t *testing.T) {
	s := start(t, func(c *service.Config) {
		c.RetryFor, c.RetryMax = 300*time.Millisecond, 100*time.Millisecond
	})
	sender, receiver := ids.New(), ids.New()
	state := &latestState{down: true, status: map[string]string{}, seq: map[string]float64{}}
	rcv := webhooktest.Start(t, state.respond(t))
	atSender := webhooktest.Start(t, nil)
	w := s.subscribe(t, receiver, rcv.URL(), "referral.received", "referral.cancelled", "referral.overdue")
	s.subscribe(t, sender, atSender.URL(), "referral.overdue")
	referral, other := ids.New(), ids.New()
	sent := referralEvent("referral.sent", referral, sender, receiver, "sent")
	s.inject(t, sent)
	dead := s.deadLettered(t, receiver, w.GetId(), sent.ID)
	state.mu.Lock()
	state.down = false
	state.mu.Unlock()
	cancelled := referralEvent("referral.cancelled", referral, sender, receiver, "cancelled")
	cancelled.Time = sent.Time // the same moment: the timestamps cannot tell
	otherSent := referralEvent("referral.sent", other, sender, receiver, "sent")
	overdue := referralEvent("referral.overdue", other, sender, receiver, "sent")
	s.inject(t, cancelled, otherSent, overdue)
	rcv.WaitFor(t, 30*time.Second, "the later events", func(r []webhooktest.Request) bool {
		n := 0
		for _, q := range r {
			if q.Status == http.StatusOK {
				n++
			}
		}
		return n >= 3 // the other referral's two, the cancellation
	})
	if _, err := s.wh.RedeliverWebhookDelivery(as(t, receiver), &pb.RedeliverWebhookDeliveryRequest{WebhookId: w.GetId(), DeliveryId: dead.GetId()}); err != nil {
		t.Fatal(err)
	}
	reqs := rcv.WaitFor(t, 30*time.Second, "the redelivery", func(r []webhooktest.Request) bool {
		return len(r) > 0 && r[len(r)-1].ID == dead.GetId() && r[len(r)-1].Status == http.StatusOK
	})
	webhooktest.Verify(t, []string{w.GetSecret()}, reqs[len(reqs)-1:])

	state.mu.Lock()
	defer state.mu.Unlock()
	if len(state.bad) > 0 {
		t.Fatalf("bodies without a data.sequence: %s", state.bad)
	}
	if got := state.status[referral]; got != "cancelled" {
		t.Fatalf("the receiver keeps referral %s %q after the redelivered older event, want cancelled", referral, got)
	}
	if got := state.seq[referral]; got != 2 {
		t.Fatalf("referral %s at sequence %v, want 2 (sent 1, cancelled 2)", referral, got)
	}
	if got := state.seq[other]; got != 2 {
		t.Fatalf("referral %s at sequence %v, want 2 (its own numbering: sent 1, overdue 2)", other, got)
	}

	// The change feed numbers each event as its webhooks do, for each
	// organisation told of it.
	bodies := map[string]float64{} // event id -> sequence, from the webhooks
	for _, q := range append(reqs, atSender.WaitFor(t, 30*time.Second, "the sender's overdue", func(r []webhooktest.Request) bool { return len(r) == 1 })...) {
		e := q.Decode(t)
		seq, _ := e.Data["sequence"].(float64)
		if prev, ok := bodies[e.ID]; ok && prev != seq {
			t.Fatalf("event %s numbered %v and %v", e.ID, prev, seq)
		}
		bodies[e.ID] = seq
	}
	for _, org := range []string{receiver, sender} {
		page, err := s.feed.ListChanges(as(t, org), &pb.ListChangesRequest{})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.GetEvents() {
			seq, ok := e.GetData().AsMap()["sequence"].(float64)
			if want, told := bodies[e.GetId()]; !ok || (told && seq != want) {
				t.Fatalf("change feed of %s: %s %s at sequence %v (%v), webhook said %v", org, e.GetType(), e.GetId(), seq, ok, want)
			}
		}
	}
	if want := map[string]float64{sent.ID: 1, cancelled.ID: 2, overdue.ID: 2}; bodies[sent.ID] != want[sent.ID] ||
		bodies[cancelled.ID] != want[cancelled.ID] || bodies[overdue.ID] != want[overdue.ID] {
		t.Fatalf("webhook sequences %v, want %v", bodies, want)
	}
}
