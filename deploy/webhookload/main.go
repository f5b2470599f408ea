// Command webhookload measures webhook delivery on the whole system: it
// starts a private PostgreSQL and the six processes (as `make run` does),
// subscribes local HTTP receivers, sends referrals (gRPC straight to the
// referrals service, drafts created beforehand so only the send is timed)
// and reports, from the receivers' clocks:
//
//   - idle: event-to-delivery latency (the event's commit time, the body's
//     timestamp, to the request's arrival) with one referral at a time;
//
//   - rate: the same latency while referrals are sent at -rate per second;
//
//   - half: the same at -rate/2;
//
//   - slow: the same at -rate/2, while as many referrals go to an
//     organisation whose endpoint takes -slow to answer (compare with half);
//
//   - throughput: deliveries per second the webhooks process sustains to
//     fast local receivers, draining a backlog queued while it was stopped
//     (-backlog referrals to an organisation with -fanout subscriptions).
//
//     go run ./deploy/webhookload [-rate 200] [-duration 10s]   (make load-webhooks)
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	refv1 "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/testkit/devstack"
	"github.com/spona/spona/pkg/testkit/loadrig"
	"github.com/spona/spona/pkg/testkit/pgcluster"
	"google.golang.org/grpc"
)

func main() {
	loadrig.Main("webhookload", "measure webhook delivery latency and throughput on a private PostgreSQL and the whole system (make load-webhooks)", run)
}

type options struct {
	rate     int
	duration time.Duration
	idle     int
	slow     time.Duration
	backlog  int
	fanout   int
	only     string
}

// runs says whether scenario name is to run (-only).
func (o options) runs(name string) bool {
	return o.only == "" || slices.Contains(strings.Split(o.only, ","), name)
}

func run(ctx context.Context) error {
	var o options
	flag.IntVar(&o.rate, "rate", 200, "referrals sent per second in the rate scenario")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of the rate and slow scenarios")
	flag.IntVar(&o.idle, "idle", 50, "referrals sent one at a time in the idle scenario")
	flag.DurationVar(&o.slow, "slow", 5*time.Second, "answer time of the slow receiver")
	flag.IntVar(&o.backlog, "backlog", 300, "referrals queued while the webhooks process is stopped (throughput)")
	flag.IntVar(&o.fanout, "fanout", 10, "subscriptions (receivers) of the throughput organisation")
	flag.StringVar(&o.only, "only", "", "comma-separated scenarios to run (idle, rate, pair, slow, throughput; default all)")
	durable := flag.Bool("durable", false, "fsync and synchronous commit on (default off, as in the tests)")
	flag.Parse()

	rig, err := loadrig.Start(ctx, "webhookload", loadrig.Options{
		PG:  pgcluster.Options{Durable: *durable},
		Env: []string{"DB_MAX_CONNS=20", "LOG_LEVEL=warn", "RATE_LIMIT_RPS=0"},
	})
	if err != nil {
		return err
	}
	defer rig.Close()
	pg, stack := rig.PG, rig.Stack

	l := &loader{ctx: ctx, stack: stack, dbURL: pg.URL("spona")}
	if l.conn, err = stack.Dial(auth.Edge, "referrals"); err != nil {
		return err
	}
	defer l.conn.Close()
	benConn, err := stack.Dial(auth.Edge, "beneficiaries")
	if err != nil {
		return err
	}
	defer benConn.Close()
	l.ref = refv1.NewReferralServiceClient(l.conn)
	l.ben = benv1.NewBeneficiaryServiceClient(benConn)
	if err := l.setup(); err != nil {
		return err
	}

	type scenario struct {
		name, what string
		run        func() (result, error)
	}
	scenarios := []scenario{
		{"idle", fmt.Sprintf("%d referrals one at a time", o.idle), func() (result, error) { return l.scenarioIdle(o.idle) }},
		{"rate", fmt.Sprintf("%d referrals/s for %s", o.rate, o.duration), func() (result, error) {
			return l.scenarioRate("rate", o.rate, o.duration, nil)
		}},
		{"pair", fmt.Sprintf("%d referrals/s for %s, and as many to another fast receiver (the baseline of slow)", o.rate/2, o.duration),
			func() (result, error) { return l.scenarioRate("pair", o.rate/2, o.duration, other(0)) }},
		{"slow", fmt.Sprintf("%d referrals/s for %s, and as many to a receiver answering after %s", o.rate/2, o.duration, o.slow),
			func() (result, error) { return l.scenarioRate("slow", o.rate/2, o.duration, other(o.slow)) }},
	}
	var results []result
	for _, sc := range scenarios {
		if !o.runs(sc.name) {
			continue
		}
		say(sc.name + ": " + sc.what)
		r, err := sc.run()
		if err != nil {
			return err
		}
		results = append(results, r)
		l.metrics()
	}
	var tp throughput
	if o.runs("throughput") {
		say(fmt.Sprintf("throughput: a backlog of %d referrals x %d subscriptions", o.backlog, o.fanout))
		if tp, err = l.scenarioThroughput(o.backlog, o.fanout); err != nil {
			return err
		}
	}
	fmt.Println()
	fmt.Printf("%-10s %9s %9s %11s %9s %9s %9s %7s %9s\n", "scenario", "sent", "sent/s", "delivered", "p50", "p99", "max", "stalls", "longest")
	for _, r := range results {
		fmt.Printf("%-10s %9d %9.1f %11d %9s %9s %9s %7d %9s\n", r.name, r.sent, r.sentPerSec, len(r.latencies),
			pct(r.latencies, 50), pct(r.latencies, 99), pct(r.latencies, 100), r.stalls.count, r.stalls.longest.Round(time.Millisecond))
	}
	fmt.Printf("(a stall: %s or more without a delivery at the measured receiver while a referral sent to it waited)\n", stallGap)
	if tp.deliveries > 0 {
		fmt.Printf("\nthroughput: %d deliveries in %s = %.0f deliveries/s (from the restart of the webhooks process, including catching up with the feed)\n",
			tp.deliveries, tp.elapsed.Round(time.Millisecond), float64(tp.deliveries)/tp.elapsed.Seconds())
	}
	return nil
}

type result struct {
	name       string
	sent       int
	sentPerSec float64
	latencies  []time.Duration
	stalls     stalls
}

// stallGap is the shortest quiet time at a receiver, with a referral sent
// and not yet delivered, that counts as a stall.
const stallGap = time.Second

// stalls are the times the measured receiver got nothing for stallGap or
// longer while a referral sent to it was waiting for its delivery.
type stalls struct {
	count   int
	longest time.Duration
}

// findStalls finds the stalls from the times each referral's send
// returned and its delivery arrived.
func findStalls(sent, arrived map[string]time.Time) stalls {
	var at []time.Time
	for _, t := range arrived {
		at = append(at, t)
	}
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	var s stalls
	for i := 1; i < len(at); i++ {
		from, to := at[i-1], at[i]
		if to.Sub(from) < stallGap {
			continue
		}
		// Some referral was sent before the quiet time began and arrived
		// only after it.
		for id, st := range sent {
			if a, ok := arrived[id]; ok && !st.After(from) && !a.Before(to) {
				s.count++
				s.longest = max(s.longest, to.Sub(from))
				break
			}
		}
	}
	return s
}

type throughput struct {
	deliveries int
	elapsed    time.Duration
}

type loader struct {
	ctx   context.Context
	stack *devstack.Stack
	conn  *grpc.ClientConn
	ref   refv1.ReferralServiceClient
	ben   benv1.BeneficiaryServiceClient
	keys  map[string]string // organisation name -> API key
	orgs  map[string]string // organisation name -> id
	benID string
	last  map[string]float64 // metrics at the last look
	dbURL string
}

func (l *loader) as(org string) context.Context {
	return auth.WithPrincipal(l.ctx, auth.Principal{OrganisationID: org, ClientID: "webhookload", Scopes: auth.AllScopes})
}

// setup creates the organisations (API keys), a beneficiary of the sender
// with a referral_sharing consent.
func (l *loader) setup() error {
	l.keys, l.orgs = map[string]string{}, map[string]string{}
	for _, name := range []string{"Sender", "Receiver", "Slow", "Busy"} {
		key, err := l.stack.CreateKey(l.ctx, "webhookload-"+strings.ToLower(name), "Webhookload "+name)
		if err != nil {
			return err
		}
		l.keys[name] = key
		var b struct {
			OrganisationID string `json:"organisation_id"`
		}
		if err := l.rest("POST", "/v1/beneficiaries", key, map[string]any{"given_name": "probe"}, &b); err != nil {
			return err
		}
		l.orgs[name] = b.OrganisationID
	}
	var b struct {
		ID string `json:"id"`
	}
	if err := l.rest("POST", "/v1/beneficiaries", l.keys["Sender"], map[string]any{"given_name": "Load", "legal_status": "LEGAL_STATUS_REFUGEE"}, &b); err != nil {
		return err
	}
	l.benID = b.ID
	return l.rest("POST", "/v1/beneficiaries/"+b.ID+"/consents", l.keys["Sender"], map[string]any{
		"purpose": "CONSENT_PURPOSE_REFERRAL_SHARING", "given_by": "CONSENT_GIVEN_BY_SELF", "scope": "load"}, nil)
}

func (l *loader) rest(method, path, key string, body, out any) error {
	raw, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(l.ctx, method, l.stack.URL()+path, strings.NewReader(string(raw)))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s %s: HTTP %d %s", method, path, resp.StatusCode, data)
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

// receiver records when each webhook arrives and how old its event was.
type receiver struct {
	srv       *httptest.Server
	delay     time.Duration
	mu        sync.Mutex
	latencies map[string]time.Duration // referral id -> event-to-arrival
	arrived   map[string]time.Time     // referral id -> first arrival
	count     atomic.Int64
}

func newReceiver(delay time.Duration) *receiver {
	r := &receiver{delay: delay, latencies: map[string]time.Duration{}, arrived: map[string]time.Time{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		at := time.Now()
		var body struct {
			Timestamp time.Time      `json:"timestamp"`
			Data      map[string]any `json:"data"`
		}
		raw, _ := io.ReadAll(req.Body)
		if err := json.Unmarshal(raw, &body); err == nil {
			ref, _ := body.Data["referral_id"].(string)
			r.mu.Lock()
			if _, seen := r.latencies[ref]; !seen {
				r.latencies[ref] = at.Sub(body.Timestamp)
				r.arrived[ref] = at
			}
			r.mu.Unlock()
		}
		r.count.Add(1)
		if r.delay > 0 {
			time.Sleep(r.delay)
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	return r
}

// stalls finds the stalls of the deliveries of the referrals sent.
func (r *receiver) stalls(sent map[string]time.Time) stalls {
	r.mu.Lock()
	defer r.mu.Unlock()
	return findStalls(sent, r.arrived)
}

func (r *receiver) latency(ref string) (time.Duration, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d, ok := r.latencies[ref]
	return d, ok
}

func (l *loader) subscribe(org, url string) error {
	return l.rest("POST", "/v1/webhooks", l.keys[org], map[string]any{"url": url, "event_types": []string{"referral.received"}}, nil)
}

// drafts creates n draft referrals from the sender to org, concurrently.
func (l *loader) drafts(org string, n int) ([]string, error) {
	out := make([]string, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				resp, err := l.ref.CreateReferral(l.as(l.orgs["Sender"]), &refv1.CreateReferralRequest{Referral: &refv1.Referral{
					BeneficiaryId: l.benID, ToOrganisationId: l.orgs[org], Category: refv1.ReferralCategory_REFERRAL_CATEGORY_LEGAL,
					Urgency: refv1.Urgency_URGENCY_EMERGENCY}})
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				out[i] = resp.GetReferral().GetId()
			}
		}()
	}
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		return nil, err
	}
	return out, nil
}

func (l *loader) send(id string) error {
	_, err := l.ref.SendReferral(l.as(l.orgs["Sender"]), &refv1.SendReferralRequest{Id: id})
	return err
}

func (l *loader) scenarioIdle(n int) (result, error) {
	rcv := newReceiver(0)
	defer rcv.srv.Close()
	if err := l.subscribe("Receiver", rcv.srv.URL); err != nil {
		return result{}, err
	}
	ids, err := l.drafts("Receiver", n)
	if err != nil {
		return result{}, err
	}
	res := result{name: "idle"}
	sent := map[string]time.Time{}
	start := time.Now()
	for _, id := range ids {
		if err := l.send(id); err != nil {
			return res, err
		}
		sent[id] = time.Now()
		res.sent++
		deadline := time.Now().Add(30 * time.Second)
		for {
			if d, ok := rcv.latency(id); ok {
				res.latencies = append(res.latencies, d)
				break
			}
			if time.Now().After(deadline) {
				return res, fmt.Errorf("referral %s not delivered within 30s", id)
			}
			time.Sleep(time.Millisecond)
		}
		time.Sleep(50 * time.Millisecond)
	}
	res.sentPerSec = float64(res.sent) / time.Since(start).Seconds()
	res.stalls = rcv.stalls(sent)
	// Later scenarios subscribe their own receiver.
	return res, l.unsubscribeAll("Receiver")
}

func (l *loader) unsubscribeAll(org string) error {
	var list struct {
		Webhooks []struct {
			ID string `json:"id"`
		} `json:"webhooks"`
	}
	if err := l.rest("GET", "/v1/webhooks?page_size=500", l.keys[org], nil, &list); err != nil {
		return err
	}
	for _, w := range list.Webhooks {
		if err := l.rest("DELETE", "/v1/webhooks/"+w.ID, l.keys[org], nil, nil); err != nil {
			return err
		}
	}
	return nil
}

// scenarioRate sends referrals to Receiver at rate per second for d (open
// loop: a send is started on schedule however long earlier ones take); with
// second set, as many go to Slow, whose endpoint answers after *second.
func (l *loader) scenarioRate(name string, rate int, d time.Duration, second *time.Duration) (result, error) {
	rcv := newReceiver(0)
	defer rcv.srv.Close()
	if err := l.subscribe("Receiver", rcv.srv.URL); err != nil {
		return result{}, err
	}
	defer func() { warn(l.unsubscribeAll("Receiver")) }()
	n := int(float64(rate) * d.Seconds())
	ids, err := l.drafts("Receiver", n)
	if err != nil {
		return result{}, err
	}
	var slowIDs []string
	var slowRcv *receiver
	if second != nil {
		slowRcv = newReceiver(*second)
		defer slowRcv.srv.Close()
		if err := l.subscribe("Slow", slowRcv.srv.URL); err != nil {
			return result{}, err
		}
		defer func() { warn(l.unsubscribeAll("Slow")) }()
		if slowIDs, err = l.drafts("Slow", n); err != nil {
			return result{}, err
		}
	}
	res := result{name: name}
	var sendErr atomic.Value
	var wg sync.WaitGroup
	var sentMu sync.Mutex
	sent := map[string]time.Time{}
	start := time.Now()
	tick := time.NewTicker(time.Second / time.Duration(rate))
	for i := range n {
		<-tick.C
		measured := ids[i]
		ids := []string{ids[i]}
		if second != nil {
			ids = append(ids, slowIDs[i])
		}
		for _, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := l.send(id); err != nil {
					sendErr.CompareAndSwap(nil, err)
				} else if id == measured {
					sentMu.Lock()
					sent[id] = time.Now()
					sentMu.Unlock()
				}
			}()
		}
	}
	tick.Stop()
	wg.Wait()
	elapsed := time.Since(start)
	if err, _ := sendErr.Load().(error); err != nil {
		return res, err
	}
	res.sent, res.sentPerSec = n, float64(n)/elapsed.Seconds()
	deadline := time.Now().Add(2 * time.Minute)
	for _, id := range ids {
		for {
			if d, ok := rcv.latency(id); ok {
				res.latencies = append(res.latencies, d)
				break
			}
			if time.Now().After(deadline) {
				return res, fmt.Errorf("%s: %d of %d delivered after 2 minutes", name, len(res.latencies), n)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	res.stalls = rcv.stalls(sent)
	if slowRcv != nil {
		say(fmt.Sprintf("the second receiver got %d of %d while the measured one got all", slowRcv.count.Load(), n))
	}
	return res, nil
}

// scenarioThroughput queues backlog referrals to Busy (fanout
// subscriptions) while the webhooks process is stopped, starts it and times
// until every delivery arrived.
func (l *loader) scenarioThroughput(backlog, fanout int) (throughput, error) {
	var rcvs []*receiver
	for range fanout {
		r := newReceiver(0)
		defer r.srv.Close()
		rcvs = append(rcvs, r)
		if err := l.subscribe("Busy", r.srv.URL); err != nil {
			return throughput{}, err
		}
	}
	ids, err := l.drafts("Busy", backlog)
	if err != nil {
		return throughput{}, err
	}
	if err := l.stack.StopService("webhooks"); err != nil {
		return throughput{}, err
	}
	var wg sync.WaitGroup
	var sendErr atomic.Value
	sem := make(chan struct{}, 16)
	for _, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := l.send(id); err != nil {
				sendErr.CompareAndSwap(nil, err)
			}
		}()
	}
	wg.Wait()
	if err, _ := sendErr.Load().(error); err != nil {
		return throughput{}, err
	}
	start := time.Now()
	if err := l.stack.StartService(l.ctx, "webhooks"); err != nil {
		return throughput{}, err
	}
	want := int64(backlog * fanout)
	deadline := time.Now().Add(5 * time.Minute)
	for {
		var got int64
		for _, r := range rcvs {
			got += r.count.Load()
		}
		if got >= want {
			return throughput{deliveries: int(got), elapsed: time.Since(start)}, nil
		}
		if time.Now().After(deadline) {
			return throughput{}, fmt.Errorf("throughput: %d of %d delivered after 5 minutes", got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// metrics prints, since its last call, the mean lag of the webhooks
// process's feed consumer (commit to application) and of its deliveries
// (commit to 2xx), and the pool's waits: where the time goes.
func (l *loader) metrics() {
	resp, err := http.Get(l.stack.AdminURL("webhooks") + "/metrics")
	if err != nil {
		say("metrics: " + err.Error())
		return
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	now := map[string]float64{}
	for _, line := range strings.Split(string(raw), "\n") {
		name, value, ok := strings.Cut(line, " ")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		if i := strings.IndexByte(name, '{'); i >= 0 {
			name = name[:i]
		}
		var v float64
		if _, err := fmt.Sscan(value, &v); err == nil {
			now[name] += v
		}
	}
	d := func(k string) float64 { return now[k] - l.last[k] }
	mean := func(k string) time.Duration {
		if d(k+"_count") == 0 {
			return 0
		}
		return time.Duration(d(k+"_sum") / d(k+"_count") * float64(time.Second)).Round(time.Millisecond)
	}
	say(fmt.Sprintf("  mean consumer lag %s, mean delivery lag %s, mean attempt %s, %.0f pool acquires waited (%.2fs in all)",
		mean("outbox_consumer_lag_seconds"), mean("spona_webhooks_delivery_lag_seconds"), mean("spona_webhooks_attempt_duration_seconds"),
		d("pgxpool_empty_acquires_total"), d("pgxpool_acquire_duration_seconds_total")))
	l.last = now
	l.tableStats()
}

// tableStats reports the deliveries table's live and dead rows and what
// vacuumed it: dead index entries ahead of the pending ones slow the claim.
func (l *loader) tableStats() {
	c, err := pgx.Connect(l.ctx, l.dbURL)
	if err != nil {
		say("table stats: " + err.Error())
		return
	}
	defer c.Close(l.ctx)
	var live, dead, vacuums int64
	var pending int64
	err = c.QueryRow(l.ctx, `SELECT n_live_tup, n_dead_tup, autovacuum_count + vacuum_count,
		(SELECT count(*) FROM webhooks.deliveries WHERE status = 'pending')
		FROM pg_stat_user_tables WHERE schemaname = 'webhooks' AND relname = 'deliveries'`).Scan(&live, &dead, &vacuums, &pending)
	if err != nil {
		say("table stats: " + err.Error())
		return
	}
	say(fmt.Sprintf("  deliveries: %d live rows, %d dead, %d pending, vacuumed %d times so far", live, dead, pending, vacuums))
}

func other(answer time.Duration) *time.Duration { return &answer }

func pct(ds []time.Duration, p int) string {
	if len(ds) == 0 {
		return "-"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := min(len(s)-1, len(s)*p/100)
	return s[i].Round(100 * time.Microsecond).String()
}

func say(s string) { loadrig.Say("webhookload", s) }

// warn reports a failed teardown step; the measurement stands.
func warn(err error) {
	if err != nil {
		say("cleanup: " + err.Error())
	}
}
