package service_test

import (
	"strings"
	"testing"
	"time"

	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// TestEventTimesExact: an event carries a referral's due_time, and a
// consent's and its grant's expire_time, to the microsecond the resource
// shows, written as the API writes the resource's timestamp. Before, the
// events (the feed, /v1/events, the webhooks' payload) cut them to the
// second: a partner matching a referral.sent's due_time against the
// referral read 09:00:00Z against 09:00:00.123456Z.
func TestEventTimesExact(t *testing.T) {
	s := start(t)
	orgA, orgB := s.org(t, "Sender"), s.org(t, "Receiver")
	ctxA := partner(t, orgA)
	benID := s.beneficiary(t, ctxA)
	expire := time.Now().Add(30 * 24 * time.Hour).Truncate(time.Second).Add(123456 * time.Microsecond)
	s.consent(t, ctxA, benID, expire)
	r := s.draft(t, ctxA, benID, orgB, pb.Urgency_URGENCY_HIGH)
	sent := s.must(t, ctxA, "send", r.GetId())
	api := func(ts *timestamppb.Timestamp) string {
		raw, err := protojson.Marshal(ts)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Trim(string(raw), `"`)
	}
	want := map[string]string{
		"referral.sent/due_time":     api(sent.GetDueTime()),
		"consent.given/expire_time":  api(timestamppb.New(expire)),
		"access.granted/expire_time": api(timestamppb.New(expire)),
	}
	got := map[string]string{}
	refEvs, _ := s.feedEvents(t, "")
	benEvs, _ := servicetest.Events(t, s.benConn, "")
	for _, ev := range append(refEvs, benEvs...) {
		for k, v := range ev.GetData().GetFields() {
			if key := ev.GetType() + "/" + k; want[key] != "" {
				got[key] = v.GetStringValue()
			}
		}
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: event has %q, the resource %q", k, got[k], w)
		}
	}
}
