package service_test

import (
	"strings"
	"testing"
	"time"

	pb "github.com/spona/spona/gen/go/spona/webhooks/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"github.com/spona/spona/pkg/testkit/webhooktest"
	"github.com/spona/spona/services/webhooks/service"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

func TestSubscriptions(t *testing.T) {
	s := start(t, nil)
	orgA, orgB := ids.New(), ids.New()
	ctxA := as(t, orgA)

	created := s.subscribe(t, orgA, "https://partner.example/hooks", "referral.received", "referral.overdue", "referral.received")
	if !strings.HasPrefix(created.GetSecret(), "whsec_") || len(created.GetSecret()) != 50 {
		t.Fatalf("secret %q, want whsec_ + base64 of 32 bytes", created.GetSecret())
	}
	if created.GetState() != pb.WebhookState_WEBHOOK_STATE_ACTIVE || len(created.GetEventTypes()) != 2 || created.GetEtag() == "" {
		t.Fatalf("created %+v", created)
	}

	t.Run("the secret is shown once", func(t *testing.T) {
		got, err := s.wh.GetWebhook(ctxA, &pb.GetWebhookRequest{Id: created.GetId()})
		if err != nil {
			t.Fatal(err)
		}
		if got.GetWebhook().GetSecret() != "" {
			t.Fatal("GetWebhook shows the secret")
		}
		list, err := s.wh.ListWebhooks(ctxA, &pb.ListWebhooksRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.GetWebhooks()) != 1 || list.GetWebhooks()[0].GetSecret() != "" {
			t.Fatalf("list %+v", list.GetWebhooks())
		}
	})

	t.Run("request id makes create idempotent", func(t *testing.T) {
		create := func() *pb.CreateWebhookResponse {
			t.Helper()
			resp, err := s.wh.CreateWebhook(ctxA, &pb.CreateWebhookRequest{RequestId: "r1",
				Webhook: &pb.Webhook{Url: "https://partner.example/2", EventTypes: []string{"consent.withdrawn"}}})
			if err != nil {
				t.Fatal(err)
			}
			return resp
		}
		a, b := create(), create()
		if a.GetWebhook().GetId() != b.GetWebhook().GetId() {
			t.Fatal("a retry created a second webhook")
		}
		if b.GetWebhook().GetSecret() != a.GetWebhook().GetSecret() {
			t.Fatal("a retry whose answer was lost does not get the secret the create made")
		}
		// After a rotation the create's retry (its request id replayed,
		// say from a log) must not hand out the secret the rotation made:
		// only the rotation's answer shows that.
		r, err := s.wh.RotateWebhookSecret(ctxA, &pb.RotateWebhookSecretRequest{Id: a.GetWebhook().GetId()})
		if err != nil {
			t.Fatal(err)
		}
		c := create()
		if c.GetWebhook().GetId() != a.GetWebhook().GetId() {
			t.Fatal("a retry after the rotation created a second webhook")
		}
		switch got := c.GetWebhook().GetSecret(); got {
		case "":
		case r.GetWebhook().GetSecret():
			t.Fatal("the create's retry after a rotation shows the secret the rotation made")
		default:
			t.Fatalf("the create's retry after a rotation shows a secret: %.10s…", got)
		}
		if c.GetWebhook().GetPreviousSecretExpireTime() == nil {
			t.Fatalf("the create's retry after a rotation reads unlike the webhook: %+v", c.GetWebhook())
		}
		if _, err := s.wh.DeleteWebhook(ctxA, &pb.DeleteWebhookRequest{Id: a.GetWebhook().GetId()}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("another organisation sees nothing", func(t *testing.T) {
		ctxB := as(t, orgB)
		_, err := s.wh.GetWebhook(ctxB, &pb.GetWebhookRequest{Id: created.GetId()})
		statustest.Want(t, err, codes.NotFound, "")
		_, err = s.wh.DeleteWebhook(ctxB, &pb.DeleteWebhookRequest{Id: created.GetId()})
		statustest.Want(t, err, codes.NotFound, "")
		_, err = s.wh.RotateWebhookSecret(ctxB, &pb.RotateWebhookSecretRequest{Id: created.GetId()})
		statustest.Want(t, err, codes.NotFound, "")
		_, err = s.wh.ListWebhookDeliveries(ctxB, &pb.ListWebhookDeliveriesRequest{WebhookId: created.GetId()})
		statustest.Want(t, err, codes.NotFound, "")
		list, err := s.wh.ListWebhooks(ctxB, &pb.ListWebhooksRequest{})
		if err != nil || len(list.GetWebhooks()) != 0 {
			t.Fatalf("B lists %v, %v", list.GetWebhooks(), err)
		}
	})

	t.Run("scopes", func(t *testing.T) {
		readOnly := servicetest.As(t, orgA, auth.ScopeWebhooksRead)
		_, err := s.wh.CreateWebhook(readOnly, &pb.CreateWebhookRequest{Webhook: &pb.Webhook{Url: "https://x.example/", EventTypes: []string{"referral.received"}}})
		statustest.Want(t, err, codes.PermissionDenied, "")
		noScope := servicetest.As(t, orgA, auth.ScopeReferralsRead)
		_, err = s.wh.ListWebhooks(noScope, &pb.ListWebhooksRequest{})
		statustest.Want(t, err, codes.PermissionDenied, "")
		_, err = s.feed.ListChanges(noScope, &pb.ListChangesRequest{})
		statustest.Want(t, err, codes.PermissionDenied, "")
	})

	t.Run("update with etag and mask", func(t *testing.T) {
		up, err := s.wh.UpdateWebhook(ctxA, &pb.UpdateWebhookRequest{
			Webhook:    &pb.Webhook{Id: created.GetId(), Etag: created.GetEtag(), Description: "case system", EventTypes: []string{"referral.accepted"}},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"description", "event_types"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		w := up.GetWebhook()
		if w.GetDescription() != "case system" || len(w.GetEventTypes()) != 1 || w.GetUrl() != created.GetUrl() || w.GetSecret() != "" {
			t.Fatalf("updated %+v", w)
		}
		_, err = s.wh.UpdateWebhook(ctxA, &pb.UpdateWebhookRequest{
			Webhook:    &pb.Webhook{Id: created.GetId(), Etag: created.GetEtag(), Description: "stale"},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"description"}},
		})
		statustest.WantReason(t, err, codes.Aborted, "ETAG_MISMATCH", "stale etag")
		_, err = s.wh.UpdateWebhook(ctxA, &pb.UpdateWebhookRequest{
			Webhook:    &pb.Webhook{Id: created.GetId(), Description: "no etag"},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"description"}},
		})
		statustest.WantReason(t, err, codes.Aborted, "ETAG_REQUIRED", "no etag")
		_, err = s.wh.UpdateWebhook(ctxA, &pb.UpdateWebhookRequest{
			Webhook:    &pb.Webhook{Id: created.GetId(), Etag: up.GetWebhook().GetEtag(), Secret: "whsec_mine"},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"secret"}},
		})
		statustest.Want(t, err, codes.InvalidArgument, "the secret through update")
		// Disabling by the organisation (the mask taken from the fields
		// given), then enabling again.
		off, err := s.wh.UpdateWebhook(ctxA, &pb.UpdateWebhookRequest{
			Webhook: &pb.Webhook{Id: created.GetId(), Etag: up.GetWebhook().GetEtag(), State: pb.WebhookState_WEBHOOK_STATE_DISABLED},
		})
		if err != nil || off.GetWebhook().GetState() != pb.WebhookState_WEBHOOK_STATE_DISABLED || off.GetWebhook().GetDisabledReason() == "" ||
			off.GetWebhook().GetDisabledReasonCode() != pb.WebhookDisabledReason_WEBHOOK_DISABLED_REASON_BY_ORGANISATION ||
			off.GetWebhook().GetDescription() != "case system" {
			t.Fatalf("disable: %v %+v", err, off.GetWebhook())
		}
		on, err := s.wh.UpdateWebhook(ctxA, &pb.UpdateWebhookRequest{
			Webhook:    &pb.Webhook{Id: created.GetId(), Etag: off.GetWebhook().GetEtag(), State: pb.WebhookState_WEBHOOK_STATE_ACTIVE},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"state"}},
		})
		if err != nil || on.GetWebhook().GetState() != pb.WebhookState_WEBHOOK_STATE_ACTIVE || on.GetWebhook().GetDisabledReason() != "" ||
			on.GetWebhook().GetDisabledReasonCode() != pb.WebhookDisabledReason_WEBHOOK_DISABLED_REASON_UNSPECIFIED || on.GetWebhook().GetDisableTime() != nil {
			t.Fatalf("enable: %v %+v", err, on.GetWebhook())
		}
	})

	t.Run("rotate", func(t *testing.T) {
		r, err := s.wh.RotateWebhookSecret(ctxA, &pb.RotateWebhookSecretRequest{Id: created.GetId()})
		if err != nil {
			t.Fatal(err)
		}
		w := r.GetWebhook()
		if !strings.HasPrefix(w.GetSecret(), "whsec_") || w.GetSecret() == created.GetSecret() || w.GetPreviousSecretExpireTime() == nil {
			t.Fatalf("rotated %+v", w)
		}
		if d := w.GetPreviousSecretExpireTime().AsTime().Sub(w.GetUpdateTime().AsTime()); d.Hours() != 24 {
			t.Fatalf("previous secret signs for %s, want 24h", d)
		}
		got, err := s.wh.GetWebhook(ctxA, &pb.GetWebhookRequest{Id: created.GetId()})
		if err != nil {
			t.Fatal(err)
		}
		if g := got.GetWebhook(); g.GetSecret() != "" || !g.GetPreviousSecretExpireTime().AsTime().Equal(w.GetPreviousSecretExpireTime().AsTime()) {
			t.Fatalf("read after the rotation: secret %q, previous secret expiring %v; want none, %v",
				g.GetSecret(), g.GetPreviousSecretExpireTime(), w.GetPreviousSecretExpireTime())
		}
	})

	t.Run("bad input", func(t *testing.T) {
		for name, w := range map[string]*pb.Webhook{
			"no url":       {EventTypes: []string{"referral.received"}},
			"no types":     {Url: "https://x.example/"},
			"unknown type": {Url: "https://x.example/", EventTypes: []string{"referral.sent"}},
			"not a url":    {Url: "::::", EventTypes: []string{"referral.received"}},
			"credentials":  {Url: "https://u:p@x.example/", EventTypes: []string{"referral.received"}},
		} {
			_, err := s.wh.CreateWebhook(ctxA, &pb.CreateWebhookRequest{Webhook: w})
			if fvs := statustest.FieldViolations(err); statustest.Code(err) != codes.InvalidArgument || len(fvs) == 0 {
				t.Errorf("%s: no field violations", name)
			}
		}
		_, err := s.wh.GetWebhook(ctxA, &pb.GetWebhookRequest{Id: "nope"})
		statustest.Want(t, err, codes.InvalidArgument, "")
		_, err = s.wh.ListWebhooks(ctxA, &pb.ListWebhooksRequest{PageToken: "forged"})
		statustest.Want(t, err, codes.InvalidArgument, "")
		_, err = s.wh.RedeliverWebhookDelivery(ctxA, &pb.RedeliverWebhookDeliveryRequest{WebhookId: created.GetId(), DeliveryId: ids.New()})
		statustest.Want(t, err, codes.NotFound, "")
	})

	t.Run("delete", func(t *testing.T) {
		if _, err := s.wh.DeleteWebhook(ctxA, &pb.DeleteWebhookRequest{Id: created.GetId()}); err != nil {
			t.Fatal(err)
		}
		_, err := s.wh.GetWebhook(ctxA, &pb.GetWebhookRequest{Id: created.GetId()})
		statustest.Want(t, err, codes.NotFound, "")
	})
}

// TestSSRFRefusedAtSubscribe: without WEBHOOK_ALLOW_PRIVATE_TARGETS, only
// https URLs whose host is public are accepted.
func TestSSRFRefusedAtSubscribe(t *testing.T) {
	s := start(t, func(c *service.Config) { c.AllowPrivateTargets = false })
	org := ids.New()
	ctx := as(t, org)
	for _, u := range []string{
		"http://93.184.215.14/hooks",     // plain http
		"https://127.0.0.1/hooks",        // loopback
		"https://localhost:8443/hooks",   // a name resolving to loopback
		"https://10.1.2.3/hooks",         // private
		"https://172.20.0.5/hooks",       // private
		"https://192.168.0.10/hooks",     // private
		"https://169.254.169.254/latest", // cloud metadata
		"https://[::1]/hooks",            // IPv6 loopback
		"https://[fd00:ec2::254]/",       // IPv6 metadata (unique local)
		"https://[::ffff:10.0.0.1]/",     // IPv4-mapped private
		"https://0.0.0.0/",               // unspecified
		"https://100.100.100.200/",       // shared (Alibaba metadata)
	} {
		_, err := s.wh.CreateWebhook(ctx, &pb.CreateWebhookRequest{Webhook: &pb.Webhook{Url: u, EventTypes: []string{"referral.received"}}})
		statustest.Want(t, err, codes.InvalidArgument, "")
		fvs := statustest.FieldViolations(err)
		if len(fvs) != 1 || fvs[0].GetField() != "webhook.url" {
			t.Errorf("%s: violations %v", u, fvs)
		}
	}
	// A public address is accepted (an IP literal: no DNS needed).
	w := s.subscribe(t, org, "https://93.184.215.14/hooks", "referral.received")
	// ... and cannot be moved to a private one later.
	_, err := s.wh.UpdateWebhook(ctx, &pb.UpdateWebhookRequest{
		Webhook: &pb.Webhook{Id: w.GetId(), Etag: w.GetEtag(), Url: "https://10.0.0.1/"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"url"}}})
	if fvs := statustest.FieldViolations(err); statustest.Code(err) != codes.InvalidArgument || len(fvs) != 1 || fvs[0].GetField() != "webhook.url" {
		t.Errorf("update to a private address: %v", fvs)
	}
}

// TestCreateDisabled: a webhook created with state DISABLED (an endpoint
// set up before the receiver is ready) is created disabled, says so, and
// gets nothing queued, while an active webhook of the same organisation
// gets the same event; a state the API does not know is a violation.
func TestCreateDisabled(t *testing.T) {
	s := start(t, nil)
	sender, org := ids.New(), ids.New()
	ctx := as(t, org)
	resp, err := s.wh.CreateWebhook(ctx, &pb.CreateWebhookRequest{Webhook: &pb.Webhook{
		Url: "https://partner.example/not-ready", EventTypes: []string{"referral.received"}, State: pb.WebhookState_WEBHOOK_STATE_DISABLED}})
	if err != nil {
		t.Fatal(err)
	}
	off := resp.GetWebhook()
	if off.GetState() != pb.WebhookState_WEBHOOK_STATE_DISABLED || off.GetDisabledReason() == "" || off.GetDisableTime() == nil || off.GetSecret() == "" ||
		off.GetDisabledReasonCode() != pb.WebhookDisabledReason_WEBHOOK_DISABLED_REASON_BY_ORGANISATION {
		t.Fatalf("created %+v, want disabled with a reason and a secret", off)
	}
	got, err := s.wh.GetWebhook(ctx, &pb.GetWebhookRequest{Id: off.GetId()})
	if err != nil || got.GetWebhook().GetState() != pb.WebhookState_WEBHOOK_STATE_DISABLED {
		t.Fatalf("read back: %v %+v", err, got.GetWebhook())
	}
	// The active webhook's delivery is queued in the transaction that
	// would have queued the disabled one's: once it arrives, the disabled
	// one's log is final.
	rcv := webhooktest.Start(t, nil)
	s.subscribe(t, org, rcv.URL(), "referral.received")
	s.inject(t, referralEvent("referral.sent", ids.New(), sender, org, "sent"))
	rcv.WaitFor(t, 30*time.Second, "the active webhook's delivery", func(r []webhooktest.Request) bool { return len(r) == 1 })
	if ds := s.deliveries(t, org, off.GetId()); len(ds) != 0 {
		t.Fatalf("the webhook created disabled has %d deliveries: %+v", len(ds), ds[0])
	}

	_, err = s.wh.CreateWebhook(ctx, &pb.CreateWebhookRequest{Webhook: &pb.Webhook{
		Url: "https://partner.example/x", EventTypes: []string{"referral.received"}, State: pb.WebhookState(7)}})
	if fvs := statustest.FieldViolations(err); statustest.Code(err) != codes.InvalidArgument || len(fvs) != 1 || fvs[0].GetField() != "webhook.state" {
		t.Fatalf("state 7: %v, want a violation on webhook.state", err)
	}
}
