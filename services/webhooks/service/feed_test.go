package service_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	pb "github.com/spona/spona/gen/go/spona/webhooks/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/statustest"
	"github.com/spona/spona/pkg/testkit/webhooktest"
	"github.com/spona/spona/services/webhooks/internal/adapters"
	"github.com/spona/spona/services/webhooks/internal/domain"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// TestChangeFeed: GET /v1/events's RPC returns the caller's thin events in
// order from a cursor, filtered by type; another organisation sees none of
// them but its cursor still moves; a pruned cursor is OUT_OF_RANGE naming
// the oldest one.
func TestChangeFeed(t *testing.T) {
	s := start(t, nil)
	sender, receiver, other := ids.New(), ids.New(), ids.New()
	r1, r2 := ids.New(), ids.New()
	s.inject(t,
		referralEvent("referral.created", r1, sender, receiver, "draft"),
		referralEvent("referral.sent", r1, sender, receiver, "sent"),
		referralEvent("referral.sent", r2, sender, receiver, "sent"),
		referralEvent("referral.accepted", r1, sender, receiver, "accepted"),
		referralEvent("referral.overdue", r2, sender, receiver, "sent"),
	)
	erased := domain.Event{ID: ids.New(), Type: "beneficiary.erased", AggregateType: "beneficiary", AggregateID: ids.New(),
		Time: time.Now(), OrganisationIDs: []string{receiver}}
	s.inject(t, erased)

	list := func(org, after string, size int32, types ...string) *pb.ListChangesResponse {
		t.Helper()
		resp, err := s.feed.ListChanges(as(t, org), &pb.ListChangesRequest{After: after, PageSize: size, Types: types})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	type change struct{ Type, Ref, Cursor string }
	var got []change
	cursor := ""
	for range 10 {
		page := list(receiver, cursor, 2)
		for _, e := range page.GetEvents() {
			ref, _ := e.GetData().AsMap()["referral_id"].(string)
			got = append(got, change{e.GetType(), ref, e.GetCursor()})
			if e.GetId() == "" || e.GetCursor() == "" || e.GetTimestamp() == nil {
				t.Fatalf("event %+v", e)
			}
			if _, leaked := e.GetData().AsMap()["notes"]; leaked {
				t.Fatal("notes in the feed")
			}
		}
		if len(page.GetEvents()) == 0 {
			// Caught up: a cursor sealed afresh, which reads on from the
			// same place (nothing yet).
			if next := page.GetNextCursor(); next == cursor || len(list(receiver, next, 2).GetEvents()) != 0 {
				t.Fatalf("caught up at %q: next cursor %q", cursor, next)
			}
			break
		}
		cursor = page.GetNextCursor()
	}
	want := []string{"referral.received", "referral.received", "referral.overdue", "beneficiary.erased"}
	var types []string
	for _, c := range got {
		types = append(types, c.Type)
	}
	if len(types) != len(want) {
		t.Fatalf("receiver's feed %v, want %v", types, want)
	}
	for i := range want {
		if types[i] != want[i] {
			t.Fatalf("receiver's feed %v, want %v", types, want)
		}
	}
	if got[0].Ref != r1 || got[1].Ref != r2 || got[2].Ref != r2 {
		t.Fatalf("order %v", got)
	}

	senderFeed := list(sender, "", 100)
	if n := len(senderFeed.GetEvents()); n != 2 || senderFeed.GetEvents()[0].GetType() != "referral.accepted" {
		t.Fatalf("sender's feed: %v", senderFeed.GetEvents())
	}
	filtered := list(receiver, "", 100, "referral.overdue")
	if len(filtered.GetEvents()) != 1 || filtered.GetEvents()[0].GetType() != "referral.overdue" {
		t.Fatalf("types filter: %v", filtered.GetEvents())
	}
	idle := list(other, "", 100)
	if len(idle.GetEvents()) != 0 || idle.GetNextCursor() == "" {
		t.Fatalf("an unrelated organisation: %v, next %q", idle.GetEvents(), idle.GetNextCursor())
	}

	t.Run("bad cursors and types", func(t *testing.T) {
		for _, req := range []*pb.ListChangesRequest{
			{After: "not-a-cursor"}, {After: domain.NewCursors(secretsKey).Seal(receiver, 1<<40)}, {After: got[0].Cursor + "x"},
			{After: list(other, "", 1).GetNextCursor()}, // another organisation's
			{Types: []string{"referral.sent"}}, {PageSize: -1},
		} {
			_, err := s.feed.ListChanges(as(t, receiver), req)
			if fvs := statustest.FieldViolations(err); statustest.Code(err) != codes.InvalidArgument || len(fvs) == 0 {
				t.Errorf("%v: no field violation", req)
			}
		}
	})

	// A cursor of the readable kind given before: refused, saying to
	// start again from a time.
	_, err := s.feed.ListChanges(as(t, receiver), &pb.ListChangesRequest{After: "YzE6Mw"}) // "c1:3"
	statustest.WantReason(t, err, codes.InvalidArgument, "CURSOR_RETIRED", "a retired cursor")
	if fvs := statustest.FieldViolations(err); len(fvs) != 1 || fvs[0].GetField() != "after" || !strings.Contains(fvs[0].GetDescription(), "start_time") {
		t.Errorf("a retired cursor: field violations %v, want one on after naming start_time", fvs)
	}

	t.Run("retention", func(t *testing.T) {
		sealer, _ := adapters.NewSealer(secretsKey)
		if err := adapters.NewPostgres(s.pool, sealer).Prune(context.Background(), time.Now().Add(time.Hour), time.Now()); err != nil {
			t.Fatal(err)
		}
		s.inject(t, referralEvent("referral.sent", ids.New(), sender, receiver, "sent"))
		_, err := s.feed.ListChanges(as(t, receiver), &pb.ListChangesRequest{After: list(receiver, "", 1).GetEvents()[0].GetCursor()})
		if err != nil {
			t.Fatalf("the newest event's cursor: %v", err)
		}
		_, err = s.feed.ListChanges(as(t, receiver), &pb.ListChangesRequest{After: got[0].Cursor})
		statustest.Want(t, err, codes.OutOfRange, "")
		info := statustest.Info(err)
		oldest := info.GetMetadata()["oldest_cursor"]
		if info.GetReason() != "CURSOR_EXPIRED" || oldest == "" {
			t.Fatalf("error info %v", info)
		}
		// A 400 names the field at fault, as every other bad input does.
		if fvs := statustest.FieldViolations(err); len(fvs) != 1 || fvs[0].GetField() != "after" {
			t.Fatalf("field violations %v, want one on after", fvs)
		}
		after := list(receiver, oldest, 100)
		if len(after.GetEvents()) != 1 || after.GetEvents()[0].GetType() != "referral.received" {
			t.Fatalf("from the oldest cursor: %v", after.GetEvents())
		}
	})
}

// TestWebhookNamesItsEvent: a webhook's body carries the event's id, the
// one the change feed gives the event and the delivery log names as
// event_id, so a receiver reading the change feed after its endpoint was
// disabled (as the README advises) can skip the events it already got by
// webhook. webhook-id is the delivery's: two organisations told of one
// event get two webhook-ids and one event id. Before, the body had no id,
// so nothing in a webhook matched an entry of the change feed.
func TestWebhookNamesItsEvent(t *testing.T) {
	s := start(t, nil)
	sender, receiver := ids.New(), ids.New()
	atSender, atReceiver := webhooktest.Start(t, nil), webhooktest.Start(t, nil)
	ws := s.subscribe(t, sender, atSender.URL(), "referral.overdue")
	wr := s.subscribe(t, receiver, atReceiver.URL(), "referral.received", "referral.overdue")
	ref := ids.New()
	sent, overdue := referralEvent("referral.sent", ref, sender, receiver, "sent"), referralEvent("referral.overdue", ref, sender, receiver, "sent")
	s.inject(t, sent, overdue)
	got := atReceiver.WaitFor(t, 30*time.Second, "two webhooks", func(r []webhooktest.Request) bool { return len(r) >= 2 })
	got = append(got, atSender.WaitFor(t, 30*time.Second, "one webhook", func(r []webhooktest.Request) bool { return len(r) >= 1 })...)
	webhooktest.Verify(t, []string{wr.GetSecret()}, got[:2])
	webhooktest.Verify(t, []string{ws.GetSecret()}, got[2:])

	// What each organisation's change feed and delivery log say of each
	// event, by event id.
	feed := map[string]string{}      // org + event id -> type
	delivered := map[string]string{} // org + webhook-id -> event id
	for org, w := range map[string]string{sender: ws.GetId(), receiver: wr.GetId()} {
		resp, err := s.feed.ListChanges(as(t, org), &pb.ListChangesRequest{})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range resp.GetEvents() {
			feed[org+e.GetId()] = e.GetType()
		}
		for _, d := range s.deliveries(t, org, w) {
			delivered[org+d.GetId()] = d.GetEventId()
		}
	}
	for i, r := range got {
		org := receiver
		if i == 2 {
			org = sender
		}
		var body struct{ ID, Type string }
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatal(err)
		}
		want := sent.ID
		if body.Type == "referral.overdue" {
			want = overdue.ID
		}
		if body.ID != want || feed[org+body.ID] != body.Type || delivered[org+r.ID] != body.ID {
			t.Errorf("webhook %s: body id %q, want the event's %s, in the change feed as %q and the delivery log as %q",
				r, body.ID, want, feed[org+body.ID], delivered[org+r.ID])
		}
	}
	if got[2].ID == got[1].ID || got[2].ID == got[0].ID {
		t.Errorf("the sender's delivery has a webhook-id of the receiver's: %s", got[2].ID)
	}
}

// TestChangeFeedFromTime: ListChanges with start_time starts at the least
// feed position among the caller's events that happened at or after it,
// not at the earliest of those times: an event of a feed applied late (an
// earlier time after a later one) follows in feed order, and a later event
// applied before it is not skipped. A start after every event gives none
// and a cursor from which the next event comes; one before the retention
// (FEED_RETENTION, an hour here) is OUT_OF_RANGE as an expired cursor.
func TestChangeFeedFromTime(t *testing.T) {
	s := start(t, nil)
	sender, receiver := ids.New(), ids.New()
	base := time.Now().Add(-30 * time.Minute).Truncate(time.Second)
	at := func(minutes int, typ, ref string) domain.Event {
		e := referralEvent(typ, ref, sender, receiver, "sent")
		e.Time = base.Add(time.Duration(minutes) * time.Minute)
		return e
	}
	// In feed order: minute 0, minute 10, minute 2 (its feed was late), 8.
	r0, r10, r2, r8 := ids.New(), ids.New(), ids.New(), ids.New()
	s.inject(t, at(0, "referral.sent", r0), at(10, "referral.sent", r10), at(2, "referral.sent", r2), at(8, "referral.sent", r8))
	from := func(minutes int) ([]string, string) {
		t.Helper()
		resp, err := s.feed.ListChanges(as(t, receiver), &pb.ListChangesRequest{
			StartTime: timestamppb.New(base.Add(time.Duration(minutes) * time.Minute))})
		if err != nil {
			t.Fatal(err)
		}
		var refs []string
		for _, e := range resp.GetEvents() {
			refs = append(refs, e.GetData().AsMap()["referral_id"].(string))
		}
		return refs, resp.GetNextCursor()
	}
	for _, c := range []struct {
		minutes int
		want    []string
	}{
		{-1, []string{r0, r10, r2, r8}},
		{0, []string{r0, r10, r2, r8}},
		{1, []string{r10, r2, r8}}, // not from minute 2's event: minute 10's came first
		{9, []string{r10, r2, r8}},
		{10, []string{r10, r2, r8}},
	} {
		if got, _ := from(c.minutes); !slices.Equal(got, c.want) {
			t.Errorf("from minute %d: %v, want %v", c.minutes, got, c.want)
		}
	}
	got, next := from(11)
	if len(got) != 0 || next == "" {
		t.Fatalf("after every event: %v, next %q; want none and a cursor", got, next)
	}
	later := ids.New()
	s.inject(t, at(1, "referral.sent", later))
	resp, err := s.feed.ListChanges(as(t, receiver), &pb.ListChangesRequest{After: next})
	if err != nil || len(resp.GetEvents()) != 1 || resp.GetEvents()[0].GetData().AsMap()["referral_id"] != later {
		t.Fatalf("continuing: %v, %v; want the one event applied since", resp.GetEvents(), err)
	}
	// The sender was told none of these (referral.sent goes to the
	// receiver alone): nothing from any time.
	if resp, err := s.feed.ListChanges(as(t, sender), &pb.ListChangesRequest{StartTime: timestamppb.New(base)}); err != nil || len(resp.GetEvents()) != 0 {
		t.Fatalf("the sender from minute 0: %v, %v; want none", resp.GetEvents(), err)
	}

	_, err = s.feed.ListChanges(as(t, receiver), &pb.ListChangesRequest{StartTime: timestamppb.New(time.Now().Add(-2 * time.Hour))})
	statustest.Want(t, err, codes.OutOfRange, "")
	if info := statustest.Info(err); info.GetReason() != "CURSOR_EXPIRED" || info.GetMetadata()["oldest_cursor"] == "" ||
		info.GetMetadata()["oldest_start_time"] == "" {
		t.Fatalf("two hours ago: error info %v", info)
	}
	if fvs := statustest.FieldViolations(err); len(fvs) != 1 || fvs[0].GetField() != "start_time" {
		t.Fatalf("two hours ago: field violations %v, want one on start_time", fvs)
	}
	_, err = s.feed.ListChanges(as(t, receiver), &pb.ListChangesRequest{After: next, StartTime: timestamppb.New(base)})
	if fvs := statustest.FieldViolations(err); statustest.Code(err) != codes.InvalidArgument || len(fvs) != 1 || fvs[0].GetField() != "start_time" {
		t.Fatalf("after and start_time: %v, want INVALID_ARGUMENT on start_time", err)
	}
}
