package service_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	pb "github.com/spona/spona/gen/go/spona/webhooks/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/statustest"
	"github.com/spona/spona/pkg/testkit/webhooktest"
	"github.com/spona/spona/services/webhooks/service"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

var referralTypes = []string{"referral.received", "referral.accepted", "referral.declined", "referral.started",
	"referral.completed", "referral.cancelled", "referral.overdue"}

// jittery answers 204 after a random pause, so attempts overlap and finish
// out of order unless the dispatcher keeps them in order.
func jittery(int, webhooktest.Request) int {
	time.Sleep(time.Duration(rand.IntN(20)) * time.Millisecond)
	return http.StatusNoContent
}

// TestReferralLifeInOrder: the whole life of several referrals reaches the
// receiver's and the sender's endpoints, each in order per referral, signed
// (checked with the standardwebhooks npm package), with thin bodies; an
// unrelated organisation's endpoint gets nothing.
func TestReferralLifeInOrder(t *testing.T) {
	s := start(t, nil)
	sender, receiver, unrelated := ids.New(), ids.New(), ids.New()
	atSender, atReceiver, atUnrelated := webhooktest.Start(t, jittery), webhooktest.Start(t, jittery), webhooktest.Start(t, nil)
	ws := s.subscribe(t, sender, atSender.URL(), referralTypes...)
	wr := s.subscribe(t, receiver, atReceiver.URL(), referralTypes...)
	s.subscribe(t, unrelated, atUnrelated.URL(), referralTypes...)

	const referrals = 6
	life := []struct{ typ, status string }{
		{"referral.created", "draft"}, {"referral.sent", "sent"}, {"referral.accepted", "accepted"},
		{"referral.overdue", "accepted"}, {"referral.started", "in_progress"}, {"referral.completed", "completed"},
	}
	var refIDs []string
	for range referrals {
		refIDs = append(refIDs, ids.New())
	}
	// Interleaved, one transaction per event, as the feed consumer applies them.
	for _, step := range life {
		for _, r := range refIDs {
			s.inject(t, referralEvent(step.typ, r, sender, receiver, step.status))
		}
	}
	wantSender := []string{"referral.accepted", "referral.overdue", "referral.started", "referral.completed"}
	wantReceiver := []string{"referral.received", "referral.overdue"}
	check := func(name string, rcv *webhooktest.Receiver, want []string, secret string) {
		reqs := rcv.WaitFor(t, 30*time.Second, name+" deliveries", func(r []webhooktest.Request) bool {
			return len(r) >= referrals*len(want)
		})
		if len(reqs) != referrals*len(want) {
			t.Fatalf("%s got %d requests, want %d", name, len(reqs), referrals*len(want))
		}
		perReferral := map[string][]string{}
		seen := map[string]bool{}
		for _, q := range reqs {
			e := q.Decode(t)
			id, _ := e.Data["referral_id"].(string)
			perReferral[id] = append(perReferral[id], e.Type)
			if seen[q.ID] {
				t.Errorf("%s: webhook-id %s twice", name, q.ID)
			}
			seen[q.ID] = true
			for k := range e.Data {
				if !slices.Contains([]string{"referral_id", "beneficiary_id", "from_organisation_id", "to_organisation_id", "status", "urgency", "due_time", "sequence"}, k) {
					t.Errorf("%s: body carries %q: %s", name, k, q.Body)
				}
			}
			if _, err := time.Parse(time.RFC3339Nano, e.Timestamp); err != nil {
				t.Errorf("timestamp %q: %v", e.Timestamp, err)
			}
		}
		for _, r := range refIDs {
			if !slices.Equal(perReferral[r], want) {
				t.Errorf("%s: referral %s arrived as %v, want %v", name, r, perReferral[r], want)
			}
		}
		webhooktest.Verify(t, []string{secret}, reqs)
	}
	check("sender", atSender, wantSender, ws.GetSecret())
	check("receiver", atReceiver, wantReceiver, wr.GetSecret())
	if got := atUnrelated.Requests(); len(got) != 0 {
		t.Fatalf("an unrelated organisation received %d webhooks: %s", len(got), got[0].Body)
	}
	// Each attempt is recorded after its receiver answered.
	for _, d := range s.attempted(t, sender, ws.GetId(), int32(referrals*len(wantSender))) {
		if d.GetStatus() != pb.DeliveryStatus_DELIVERY_STATUS_SUCCEEDED || d.GetAttempts() != 1 || d.GetLastResponseCode() != 204 || d.GetDeliverTime() == nil {
			t.Errorf("delivery %+v", d)
		}
	}
}

// TestRetryUntilSuccess: a receiver that answers 500 three times and then
// 200 gets the event exactly once more after it recovers, with the same
// webhook-id every time; the log shows it.
func TestRetryUntilSuccess(t *testing.T) {
	s := start(t, nil)
	sender, receiver := ids.New(), ids.New()
	rcv := webhooktest.Start(t, func(n int, _ webhooktest.Request) int {
		if n <= 3 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	w := s.subscribe(t, receiver, rcv.URL(), "referral.received")
	s.inject(t, referralEvent("referral.sent", ids.New(), sender, receiver, "sent"))
	rcv.WaitFor(t, 30*time.Second, "a successful delivery", func(r []webhooktest.Request) bool { return len(r) >= 4 })
	// The success is recorded after the receiver answered.
	s.attempted(t, receiver, w.GetId(), 4)
	// Give a wrong extra attempt every chance to happen.
	time.Sleep(500 * time.Millisecond)
	reqs := rcv.Requests()
	if len(reqs) != 4 {
		t.Fatalf("%d requests, want 3 failures and 1 success", len(reqs))
	}
	for _, q := range reqs {
		if q.ID != reqs[0].ID || string(q.Body) != string(reqs[0].Body) {
			t.Fatalf("attempts differ: %v", reqs)
		}
	}
	if len(rcv.Succeeded()) != 1 {
		t.Fatalf("%d successes", len(rcv.Succeeded()))
	}
	webhooktest.Verify(t, []string{w.GetSecret()}, reqs)
	ds := s.deliveries(t, receiver, w.GetId())
	if len(ds) != 1 {
		t.Fatalf("%d deliveries", len(ds))
	}
	d := ds[0]
	if d.GetId() != reqs[0].ID || d.GetStatus() != pb.DeliveryStatus_DELIVERY_STATUS_SUCCEEDED || d.GetAttempts() != 4 ||
		d.GetLastResponseCode() != 200 || d.GetLastError() != "" || d.GetLastLatency() == nil || d.GetNextAttemptTime() != nil {
		t.Fatalf("delivery %+v", d)
	}
	got, err := s.wh.GetWebhook(as(t, receiver), &pb.GetWebhookRequest{Id: w.GetId()})
	if err != nil || got.GetWebhook().GetFirstFailureTime() != nil {
		t.Fatalf("after recovery: %v %+v", err, got.GetWebhook())
	}
}

// TestAttemptOutlastingTheLeaseIsSentOnce: WEBHOOK_LEASE set shorter than
// WEBHOOK_TIMEOUT (a timeout raised for a slow partner, the lease left at
// its default). An answer that comes within the timeout but after the lease
// is a success, sent once: the lease of an attempt lasts at least its
// timeout, so no dispatcher claims the delivery again while it is in
// flight. (Before, the lease ran out mid-attempt and the delivery was sent
// again at once with the same webhook-id, twice in flight together.)
func TestAttemptOutlastingTheLeaseIsSentOnce(t *testing.T) {
	s := start(t, func(c *service.Config) { c.Timeout, c.Lease = 8*time.Second, 300*time.Millisecond })
	sender, receiver := ids.New(), ids.New()
	rcv := webhooktest.Start(t, func(int, webhooktest.Request) int {
		time.Sleep(1500 * time.Millisecond) // longer than the lease, within the timeout
		return http.StatusOK
	})
	w := s.subscribe(t, receiver, rcv.URL(), "referral.received")
	s.inject(t, referralEvent("referral.sent", ids.New(), sender, receiver, "sent"))
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		ds := s.deliveries(t, receiver, w.GetId())
		if len(ds) == 1 && ds[0].GetStatus() == pb.DeliveryStatus_DELIVERY_STATUS_SUCCEEDED {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not recorded as delivered; the receiver got it %d times: %v", len(rcv.Requests()), ds)
		}
	}
	if reqs := rcv.Requests(); len(reqs) != 1 {
		t.Fatalf("the receiver got the webhook %d times (ids %v)", len(reqs), func() (out []string) {
			for _, q := range reqs {
				out = append(out, q.ID)
			}
			return out
		}())
	}
}

// TestRotationSignsWithBoth: after :rotateSecret deliveries carry two
// signatures, each verifying with its own secret.
func TestRotationSignsWithBoth(t *testing.T) {
	s := start(t, nil)
	sender, receiver := ids.New(), ids.New()
	rcv := webhooktest.Start(t, nil)
	w := s.subscribe(t, receiver, rcv.URL(), "referral.received")
	r, err := s.wh.RotateWebhookSecret(as(t, receiver), &pb.RotateWebhookSecretRequest{Id: w.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	s.inject(t, referralEvent("referral.sent", ids.New(), sender, receiver, "sent"))
	reqs := rcv.WaitFor(t, 30*time.Second, "a delivery", func(r []webhooktest.Request) bool { return len(r) == 1 })
	if n := len(strings.Fields(reqs[0].Signature)); n != 2 {
		t.Fatalf("signature header %q: %d signatures, want 2", reqs[0].Signature, n)
	}
	webhooktest.VerifyEach(t, w.GetSecret(), reqs...)
	webhooktest.VerifyEach(t, r.GetWebhook().GetSecret(), reqs...)
}

// TestRotationAgainKeepsTheFirstOverlap: a second :rotateSecret within
// the day (a rotation retried without its Idempotency-Key after its answer
// was lost, or made by a second administrator) does not stop the secret the
// first one replaced from signing: a receiver still verifying with it keeps
// getting deliveries it accepts, beside the two newer secrets.
func TestRotationAgainKeepsTheFirstOverlap(t *testing.T) {
	s := start(t, nil)
	sender, receiver := ids.New(), ids.New()
	rcv := webhooktest.Start(t, nil)
	w := s.subscribe(t, receiver, rcv.URL(), "referral.received")
	secrets := []string{w.GetSecret()}
	for range 2 {
		r, err := s.wh.RotateWebhookSecret(as(t, receiver), &pb.RotateWebhookSecretRequest{Id: w.GetId()})
		if err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, r.GetWebhook().GetSecret())
	}
	s.inject(t, referralEvent("referral.sent", ids.New(), sender, receiver, "sent"))
	reqs := rcv.WaitFor(t, 30*time.Second, "a delivery", func(r []webhooktest.Request) bool { return len(r) == 1 })
	if n := len(strings.Fields(reqs[0].Signature)); n != 3 {
		t.Errorf("signature header %q: %d signatures, want 3 (the current secret and the two replaced today)", reqs[0].Signature, n)
	}
	for i, secret := range secrets {
		t.Run(fmt.Sprintf("secret %d", i), func(t *testing.T) { webhooktest.VerifyEach(t, secret, reqs...) })
	}
}

// downReceiver is a receiver answering 503 while down is set (at first),
// 200 once it is cleared.
func downReceiver(t *testing.T) (*webhooktest.Receiver, *atomic.Bool) {
	down := new(atomic.Bool)
	down.Store(true)
	rcv := webhooktest.Start(t, func(int, webhooktest.Request) int {
		if down.Load() {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	return rcv, down
}

// TestDeadLetterDisableRedeliver: a failing delivery is dead-lettered when
// its retry window ends; a subscription failing for the whole disable
// period is disabled and says why; enabled again, a dead-lettered delivery
// is sent again on :redeliver with the same webhook-id.
func TestDeadLetterDisableRedeliver(t *testing.T) {
	s := start(t, func(c *service.Config) {
		c.RetryFor, c.DisableAfter, c.RetryMax = 400*time.Millisecond, 1500*time.Millisecond, 200*time.Millisecond
	})
	sender, receiver := ids.New(), ids.New()
	rcv, down := downReceiver(t)
	w := s.subscribe(t, receiver, rcv.URL(), "referral.received")
	ctx := as(t, receiver)
	first := referralEvent("referral.sent", ids.New(), sender, receiver, "sent")
	s.inject(t, first)
	var dead *pb.Delivery
	deadline := time.Now().Add(30 * time.Second)
	for dead == nil {
		if time.Now().After(deadline) {
			t.Fatal("no delivery dead-lettered")
		}
		s.inject(t, referralEvent("referral.sent", ids.New(), sender, receiver, "sent"))
		for _, d := range s.deliveries(t, receiver, w.GetId()) {
			if d.GetEventId() == first.ID && d.GetStatus() == pb.DeliveryStatus_DELIVERY_STATUS_DEAD_LETTERED {
				dead = d
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if dead.GetAttempts() < 2 || dead.GetLastResponseCode() != 503 || dead.GetLastError() != "HTTP 503" ||
		dead.GetDeadLetterReason() != pb.DeliveryDeadLetterReason_DELIVERY_DEAD_LETTER_REASON_RETRIES_EXHAUSTED {
		t.Fatalf("dead-lettered %+v, want RETRIES_EXHAUSTED after HTTP 503", dead)
	}
	var disabled *pb.Webhook
	for disabled == nil {
		if time.Now().After(deadline) {
			t.Fatal("the failing webhook was not disabled")
		}
		s.inject(t, referralEvent("referral.sent", ids.New(), sender, receiver, "sent"))
		got, err := s.wh.GetWebhook(ctx, &pb.GetWebhookRequest{Id: w.GetId()})
		if err != nil {
			t.Fatal(err)
		}
		if got.GetWebhook().GetState() == pb.WebhookState_WEBHOOK_STATE_DISABLED {
			disabled = got.GetWebhook()
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(disabled.GetDisabledReason(), "failed since") || disabled.GetFirstFailureTime() == nil || disabled.GetDisableTime() == nil ||
		disabled.GetDisabledReasonCode() != pb.WebhookDisabledReason_WEBHOOK_DISABLED_REASON_FAILING {
		t.Fatalf("disabled %+v, want the reason FAILING, in words, and the time", disabled)
	}
	// The list says it too.
	list, err := s.wh.ListWebhooks(ctx, &pb.ListWebhooksRequest{})
	if err != nil || len(list.GetWebhooks()) != 1 || list.GetWebhooks()[0].GetDisabledReasonCode() != pb.WebhookDisabledReason_WEBHOOK_DISABLED_REASON_FAILING ||
		!list.GetWebhooks()[0].GetDisableTime().AsTime().Equal(disabled.GetDisableTime().AsTime()) {
		t.Fatalf("listed: %v %+v, want the reason FAILING and the disable time", err, list.GetWebhooks())
	}
	for _, d := range s.deliveries(t, receiver, w.GetId()) {
		if d.GetStatus() == pb.DeliveryStatus_DELIVERY_STATUS_PENDING {
			t.Errorf("a disabled webhook keeps a pending delivery: %+v", d)
		}
		if d.GetStatus() == pb.DeliveryStatus_DELIVERY_STATUS_DEAD_LETTERED && d.GetDeadLetterReason() == pb.DeliveryDeadLetterReason_DELIVERY_DEAD_LETTER_REASON_UNSPECIFIED {
			t.Errorf("a dead-lettered delivery says no reason: %+v", d)
		}
	}
	// Disabled: nothing is queued, redelivery is refused. Attempts
	// claimed before the disable end first (they are sent all the same).
	s.settled(t)
	before := len(rcv.Requests())
	s.inject(t, referralEvent("referral.sent", ids.New(), sender, receiver, "sent"))
	_, err = s.wh.RedeliverWebhookDelivery(ctx, &pb.RedeliverWebhookDeliveryRequest{WebhookId: w.GetId(), DeliveryId: dead.GetId()})
	statustest.Want(t, err, codes.FailedPrecondition, "redeliver to a disabled webhook")

	down.Store(false)
	if _, err := s.wh.UpdateWebhook(ctx, &pb.UpdateWebhookRequest{
		Webhook: &pb.Webhook{Id: w.GetId(), Etag: disabled.GetEtag(), State: pb.WebhookState_WEBHOOK_STATE_ACTIVE}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"state"}},
	}); err != nil {
		t.Fatal(err)
	}
	// Enabled again: no reason, no disable time.
	if on, err := s.wh.GetWebhook(ctx, &pb.GetWebhookRequest{Id: w.GetId()}); err != nil || on.GetWebhook().GetState() != pb.WebhookState_WEBHOOK_STATE_ACTIVE ||
		on.GetWebhook().GetDisabledReasonCode() != pb.WebhookDisabledReason_WEBHOOK_DISABLED_REASON_UNSPECIFIED ||
		on.GetWebhook().GetDisabledReason() != "" || on.GetWebhook().GetDisableTime() != nil {
		t.Fatalf("enabled again: %v %+v, want no reason and no disable time", err, on.GetWebhook())
	}
	again, err := s.wh.RedeliverWebhookDelivery(ctx, &pb.RedeliverWebhookDeliveryRequest{WebhookId: w.GetId(), DeliveryId: dead.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	if again.GetDelivery().GetStatus() != pb.DeliveryStatus_DELIVERY_STATUS_PENDING ||
		again.GetDelivery().GetDeadLetterReason() != pb.DeliveryDeadLetterReason_DELIVERY_DEAD_LETTER_REASON_UNSPECIFIED {
		t.Fatalf("redelivered %+v, want pending with no dead-letter reason", again.GetDelivery())
	}
	reqs := rcv.WaitFor(t, 30*time.Second, "the redelivery", func(r []webhooktest.Request) bool {
		return len(r) > before && r[len(r)-1].Status == http.StatusOK
	})
	last := reqs[len(reqs)-1]
	if last.ID != dead.GetId() || len(reqs) != before+1 {
		t.Fatalf("after enabling: %d new requests, last %s, want one for %s", len(reqs)-before, last.ID, dead.GetId())
	}
	webhooktest.Verify(t, []string{w.GetSecret()}, []webhooktest.Request{last})
}

// TestBulkRedeliverAfterOutage: a partner whose receiver was down long
// enough for its deliveries to be dead-lettered sends them all again with
// one RedeliverWebhookDeliveries (POST /v1/webhooks/{id}:redeliver) once it
// is back: each arrives once more, with its webhook-id, in the referral's
// event order,
// signed with the subscription's secret (the official Standard Webhooks
// verifier). A delivery made before the window's start is not sent, and
// calling again sends nothing twice. Before, there was no such call: each
// dead-lettered delivery had to be redelivered by its id.
func TestBulkRedeliverAfterOutage(t *testing.T) {
	s := start(t, func(c *service.Config) {
		c.RetryFor, c.RetryMax = 300*time.Millisecond, 100*time.Millisecond
	})
	sender, receiver := ids.New(), ids.New()
	rcv, down := downReceiver(t)
	w := s.subscribe(t, receiver, rcv.URL(), "referral.received")
	ctx := as(t, receiver)
	s.inject(t, referralEvent("referral.sent", ids.New(), sender, receiver, "sent"))
	dead := func(want int) []*pb.Delivery {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			var out []*pb.Delivery
			for _, d := range s.deliveries(t, receiver, w.GetId()) {
				if d.GetStatus() == pb.DeliveryStatus_DELIVERY_STATUS_DEAD_LETTERED {
					out = append(out, d)
				}
			}
			if len(out) == want {
				slices.Reverse(out) // oldest first
				return out
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d deliveries dead-lettered, want %d", len(out), want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	dead(1)
	// The outage: from here on.
	time.Sleep(10 * time.Millisecond)
	outage := time.Now()
	referral := ids.New() // one referral's events: sent in order
	for range 3 {
		s.inject(t, referralEvent("referral.sent", referral, sender, receiver, "sent"))
	}
	missed := dead(4)[1:]
	down.Store(false)
	before := len(rcv.Requests())
	resp, err := s.wh.RedeliverWebhookDeliveries(ctx, &pb.RedeliverWebhookDeliveriesRequest{Id: w.GetId(), StartTime: timestamppb.New(outage)})
	if err != nil || resp.GetRedeliveredCount() != 3 || resp.GetMore() {
		t.Fatalf("bulk redelivery: %v, %v; want 3 redelivered", resp, err)
	}
	reqs := rcv.WaitFor(t, 30*time.Second, "the redeliveries", func(r []webhooktest.Request) bool { return len(r) >= before+3 })
	got := reqs[before:]
	for i, d := range missed {
		if got[i].ID != d.GetId() || got[i].Status != http.StatusOK {
			t.Fatalf("redelivery %d: %s answered %d, want %s (oldest first)", i, got[i].ID, got[i].Status, d.GetId())
		}
	}
	webhooktest.Verify(t, []string{w.GetSecret()}, got)
	again, err := s.wh.RedeliverWebhookDeliveries(ctx, &pb.RedeliverWebhookDeliveriesRequest{Id: w.GetId(), StartTime: timestamppb.New(outage)})
	if err != nil || again.GetRedeliveredCount() != 0 {
		t.Fatalf("called again: %v, %v; want nothing redelivered", again, err)
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(rcv.Requests()); n != before+3 {
		t.Fatalf("%d requests after the bulk redelivery, want 3 (the delivery before the outage is not sent)", n-before)
	}
	_, err = s.wh.RedeliverWebhookDeliveries(ctx, &pb.RedeliverWebhookDeliveriesRequest{Id: w.GetId()})
	statustest.Want(t, err, codes.InvalidArgument, "no start_time")
}

// TestGoneDisables: 410 Gone disables the subscription at once.
func TestGoneDisables(t *testing.T) {
	s := start(t, nil)
	sender, receiver := ids.New(), ids.New()
	rcv := webhooktest.Start(t, func(int, webhooktest.Request) int { return http.StatusGone })
	w := s.subscribe(t, receiver, rcv.URL(), "referral.received")
	s.inject(t, referralEvent("referral.sent", ids.New(), sender, receiver, "sent"))
	rcv.WaitFor(t, 30*time.Second, "the delivery", func(r []webhooktest.Request) bool { return len(r) == 1 })
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := s.wh.GetWebhook(as(t, receiver), &pb.GetWebhookRequest{Id: w.GetId()})
		if err != nil {
			t.Fatal(err)
		}
		if got.GetWebhook().GetState() == pb.WebhookState_WEBHOOK_STATE_DISABLED {
			if !strings.Contains(got.GetWebhook().GetDisabledReason(), "410") ||
				got.GetWebhook().GetDisabledReasonCode() != pb.WebhookDisabledReason_WEBHOOK_DISABLED_REASON_GONE {
				t.Fatalf("reason %q (%s), want GONE", got.GetWebhook().GetDisabledReason(), got.GetWebhook().GetDisabledReasonCode())
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("410 did not disable the webhook")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSlowTargetIsCapped: a receiver that hangs gets at most
// TargetConcurrency requests at once, and the others' deliveries go on.
func TestSlowTargetIsCapped(t *testing.T) {
	const capPerTarget = 3
	s := start(t, func(c *service.Config) { c.TargetConcurrency = capPerTarget; c.Workers = 8 })
	sender, slowOrg, fastOrg := ids.New(), ids.New(), ids.New()
	gate := make(chan struct{})
	var held hanging
	slow := webhooktest.Start(t, held.until(gate))
	fast := webhooktest.Start(t, nil)
	s.subscribe(t, slowOrg, slow.URL(), "referral.received")
	s.subscribe(t, fastOrg, fast.URL(), "referral.received")
	const n = 20
	for i := range n {
		s.inject(t, referralEvent("referral.sent", ids.New(), sender, slowOrg, "sent"))
		s.inject(t, referralEvent("referral.sent", ids.New(), sender, fastOrg, fmt.Sprint("sent", i)))
	}
	fast.WaitFor(t, 30*time.Second, "the fast receiver's deliveries while the slow one hangs", func(r []webhooktest.Request) bool { return len(r) == n })
	close(gate)
	slow.WaitFor(t, 60*time.Second, "the slow receiver's deliveries", func(r []webhooktest.Request) bool { return len(r) == n })
	if most := held.most(); most > capPerTarget {
		t.Fatalf("%d requests at once to one target, cap %d", most, capPerTarget)
	} else if most < capPerTarget {
		t.Logf("only %d at once (cap %d)", most, capPerTarget)
	}
}

// hanging counts the requests its receivers hold at once.
type hanging struct {
	mu               sync.Mutex
	inFlight, atMost int
}

// until answers a request 200 once gate is closed.
func (h *hanging) until(gate <-chan struct{}) func(int, webhooktest.Request) int {
	return func(int, webhooktest.Request) int {
		h.mu.Lock()
		h.inFlight++
		h.atMost = max(h.atMost, h.inFlight)
		h.mu.Unlock()
		<-gate
		h.mu.Lock()
		h.inFlight--
		h.mu.Unlock()
		return http.StatusOK
	}
}

// most is the most requests held at once.
func (h *hanging) most() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.atMost
}

// TestSlowTargetsLeaveWorkersToOthers: two receivers that hang, each with
// a backlog older than anything else, take only the workers their
// requests in flight use (TargetConcurrency each); the deliveries claimed
// and waiting for a slot of their target take none, so a third receiver
// is served while both hang. (Before, a target's waiting deliveries
// counted as workers: WEBHOOK_WORKERS / (2 * WEBHOOK_TARGET_CONCURRENCY)
// hanging receivers, 4 with the defaults, held every worker and no other
// receiver got anything until their attempts timed out.)
func TestSlowTargetsLeaveWorkersToOthers(t *testing.T) {
	const capPerTarget, workers = 2, 8
	s := start(t, func(c *service.Config) {
		c.TargetConcurrency, c.Workers, c.Timeout, c.Lease = capPerTarget, workers, 40*time.Second, 45*time.Second
	})
	sender := ids.New()
	gate := make(chan struct{})
	var held hanging
	var slow []*webhooktest.Receiver
	for range 2 {
		org, rcv := ids.New(), webhooktest.Start(t, held.until(gate))
		s.subscribe(t, org, rcv.URL(), "referral.received")
		for range 10 {
			s.inject(t, referralEvent("referral.sent", ids.New(), sender, org, "sent"))
		}
		slow = append(slow, rcv)
	}
	fastOrg, fast := ids.New(), webhooktest.Start(t, nil)
	s.subscribe(t, fastOrg, fast.URL(), "referral.received")
	const n = 5
	for range n {
		s.inject(t, referralEvent("referral.sent", ids.New(), sender, fastOrg, "sent"))
	}
	released := false
	defer func() {
		if !released {
			close(gate)
		}
	}()
	fast.WaitFor(t, 20*time.Second, "the fast receiver's deliveries while two others hang", func(r []webhooktest.Request) bool { return len(r) == n })
	released = true
	close(gate)
	for _, rcv := range slow {
		rcv.WaitFor(t, 60*time.Second, "a slow receiver's deliveries", func(r []webhooktest.Request) bool { return len(r) == 10 })
	}
	if most := held.most(); most > 2*capPerTarget {
		t.Fatalf("%d requests at once to the two hanging targets, cap %d each", most, capPerTarget)
	}
}

// TestReceiverKilledMissesNothing: a receiver that dies in the middle of a
// burst (connections cut, requests in flight unanswered) and comes back on
// the same address gets every event; a repeat carries the same webhook-id.
func TestReceiverKilledMissesNothing(t *testing.T) {
	s := start(t, nil)
	sender, receiver := ids.New(), ids.New()
	rcv := webhooktest.Start(t, jittery)
	w := s.subscribe(t, receiver, rcv.URL(), "referral.received")
	const n = 60
	want := map[string]bool{}
	for range n {
		e := referralEvent("referral.sent", ids.New(), sender, receiver, "sent")
		want[e.AggregateID] = true
		s.inject(t, e)
	}
	rcv.WaitFor(t, 30*time.Second, "the first deliveries", func(r []webhooktest.Request) bool { return len(r) >= 10 })
	rcv.Kill()
	time.Sleep(300 * time.Millisecond) // attempts fail meanwhile
	rcv.Restart(t)
	reqs := rcv.WaitFor(t, 60*time.Second, "every event", func(r []webhooktest.Request) bool {
		got := map[string]bool{}
		for _, q := range r {
			if q.Status < 300 {
				got[q.Decode(t).Data["referral_id"].(string)] = true
			}
		}
		return len(got) == n
	})
	idOf := map[string]string{} // referral -> webhook-id
	for _, q := range reqs {
		ref := q.Decode(t).Data["referral_id"].(string)
		if !want[ref] {
			t.Fatalf("unexpected referral %s", ref)
		}
		if prev, ok := idOf[ref]; ok && prev != q.ID {
			t.Fatalf("referral %s delivered under two webhook-ids %s and %s", ref, prev, q.ID)
		}
		idOf[ref] = q.ID
	}
	t.Logf("%d requests for %d events", len(reqs), n)
	webhooktest.Verify(t, []string{w.GetSecret()}, reqs)
}

// TestWaitingDeliveryFollowsItsWebhook: a delivery claimed while its
// target is busy waits; meanwhile its webhook may be pointed elsewhere (it
// then goes to the new URL) or deleted (it is then not sent at all).
func TestWaitingDeliveryFollowsItsWebhook(t *testing.T) {
	s := start(t, func(c *service.Config) { c.TargetConcurrency = 1 })
	sender, org, other := ids.New(), ids.New(), ids.New()
	leased := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			var got int
			if err := s.pool.QueryRow(context.Background(), `SELECT count(*) FROM deliveries WHERE lease_id IS NOT NULL`).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got == n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d deliveries claimed, want %d", got, n)
			}
		}
	}
	// busy answers its first request only when the gate opens.
	busy := func() (*webhooktest.Receiver, chan struct{}, chan struct{}) {
		arrived, gate := make(chan struct{}), make(chan struct{})
		r := webhooktest.Start(t, func(n int, _ webhooktest.Request) int {
			if n == 1 {
				close(arrived)
				<-gate
			}
			return http.StatusOK
		})
		return r, arrived, gate
	}
	referralOf := func(r webhooktest.Request) string { v, _ := r.Decode(t).Data["referral_id"].(string); return v }

	// Pointed elsewhere while waiting.
	old, arrived, gate := busy()
	moved := webhooktest.Start(t, nil)
	w := s.subscribe(t, org, old.URL(), "referral.received")
	s.inject(t, referralEvent("referral.sent", ids.New(), sender, org, "sent"))
	<-arrived
	second := ids.New()
	s.inject(t, referralEvent("referral.sent", second, sender, org, "sent"))
	leased(2)
	if _, err := s.wh.UpdateWebhook(as(t, org), &pb.UpdateWebhookRequest{
		Webhook: &pb.Webhook{Id: w.GetId(), Etag: w.GetEtag(), Url: moved.URL()}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"url"}},
	}); err != nil {
		t.Fatal(err)
	}
	close(gate)
	got := moved.WaitFor(t, 30*time.Second, "the waiting delivery at the new URL", func(r []webhooktest.Request) bool { return len(r) == 1 })
	if referralOf(got[0]) != second || len(old.Requests()) != 1 {
		t.Fatalf("new URL got %s (want %s); old URL got %d requests, want 1", referralOf(got[0]), second, len(old.Requests()))
	}

	// Deleted while waiting: not sent. A later delivery to the same target
	// (another organisation's webhook) starts only after the waiting one
	// was dealt with, so it fences the check.
	old, arrived, gate = busy()
	w = s.subscribe(t, other, old.URL(), "referral.received")
	fenceOrg := ids.New()
	s.subscribe(t, fenceOrg, old.URL(), "referral.received")
	first := ids.New()
	s.inject(t, referralEvent("referral.sent", first, sender, other, "sent"))
	<-arrived
	s.inject(t, referralEvent("referral.sent", ids.New(), sender, other, "sent"))
	leased(2)
	if _, err := s.wh.DeleteWebhook(as(t, other), &pb.DeleteWebhookRequest{Id: w.GetId()}); err != nil {
		t.Fatal(err)
	}
	close(gate)
	fence := ids.New()
	s.inject(t, referralEvent("referral.sent", fence, sender, fenceOrg, "sent"))
	got = old.WaitFor(t, 30*time.Second, "the fence delivery", func(r []webhooktest.Request) bool {
		return slices.ContainsFunc(r, func(q webhooktest.Request) bool { return referralOf(q) == fence })
	})
	if len(got) != 2 || referralOf(got[0]) != first {
		var seen []string
		for _, r := range got {
			seen = append(seen, referralOf(r))
		}
		t.Fatalf("the target got %v, want the first %s and the fence %s only", seen, first, fence)
	}
}

// TestRedeliveredEventOrdersByItsTimestamp: an event dead-lettered while
// the receiver was down, redelivered after a later event of the same
// referral was delivered, arrives after it; its body's `timestamp` is
// still the event's own time (the same on every attempt, whatever the
// webhook-timestamp header of the attempt says), earlier than the later
// event's, so a receiver ordering a referral's events by it keeps the
// later state. The body is signed as before.
func TestRedeliveredEventOrdersByItsTimestamp(t *testing.T) {
	s := start(t, func(c *service.Config) {
		c.RetryFor, c.RetryMax = 300*time.Millisecond, 100*time.Millisecond
	})
	sender, receiver := ids.New(), ids.New()
	rcv, down := downReceiver(t)
	w := s.subscribe(t, receiver, rcv.URL(), "referral.received", "referral.cancelled")
	ctx := as(t, receiver)
	referral := ids.New()
	sent := referralEvent("referral.sent", referral, sender, receiver, "sent")
	s.inject(t, sent)
	dead := s.deadLettered(t, receiver, w.GetId(), sent.ID)
	down.Store(false)
	cancelled := referralEvent("referral.cancelled", referral, sender, receiver, "cancelled")
	cancelled.Time = sent.Time.Add(time.Second)
	s.inject(t, cancelled)
	rcv.WaitFor(t, 30*time.Second, "the later event", func(r []webhooktest.Request) bool {
		return len(r) > 0 && r[len(r)-1].Status == http.StatusOK
	})
	if _, err := s.wh.RedeliverWebhookDelivery(ctx, &pb.RedeliverWebhookDeliveryRequest{WebhookId: w.GetId(), DeliveryId: dead.GetId()}); err != nil {
		t.Fatal(err)
	}
	reqs := rcv.WaitFor(t, 30*time.Second, "the redelivery", func(r []webhooktest.Request) bool {
		return len(r) > 0 && r[len(r)-1].ID == dead.GetId() && r[len(r)-1].Status == http.StatusOK
	})
	ok := slices.DeleteFunc(slices.Clone(reqs), func(r webhooktest.Request) bool { return r.Status != http.StatusOK })
	if len(ok) != 2 {
		t.Fatalf("%d deliveries answered 200, want 2 (the later event, then the redelivered one)", len(ok))
	}
	webhooktest.Verify(t, []string{w.GetSecret()}, ok)
	type body struct {
		ID, Type, Timestamp string
	}
	var later, redelivered body
	for i, b := range []*body{&later, &redelivered} {
		if err := json.Unmarshal(ok[i].Body, b); err != nil {
			t.Fatal(err)
		}
	}
	if later.ID != cancelled.ID || redelivered.ID != sent.ID {
		t.Fatalf("arrived %s then %s, want the later event %s, then the redelivered %s", later.ID, redelivered.ID, cancelled.ID, sent.ID)
	}
	if want := sent.Time.UTC().Format(time.RFC3339Nano); redelivered.Timestamp != want {
		t.Fatalf("the redelivered event's timestamp %s, want its own time %s", redelivered.Timestamp, want)
	}
	first, err1 := time.Parse(time.RFC3339Nano, redelivered.Timestamp)
	second, err2 := time.Parse(time.RFC3339Nano, later.Timestamp)
	if err1 != nil || err2 != nil || !first.Before(second) {
		t.Fatalf("timestamps %q (redelivered) and %q (later): %v %v; want the redelivered one first", redelivered.Timestamp, later.Timestamp, err1, err2)
	}
	// The attempt's own time is in the header, after the later event's.
	if ok[1].Timestamp < ok[0].Timestamp {
		t.Fatalf("webhook-timestamp %s of the redelivery before %s", ok[1].Timestamp, ok[0].Timestamp)
	}
}
