package service_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	pb "github.com/spona/spona/gen/go/spona/webhooks/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/webhooktest"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// TestEnabledAgainGetsOnlyLaterEvents: a webhook its organisation disables
// (PATCH state DISABLED) and enables again is sent the events that happen
// from the enabling on, as a partner expects of webhook software (Standard
// Webhooks senders, Stripe): the delivery pending when it was disabled (a
// failing one) is dead-lettered and not sent when it is enabled again (a
// bulk redelivery sends it, on request); an event of the disabled time is
// not sent, whether the process applies it while the webhook is disabled
// or only after the enabling (a catch-up of the feed); the change feed has
// both. Before, the event applied after the enabling was sent, though it
// happened while the webhook was disabled.
func TestEnabledAgainGetsOnlyLaterEvents(t *testing.T) {
	s := start(t, nil)
	sender, org := ids.New(), ids.New()
	rcv, down := downReceiver(t)
	w := s.subscribe(t, org, rcv.URL(), "referral.received")
	ctx := as(t, org)
	set := func(etag string, state pb.WebhookState) *pb.Webhook {
		t.Helper()
		resp, err := s.wh.UpdateWebhook(ctx, &pb.UpdateWebhookRequest{Webhook: &pb.Webhook{Id: w.GetId(), Etag: etag, State: state},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"state"}}})
		if err != nil {
			t.Fatalf("setting %v: %v", state, err)
		}
		return resp.GetWebhook()
	}
	begin := time.Now()
	pending := referralEvent("referral.sent", ids.New(), sender, org, "sent")
	s.inject(t, pending)
	rcv.WaitFor(t, 30*time.Second, "a failed attempt", func(r []webhooktest.Request) bool { return len(r) >= 1 })

	off := set(w.GetEtag(), pb.WebhookState_WEBHOOK_STATE_DISABLED)
	s.deadLettered(t, org, w.GetId(), pending.ID)
	// A retry claimed before the disable is sent all the same; it must
	// have ended (answered 503) before the receiver is back and counts.
	s.settled(t)
	applied := referralEvent("referral.sent", ids.New(), sender, org, "sent") // applied while disabled
	s.inject(t, applied)
	late := referralEvent("referral.sent", ids.New(), sender, org, "sent") // happened while disabled, applied after
	down.Store(false)
	before := len(rcv.Requests())
	set(off.GetEtag(), pb.WebhookState_WEBHOOK_STATE_ACTIVE)
	after := referralEvent("referral.sent", ids.New(), sender, org, "sent")
	s.inject(t, late, after)

	// after's delivery is queued in late's transaction, after late's: once
	// it arrives, late's is final.
	sent := func(r []webhooktest.Request) []string {
		var out []string
		for _, q := range r {
			out = append(out, q.Decode(t).ID)
		}
		return out
	}
	got := rcv.WaitFor(t, 30*time.Second, "the event after the enabling", func(r []webhooktest.Request) bool {
		return slices.Contains(sent(r[before:]), after.ID)
	})
	if evs := sent(got[before:]); len(evs) != 1 {
		t.Errorf("enabled again, the webhook was sent events %v; want only %s (pending at disable %s, applied while disabled %s, happened while disabled %s)",
			evs, after.ID, pending.ID, applied.ID, late.ID)
	}
	for _, d := range s.deliveries(t, org, w.GetId()) {
		if e := d.GetEventId(); e == applied.ID || e == late.ID {
			t.Errorf("a delivery of an event of the disabled time (%s): %+v", e, d)
		}
		if d.GetEventId() == pending.ID && d.GetStatus() != pb.DeliveryStatus_DELIVERY_STATUS_DEAD_LETTERED {
			t.Errorf("the delivery pending at disable is %v after the enabling; want dead-lettered", d.GetStatus())
		}
	}

	// The change feed has what happened meanwhile.
	feed, err := s.feed.ListChanges(ctx, &pb.ListChangesRequest{Types: []string{"referral.received"}})
	if err != nil {
		t.Fatal(err)
	}
	var inFeed []string
	for _, c := range feed.GetEvents() {
		inFeed = append(inFeed, c.GetId())
	}
	if want := []string{pending.ID, applied.ID, late.ID, after.ID}; !slices.Equal(inFeed, want) {
		t.Errorf("the change feed has %v; want %v", inFeed, want)
	}

	// The delivery dead-lettered at disable is sent on request.
	n := len(rcv.Requests())
	resp, err := s.wh.RedeliverWebhookDeliveries(ctx, &pb.RedeliverWebhookDeliveriesRequest{Id: w.GetId(), StartTime: timestamppb.New(begin)})
	if err != nil || resp.GetRedeliveredCount() != 1 {
		t.Fatalf("bulk redelivery: %v, %v; want the delivery dead-lettered at disable", resp, err)
	}
	rcv.WaitFor(t, 30*time.Second, "the redelivery", func(r []webhooktest.Request) bool {
		return len(r) > n && r[n].Decode(t).ID == pending.ID && r[n].Status == http.StatusOK
	})
}
