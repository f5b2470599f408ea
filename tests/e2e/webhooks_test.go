package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/testkit/otlptest"
	"github.com/spona/spona/pkg/testkit/webhooktest"
)

// webhookEnv makes retries and scans fast enough for a test.
var webhookEnv = []string{"WEBHOOK_RETRY_BASE=100ms", "WEBHOOK_RETRY_MAX=1s", "WEBHOOK_POLL_INTERVAL=100ms",
	"WEBHOOK_LEASE=15s", "OVERDUE_SCAN_INTERVAL=200ms"}

var allWebhookTypes = []string{"referral.received", "referral.accepted", "referral.declined", "referral.started",
	"referral.completed", "referral.cancelled", "referral.overdue", "consent.withdrawn", "beneficiary.erased"}

// subscribeREST subscribes url for the key's organisation and returns the
// webhook's id and secret.
func (s *system) subscribeREST(t *testing.T, key, url string, types ...string) (id, secret string) {
	t.Helper()
	r := s.call(t, "POST", "/v1/webhooks", key, map[string]any{"url": url, "event_types": types, "description": "e2e"}).must(t, 200)
	if !strings.HasPrefix(r.str("secret"), "whsec_") || r.str("id") == "" {
		t.Fatalf("subscription: %s", r.Raw)
	}
	return r.str("id"), r.str("secret")
}

// referralsOf groups the event types a receiver got by referral, in arrival
// order, counting each webhook-id once (a retry repeats it).
func referralsOf(t *testing.T, reqs []webhooktest.Request) map[string][]string {
	t.Helper()
	seen := map[string]bool{}
	out := map[string][]string{}
	for _, q := range reqs {
		if q.Status >= 300 || seen[q.ID] {
			continue
		}
		seen[q.ID] = true
		e := q.Decode(t)
		ref, _ := e.Data["referral_id"].(string)
		if ref == "" {
			ref, _ = e.Data["beneficiary_id"].(string)
		}
		out[ref] = append(out[ref], e.Type)
	}
	return out
}

// TestWebhooks drives referrals through the REST edge and watches what the
// organisations' real HTTP endpoints receive: every transition, in order,
// to the right party only, signed (checked with the standardwebhooks npm
// package), with thin bodies; retries after 500s; overdue once; the change
// feed; the delivery log; metrics and the trace link to the cause.
func TestWebhooks(t *testing.T) {
	s := startSystem(t, webhookEnv...)
	keyC := s.createKey(t, "partner-c", "Organisation C")
	orgA, orgB := s.orgID(t, "Organisation A"), s.orgID(t, "Organisation B")

	// B's endpoint answers 500 to the first three attempts of the first
	// webhook it gets.
	atA := webhooktest.Start(t, nil)
	var firstMu sync.Mutex
	first, failures := "", 0
	atB := webhooktest.Start(t, func(_ int, r webhooktest.Request) int {
		firstMu.Lock()
		defer firstMu.Unlock()
		if first == "" {
			first = r.ID
		}
		if r.ID == first && failures < 3 {
			failures++
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	atC := webhooktest.Start(t, nil)
	whA, secretA := s.subscribeREST(t, s.keyA, atA.URL(), allWebhookTypes...)
	whB, secretB := s.subscribeREST(t, s.keyB, atB.URL(), allWebhookTypes...)
	s.subscribeREST(t, keyC, atC.URL(), allWebhookTypes...)

	ben := s.call(t, "POST", "/v1/beneficiaries", s.keyA, map[string]any{
		"given_name": "Amina", "sex": "SEX_FEMALE", "birth_year": 1994, "legal_status": "LEGAL_STATUS_ASYLUM_SEEKER",
	}).must(t, 200).str("id")
	s.call(t, "POST", "/v1/beneficiaries/"+ben+"/consents", s.keyA, map[string]any{
		"purpose": "CONSENT_PURPOSE_REFERRAL_SHARING", "given_by": "CONSENT_GIVEN_BY_SELF", "scope": "referrals"}).must(t, 200)
	send := func(headers ...string) string {
		t.Helper()
		id := s.call(t, "POST", "/v1/referrals", s.keyA, map[string]any{
			"beneficiary_id": ben, "to_organisation_id": orgB, "category": "REFERRAL_CATEGORY_LEGAL", "urgency": "URGENCY_EMERGENCY",
			"reason": "asylum interview tomorrow", "notes": "needs a Farsi interpreter",
		}).must(t, 200).str("id")
		s.call(t, "POST", "/v1/referrals/"+id+":send", s.keyA, map[string]any{}, headers...).must(t, 200)
		return id
	}
	act := func(key, id, action string, body map[string]any) {
		t.Helper()
		s.call(t, "POST", "/v1/referrals/"+id+":"+action, key, body).must(t, 200)
	}
	const traceID = "5e1f0c1ad0e0c0de5e1f0c1ad0e0c0de"
	completed := send("traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
	act(s.keyB, completed, "accept", map[string]any{})
	act(s.keyB, completed, "start", map[string]any{})
	act(s.keyB, completed, "complete", map[string]any{"outcome": map[string]any{"code": "OUTCOME_CODE_SERVICE_PROVIDED", "note": "done"}})
	declined := send()
	act(s.keyB, declined, "decline", map[string]any{"reason": "no capacity this week"})
	cancelled := send()
	act(s.keyA, cancelled, "cancel", map[string]any{"reason": "moved to another town"})
	overdue := send()
	act(s.keyB, overdue, "accept", map[string]any{})
	// Time passes: the referral's due time is now behind it.
	s.exec(t, `UPDATE referrals.referrals SET due_time = now() - interval '1 second' WHERE id = $1`, overdue)

	wantA := map[string][]string{
		completed: {"referral.accepted", "referral.started", "referral.completed"},
		declined:  {"referral.declined"},
		overdue:   {"referral.accepted", "referral.overdue"},
	}
	wantB := map[string][]string{
		completed: {"referral.received"},
		declined:  {"referral.received"},
		cancelled: {"referral.received", "referral.cancelled"},
		overdue:   {"referral.received", "referral.overdue"},
	}
	count := func(m map[string][]string) (n int) {
		for _, v := range m {
			n += len(v)
		}
		return n
	}
	check := func(name string, rcv *webhooktest.Receiver, want map[string][]string, secret string) []webhooktest.Request {
		reqs := rcv.WaitFor(t, time.Minute, name+"'s webhooks", func(r []webhooktest.Request) bool {
			return count(referralsOf(t, r)) >= count(want)
		})
		got := referralsOf(t, reqs)
		for ref, types := range want {
			if !slices.Equal(got[ref], types) {
				t.Errorf("%s got %v for referral %s, want %v", name, got[ref], ref, types)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s got webhooks about %d referrals, want %d: %v", name, len(got), len(want), got)
		}
		for _, q := range reqs {
			if strings.Contains(string(q.Body), "Farsi") || strings.Contains(string(q.Body), "Amina") ||
				strings.Contains(string(q.Body), "capacity") || strings.Contains(string(q.Body), "another town") {
				t.Errorf("%s: a webhook carries free text: %s", name, q.Body)
			}
		}
		webhooktest.Verify(t, []string{secret}, reqs)
		return reqs
	}
	check("A (sender)", atA, wantA, secretA)
	reqsB := check("B (receiver)", atB, wantB, secretB)

	t.Run("500 three times, then the same webhook once more", func(t *testing.T) {
		var same []webhooktest.Request
		for _, q := range reqsB {
			if q.ID == first {
				same = append(same, q)
			}
		}
		if len(same) != 4 || same[3].Status != 200 || string(same[3].Body) != string(same[0].Body) {
			t.Fatalf("the first webhook to B came %d times: %v", len(same), same)
		}
		for _, q := range same[:3] {
			if q.Status != 500 {
				t.Fatalf("attempts %v", same)
			}
		}
	})

	t.Run("overdue only once", func(t *testing.T) {
		time.Sleep(time.Second) // several scans of the overdue scheduler
		for name, rcv := range map[string]*webhooktest.Receiver{"A": atA, "B": atB} {
			if got := referralsOf(t, rcv.Requests())[overdue]; !slices.Equal(got[len(got)-1:], []string{"referral.overdue"}) ||
				slices.Index(got, "referral.overdue") != len(got)-1 {
				t.Errorf("%s: %v", name, got)
			}
		}
	})

	t.Run("an unrelated organisation receives nothing", func(t *testing.T) {
		if got := atC.Requests(); len(got) != 0 {
			t.Fatalf("C received %d webhooks, first: %s", len(got), got[0].Body)
		}
		l := s.call(t, "GET", "/v1/events", keyC, nil).must(t, 200)
		if evs, _ := l.Body["events"].([]any); len(evs) != 0 {
			t.Fatalf("C's change feed: %s", l.Raw)
		}
	})

	t.Run("body", func(t *testing.T) {
		e := reqsB[len(reqsB)-1].Decode(t)
		for _, k := range []string{"referral_id", "beneficiary_id", "from_organisation_id", "to_organisation_id", "status", "urgency", "due_time"} {
			if _, ok := e.Data[k]; !ok {
				t.Errorf("data has no %s: %v", k, e.Data)
			}
		}
		if e.Data["from_organisation_id"] != orgA || e.Data["to_organisation_id"] != orgB || e.Data["urgency"] != "emergency" {
			t.Errorf("data %v", e.Data)
		}
	})

	t.Run("change feed", func(t *testing.T) {
		var types []string
		after := ""
		for range 20 {
			page := s.call(t, "GET", "/v1/events?page_size=3&after="+after, s.keyB, nil).must(t, 200)
			evs, _ := page.Body["events"].([]any)
			for _, e := range evs {
				types = append(types, e.(map[string]any)["type"].(string))
			}
			if len(evs) == 0 {
				break
			}
			after = page.str("next_cursor")
		}
		if len(types) != count(wantB) {
			t.Fatalf("B's change feed: %v, want %d events", types, count(wantB))
		}
		only := s.call(t, "GET", "/v1/events?types=referral.overdue", s.keyB, nil).must(t, 200)
		if evs, _ := only.Body["events"].([]any); len(evs) != 1 {
			t.Fatalf("types filter: %s", only.Raw)
		}
		bad := s.call(t, "GET", "/v1/events?after=garbage", s.keyB, nil).must(t, 400)
		if bad.Body["code"] != float64(3) {
			t.Fatalf("bad cursor: %s", bad.Raw)
		}
		s.call(t, "GET", "/v1/events", "", nil).must(t, 401)
	})

	t.Run("delivery log and redelivery", func(t *testing.T) {
		l := s.call(t, "GET", "/v1/webhooks/"+whB+"/deliveries", s.keyB, nil).must(t, 200)
		ds, _ := l.Body["deliveries"].([]any)
		if len(ds) != count(wantB) {
			t.Fatalf("B's deliveries: %s", l.Raw)
		}
		var oldest map[string]any
		for _, d := range ds {
			if d := d.(map[string]any); d["id"] == first {
				oldest = d
			}
		}
		if oldest["status"] != "DELIVERY_STATUS_SUCCEEDED" || oldest["attempts"] != float64(4) || oldest["last_response_code"] != float64(200) {
			t.Fatalf("the delivery retried three times: %v", oldest)
		}
		s.call(t, "GET", "/v1/webhooks/"+whB+"/deliveries", s.keyA, nil).must(t, 404)
		before := len(atB.Requests())
		s.call(t, "POST", "/v1/webhooks/"+whB+"/deliveries/"+oldest["id"].(string)+":redeliver", s.keyB, map[string]any{}).must(t, 200)
		reqs := atB.WaitFor(t, 30*time.Second, "the redelivery", func(r []webhooktest.Request) bool { return len(r) > before })
		if reqs[len(reqs)-1].ID != oldest["id"] {
			t.Fatalf("redelivered %s, want %s", reqs[len(reqs)-1].ID, oldest["id"])
		}
	})

	t.Run("the delivery links to the trace of its cause", func(t *testing.T) {
		deadline := time.Now().Add(30 * time.Second)
		for {
			linked := s.traces.LinkedTo(traceID)
			if slices.ContainsFunc(linked, func(sp otlptest.Span) bool { return sp.Service == "webhooks" }) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no webhooks span links to trace %s: %v", traceID, linked)
			}
			time.Sleep(200 * time.Millisecond)
		}
	})

	t.Run("metrics", func(t *testing.T) {
		resp, err := http.Get(s.stack.AdminURL("webhooks") + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, want := range []string{`spona_webhooks_attempts_total{outcome="succeeded"`, `spona_webhooks_attempts_total{outcome="failed"`,
			"spona_webhooks_attempt_duration_seconds_bucket", "spona_webhooks_delivery_lag_seconds_bucket"} {
			if !strings.Contains(string(raw), want) {
				t.Errorf("/metrics has no %s", want)
			}
		}
	})
	_ = whA
}

// exec runs SQL on the system's database (to make time pass).
func (s *system) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if tag, err := conn.Exec(ctx, sql, args...); err != nil || tag.RowsAffected() == 0 {
		t.Fatalf("%s: %v (%d rows)", sql, err, tag.RowsAffected())
	}
}

// TestWebhooksSurviveKill9 kills the webhooks process (SIGKILL) while
// referrals are being sent and restarts it: every sent referral reaches the
// receiver's endpoint, a repeat only with the same webhook-id.
func TestWebhooksSurviveKill9(t *testing.T) {
	s := startSystem(t, append(webhookEnv, "RATE_LIMIT_RPS=0")...)
	orgB := s.orgID(t, "Organisation B")
	// A receiver taking its time, so attempts are in flight at the kill.
	atB := webhooktest.Start(t, func(int, webhooktest.Request) int {
		time.Sleep(50 * time.Millisecond)
		return http.StatusOK
	})
	_, secret := s.subscribeREST(t, s.keyB, atB.URL(), "referral.received")
	ben := s.call(t, "POST", "/v1/beneficiaries", s.keyA, map[string]any{
		"given_name": "Nadia", "legal_status": "LEGAL_STATUS_REFUGEE"}).must(t, 200).str("id")
	s.call(t, "POST", "/v1/beneficiaries/"+ben+"/consents", s.keyA, map[string]any{
		"purpose": "CONSENT_PURPOSE_REFERRAL_SHARING", "given_by": "CONSENT_GIVEN_BY_SELF", "scope": "referrals"}).must(t, 200)

	var mu sync.Mutex
	var sent []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				r, err := s.try("POST", "/v1/referrals", s.keyA, map[string]any{"beneficiary_id": ben, "to_organisation_id": orgB,
					"category": "REFERRAL_CATEGORY_HEALTH"}, "Idempotency-Key", fmt.Sprintf("w%d-%d", w, i))
				if err != nil || r.Status != 200 {
					t.Errorf("create: %v %s", err, r.Raw)
					return
				}
				id := r.str("id")
				if r, err := s.try("POST", "/v1/referrals/"+id+":send", s.keyA, map[string]any{}); err != nil || r.Status != 200 {
					t.Errorf("send: %v %s", err, r.Raw)
					return
				}
				mu.Lock()
				sent = append(sent, id)
				mu.Unlock()
			}
		}()
	}
	atB.WaitFor(t, time.Minute, "deliveries under load", func(r []webhooktest.Request) bool { return len(r) >= 20 })
	if err := s.stack.KillService("webhooks"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // referrals keep being sent meanwhile
	if err := s.stack.StartService(context.Background(), "webhooks"); err != nil {
		t.Fatal(err)
	}
	atB.WaitFor(t, time.Minute, "deliveries after the restart", func(r []webhooktest.Request) bool { return len(r) >= 60 })
	close(stop)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	reqs := atB.WaitFor(t, 2*time.Minute, "every sent referral", func(r []webhooktest.Request) bool {
		return len(referralsOf(t, r)) >= len(sent)
	})
	idOf := map[string]string{}
	dups := 0
	for _, q := range reqs {
		ref := q.Decode(t).Data["referral_id"].(string)
		if prev, ok := idOf[ref]; ok {
			dups++
			if prev != q.ID {
				t.Fatalf("referral %s delivered under two webhook-ids %s and %s", ref, prev, q.ID)
			}
		}
		idOf[ref] = q.ID
	}
	for _, id := range sent {
		if _, ok := idOf[id]; !ok {
			t.Errorf("referral %s was sent but never delivered", id)
		}
	}
	if len(idOf) != len(sent) {
		t.Errorf("%d referrals delivered, %d sent", len(idOf), len(sent))
	}
	t.Logf("%d referrals sent, %d webhooks, %d repeated after the kill (same webhook-id)", len(sent), len(reqs), dups)
	webhooktest.Verify(t, []string{secret}, reqs)
}
