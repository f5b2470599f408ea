package app

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/etag"
	"github.com/spona/spona/pkg/testkit/statustest"
	"github.com/spona/spona/services/webhooks/internal/domain"
)

// Use-case tests of UpdateSubscription: only the owner changes its
// webhook, the etag, the mask, enabling and disabling, the target check of
// a new URL and secrets never shown, against small fakes of the
// SubscriptionStore and the target checker (the PostgreSQL and HTTP
// scenario tests in service/ stay).

const (
	ownerOrg = "0190e000-0000-7000-8000-00000000000a"
	otherOrg = "0190e000-0000-7000-8000-00000000000b"
	hookID   = "0190e000-0000-7000-8000-000000000001"
)

// subscriptions fakes the SubscriptionStore methods an update calls;
// anything else panics on the nil embedded interface.
type subscriptions struct {
	Repository
	row   domain.Subscription
	saved int
}

func (s *subscriptions) GetSubscription(_ context.Context, org, id string) (*domain.Subscription, error) {
	if id != s.row.ID || org != s.row.OrganisationID {
		return nil, errs.NotFound("webhook", id)
	}
	c := s.row
	return &c, nil
}

func (s *subscriptions) UpdateSubscription(_ context.Context, sub *domain.Subscription) (*domain.Subscription, error) {
	if sub.Version != s.row.Version {
		return nil, etag.Mismatch()
	}
	s.row = *sub
	s.row.Version++
	s.saved++
	c := s.row
	return &c, nil
}

// targets refuses hosts named "internal.example".
type targets struct{ checked []string }

func (t *targets) Check(_ context.Context, raw string) error {
	t.checked = append(t.checked, raw)
	if raw == "https://internal.example/hook" {
		return errs.PermissionDenied("the target resolves to a private address")
	}
	return nil
}

func TestUpdateSubscriptionUseCase(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	current := etag.Of(2)
	tests := []struct {
		name       string
		by         string
		state      string // stored before
		patch      domain.Subscription
		tag        string
		paths      []string
		kind       errs.Kind // 0: no error
		reason     string
		violations []string
		checked    []string // URLs the target checker was asked about
		want       func(*domain.Subscription) bool
	}{
		{name: "owner renames", by: ownerOrg, state: domain.StateActive, patch: domain.Subscription{Description: "case system"}, tag: current,
			paths: []string{"description"}, want: func(s *domain.Subscription) bool {
				return s.Description == "case system" && s.URL == "https://partner.example/hook"
			}},
		{name: "owner disables", by: ownerOrg, state: domain.StateActive, patch: domain.Subscription{State: domain.StateDisabled}, tag: current,
			paths: []string{"state"}, want: func(s *domain.Subscription) bool {
				return s.State == domain.StateDisabled && s.DisableTime.Equal(now) && s.DisabledReason != ""
			}},
		{name: "owner enables again, failures forgotten", by: ownerOrg, state: domain.StateDisabled, patch: domain.Subscription{State: domain.StateActive},
			tag: current, paths: []string{"state"}, want: func(s *domain.Subscription) bool {
				return s.State == domain.StateActive && s.DisabledReason == "" && s.FailingSince.IsZero()
			}},
		{name: "a new URL is checked", by: ownerOrg, state: domain.StateActive, patch: domain.Subscription{URL: "https://other.example/hook"}, tag: current,
			paths: []string{"url"}, checked: []string{"https://other.example/hook"},
			want: func(s *domain.Subscription) bool { return s.URL == "https://other.example/hook" }},
		{name: "a refused target changes nothing", by: ownerOrg, state: domain.StateActive, patch: domain.Subscription{URL: "https://internal.example/hook"},
			tag: current, paths: []string{"url"}, checked: []string{"https://internal.example/hook"}, kind: errs.KindPermissionDenied},
		{name: "another organisation sees no such webhook", by: otherOrg, state: domain.StateActive, patch: domain.Subscription{Description: "x"},
			tag: current, paths: []string{"description"}, kind: errs.KindNotFound},
		{name: "no etag", by: ownerOrg, state: domain.StateActive, patch: domain.Subscription{Description: "x"}, paths: []string{"description"},
			kind: errs.KindAborted, reason: etag.ReasonRequired, violations: []string{"webhook.etag"}},
		{name: "stale etag", by: ownerOrg, state: domain.StateActive, patch: domain.Subscription{Description: "x"}, tag: etag.Of(1),
			paths: []string{"description"}, kind: errs.KindAborted, reason: etag.ReasonMismatch},
		{name: "an unknown event type is invalid whatever the etag", by: ownerOrg, state: domain.StateActive,
			patch: domain.Subscription{EventTypes: []string{"referral.teleported"}}, paths: []string{"event_types"},
			kind: errs.KindInvalidArgument, violations: []string{"webhook.event_types[0]"}},
		{name: "naming the state without one is invalid, not an enable", by: ownerOrg, state: domain.StateDisabled, patch: domain.Subscription{},
			tag: current, paths: []string{"state"}, kind: errs.KindInvalidArgument, violations: []string{"webhook.state"}},
		{name: "a state the API does not know is invalid, not ignored", by: ownerOrg, state: domain.StateActive,
			patch: domain.Subscription{State: "99"}, tag: current, paths: []string{"state"},
			kind: errs.KindInvalidArgument, violations: []string{"webhook.state"}},
		{name: "the secret is not in the mask", by: ownerOrg, state: domain.StateActive, patch: domain.Subscription{Secret: "whsec_mine"}, tag: current,
			paths: []string{"secret"}, kind: errs.KindInvalidArgument, violations: []string{"update_mask.paths[0]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store := &subscriptions{row: domain.Subscription{ID: hookID, OrganisationID: ownerOrg, URL: "https://partner.example/hook",
				EventTypes: []string{domain.TypeReferralReceived}, Secret: "whsec_old", State: tt.state, Version: 2,
				Replaced: []domain.ReplacedSecret{{Secret: "whsec_older", Expires: now.Add(time.Hour)}}}}
			if tt.state == domain.StateDisabled {
				store.row.DisabledReason, store.row.DisableTime, store.row.FailingSince = "failing", now.Add(-time.Hour), now.Add(-48*time.Hour)
			}
			check := &targets{}
			a, err := New(store, nil, check, Options{}, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			a.SetClock(func() time.Time { return now })
			patch := tt.patch
			patch.ID = hookID

			out, err := a.UpdateSubscription(context.Background(), auth.Principal{OrganisationID: tt.by}, &patch, tt.tag, tt.paths)

			if !slices.Equal(check.checked, tt.checked) {
				t.Errorf("targets checked %v, want %v", check.checked, tt.checked)
			}
			if tt.kind != 0 {
				statustest.WantError(t, err, tt.kind, tt.reason, tt.violations)
				if store.saved != 0 {
					t.Error("a refused update was stored")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if store.saved != 1 || out.Version != 3 || !tt.want(&store.row) {
				t.Errorf("saved %d, stored %+v", store.saved, store.row)
			}
			if out.Secret != "" || store.row.Secret != "whsec_old" {
				t.Errorf("secret shown (%q) or changed (%q)", out.Secret, store.row.Secret)
			}
			if len(out.Replaced) != 1 || out.Replaced[0].Secret != "" || !out.PreviousSecretExpires().Equal(now.Add(time.Hour)) {
				t.Errorf("replaced secrets answered %+v, want the expiry without the secret", out.Replaced)
			}
			if got := store.row.Secrets(now); !slices.Equal(got, []string{"whsec_old", "whsec_older"}) {
				t.Errorf("signing with %v after the update, want the current and the replaced secret", got)
			}
		})
	}
}
