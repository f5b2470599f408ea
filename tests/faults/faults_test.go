// Package faults shows what partners see when parts of Spona fail under
// load: clients keep creating beneficiaries through the REST edge, each with
// an Idempotency-Key they retry until acknowledged, while the test kills a
// service (SIGKILL) and restarts it, restarts PostgreSQL (pg_ctl restart
// -m fast) and crashes it (SIGKILL of the postmaster, then start: crash
// recovery). Afterwards every acknowledged write must exist exactly once,
// every failure a client saw must have been 503 (never a 500), and the time
// until writes succeed again is reported.
package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/testkit/devstack/devstacktest"
	"github.com/spona/spona/pkg/testkit/pgcluster"
)

// attempt is one HTTP request of a client.
type attempt struct {
	start, end time.Time
	status     int // 0: transport error
	err        string
}

// recorder collects what the clients saw.
type recorder struct {
	mu       sync.Mutex
	attempts []attempt
	acked    map[string]string // idempotency key -> id the API returned
}

func (r *recorder) add(a attempt) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.attempts = append(r.attempts, a)
}

func (r *recorder) ack(key, id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if prev, ok := r.acked[key]; ok && prev != id {
		return fmt.Errorf("key %s acknowledged twice with different ids %s and %s", key, prev, id)
	}
	r.acked[key] = id
	return nil
}

// writer creates beneficiaries one after another until stop is closed; each
// create is retried with the same Idempotency-Key until it is acknowledged.
func writer(ctx context.Context, url, apiKey string, n int, rec *recorder, stop <-chan struct{}) error {
	client := &http.Client{Timeout: 15 * time.Second}
	for i := 0; ; i++ {
		select {
		case <-stop:
			return nil
		default:
		}
		key := fmt.Sprintf("faults-w%d-%05d", n, i)
		body, _ := json.Marshal(map[string]any{"given_name": key, "legal_status": "LEGAL_STATUS_ASYLUM_SEEKER"})
		for try := 0; ; try++ {
			if ctx.Err() != nil {
				return fmt.Errorf("key %s never acknowledged: %w", key, ctx.Err())
			}
			req, _ := http.NewRequestWithContext(ctx, "POST", url+"/v1/beneficiaries", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+apiKey)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", key)
			a := attempt{start: time.Now()}
			resp, err := client.Do(req)
			var raw []byte
			if err == nil {
				raw, _ = io.ReadAll(resp.Body)
				resp.Body.Close()
				a.status = resp.StatusCode
				if a.status != 200 {
					a.err = string(raw)
				}
			} else {
				a.err = err.Error()
			}
			a.end = time.Now()
			rec.add(a)
			if a.status == 200 {
				var out struct {
					ID        string `json:"id"`
					GivenName string `json:"given_name"`
				}
				if err := json.Unmarshal(raw, &out); err != nil || out.ID == "" || out.GivenName != key {
					return fmt.Errorf("key %s: acknowledged with a bad body: %s", key, raw)
				}
				if err := rec.ack(key, out.ID); err != nil {
					return err
				}
				break
			}
			time.Sleep(time.Duration(min(50*(try+1), 500)) * time.Millisecond)
		}
	}
}

// fault is one injected failure and when it happened.
type fault struct {
	name     string
	at, done time.Time // injected; repaired (process or server back)
}

func TestFaultsUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("kills processes and PostgreSQL under load")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	// A private, durable cluster: the test restarts and crashes it.
	pg, err := pgcluster.Start(ctx, filepath.Join(t.TempDir(), "pg"), pgcluster.Options{Durable: true, StopOnExit: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pg.Remove() })
	conn, err := pgx.Connect(ctx, pg.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE spona"); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)

	// The writers measure faults, not the per-client rate limit.
	stack, _ := devstacktest.Start(t, pg.URL("spona"), "RATE_LIMIT_RPS=0")
	apiKey, err := stack.CreateKey(ctx, "faults", "Fault Injection NGO")
	if err != nil {
		t.Fatal(err)
	}

	// Readiness of the beneficiaries service, sampled throughout.
	var notReady []time.Time
	var readyMu sync.Mutex
	probeStop := make(chan struct{})
	probeDone := make(chan struct{})
	go func() {
		defer close(probeDone)
		c := &http.Client{Timeout: 3 * time.Second}
		for {
			select {
			case <-probeStop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			resp, err := c.Get(stack.AdminURL("beneficiaries") + "/readyz")
			if err == nil {
				resp.Body.Close()
			}
			if err == nil && resp.StatusCode == 503 {
				readyMu.Lock()
				notReady = append(notReady, time.Now())
				readyMu.Unlock()
			}
		}
	}()

	rec := &recorder{acked: map[string]string{}}
	stop := make(chan struct{})
	const writers = 4
	errc := make(chan error, writers)
	for n := range writers {
		go func() { errc <- writer(ctx, stack.URL(), apiKey, n, rec, stop) }()
	}
	steady := func() { time.Sleep(3 * time.Second) }

	var faults []fault
	steady()

	f := fault{name: "kill -9 beneficiaries, restart", at: time.Now()}
	if err := stack.KillService("beneficiaries"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if err := stack.StartService(ctx, "beneficiaries"); err != nil {
		t.Fatal(err)
	}
	f.done = time.Now()
	faults = append(faults, f)
	steady()

	f = fault{name: "PostgreSQL pg_ctl restart -m fast", at: time.Now()}
	if err := pg.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	f.done = time.Now()
	faults = append(faults, f)
	steady()

	f = fault{name: "PostgreSQL crash (kill -9 postmaster), start", at: time.Now()}
	if err := pg.Kill(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		// Orphaned backends may hold the old shared memory for a moment.
		if _, err = pgcluster.Start(ctx, pg.Dir, pgcluster.Options{Port: pg.Port, Durable: true, StopOnExit: true}); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("PostgreSQL does not start after the crash: %v", err)
		}
	}
	f.done = time.Now()
	faults = append(faults, f)
	steady()

	close(stop)
	for range writers {
		if err := <-errc; err != nil {
			t.Error(err)
		}
	}
	close(probeStop)
	<-probeDone

	// Every failure a client saw was a 503 with a Status body, never a 500.
	rec.mu.Lock()
	attempts := append([]attempt(nil), rec.attempts...)
	acked := rec.acked
	rec.mu.Unlock()
	byStatus := map[int]int{}
	for _, a := range attempts {
		byStatus[a.status]++
		if a.status != 200 && a.status != 503 {
			t.Errorf("a client got HTTP %d (want only 200 or 503): %s", a.status, a.err)
		}
		if a.status == 503 && !strings.Contains(a.err, `"code"`) {
			t.Errorf("503 without a google.rpc.Status body: %s", a.err)
		}
	}
	t.Logf("%d attempts, %d acknowledged writes; HTTP status counts %v", len(attempts), len(acked), byStatus)

	// Every acknowledged write exists exactly once, with the id the client
	// was given; nothing else was written.
	conn, err = pgx.Connect(ctx, pg.URL("spona"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var client string
	if err := conn.QueryRow(ctx, `SELECT client_id::text FROM edge.api_keys LIMIT 1`).Scan(&client); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(ctx, `SELECT given_name, request_id, count(*) OVER (PARTITION BY given_name), id::text
		FROM beneficiaries.beneficiaries WHERE given_name LIKE 'faults-%'`)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]string{}
	for rows.Next() {
		var name, requestID, id string
		var n int
		if err := rows.Scan(&name, &requestID, &n, &id); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("write %s stored %d times", name, n)
		}
		// The edge scopes Idempotency-Keys by API client ("<client>/<key>"),
		// and the row keeps the request id's digest.
		if requestID != *db.RequestKey(client + "/" + name) {
			t.Errorf("row %s has request id %q", name, requestID)
		}
		stored[name] = id
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for key, id := range acked {
		got, ok := stored[key]
		switch {
		case !ok:
			t.Errorf("acknowledged write %s (id %s) is lost", key, id)
		case got != id:
			t.Errorf("acknowledged write %s has id %s, the client was told %s", key, got, id)
		}
	}
	for key := range stored {
		if _, ok := acked[key]; !ok {
			t.Errorf("write %s stored but never acknowledged", key)
		}
	}
	if len(acked) < 20 {
		t.Errorf("only %d writes acknowledged: the load did not run", len(acked))
	}

	// Time to recover: from the fault to the first write acknowledged after
	// the last failure it caused.
	sort.Slice(attempts, func(i, j int) bool { return attempts[i].end.Before(attempts[j].end) })
	var report strings.Builder
	fmt.Fprintf(&report, "%-48s %8s %10s %12s %10s\n", "fault", "failed", "repaired", "recovered", "outage")
	for i, f := range faults {
		until := time.Now()
		if i+1 < len(faults) {
			until = faults[i+1].at
		}
		failed := 0
		var firstFail, lastFail time.Time
		for _, a := range attempts {
			if a.status != 200 && !a.end.Before(f.at) && a.end.Before(until) {
				if failed == 0 {
					firstFail = a.end
				}
				failed++
				lastFail = a.end
			}
		}
		recovered := f.at
		if failed > 0 {
			recovered = time.Time{}
			for _, a := range attempts {
				if a.status == 200 && a.end.After(lastFail) {
					recovered = a.end
					break
				}
			}
			if recovered.IsZero() {
				t.Errorf("%s: writes never succeeded again", f.name)
				continue
			}
		}
		outage := time.Duration(0)
		if failed > 0 {
			outage = recovered.Sub(firstFail)
		}
		fmt.Fprintf(&report, "%-48s %8d %9.2fs %11.2fs %9.2fs\n", f.name, failed,
			f.done.Sub(f.at).Seconds(), recovered.Sub(f.at).Seconds(), outage.Seconds())
	}
	t.Logf("recovery (seconds after the fault was injected):\n%s", report.String())

	// Readiness reflected the database crash.
	readyMu.Lock()
	defer readyMu.Unlock()
	crash := faults[2]
	seen := false
	for _, at := range notReady {
		if !at.Before(crash.at) && at.Before(crash.done.Add(time.Second)) {
			seen = true
		}
	}
	if !seen {
		t.Errorf("beneficiaries /readyz never answered 503 while PostgreSQL was down")
	}
}
