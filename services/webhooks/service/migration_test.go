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
