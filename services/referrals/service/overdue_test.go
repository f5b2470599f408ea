package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/services/referrals/service"
)

// TestOverdueOnceAcrossReplicas: with three replicas scanning every 20 ms,
// each open referral whose due time passed gets exactly one
// referral.overdue event (sent, accepted and in progress alike; carrying
// both parties, status and due time); drafts and closed referrals get none.
func TestOverdueOnceAcrossReplicas(t *testing.T) {
	s := start(t)
	for range 2 {
		servicetest.Start(t, service.New(service.Config{Config: servicetest.Platform(t, s.url),
			BeneficiariesAddr: s.proxy.addr, ReportingAddr: s.reporting.Addr, OverdueScanInterval: 20 * time.Millisecond}))
	}
	a, b := s.org(t, "Sender"), s.org(t, "Receiver")
	ctxA, ctxB := partner(t, a), partner(t, b)
	ben := s.beneficiary(t, ctxA)
	s.consent(t, ctxA, ben, time.Time{})
	want := map[string]string{} // referral -> status when overdue
	var closed []string
	for i := range 24 {
		r := s.draft(t, ctxA, ben, b, pb.Urgency_URGENCY_EMERGENCY)
		switch i % 6 {
		case 0: // stays a draft
			closed = append(closed, r.GetId())
			continue
		case 1:
			s.must(t, ctxA, "send", r.GetId())
			want[r.GetId()] = "sent"
		case 2:
			s.must(t, ctxA, "send", r.GetId())
			s.must(t, ctxB, "accept", r.GetId())
			want[r.GetId()] = "accepted"
		case 3:
			s.must(t, ctxA, "send", r.GetId())
			s.must(t, ctxB, "accept", r.GetId())
			s.must(t, ctxB, "start", r.GetId())
			want[r.GetId()] = "in_progress"
		case 4:
			s.must(t, ctxA, "send", r.GetId())
			s.must(t, ctxB, "decline", r.GetId())
			closed = append(closed, r.GetId())
		case 5:
			s.must(t, ctxA, "send", r.GetId())
			s.must(t, ctxA, "cancel", r.GetId())
			closed = append(closed, r.GetId())
		}
	}
	// Time passes for every referral at once.
	s.sql(t, `UPDATE referrals.referrals SET due_time = now() - interval '1 minute'`)

	count := func() map[string]int {
		conn, err := pgx.Connect(context.Background(), s.url)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		rows, _ := conn.Query(context.Background(), `SELECT aggregate_id FROM referrals.outbox WHERE type = 'referral.overdue'`)
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		n := map[string]int{}
		for _, id := range ids {
			n[id]++
		}
		return n
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(count()) < len(want) {
		if time.Now().After(deadline) {
			t.Fatalf("overdue events for %d of %d referrals", len(count()), len(want))
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // many more scans by every replica
	got := count()
	for id := range want {
		if got[id] != 1 {
			t.Errorf("referral %s: %d overdue events, want 1", id, got[id])
		}
	}
	for _, id := range closed {
		if got[id] != 0 {
			t.Errorf("draft or closed referral %s: %d overdue events", id, got[id])
		}
	}
	evs, _ := s.feedEvents(t, "")
	seen := 0
	for _, e := range evs {
		if e.GetType() != "referral.overdue" {
			continue
		}
		seen++
		d := e.GetData().AsMap()
		if d["status"] != want[e.GetAggregateId()] || d["from_organisation_id"] != a || d["to_organisation_id"] != b ||
			d["due_time"] == nil || len(e.GetOrganisationIds()) != 2 {
			t.Errorf("overdue event %v", e)
		}
		if _, leaked := d["reason"]; leaked {
			t.Errorf("free text in the event: %v", d)
		}
	}
	if seen != len(want) {
		t.Fatalf("the feed carries %d overdue events, want %d", seen, len(want))
	}
}
