package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	pb "github.com/spona/spona/gen/go/spona/webhooks/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/services/webhooks/migrations"
	"github.com/spona/spona/services/webhooks/service"
)

// TestMigrationDisabledReasonCode: webhooks migration 00009 gives the
// subscriptions disabled before it their disabled_reason_code from the
// reason in words the older build wrote: "disabled by the organisation" is
// BY_ORGANISATION, "the endpoint answered 410 Gone" GONE, "every delivery
// failed since …" (whatever the last failure) FAILING; active ones get none,
// and the words, state and disable time stay as they were. The schema is
// taken back to version 00008 (pgtest.Undo), the rows are made as the older
// build left them, and a webhooks service started on the database applies
// 00009 again.
func TestMigrationDisabledReasonCode(t *testing.T) {
	s := start(t, nil)
	disabledAt := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	rows := []struct {
		name, state, reason string
		want                pb.WebhookDisabledReason
	}{
		{"by the organisation", "disabled", "disabled by the organisation", pb.WebhookDisabledReason_WEBHOOK_DISABLED_REASON_BY_ORGANISATION},
		{"410", "disabled", "the endpoint answered 410 Gone", pb.WebhookDisabledReason_WEBHOOK_DISABLED_REASON_GONE},
		{"failing with 503", "disabled", "every delivery failed since 2026-11-26T08:00:00Z (120h0m0s); last: HTTP 503",
			pb.WebhookDisabledReason_WEBHOOK_DISABLED_REASON_FAILING},
		{"failing to connect", "disabled",
			"every delivery failed since 2026-11-26T08:00:00Z (120h0m0s); last: dial tcp 127.0.0.1:9: connect: connection refused",
			pb.WebhookDisabledReason_WEBHOOK_DISABLED_REASON_FAILING},
		{"failing with a redirect", "disabled",
			"every delivery failed since 2026-11-26T08:00:00Z (120h0m0s); last: HTTP 301 (redirects are not followed; update the webhook url)",
			pb.WebhookDisabledReason_WEBHOOK_DISABLED_REASON_FAILING},
		{"active", "active", "", pb.WebhookDisabledReason_WEBHOOK_DISABLED_REASON_UNSPECIFIED},
	}
	org := ids.New()
	made := make([]*pb.Webhook, len(rows))
	for i := range rows {
		made[i] = s.subscribe(t, org, "http://127.0.0.1:9/hooks/"+ids.New(), "referral.received")
	}

	conn := pgtest.Connect(t, s.url)
	ctx := context.Background()
	pgtest.Undo(t, conn, "webhooks", migrations.FS, 9)
	var version int64
	if err := conn.QueryRow(ctx, `SELECT max(version_id) FROM webhooks.goose_db_version`).Scan(&version); err != nil || version != 8 {
		t.Fatalf("schema at version %d (%v), want 8", version, err)
	}
	for i, r := range rows {
		var disabled *time.Time
		if r.state == "disabled" {
			disabled = &disabledAt
		}
		tag, err := conn.Exec(ctx, `UPDATE webhooks.subscriptions SET state = $2, disabled_reason = $3, disable_time = $4 WHERE id = $1`,
			made[i].GetId(), r.state, r.reason, disabled)
		if err != nil || tag.RowsAffected() != 1 {
			t.Fatalf("%s: %v (%d rows)", r.name, err, tag.RowsAffected())
		}
	}

	// A webhooks service of this build on the database applies 00009 (and
	// what follows it) at start.
	cfg := s.cfg
	cfg.Config = servicetest.Platform(t, s.url)
	wh := pb.NewWebhookServiceClient(servicetest.Start(t, service.New(cfg)))
	for i, r := range rows {
		got, err := wh.GetWebhook(as(t, org), &pb.GetWebhookRequest{Id: made[i].GetId()})
		if err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		w := got.GetWebhook()
		wantState := pb.WebhookState_WEBHOOK_STATE_ACTIVE
		if r.state == "disabled" {
			wantState = pb.WebhookState_WEBHOOK_STATE_DISABLED
		}
		type view struct {
			State    pb.WebhookState
			Code     pb.WebhookDisabledReason
			Reason   string
			Disabled bool
		}
		want := view{wantState, r.want, r.reason, r.state == "disabled"}
		have := view{w.GetState(), w.GetDisabledReasonCode(), w.GetDisabledReason(), w.GetDisableTime() != nil}
		if diff := cmp.Diff(want, have); diff != "" {
			t.Errorf("%s after migration 00009 (-want +got):\n%s", r.name, diff)
		}
		if r.state == "disabled" && !w.GetDisableTime().AsTime().Equal(disabledAt) {
			t.Errorf("%s: disable_time %v, want %v", r.name, w.GetDisableTime().AsTime(), disabledAt)
		}
	}
}

// TestMigrationDeadLetterReason: webhooks migration 00013 gives the
// deliveries dead-lettered before it their dead_letter_reason from the
// words the older build ended last_error with: "webhook disabled"
// WEBHOOK_DISABLED, "event type no longer subscribed"
// EVENT_TYPE_UNSUBSCRIBED (alone, or after the failed attempt's error),
// anything else (the last attempt's error) RETRIES_EXHAUSTED; pending and
// succeeded ones get none, and last_error stays as it was. The schema is
// taken back to version 00012 (pgtest.Undo), the rows are made as the
// older build left them, and a webhooks service of this build started on
// the database applies 00013 again and lists them.
func TestMigrationDeadLetterReason(t *testing.T) {
	s := start(t, nil)
	rows := []struct {
		name, status, lastError string
		want                    pb.DeliveryDeadLetterReason
	}{
		{"retried out with 503", "dead_lettered", "HTTP 503", pb.DeliveryDeadLetterReason_DELIVERY_DEAD_LETTER_REASON_RETRIES_EXHAUSTED},
		{"retried out, refused", "dead_lettered", "dial tcp 127.0.0.1:9: connect: connection refused",
			pb.DeliveryDeadLetterReason_DELIVERY_DEAD_LETTER_REASON_RETRIES_EXHAUSTED},
		{"disabled unattempted", "dead_lettered", "webhook disabled", pb.DeliveryDeadLetterReason_DELIVERY_DEAD_LETTER_REASON_WEBHOOK_DISABLED},
		{"disabled after a failure", "dead_lettered", "HTTP 500; webhook disabled",
			pb.DeliveryDeadLetterReason_DELIVERY_DEAD_LETTER_REASON_WEBHOOK_DISABLED},
		{"unsubscribed unattempted", "dead_lettered", "event type no longer subscribed",
			pb.DeliveryDeadLetterReason_DELIVERY_DEAD_LETTER_REASON_EVENT_TYPE_UNSUBSCRIBED},
		{"unsubscribed after a failure", "dead_lettered", "timeout; event type no longer subscribed",
			pb.DeliveryDeadLetterReason_DELIVERY_DEAD_LETTER_REASON_EVENT_TYPE_UNSUBSCRIBED},
		{"pending after a failure", "pending", "HTTP 500", pb.DeliveryDeadLetterReason_DELIVERY_DEAD_LETTER_REASON_UNSPECIFIED},
		{"succeeded", "succeeded", "", pb.DeliveryDeadLetterReason_DELIVERY_DEAD_LETTER_REASON_UNSPECIFIED},
	}
	org := ids.New()
	w := s.subscribe(t, org, "http://127.0.0.1:9/hooks/"+ids.New(), "referral.received")

	conn := pgtest.Connect(t, s.url)
	ctx := context.Background()
	pgtest.Undo(t, conn, "webhooks", migrations.FS, 13)
	var version int64
	if err := conn.QueryRow(ctx, `SELECT max(version_id) FROM webhooks.goose_db_version`).Scan(&version); err != nil || version != 12 {
		t.Fatalf("schema at version %d (%v), want 12", version, err)
	}
	// Disabled, so that no dispatcher attempts the rows made here.
	if _, err := conn.Exec(ctx, `UPDATE webhooks.subscriptions SET state = 'disabled' WHERE id = $1`, w.GetId()); err != nil {
		t.Fatal(err)
	}
	byEvent := map[string]int{}
	for i, r := range rows {
		event := ids.New()
		byEvent[event] = i
		if _, err := conn.Exec(ctx, `INSERT INTO webhooks.deliveries (id, subscription_id, event_id, event_type, ordering_key, body,
				event_time, status, attempts, retry_start_time, last_error)
			VALUES ($1, $2, $3::uuid, 'referral.received', $3::text, '{}', now(), $4, 3, now(), $5)`,
			ids.New(), w.GetId(), event, r.status, r.lastError); err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
	}

	cfg := s.cfg
	cfg.Config = servicetest.Platform(t, s.url)
	wh := pb.NewWebhookServiceClient(servicetest.Start(t, service.New(cfg)))
	resp, err := wh.ListWebhookDeliveries(as(t, org), &pb.ListWebhookDeliveriesRequest{WebhookId: w.GetId(), PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.GetDeliveries()) != len(rows) {
		t.Fatalf("%d deliveries listed, want %d", len(resp.GetDeliveries()), len(rows))
	}
	for _, d := range resp.GetDeliveries() {
		r := rows[byEvent[d.GetEventId()]]
		if d.GetDeadLetterReason() != r.want || d.GetLastError() != r.lastError {
			t.Errorf("%s after migration 00013: dead_letter_reason %v, last_error %q; want %v, %q",
				r.name, d.GetDeadLetterReason(), d.GetLastError(), r.want, r.lastError)
		}
	}
}
