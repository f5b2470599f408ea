// Command load measures what each layer of Spona costs: it starts a private
// PostgreSQL and the whole system (as `make run` does), then, in the same
// run and against the same database, drives the same unit of work — create a
// beneficiary, then read it back — three ways:
//
//   - rest: POST + GET /v1/beneficiaries through the edge (HTTP/JSON, API key,
//     gateway, gRPC to the service, SQL),
//   - grpc: CreateBeneficiary + GetBeneficiary straight to the beneficiaries
//     service with a signed principal,
//   - pgx:  the service's own INSERT … RETURNING and visibility-checked SELECT
//     over a pgx pool,
//
// at several numbers of concurrent clients, and prints throughput, p50 and
// p99 per iteration, and the overhead of each layer as a ratio to pgx (and
// pgx+outbox: the same insert with its event written to the outbox), then
// the CPU each process (the system's, this harness, PostgreSQL) spent per
// iteration of each path: the steadier figure on a shared machine.
//
// Then it measures the event backbone: people with a referral each are
// erased one at a time, idle and under REST load, and it prints the lag
// from the commit of beneficiary.erased to its application in referrals
// (p50/p99) and the erasure's end-to-end time (REST call to the last copy
// gone).
//
//	go run ./deploy/load [-duration 5s] [-clients 1,8,32]   (make load)
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/outbox"
	"github.com/spona/spona/pkg/testkit/devstack"
	"github.com/spona/spona/pkg/testkit/loadrig"
	"github.com/spona/spona/pkg/testkit/pgcluster"
	"google.golang.org/grpc"
)

func main() {
	loadrig.Main("load", "measure REST vs gRPC vs raw pgx on a private PostgreSQL and the whole system (make load)", run)
}

func run(ctx context.Context) error {
	duration := flag.Duration("duration", 5*time.Second, "measuring time per scenario and client count")
	warmup := flag.Duration("warmup", time.Second, "unmeasured time before each measurement")
	clientList := flag.String("clients", "1,8,32", "comma-separated numbers of concurrent clients")
	rounds := flag.Int("rounds", 3, "split each measurement into rounds that alternate the paths, so a burst of outside load on the machine hits all of them alike")
	durable := flag.Bool("durable", false, "fsync and synchronous commit on (default off, as in the tests)")
	lagSamples := flag.Int("lag", 200, "erasures measured for event lag, idle and under load each (0: skip)")
	lagGap := flag.Duration("lag-gap", 20*time.Millisecond, "pause between measured erasures")
	lagClients := flag.Int("lag-load-clients", 8, "REST clients loading the system while lag is measured under load")
	profileDir := flag.String("profile", "", "write CPU profiles of the processes behind grpc and rest (first round at each number of clients) into this directory")
	paths := flag.String("paths", "", "comma-separated paths to measure (default all: pgx,pgx+outbox,pgx-equiv,grpc,rest,rest+idem)")
	topStatements := flag.Int("statements", 0, "load pg_stat_statements and print each path's N most costly statements per iteration (0: off; costs PostgreSQL CPU)")
	flag.Parse()
	var clients []int
	for _, s := range strings.Split(*clientList, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("bad -clients %q", *clientList)
		}
		clients = append(clients, n)
	}
	maxClients := slices.Max(clients)

	// The processes keep their default pools (4 × GOMAXPROCS); the raw pgx
	// baseline gets a pool of the same size. Clients beyond the pools queue
	// for a connection, and PostgreSQL has room for every pool.
	poolSize := db.DefaultPoolSize()
	say(fmt.Sprintf("pools of %d connections", poolSize))
	var pgSettings []string
	if *topStatements > 0 {
		pgSettings = statementSettings
	}
	rig, err := loadrig.Start(ctx, "load", loadrig.Options{
		PG: pgcluster.Options{Durable: *durable, MaxConnections: devstack.Connections() + int(poolSize) + 50, Settings: pgSettings},
		// One client address opens every connection: no per-address limits.
		Env: []string{"LOG_LEVEL=warn", "ADMIN_PPROF=" + strconv.FormatBool(*profileDir != ""),
			"RATE_LIMIT_RPS=1000000", "RATE_LIMIT_BURST=1000000", "MAX_CONNS_PER_IP=0"},
	})
	if err != nil {
		return err
	}
	defer rig.Close()
	pg, stack := rig.PG, rig.Stack
	key, err := stack.CreateKey(ctx, "load", "Load Test NGO")
	if err != nil {
		return err
	}
	// The organisation of the key, for the gRPC and pgx clients.
	org, err := organisationOf(ctx, stack.URL(), key)
	if err != nil {
		return err
	}

	cfg, err := pgxpool.ParseConfig(pg.URL("spona"))
	if err != nil {
		return err
	}
	cfg.MaxConns = poolSize
	cfg.ConnConfig.RuntimeParams["search_path"] = "beneficiaries,public"
	// The services' type registrations (ids as strings in uuid[]), so the
	// baselines encode what the service sends as the service does.
	cfg.AfterConnect = func(_ context.Context, c *pgx.Conn) error {
		db.RegisterTypes(c.TypeMap())
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	// The gRPC path calls as the edge does: a principal issued per call.
	conn, err := stack.Dial(auth.Edge, "beneficiaries")
	if err != nil {
		return err
	}
	defer conn.Close()
	httpClient := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: maxClients * 2}, Timeout: 30 * time.Second}

	scenarios := []scenario{
		{"pgx", pgxIteration(pool, org, false)},
		{"pgx+outbox", pgxIteration(pool, org, true)},
		{"pgx-equiv", pgxEquivalentIteration(pool, org)},
		{"grpc", grpcIteration(conn, org)},
		{"rest", restIteration(httpClient, stack.URL(), key, false)},
		{"rest+idem", restIteration(httpClient, stack.URL(), key, true)},
	}
	if *paths != "" {
		var keep []scenario
		for _, s := range scenarios {
			if slices.Contains(strings.Split(*paths, ","), s.name) {
				keep = append(keep, s)
			}
		}
		if len(keep) == 0 {
			return fmt.Errorf("-paths %q names no path", *paths)
		}
		scenarios = keep
	}
	if *profileDir != "" {
		if err := os.MkdirAll(*profileDir, 0o750); err != nil {
			return err
		}
	}
	mem := newRSS(stack)
	cpu := newCPUMeter(stack, pg.Dir)
	var stmts *statements
	if *topStatements > 0 {
		if stmts, err = newStatements(ctx, pg.URL("spona")); err != nil {
			return err
		}
	}
	var results []result
	for _, c := range clients {
		say(fmt.Sprintf("%d clients", c))
		for _, s := range scenarios {
			measure(ctx, s, c, *warmup) // warm-up: connections, caches, plans
		}
		byName := map[string]*result{}
		wctx, stopWatch := context.WithCancel(ctx)
		watched := make(chan struct{})
		go func() { defer close(watched); mem.watch(wctx, c, 250*time.Millisecond) }()
		for round := range max(*rounds, 1) {
			for i := range scenarios {
				s := scenarios[(i+round)%len(scenarios)]
				d := *duration / time.Duration(max(*rounds, 1))
				wait := func() {}
				if *profileDir != "" && round == 0 {
					wait = profile(ctx, stack, *profileDir, s.name, c, d)
				}
				stmtsDone := func(int) error { return nil }
				if stmts != nil {
					if stmtsDone, err = stmts.round(ctx, s.name, c); err != nil {
						stopWatch()
						return err
					}
				}
				done := cpu.round(ctx, s.name, c)
				r := measure(ctx, s, c, d)
				done(len(r.latencies))
				if err := stmtsDone(len(r.latencies)); err != nil {
					stopWatch()
					return err
				}
				wait()
				if r.err != nil {
					stopWatch()
					return fmt.Errorf("%s/%d: %w", s.name, c, r.err)
				}
				if acc := byName[s.name]; acc != nil {
					acc.latencies = append(acc.latencies, r.latencies...)
					acc.elapsed += r.elapsed
				} else {
					byName[s.name] = &r
				}
			}
		}
		stopWatch()
		<-watched
		for _, s := range scenarios {
			results = append(results, byName[s.name].summarise())
		}
	}
	fmt.Print(table(results))
	var names []string
	for _, s := range scenarios {
		names = append(names, s.name)
	}
	fmt.Print(cpu.table(names, clients))
	if stmts != nil {
		fmt.Print(stmts.table(names, clients, *topStatements))
	}
	fmt.Print(mem.table(clients, 64))
	if *lagSamples > 0 {
		say("event lag and erasure propagation")
		runs, err := measureLag(ctx, stack, pg.URL("spona"), httpClient, key, *lagSamples, *lagGap,
			restIteration(httpClient, stack.URL(), key, false), *lagClients)
		if err != nil {
			return err
		}
		fmt.Print(lagTable(runs))
	}
	return nil
}

func say(s string) { loadrig.Say("load", s) }

func organisationOf(ctx context.Context, url, key string) (string, error) {
	// A beneficiary created over REST carries its organisation's id.
	body, err := restCall(ctx, http.DefaultClient, "POST", url+"/v1/beneficiaries", key, `{"given_name":"probe"}`, "")
	if err != nil {
		return "", err
	}
	var b struct {
		OrganisationID string `json:"organisation_id"`
	}
	if err := json.Unmarshal(body, &b); err != nil || b.OrganisationID == "" {
		return "", fmt.Errorf("no organisation_id in %s", body)
	}
	return b.OrganisationID, nil
}

// iteration does one unit of work: create one beneficiary, read it back.
type iteration func(ctx context.Context, n int64) error

type scenario struct {
	name string
	run  iteration
}

var seq atomic.Int64

const (
	beneficiaryCols = `id, organisation_id, COALESCE(external_id, ''), given_name, family_name, original_script_name,
	sex, birth_date, COALESCE(birth_year, 0), birth_date_estimated, nationality, languages, legal_status,
	municipality, country, accommodation, vulnerabilities, create_time, update_time, version`
	insertSQL = `INSERT INTO beneficiaries AS b (id, organisation_id, external_id, given_name, family_name, original_script_name,
			sex, birth_date, birth_year, birth_date_estimated, nationality, languages, legal_status,
			municipality, country, accommodation, vulnerabilities, request_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
		ON CONFLICT (organisation_id, request_id) DO NOTHING
		RETURNING ` + beneficiaryCols
	selectSQL = `SELECT ` + beneficiaryCols + ` FROM beneficiaries b WHERE b.id = $2 AND
		(b.organisation_id = $1 OR EXISTS (SELECT 1 FROM access_grants g
		WHERE g.beneficiary_id = b.id AND g.organisation_id = $1 AND g.revoke_time IS NULL))`
)

// row receives the columns the service reads.
type row struct {
	id, org, ext, given, family, script, sex string
	birth                                    *time.Time
	year                                     int
	est                                      bool
	nat                                      string
	langs                                    []string
	legal, muni, country, acc                string
	vuln                                     []string
	created, updated                         time.Time
	version                                  int64
}

func (r *row) dest() []any {
	return []any{&r.id, &r.org, &r.ext, &r.given, &r.family, &r.script, &r.sex, &r.birth, &r.year, &r.est, &r.nat,
		&r.langs, &r.legal, &r.muni, &r.country, &r.acc, &r.vuln, &r.created, &r.updated, &r.version}
}

// pgxIteration inserts and reads back as the service's SQL does; with
// withOutbox the insert's transaction also writes the domain event to the
// outbox, as the service does: the difference between the two is what the
// outbox (the insert of the event, positioned later by the feed) costs.
func pgxIteration(pool *pgxpool.Pool, org string, withOutbox bool) iteration {
	return func(ctx context.Context, n int64) error {
		var r row
		id := ids.New()
		insert := func(q interface {
			QueryRow(context.Context, string, ...any) pgx.Row
		}) error {
			return q.QueryRow(ctx, insertSQL, id, org, nil, "Load "+strconv.FormatInt(n, 10), "", "", "unknown", nil, nil, false,
				"", []string{}, "asylum_seeker", "", "", "", []string{}, nil).Scan(r.dest()...)
		}
		var err error
		if withOutbox {
			err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
				if err := insert(tx); err != nil {
					return err
				}
				return outbox.Write(ctx, tx, createdEvent(id, org))
			})
		} else {
			err = insert(pool)
		}
		if err != nil {
			return err
		}
		if err := pool.QueryRow(ctx, selectSQL, org, id).Scan(r.dest()...); err != nil {
			return err
		}
		if r.id != id {
			return fmt.Errorf("read %s, want %s", r.id, id)
		}
		return nil
	}
}

func grpcIteration(conn *grpc.ClientConn, org string) iteration {
	c := benv1.NewBeneficiaryServiceClient(conn)
	return func(ctx context.Context, n int64) error {
		ctx = auth.WithPrincipal(ctx, auth.Principal{OrganisationID: org, ClientID: "load", Scopes: auth.AllScopes})
		created, err := c.CreateBeneficiary(ctx, &benv1.CreateBeneficiaryRequest{Beneficiary: &benv1.Beneficiary{
			GivenName: "Load " + strconv.FormatInt(n, 10), LegalStatus: benv1.LegalStatus_LEGAL_STATUS_ASYLUM_SEEKER,
		}})
		if err != nil {
			return err
		}
		got, err := c.GetBeneficiary(ctx, &benv1.GetBeneficiaryRequest{Id: created.GetBeneficiary().GetId()})
		if err != nil {
			return err
		}
		if got.GetBeneficiary().GetId() != created.GetBeneficiary().GetId() {
			return errors.New("read another beneficiary")
		}
		return nil
	}
}

func restCall(ctx context.Context, c *http.Client, method, url, key, body, idem string) ([]byte, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if idem != "" {
		req.Header.Set("Idempotency-Key", idem)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("%s %s: HTTP %d: %s", method, url, resp.StatusCode, bytes.TrimSpace(raw))
	}
	return raw, nil
}

func restIteration(c *http.Client, url, key string, idempotent bool) iteration {
	return func(ctx context.Context, n int64) error {
		idem := ""
		if idempotent {
			idem = "load-" + ids.New()
		}
		raw, err := restCall(ctx, c, "POST", url+"/v1/beneficiaries", key,
			`{"given_name":"Load `+strconv.FormatInt(n, 10)+`","legal_status":"LEGAL_STATUS_ASYLUM_SEEKER"}`, idem)
		if err != nil {
			return err
		}
		var b struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(raw, &b); err != nil || b.ID == "" {
			return fmt.Errorf("create answered %s", raw)
		}
		_, err = restCall(ctx, c, "GET", url+"/v1/beneficiaries/"+b.ID, key, "", "")
		return err
	}
}

type result struct {
	name      string
	clients   int
	latencies []time.Duration
	elapsed   time.Duration
	err       error
	n         int
	p50, p99  time.Duration
	perSecond float64
}

// summarise computes throughput and percentiles from the latencies.
func (r result) summarise() result {
	slices.Sort(r.latencies)
	r.n = len(r.latencies)
	if r.n > 0 {
		r.p50 = r.latencies[r.n*50/100]
		r.p99 = r.latencies[min(r.n-1, r.n*99/100)]
		r.perSecond = float64(r.n) / r.elapsed.Seconds()
	}
	return r
}

// measure runs s with c concurrent clients for d.
func measure(ctx context.Context, s scenario, c int, d time.Duration) result {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu        sync.Mutex
		latencies []time.Duration
		firstErr  error
		wg        sync.WaitGroup
	)
	deadline := time.Now().Add(d)
	start := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local []time.Duration
			for time.Now().Before(deadline) {
				t0 := time.Now()
				if err := s.run(ctx, seq.Add(1)); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
						cancel()
					}
					mu.Unlock()
					return
				}
				local = append(local, time.Since(t0))
			}
			mu.Lock()
			latencies = append(latencies, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return result{name: s.name, clients: c, latencies: latencies, elapsed: time.Since(start), err: firstErr}
}

func table(results []result) string {
	var w strings.Builder
	base, equiv := map[int]result{}, map[int]result{}
	for _, r := range results {
		switch r.name {
		case "pgx":
			base[r.clients] = r
		case "pgx-equiv":
			equiv[r.clients] = r
		}
	}
	fmt.Fprintln(&w, "one iteration = create one beneficiary + read it back")
	fmt.Fprintln(&w, "pgx: a plain insert and select; pgx-equiv: the service's statements, one round trip per RPC")
	fmt.Fprintf(&w, "%-11s %7s %9s %9s %10s %10s %12s %12s %12s\n", "path", "clients", "iters", "it/s", "p50", "p99",
		"pgx/it/s", "p50/pgx p50", "equiv/it/s")
	// ratio prints a/b, or "-" when the baseline was not measured.
	ratio := func(a, b float64) string {
		if b == 0 || a == 0 {
			return "-"
		}
		return strconv.FormatFloat(a/b, 'f', 2, 64) + "x"
	}
	for _, r := range results {
		b, e := base[r.clients], equiv[r.clients]
		fmt.Fprintf(&w, "%-11s %7d %9d %9.0f %10s %10s %12s %12s %12s\n", r.name, r.clients, r.n, r.perSecond,
			r.p50.Round(10*time.Microsecond), r.p99.Round(10*time.Microsecond),
			ratio(b.perSecond, r.perSecond), ratio(float64(r.p50), float64(b.p50)), ratio(e.perSecond, r.perSecond))
	}
	return w.String()
}
