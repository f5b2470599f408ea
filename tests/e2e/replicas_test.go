package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/webhooktest"
)

// postAt is a JSON POST to the edge at base (a replica's URL).
func postAt(base, path, key string, body any, headers ...string) (int, map[string]any, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequest("POST", base+path, bytes.NewReader(raw))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(out, &m)
	if m == nil {
		m = map[string]any{"raw": string(out)}
	}
	return resp.StatusCode, m, nil
}

// TestTwoReplicasOfEveryService runs a second process of beneficiaries,
// referrals, webhooks and the edge beside the first, on the one database,
// as a deployment with two replicas does: work done through either edge,
// event consumers, deliveries, the overdue scan and the consent-expiry
// sweep on both replicas at once. Each webhook goes out once per event and
// subscription (every receiver answers 200, so nothing is retried), each
// referral is overdue once, an expired consent ends the receiver's access
// once, and one Idempotency-Key sent to both edges at once makes one
// record.
func TestTwoReplicasOfEveryService(t *testing.T) {
	s := startSystem(t, append(webhookEnv, "CONSENT_EXPIRY_INTERVAL=200ms")...)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	edges := []string{s.stack.URL()}
	for _, svc := range []string{"beneficiaries", "referrals", "webhooks", "edge"} {
		name, err := s.stack.StartReplica(ctx, svc)
		if err != nil {
			t.Fatalf("second %s: %v\n%s", svc, err, s.logs.String())
		}
		if svc == "edge" {
			edges = append(edges, s.stack.URLOf(name))
		}
	}
	orgB := s.orgID(t, "Organisation B")
	atA, atB := webhooktest.Start(t, nil), webhooktest.Start(t, nil)
	types := append([]string{"consent.expired"}, allWebhookTypes...)
	s.subscribeREST(t, s.keyA, atA.URL(), types...)
	s.subscribeREST(t, s.keyB, atB.URL(), types...)

	// One Idempotency-Key, both edges at once: one person.
	const keys = 6
	for i := range keys {
		var wg sync.WaitGroup
		ids := make([]string, len(edges))
		for e, base := range edges {
			wg.Go(func() {
				for range 50 {
					st, body, err := postAt(base, "/v1/beneficiaries", s.keyA, map[string]any{
						"given_name": fmt.Sprintf("Replika %d", i), "sex": "SEX_FEMALE", "birth_year": 1990,
						"legal_status": "LEGAL_STATUS_ASYLUM_SEEKER"}, "Idempotency-Key", fmt.Sprintf("replicas-%d", i))
					switch {
					case err != nil:
						t.Errorf("edge %d: %v", e+1, err)
						return
					case st == http.StatusConflict: // in progress at the other edge: retry
						time.Sleep(20 * time.Millisecond)
						continue
					case st != 200:
						t.Errorf("edge %d: HTTP %d %v", e+1, st, body)
						return
					}
					ids[e], _ = body["id"].(string)
					return
				}
			})
		}
		wg.Wait()
		if ids[0] == "" || ids[0] != ids[1] {
			t.Errorf("Idempotency-Key replicas-%d at both edges at once: %q and %q", i, ids[0], ids[1])
		}
	}
	l := s.call(t, "GET", "/v1/beneficiaries?page_size=100", s.keyA, nil).must(t, 200)
	if n := strings.Count(l.Raw, `"Replika `); n != keys {
		t.Errorf("%d persons made by %d Idempotency-Keys sent to both edges", n, keys)
	}

	// Referrals through either edge; every one accepted, then overdue.
	ben := s.call(t, "POST", "/v1/beneficiaries", s.keyA, map[string]any{
		"given_name": "Amina", "sex": "SEX_FEMALE", "birth_year": 1994, "legal_status": "LEGAL_STATUS_ASYLUM_SEEKER",
	}).must(t, 200).str("id")
	consent := s.call(t, "POST", "/v1/beneficiaries/"+ben+"/consents", s.keyA, map[string]any{
		"purpose": "CONSENT_PURPOSE_REFERRAL_SHARING", "given_by": "CONSENT_GIVEN_BY_SELF", "scope": "referrals"}).must(t, 200).str("id")
	const referrals = 10
	var refs []string
	for i := range referrals {
		base := edges[i%2]
		st, body, err := postAt(base, "/v1/referrals", s.keyA, map[string]any{
			"beneficiary_id": ben, "to_organisation_id": orgB, "category": "REFERRAL_CATEGORY_LEGAL", "urgency": "URGENCY_HIGH"})
		if err != nil || st != 200 {
			t.Fatalf("create at edge %d: %d %v %v", i%2+1, st, body, err)
		}
		id, _ := body["id"].(string)
		for _, step := range []struct{ key, action string }{{s.keyA, "send"}, {s.keyB, "accept"}} {
			if st, body, err := postAt(edges[(i+1)%2], "/v1/referrals/"+id+":"+step.action, step.key, map[string]any{}); err != nil || st != 200 {
				t.Fatalf("%s: %d %v %v", step.action, st, body, err)
			}
		}
		refs = append(refs, id)
	}
	s.exec(t, `UPDATE referrals.referrals SET due_time = now() - interval '1 second' WHERE id::text = ANY($1)`, refs)
	// Every referral overdue first (an ended referral is not overdue).
	for _, rcv := range []*webhooktest.Receiver{atA, atB} {
		rcv.WaitFor(t, time.Minute, "the overdue webhooks", func(r []webhooktest.Request) bool {
			n := 0
			for _, q := range r {
				if q.Decode(t).Type == "referral.overdue" {
					n++
				}
			}
			return n >= referrals
		})
	}
	// The consent expires: B's access ends, once.
	s.exec(t, `UPDATE beneficiaries.consents SET given_time = now() - interval '1 hour', expire_time = now() - interval '1 second' WHERE id = $1`, consent)

	// Per referral: A accepted, overdue and cancelled (by the consent's
	// end); B received, overdue and cancelled; B consent.expired once (its
	// access ended).
	wantA, wantB := 3*referrals+1, 3*referrals+1
	for _, c := range []struct {
		name string
		rcv  *webhooktest.Receiver
		want int
	}{{"A", atA, wantA}, {"B", atB, wantB}} {
		c.rcv.WaitFor(t, time.Minute, c.name+"'s webhooks", func(r []webhooktest.Request) bool { return len(r) >= c.want })
		time.Sleep(time.Second) // a duplicate would come now
		reqs := c.rcv.Requests()
		ids := map[string]int{}
		perEvent := map[string]int{}
		for _, q := range reqs {
			ids[q.ID]++
			e := q.Decode(t)
			ref, _ := e.Data["referral_id"].(string)
			if ref == "" {
				ref, _ = e.Data["beneficiary_id"].(string)
			}
			perEvent[e.Type+" "+ref]++
		}
		for id, n := range ids {
			if n > 1 {
				t.Errorf("%s got webhook %s %d times (both receivers answer 200 at once)", c.name, id, n)
			}
		}
		for ev, n := range perEvent {
			if n > 1 {
				t.Errorf("%s got %s %d times", c.name, ev, n)
			}
		}
		if len(reqs) != c.want {
			t.Errorf("%s got %d webhooks, want %d: %v", c.name, len(reqs), c.want, perEvent)
		}
	}
	s.call(t, "GET", "/v1/beneficiaries/"+ben, s.keyB, nil).must(t, 404)
}

// TestFrozenConsumerLeaderIsReplaced: of two referrals processes, the one
// applying the beneficiaries feed stops answering (SIGSTOP: its
// connections stay open, as with a host that froze or fell off the
// network). The other takes the feed over once the leader has been silent
// for EVENT_CONSUMER_LEASE, so an erasure still reaches the referrals:
// the reason naming the person is wiped while the first process is frozen.
func TestFrozenConsumerLeaderIsReplaced(t *testing.T) {
	s, conn, ben, ref := twoReferralsProcesses(t)
	if err := s.stack.Pause("referrals"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.stack.Resume("referrals") })
	s.call(t, "POST", "/v1/beneficiaries/"+ben+":erase", s.keyA, map[string]any{}).must(t, 200)
	reasonWiped(t, conn, ref, "while the feed's leader was frozen")
}

// twoReferralsProcesses starts the system with a second referrals process
// and a person with a referral whose reason names her. The first process
// leads the beneficiaries feed: it took the lead at its start, before the
// second existed. conn is the test's connection to the database.
func twoReferralsProcesses(t *testing.T) (s *system, conn *pgx.Conn, ben, ref string) {
	t.Helper()
	s = startSystem(t, "EVENT_CONSUMER_LEASE=2s")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if _, err := s.stack.StartReplica(ctx, "referrals"); err != nil {
		t.Fatalf("second referrals: %v\n%s", err, s.logs.String())
	}
	orgB := s.orgID(t, "Organisation B")
	ben = s.call(t, "POST", "/v1/beneficiaries", s.keyA, map[string]any{
		"given_name": "Zlatana", "sex": "SEX_FEMALE", "birth_year": 1994, "legal_status": "LEGAL_STATUS_ASYLUM_SEEKER",
	}).must(t, 200).str("id")
	ref = s.call(t, "POST", "/v1/referrals", s.keyA, map[string]any{
		"beneficiary_id": ben, "to_organisation_id": orgB, "category": "REFERRAL_CATEGORY_LEGAL",
		"reason": "Zlatana needs a lawyer"}).must(t, 200).str("id")
	conn, err := pgx.Connect(context.Background(), s.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return s, conn, ben, ref
}

// reasonWiped waits until the erasure wiped referral ref's reason; the
// test fails after 45 seconds (when, says what was frozen).
func reasonWiped(t *testing.T, conn *pgx.Conn, ref, when string) {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for {
		var reason string
		if err := conn.QueryRow(context.Background(), `SELECT reason FROM referrals.referrals WHERE id = $1`, ref).Scan(&reason); err != nil {
			t.Fatal(err)
		}
		if reason == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the erasure did not reach the referrals %s (reason %q)", when, reason)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestIdempotencyKeyHeldWhileTheWriteRuns: a write with an Idempotency-Key
// that runs longer than IDEMPOTENCY_LOCK (here it waits for a row another
// transaction holds) still holds its key: the client's retry, at the other
// edge, gets 409 while the first attempt runs, as documented, instead of
// running the write a second time beside it.
func TestIdempotencyKeyHeldWhileTheWriteRuns(t *testing.T) {
	s := startSystem(t, "IDEMPOTENCY_LOCK=1s")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	replica, err := s.stack.StartReplica(ctx, "edge")
	if err != nil {
		t.Fatalf("second edge: %v\n%s", err, s.logs.String())
	}
	created := s.call(t, "POST", "/v1/beneficiaries", s.keyA, map[string]any{
		"given_name": "Emir", "sex": "SEX_MALE", "birth_year": 1990, "legal_status": "LEGAL_STATUS_ASYLUM_SEEKER",
	}).must(t, 200)
	ben, etag := created.str("id"), created.str("etag")
	conn, err := pgx.Connect(ctx, s.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	patch := func(base string) func() error {
		return func() error {
			body, _ := json.Marshal(map[string]string{"notes": "moved to Tuzla", "etag": etag})
			req, err := http.NewRequest("PATCH", base+"/v1/beneficiaries/"+ben+"?update_mask=notes", bytes.NewReader(body))
			if err != nil {
				return err
			}
			req.Header.Set("Authorization", "Bearer "+s.keyA)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", "patch-1")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			out, _ := io.ReadAll(resp.Body)
			return fmt.Errorf("HTTP %d: %s", resp.StatusCode, out)
		}
	}
	hold := pgtest.NewHold(t, conn, "UPDATE ON beneficiaries.beneficiaries")
	first := pgtest.Go(patch(s.stack.URL()))
	hold.Held()
	time.Sleep(3 * time.Second) // three times IDEMPOTENCY_LOCK
	second := pgtest.Go(patch(s.stack.URLOf(replica)))
	// Either the retry returns, or it waits at the hold beside the first.
	secondDone := waitDone(second)
	for {
		var both bool
		// The second write waits for the first's row lock, or at the hold.
		if err := conn.QueryRow(ctx, `SELECT (`+pgtest.LockWaits+`) OR (SELECT count(*) > 1 FROM pg_locks
			WHERE locktype = 'advisory' AND NOT granted AND objsubid = 1 AND classid = 0 AND objid::bigint > 1578172416)`).Scan(&both); err != nil {
			t.Fatal(err)
		}
		if both {
			hold.Release()
			t.Fatalf("the retry ran the write again while the first attempt was still running (%v; %v)", first.Wait(), <-secondDone)
		}
		select {
		case err := <-secondDone:
			if !strings.HasPrefix(err.Error(), "HTTP 409:") {
				t.Errorf("retry while the first attempt runs: %v; want 409", err)
			}
			hold.Release()
			if err := first.Wait(); !strings.HasPrefix(err.Error(), "HTTP 200:") {
				t.Errorf("first attempt: %v", err)
			}
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// waitDone is a channel receiving s's error once it returned.
func waitDone(s *pgtest.Started) <-chan error {
	c := make(chan error, 1)
	go func() { c <- s.Wait() }()
	return c
}

// TestConsumerLeaderFrozenInItsTransaction: the referrals process applying
// the beneficiaries feed freezes in the middle of applying an erasure, with
// its transaction open and the consumer's cursor row locked. The other
// referrals process takes the lead (the leader is silent) and must not wait
// for that transaction for ever: the server ends a consumer's transaction
// idle for EVENT_CONSUMER_LEASE, and the erasure is applied while the first
// process is still frozen.
func TestConsumerLeaderFrozenInItsTransaction(t *testing.T) {
	s, conn, ben, ref := twoReferralsProcesses(t)
	ctx := t.Context()
	// The leader (the first process, which took the lead at its start)
	// reaches the referral's row inside its transaction, waits for this
	// test's lock on it, and freezes there; then the row is let go, and its
	// transaction sits open with the cursor row locked.
	row, err := pgx.Connect(ctx, s.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer row.Close(ctx)
	lock, err := row.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock.Exec(ctx, `SELECT 1 FROM referrals.referrals WHERE id = $1 FOR UPDATE`, ref); err != nil {
		t.Fatal(err)
	}
	s.call(t, "POST", "/v1/beneficiaries/"+ben+":erase", s.keyA, map[string]any{}).must(t, 200)
	pgtest.Until(t, conn, "the consumer waiting for the referral's row", pgtest.LockWaits)
	if err := s.stack.Pause("referrals"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.stack.Resume("referrals") })
	if err := lock.Rollback(ctx); err != nil {
		t.Fatal(err)
	}

	reasonWiped(t, conn, ref, "while the feed's leader was frozen in its transaction")
}
