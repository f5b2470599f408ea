package service_test

import (
	"testing"
	"time"

	"github.com/spona/spona/pkg/testkit/leaktest"
	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/pkg/testkit/webhooktest"
	"github.com/spona/spona/services/edge/edgetest"
)

// TestStopLeavesNoGoroutines: the six processes, having served calls,
// erased a person (the feeds' consumers at work) and delivered a webhook,
// stop without leaving a goroutine behind (a stream, a worker or a
// listener that outlives its process).
func TestStopLeavesNoGoroutines(t *testing.T) {
	leaktest.Check(t) // first: its check runs after every other cleanup
	rcv := webhooktest.Start(t, nil)
	s := edgetest.Start(t, nil)
	ka := s.CreateKey(t, "sender", "Leak NGO A")
	kb := s.CreateKey(t, "receiver", "Leak NGO B")
	a, b := resttest.New(s.URL, ka.Key), resttest.New(s.URL, kb.Key)

	b.Do(t, "POST", "/v1/webhooks", map[string]any{"url": rcv.URL(), "event_types": []string{"referral.received"}}).Must(t, 200)
	ben := a.Do(t, "POST", "/v1/beneficiaries", map[string]any{"given_name": "Amra", "family_name": "Hodžić"}).Must(t, 200).Str("id")
	a.Do(t, "POST", "/v1/beneficiaries/"+ben+"/consents", map[string]any{
		"purpose": "CONSENT_PURPOSE_REFERRAL_SHARING", "given_by": "CONSENT_GIVEN_BY_SELF", "scope": "legal referral"}).Must(t, 200)
	ref := a.Do(t, "POST", "/v1/referrals", map[string]any{"beneficiary_id": ben, "to_organisation_id": kb.Organisation,
		"category": "REFERRAL_CATEGORY_LEGAL", "reason": "asylum interview"}).Must(t, 200).Str("id")
	a.Do(t, "POST", "/v1/referrals/"+ref+":send", map[string]any{}).Must(t, 200)
	rcv.WaitFor(t, time.Minute, "the webhook delivery", func(rs []webhooktest.Request) bool { return len(rs) > 0 })
	a.Do(t, "POST", "/v1/beneficiaries:import", []byte("given_name,family_name\nAna,Petrović\n"), "Content-Type", "text/csv").Must(t, 200)
	a.Do(t, "POST", "/v1/beneficiaries/"+ben+":erase", map[string]any{"reason": "the person asked"}).Must(t, 200)
}
