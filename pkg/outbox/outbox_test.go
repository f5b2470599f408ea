package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	eventsv1 "github.com/spona/spona/gen/go/spona/events/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/outbox"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"github.com/spona/spona/pkg/testkit/tcpproxy"
	"github.com/spona/spona/pkg/tlsconfig"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var quiet = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))

// migrations are the outbox migrations every producing service carries
// (testdata/<version>_<name>.sql), in order.
var migrations = []string{"00001_outbox.sql", "00002_outbox_positions.sql"}

// schemaFS is the outbox migrations every service carries.
func schemaFS(t testing.TB) fs.FS {
	m := fstest.MapFS{}
	for _, name := range migrations {
		raw, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		m[name] = &fstest.MapFile{Data: raw}
	}
	return m
}

// TestServicesCarryTheOutboxMigration: every producing service's migrations
// are the schema this package is tested against.
func TestServicesCarryTheOutboxMigration(t *testing.T) {
	for _, name := range migrations {
		want, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		_, suffix, _ := strings.Cut(name, "_")
		for _, svc := range []string{"beneficiaries", "referrals", "trainings", "reporting"} {
			files, _ := filepath.Glob(filepath.Join("..", "..", "services", svc, "migrations", "*_"+suffix))
			if len(files) != 1 {
				t.Errorf("%s: want one *_%s migration, found %v", svc, suffix, files)
				continue
			}
			got, _ := os.ReadFile(files[0])
			if string(got) != string(want) {
				t.Errorf("%s differs from pkg/outbox/testdata/%s", files[0], name)
			}
		}
	}
	// Parallel workstreams add migrations: two with one version number
	// would stop the service at start.
	all, _ := filepath.Glob(filepath.Join("..", "..", "services", "*", "migrations", "*.sql"))
	seen := map[string]string{}
	for _, f := range all {
		version, _, _ := strings.Cut(filepath.Base(f), "_")
		key := filepath.Dir(f) + "/" + version
		if other, dup := seen[key]; dup {
			t.Errorf("migrations %s and %s share version %s", other, f, version)
		}
		seen[key] = f
	}
}

// env is a database with a producing schema, its feed served over real
// gRPC on loopback, and a consuming schema.
type env struct {
	url      string
	addr     string        // the feed's gRPC address
	pool     *pgxpool.Pool // producer schema "producer"
	feed     *outbox.Feed
	client   eventsv1.EventFeedServiceClient
	consumer *pgxpool.Pool // schema "consumer"
}

func newEnv(t *testing.T, o outbox.FeedOptions) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{url: pgtest.NewDatabase(t)}
	e.pool = openSchema(t, e.url, "producer")
	e.consumer = openSchema(t, e.url, "consumer")
	if _, err := e.consumer.Exec(ctx, `CREATE TABLE applied (consumer text, event_id uuid, type text, aggregate_id text, at timestamptz DEFAULT clock_timestamp())`); err != nil {
		t.Fatal(err)
	}
	o.Name, o.Log = "producer", quiet
	e.feed = outbox.NewFeed(e.pool, o)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); e.feed.Run(runCtx) }()
	t.Cleanup(func() { stop(); <-done })

	// The feed is served as a service process would (mTLS, its own
	// principals): the beneficiaries process's certificate and audience.
	tlsSrc, err := tlsconfig.Load(tlsconfig.DevFiles(servicetest.PKI(), "beneficiaries"), nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := grpcx.NewServer(grpcx.ServerOptions{Log: quiet, Verifier: servicetest.Keyring().Verifier("beneficiaries", auth.MaxTTL),
		Credentials: tlsSrc.Server()})
	e.feed.Register(srv.Server)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Server.Serve(lis) }()
	t.Cleanup(srv.Server.Stop)
	e.addr = lis.Addr().String()
	e.client = eventsv1.NewEventFeedServiceClient(servicetest.Dial(t, lis.Addr().String(), "beneficiaries"))
	return e
}

func openSchema(t *testing.T, url, schema string) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	pool, err := db.Open(ctx, url, schema, 20)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := db.Migrate(ctx, pool, schema, schemaFS(t), quiet); err != nil {
		t.Fatal(err)
	}
	return pool
}

// internal is a context calling as an internal process (events.read).
func (e *env) internal(t testing.TB) context.Context {
	return servicetest.Internal(t)
}

func referralEvent(id string) events.Event {
	return events.Event{Type: events.ReferralSent, AggregateType: events.AggregateReferral, AggregateID: id,
		OrganisationIDs: []string{ids.New()}, Data: map[string]any{"referral_id": id, "status": "sent"}}
}

// emit commits one transaction writing evs.
func (e *env) emit(t testing.TB, evs ...events.Event) {
	t.Helper()
	ctx := context.Background()
	if err := db.InTx(ctx, e.pool, func(tx pgx.Tx) error { return outbox.Write(ctx, tx, evs...) }); err != nil {
		t.Fatal(err)
	}
}

// all lists the whole feed after cursor.
func (e *env) all(t testing.TB, after string, types ...string) ([]*eventsv1.Event, string) {
	t.Helper()
	var out []*eventsv1.Event
	for {
		resp, err := e.client.ListEvents(e.internal(t), &eventsv1.ListEventsRequest{After: after, PageSize: 7, Types: types})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, resp.GetEvents()...)
		if len(resp.GetEvents()) == 0 {
			return out, resp.GetNextCursor()
		}
		after = resp.GetNextCursor()
	}
}

func aggregateIDs(evs []*eventsv1.Event) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.GetAggregateId()
	}
	return out
}

func TestWriteAndList(t *testing.T) {
	e := newEnv(t, outbox.FeedOptions{})
	a, b, c := ids.New(), ids.New(), ids.New()
	e.emit(t, referralEvent(a), referralEvent(b))
	e.emit(t, events.Event{Type: events.BeneficiaryErased, AggregateType: events.AggregateBeneficiary, AggregateID: c,
		OrganisationIDs: []string{"B1F1D3C2-0000-4000-8000-000000000001", "b1f1d3c2-0000-4000-8000-000000000001", ""},
		Data:            map[string]any{"beneficiary_id": c, "merged_ids": []string{a}}})
	got, next := e.all(t, "")
	if !slices.Equal(aggregateIDs(got), []string{a, b, c}) {
		t.Fatalf("feed = %v, want %v", aggregateIDs(got), []string{a, b, c})
	}
	last := got[2]
	if last.GetType() != events.BeneficiaryErased || last.GetAggregateType() != "beneficiary" ||
		!slices.Equal(last.GetOrganisationIds(), []string{"b1f1d3c2-0000-4000-8000-000000000001"}) ||
		last.GetData().GetFields()["beneficiary_id"].GetStringValue() != c ||
		last.GetData().GetFields()["merged_ids"].GetListValue().GetValues()[0].GetStringValue() != a ||
		!ids.Valid(last.GetId()) || last.GetCreateTime() == nil || last.GetCursor() != next {
		t.Fatalf("event = %v (next %q)", last, next)
	}
	// Caught up: an empty page keeps the cursor.
	resp, err := e.client.ListEvents(e.internal(t), &eventsv1.ListEventsRequest{After: next})
	if err != nil || len(resp.GetEvents()) != 0 || resp.GetNextCursor() != next {
		t.Fatalf("after the end: %v %v", resp, err)
	}
	// A types filter moves the cursor past what it leaves out.
	only, skipTo := e.all(t, "", events.BeneficiaryErased)
	if len(only) != 1 || skipTo != next {
		t.Fatalf("filtered: %v, next %q want %q", aggregateIDs(only), skipTo, next)
	}
}

// TestWriteEach: events made from a query's ids, in its order, after
// events written one by one, with the template's organisations and data;
// a query without rows writes nothing; a template with an undeclared type
// or key is refused.
func TestWriteEach(t *testing.T) {
	e := newEnv(t, outbox.FeedOptions{})
	ctx := context.Background()
	a, b, c := ids.New(), ids.New(), ids.New()
	org := ids.New()
	tmpl := events.Event{Type: events.BeneficiaryCreated, AggregateType: events.AggregateBeneficiary,
		OrganisationIDs: []string{strings.ToUpper(org)}, Data: map[string]any{"beneficiary_id": ""}}
	err := db.InTx(ctx, e.pool, func(tx pgx.Tx) error {
		if err := outbox.Write(ctx, tx, referralEvent(a)); err != nil {
			return err
		}
		return outbox.WriteEach(ctx, tx, tmpl, "beneficiary_id",
			`SELECT id FROM unnest($1::text[]) WITH ORDINALITY AS u(id, i) ORDER BY i DESC`, []string{b, c})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.InTx(ctx, e.pool, func(tx pgx.Tx) error {
		return outbox.WriteEach(ctx, tx, tmpl, "beneficiary_id", `SELECT ''::text WHERE false`)
	}); err != nil {
		t.Fatal(err)
	}
	got, _ := e.all(t, "")
	if !slices.Equal(aggregateIDs(got), []string{a, c, b}) {
		t.Fatalf("feed = %v, want %v", aggregateIDs(got), []string{a, c, b})
	}
	for _, ev := range got[1:] {
		if ev.GetType() != events.BeneficiaryCreated || !slices.Equal(ev.GetOrganisationIds(), []string{org}) ||
			ev.GetData().GetFields()["beneficiary_id"].GetStringValue() != ev.GetAggregateId() || len(ev.GetData().GetFields()) != 1 ||
			!ids.Valid(ev.GetId()) || got[1].GetId() == got[2].GetId() {
			t.Errorf("event = %v", ev)
		}
	}
	for _, bad := range []events.Event{
		{Type: "beneficiary.renamed", AggregateType: "beneficiary"},
		{Type: events.BeneficiaryCreated, AggregateType: "beneficiary", Data: map[string]any{"given_name": "Amina"}},
	} {
		err := db.InTx(ctx, e.pool, func(tx pgx.Tx) error {
			return outbox.WriteEach(ctx, tx, bad, "beneficiary_id", `SELECT $1::text`, ids.New())
		})
		if err == nil {
			t.Errorf("WriteEach(%v) succeeded", bad)
		}
	}
	if err := db.InTx(ctx, e.pool, func(tx pgx.Tx) error {
		return outbox.WriteEach(ctx, tx, tmpl, "given_name", `SELECT $1::text`, ids.New())
	}); err == nil {
		t.Error("WriteEach with an undeclared id field succeeded")
	}
	if after, _ := e.all(t, ""); len(after) != 3 {
		t.Fatalf("refused events were written: %v", aggregateIDs(after))
	}
}

func TestWriteRefusesUndeclaredData(t *testing.T) {
	e := newEnv(t, outbox.FeedOptions{})
	ctx := context.Background()
	for _, ev := range []events.Event{
		{Type: "beneficiary.renamed", AggregateType: "beneficiary", AggregateID: ids.New()},
		{Type: events.BeneficiaryErased, AggregateType: "beneficiary", AggregateID: ids.New(), Data: map[string]any{"given_name": "Amina"}},
		{Type: events.BeneficiaryErased, AggregateType: "referral", AggregateID: ids.New()},
		{Type: events.BeneficiaryErased, AggregateType: "beneficiary", AggregateID: ids.New(), Data: map[string]any{"beneficiary_id": map[string]any{"x": 1}}},
	} {
		err := db.InTx(ctx, e.pool, func(tx pgx.Tx) error { return outbox.Write(ctx, tx, ev) })
		if err == nil {
			t.Errorf("Write(%v) succeeded", ev)
		}
	}
	if got, _ := e.all(t, ""); len(got) != 0 {
		t.Fatalf("refused events were written: %v", got)
	}
}

// TestNaiveIdentityCursorSkips is the control: without feed positions, a
// reader following "id > cursor" loses the event of a transaction that took
// its id first and committed last. It shows the hazard TestCommitOrder and
// TestAggregateOrderUnderConcurrentWriters guard against is real on this
// server.
func TestNaiveIdentityCursorSkips(t *testing.T) {
	e := newEnv(t, outbox.FeedOptions{})
	ctx := context.Background()
	insert := `INSERT INTO outbox (event_id, type, aggregate_type, aggregate_id) VALUES (gen_random_uuid(), 'referral.sent', 'referral', $1) RETURNING id`
	t1, err := e.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer t1.Rollback(ctx)
	var id1, id2 int64
	if err := t1.QueryRow(ctx, insert, "first").Scan(&id1); err != nil {
		t.Fatal(err)
	}
	if err := db.InTx(ctx, e.pool, func(tx pgx.Tx) error { return tx.QueryRow(ctx, insert, "second").Scan(&id2) }); err != nil {
		t.Fatal(err)
	}
	var seen int64
	if err := e.pool.QueryRow(ctx, `SELECT max(id) FROM outbox WHERE id > 0`).Scan(&seen); err != nil {
		t.Fatal(err)
	}
	if err := t1.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	var missed int
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE id <= $1 AND aggregate_id = 'first'`, seen).Scan(&missed); err != nil {
		t.Fatal(err)
	}
	if id1 >= id2 || seen != id2 || missed != 1 {
		t.Fatalf("ids %d, %d; naive reader reached %d; events behind it it never saw: %d", id1, id2, seen, missed)
	}
}

// follow pages through the feed from its start, five events a page, while
// the writers of wg work, and returns what it read once they are done and
// it has caught up.
func (e *env) follow(t *testing.T, wg *sync.WaitGroup) []*eventsv1.Event {
	t.Helper()
	writersDone := make(chan struct{})
	go func() { wg.Wait(); close(writersDone) }()
	var seen []*eventsv1.Event
	after := ""
	for done := false; ; {
		select {
		case <-writersDone:
			done = true
		default:
		}
		resp, err := e.client.ListEvents(e.internal(t), &eventsv1.ListEventsRequest{After: after, PageSize: 5})
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, resp.GetEvents()...)
		after = resp.GetNextCursor()
		if done && len(resp.GetEvents()) == 0 {
			return seen
		}
	}
}

// TestCommitOrder: two transactions write events; the one that wrote first
// commits last. The second neither waits for the first nor is held back by
// it: its event is served at once, and the first's comes after it, where a
// cursor taken in between finds it.
func TestCommitOrder(t *testing.T) {
	e := newEnv(t, outbox.FeedOptions{})
	ctx := context.Background()
	first, second := "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"
	_, start := e.all(t, "")
	t1, err := e.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer t1.Rollback(ctx)
	if err := outbox.Write(ctx, t1, referralEvent(first)); err != nil { // sent now: it takes the lower id
		t.Fatal(err)
	}
	e.emit(t, referralEvent(second))
	got, mid := e.all(t, start)
	if !slices.Equal(aggregateIDs(got), []string{second}) {
		t.Fatalf("while the first writer is open: %v", aggregateIDs(got))
	}
	if err := t1.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	got, _ = e.all(t, mid)
	if !slices.Equal(aggregateIDs(got), []string{first}) {
		t.Fatalf("after the first commit: %v", aggregateIDs(got))
	}
	if got, _ := e.all(t, start); !slices.Equal(aggregateIDs(got), []string{second, first}) {
		t.Fatalf("feed = %v, want commit order", aggregateIDs(got))
	}
}

// TestAggregateOrderUnderConcurrentWriters: writers change a few aggregates
// (each change locks the aggregate's row and bumps its version, one event
// per change), some in pipelined transactions, some sending their event and
// then pausing before the commit, so commits finish out of id order; each
// takes its transaction id early (an unrelated insert first), so neither id
// nor transaction id order is commit order. A reader pages through the
// feed meanwhile. It must see every committed version of every aggregate
// exactly once, in version order, and nothing rolled back. Ordering by
// transaction id reorders an aggregate; paging a lock-free writer's ids
// skips events.
func TestAggregateOrderUnderConcurrentWriters(t *testing.T) {
	e := newEnv(t, outbox.FeedOptions{PollEvery: 20 * time.Millisecond})
	ctx := context.Background()
	if _, err := e.pool.Exec(ctx, `CREATE TABLE aggs (id text PRIMARY KEY, version int NOT NULL DEFAULT 0);
		CREATE TABLE scratch (x int)`); err != nil {
		t.Fatal(err)
	}
	aggs := make([]string, 4)
	for i := range aggs {
		aggs[i] = ids.New()
		if _, err := e.pool.Exec(ctx, `INSERT INTO aggs (id) VALUES ($1)`, aggs[i]); err != nil {
			t.Fatal(err)
		}
	}
	change := func(tx pgx.Tx, agg string, pause bool) error {
		if _, err := tx.Exec(ctx, `INSERT INTO scratch VALUES (1)`); err != nil {
			return err
		}
		time.Sleep(time.Duration(rand.IntN(1500)) * time.Microsecond)
		var v int
		if err := tx.QueryRow(ctx, `UPDATE aggs SET version = version + 1 WHERE id = $1 RETURNING version`, agg).Scan(&v); err != nil {
			return err
		}
		ev := referralEvent(agg)
		ev.Data["status"] = fmt.Sprintf("v%05d", v)
		if err := outbox.Write(ctx, tx, ev); err != nil {
			return err
		}
		if pause {
			time.Sleep(time.Duration(rand.IntN(2000)) * time.Microsecond)
		}
		return nil
	}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for range 30 {
				agg := aggs[rand.IntN(len(aggs))]
				rollback := rand.IntN(6) == 0
				var err error
				if w%2 == 0 { // pipelined: the event goes with the COMMIT
					err = db.InTx(ctx, e.pool, func(tx pgx.Tx) error {
						if err := change(tx, agg, false); err != nil {
							return err
						}
						if rollback {
							return errors.New("roll back")
						}
						return nil
					})
				} else { // the event is sent, then the commit waits
					err = func() error {
						tx, err := e.pool.Begin(ctx)
						if err != nil {
							return err
						}
						defer tx.Rollback(ctx)
						if err := change(tx, agg, true); err != nil || rollback {
							return err
						}
						return tx.Commit(ctx)
					}()
				}
				if err != nil && !rollback {
					t.Error(err)
				}
			}
		})
	}
	seen := e.follow(t, &wg)
	final := map[string]int{}
	rows, err := e.pool.Query(ctx, `SELECT id, version FROM aggs`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		var v int
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		final[id] = v
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	versions := map[string][]string{}
	for _, ev := range seen {
		versions[ev.GetAggregateId()] = append(versions[ev.GetAggregateId()], ev.GetData().GetFields()["status"].GetStringValue())
	}
	total := 0
	for _, agg := range aggs {
		var want []string
		for v := 1; v <= final[agg]; v++ {
			want = append(want, fmt.Sprintf("v%05d", v))
		}
		total += len(want)
		if !slices.Equal(versions[agg], want) {
			t.Errorf("aggregate %s: the reader saw versions %v, want %v", agg, versions[agg], want)
		}
	}
	if total < 100 || len(seen) != total {
		t.Errorf("%d changes committed, %d events seen", total, len(seen))
	}
	all, _ := e.all(t, "")
	if !slices.Equal(aggregateIDs(all), aggregateIDs(seen)) {
		t.Errorf("the tailing reader's order differs from the feed's")
	}
}

// TestConcurrentWritersNeverSkipped: many writers commit (or roll back)
// after random delays while a reader follows the feed page by page; the
// reader ends with exactly the committed events, each once, in position
// order.
func TestConcurrentWritersNeverSkipped(t *testing.T) {
	e := newEnv(t, outbox.FeedOptions{})
	ctx := context.Background()
	var (
		mu        sync.Mutex
		committed = map[string]bool{}
		wg        sync.WaitGroup
	)
	for w := range 8 {
		wg.Go(func() {
			for i := range 25 {
				id := fmt.Sprintf("w%d-%02d", w, i)
				rollback := rand.IntN(5) == 0
				err := db.InTx(ctx, e.pool, func(tx pgx.Tx) error {
					// Work before the write, then a pause between the write and the commit.
					time.Sleep(time.Duration(rand.IntN(3)) * time.Millisecond)
					if err := outbox.Write(ctx, tx, referralEvent(id)); err != nil {
						return err
					}
					time.Sleep(time.Duration(rand.IntN(2)) * time.Millisecond)
					if rollback {
						return errors.New("roll back")
					}
					return nil
				})
				if err == nil {
					mu.Lock()
					committed[id] = true
					mu.Unlock()
				}
			}
		})
	}
	seen := e.follow(t, &wg)
	got := map[string]bool{}
	for _, ev := range seen {
		if got[ev.GetAggregateId()] {
			t.Errorf("%s served twice", ev.GetAggregateId())
		}
		got[ev.GetAggregateId()] = true
	}
	for id := range committed {
		if !got[id] {
			t.Errorf("committed event %s was skipped", id)
		}
	}
	for id := range got {
		if !committed[id] {
			t.Errorf("event %s served but never committed", id)
		}
	}
	all, _ := e.all(t, "")
	if !slices.Equal(aggregateIDs(all), aggregateIDs(seen)) {
		t.Errorf("the tailing reader's order differs from the feed's")
	}
	if len(committed) == 0 {
		t.Fatal("nothing committed")
	}
}

func statusOf(t *testing.T, err error, code codes.Code) *status.Status {
	t.Helper()
	st, _ := status.FromError(err)
	if st.Code() != code {
		t.Fatalf("got %v, want %s", err, code)
	}
	return st
}

func TestCursorBadInput(t *testing.T) {
	e := newEnv(t, outbox.FeedOptions{})
	ctx := e.internal(t)
	e.emit(t, referralEvent(ids.New()))
	_, head := e.all(t, "")

	// Another feed (another database) gives valid-looking cursors.
	other := newEnv(t, outbox.FeedOptions{})
	other.emit(t, referralEvent(ids.New()))
	_, foreign := other.all(t, "")

	future := []byte(head)
	future[len(future)-2] = 'z' // a position far beyond the feed
	for name, after := range map[string]string{
		"not base64":      "!!!",
		"short":           "AAAA",
		"long":            head + "AA",
		"other feed":      foreign,
		"from the future": string(future),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := e.client.ListEvents(ctx, &eventsv1.ListEventsRequest{After: after})
			st := statusOf(t, err, codes.InvalidArgument)
			if !strings.HasPrefix(st.Message(), "after: ") {
				t.Errorf("message %q does not name the field", st.Message())
			}
			stream, err := e.client.WatchEvents(ctx, &eventsv1.WatchEventsRequest{After: after})
			if err == nil {
				_, err = stream.Recv()
			}
			statusOf(t, err, codes.InvalidArgument)
		})
	}
	t.Run("page size and types", func(t *testing.T) {
		_, err := e.client.ListEvents(ctx, &eventsv1.ListEventsRequest{PageSize: -1})
		statusOf(t, err, codes.InvalidArgument)
		_, err = e.client.ListEvents(ctx, &eventsv1.ListEventsRequest{Types: []string{"referral.sent", "no.such"}})
		statusOf(t, err, codes.InvalidArgument)
		resp, err := e.client.ListEvents(ctx, &eventsv1.ListEventsRequest{PageSize: 5000})
		if err != nil || len(resp.GetEvents()) != 1 {
			t.Fatalf("large page: %v %v", resp, err)
		}
	})
	t.Run("pruned", func(t *testing.T) {
		_, before := e.all(t, "")
		e.emit(t, referralEvent(ids.New()))
		e.emit(t, referralEvent(ids.New()))
		keep := ids.New()
		time.Sleep(10 * time.Millisecond)
		cutoff := time.Now()
		time.Sleep(10 * time.Millisecond)
		e.emit(t, referralEvent(keep))
		n, err := e.feed.Prune(context.Background(), cutoff)
		if err != nil || n != 3 {
			t.Fatalf("pruned %d, %v; want 3", n, err)
		}
		for _, after := range []string{"", before} {
			_, err = e.client.ListEvents(ctx, &eventsv1.ListEventsRequest{After: after})
			if after == "" {
				if err != nil {
					t.Fatalf("from the oldest: %v", err)
				}
				continue
			}
			st := statusOf(t, err, codes.OutOfRange)
			var oldest string
			if info := statustest.Info(err); info.GetReason() == outbox.ReasonCursorExpired {
				oldest = info.GetMetadata()["oldest_cursor"]
			}
			if oldest == "" || !strings.Contains(st.Message(), oldest) {
				t.Fatalf("OUT_OF_RANGE without the oldest cursor: %v", st.Proto())
			}
			got, _ := e.all(t, oldest)
			if !slices.Equal(aggregateIDs(got), []string{keep}) {
				t.Fatalf("from the oldest cursor: %v", aggregateIDs(got))
			}
			stream, err := e.client.WatchEvents(ctx, &eventsv1.WatchEventsRequest{After: before})
			if err == nil {
				_, err = stream.Recv()
			}
			statusOf(t, err, codes.OutOfRange)
		}
	})
	t.Run("scope", func(t *testing.T) {
		// No partner principal carries events.read.
		pctx := servicetest.As(t, ids.New(), auth.AllScopes...)
		_, err := e.client.ListEvents(pctx, &eventsv1.ListEventsRequest{})
		statusOf(t, err, codes.PermissionDenied)
		_, err = e.client.ListEvents(context.Background(), &eventsv1.ListEventsRequest{})
		statusOf(t, err, codes.Unauthenticated)
	})
}

func TestWatchFollowsCommits(t *testing.T) {
	e := newEnv(t, outbox.FeedOptions{PollEvery: time.Hour}) // only notifications wake it
	ctx, cancel := context.WithCancel(e.internal(t))
	defer cancel()
	first := ids.New()
	e.emit(t, referralEvent(first))
	stream, err := e.client.WatchEvents(ctx, &eventsv1.WatchEventsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	recv := func() *eventsv1.WatchEventsResponse {
		t.Helper()
		for {
			m, err := stream.Recv()
			if err != nil {
				t.Fatal(err)
			}
			if m.GetEvent() != nil {
				return m
			}
		}
	}
	if m := recv(); m.GetEvent().GetAggregateId() != first || m.GetCursor() != m.GetEvent().GetCursor() {
		t.Fatalf("backlog: %v", m)
	}
	for range 3 {
		id := ids.New()
		e.emit(t, referralEvent(id))
		if m := recv(); m.GetEvent().GetAggregateId() != id {
			t.Fatalf("got %v, want %s", m, id)
		}
	}
}

func TestWatchCheckpointsPastFilteredEvents(t *testing.T) {
	e := newEnv(t, outbox.FeedOptions{CheckpointEvery: time.Millisecond, PollEvery: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(e.internal(t))
	defer cancel()
	stream, err := e.client.WatchEvents(ctx, &eventsv1.WatchEventsRequest{Types: []string{events.BeneficiaryErased}})
	if err != nil {
		t.Fatal(err)
	}
	e.emit(t, referralEvent(ids.New()), referralEvent(ids.New()))
	_, head := e.all(t, "")
	for {
		m, err := stream.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if m.GetEvent() != nil {
			t.Fatalf("filtered event sent: %v", m)
		}
		if m.GetCursor() == head {
			return
		}
	}
}

// A stream filtering by type is not woken by events it filters out: with
// no polling, the referral events' wakes pass it by (no read, so no
// checkpoint), and the erasure's wake brings the erasure at once.
func TestWatchSleepsThroughOtherTypes(t *testing.T) {
	e := newEnv(t, outbox.FeedOptions{PollEvery: time.Hour, CheckpointEvery: time.Nanosecond})
	ctx, cancel := context.WithCancel(e.internal(t))
	defer cancel()
	// The feed's listener, once it listens, wakes every stream once (for
	// what committed before): let that pass before the stream starts.
	for listening := false; !listening; time.Sleep(10 * time.Millisecond) {
		if err := e.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
			WHERE datname = current_database() AND query LIKE 'LISTEN %')`).Scan(&listening); err != nil {
			t.Fatal(err)
		}
	}
	stream, err := e.client.WatchEvents(ctx, &eventsv1.WatchEventsRequest{Types: []string{events.BeneficiaryErased}})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan *eventsv1.WatchEventsResponse, 100)
	go func() {
		defer close(got)
		for {
			m, err := stream.Recv()
			if err != nil {
				return
			}
			got <- m
		}
	}()
	// The stream's first read ends in a checkpoint: it is reading.
	if m := <-got; m.GetEvent() != nil || m.GetCursor() == "" {
		t.Fatalf("first message %v, want a checkpoint", m)
	}
	for range 5 {
		e.emit(t, referralEvent(ids.New()))
	}
	erased := ids.New()
	// The referral events are stamped (and their wakes fired) before the
	// erasure is written.
	if evs, _ := e.all(t, ""); len(evs) != 5 {
		t.Fatalf("feed holds %d events, want 5", len(evs))
	}
	e.emit(t, events.Event{Type: events.BeneficiaryErased, AggregateType: events.AggregateBeneficiary, AggregateID: erased,
		OrganisationIDs: []string{ids.New()}, Data: map[string]any{"beneficiary_id": erased}})
	m, ok := <-got
	switch {
	case !ok:
		t.Fatal("stream ended")
	case m.GetEvent() == nil:
		t.Fatalf("a wake about other types made the stream read: it sent checkpoint %s", m.GetCursor())
	case m.GetEvent().GetAggregateId() != erased:
		t.Fatalf("got %v, want the erasure of %s", m, erased)
	}
}

// consumerOf returns a consumer replica recording what it applies in
// consumer.applied.
func (e *env) consumerOf(t *testing.T, name string, types ...string) *outbox.Consumer {
	t.Helper()
	c, err := outbox.NewConsumer(outbox.ConsumerOptions{
		Name: name, Pool: e.consumer, Feed: e.client, Process: "test", Types: types,
		Retry: 50 * time.Millisecond, Log: quiet,
		Handle: func(ctx context.Context, tx pgx.Tx, ev *eventsv1.Event) error {
			_, err := tx.Exec(ctx, `INSERT INTO applied (consumer, event_id, type, aggregate_id) VALUES ($1, $2, $3, $4)`,
				name, ev.GetId(), ev.GetType(), ev.GetAggregateId())
			return err
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func run(c *outbox.Consumer) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); c.Run(ctx) }()
	return func() { cancel(); <-done }
}

// waitApplied waits until consumer name applied n events and returns the
// aggregate ids in the order applied.
func (e *env) waitApplied(t *testing.T, name string, n int) []string {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); ; {
		var got []string
		rows, err := e.consumer.Query(context.Background(), `SELECT aggregate_id FROM applied WHERE consumer = $1 ORDER BY at`, name)
		if err != nil {
			t.Fatal(err)
		}
		if got, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			t.Fatal(err)
		}
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s applied %d of %d events", name, len(got), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestConsumerReplicasCatchUp: three replicas of one consumer; events are
// written while they run, while none runs (downtime), and while the leader
// is stopped; every event is applied exactly once, in feed order.
func TestConsumerReplicasCatchUp(t *testing.T) {
	e := newEnv(t, outbox.FeedOptions{})
	const name = "replicated"
	var want []string
	write := func(n int) {
		for range n {
			id := ids.New()
			e.emit(t, referralEvent(id))
			want = append(want, id)
		}
	}
	write(10) // before any consumer: catch-up from the start
	stops := []func(){run(e.consumerOf(t, name)), run(e.consumerOf(t, name)), run(e.consumerOf(t, name))}
	write(20)
	e.waitApplied(t, name, 30)
	// Stop replicas one by one while writing: the leader changes.
	for _, stop := range stops[:2] {
		stop()
		write(10)
	}
	e.waitApplied(t, name, 50)
	stops[2]()
	write(15) // all down
	stop := run(e.consumerOf(t, name))
	defer stop()
	e.waitApplied(t, name, 65)
	time.Sleep(200 * time.Millisecond) // let a duplicate show up, if any
	got := e.waitApplied(t, name, 65)
	if !slices.Equal(got, want) {
		t.Fatalf("applied %d events %v\nwant %d %v", len(got), got, len(want), want)
	}
}

// TestConsumersOfTwoServicesShareAName: consumers in different schemas
// (services) with one name each lead their own schema's work.
func TestConsumersOfTwoServicesShareAName(t *testing.T) {
	e := newEnv(t, outbox.FeedOptions{})
	other := openSchema(t, e.url, "consumer2")
	if _, err := other.Exec(context.Background(), `CREATE TABLE applied (consumer text, event_id uuid, type text, aggregate_id text, at timestamptz DEFAULT clock_timestamp())`); err != nil {
		t.Fatal(err)
	}
	first := e.consumerOf(t, "same")
	second := *e
	second.consumer = other
	stop1, stop2 := run(first), run(second.consumerOf(t, "same"))
	defer stop1()
	defer stop2()
	e.emit(t, referralEvent(ids.New()))
	e.waitApplied(t, "same", 1)
	second.waitApplied(t, "same", 1)
}

// TestConsumerCursorMovesPastFilteredEvents: a consumer interested in one
// type stores checkpoints, so its cursor does not stay behind (and age out)
// while other events flow.
func TestConsumerCursorMovesPastFilteredEvents(t *testing.T) {
	e := newEnv(t, outbox.FeedOptions{CheckpointEvery: time.Millisecond, PollEvery: 50 * time.Millisecond})
	c := e.consumerOf(t, "filtered", events.BeneficiaryErased)
	stop := run(c)
	defer stop()
	for range 5 {
		e.emit(t, referralEvent(ids.New()))
	}
	_, head := e.all(t, "")
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		cur, err := c.Cursor(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if cur == head {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("cursor %q never reached %q", cur, head)
		}
	}
	var n int
	if err := e.consumer.QueryRow(context.Background(), `SELECT count(*) FROM applied`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("applied %d filtered events (%v)", n, err)
	}
}

// TestConsumerRetriesAFailingHandler: an event whose handler fails is not
// skipped; it is applied once the handler succeeds.
func TestConsumerRetriesAFailingHandler(t *testing.T) {
	e := newEnv(t, outbox.FeedOptions{})
	var mu sync.Mutex
	failures := 3
	c, err := outbox.NewConsumer(outbox.ConsumerOptions{
		Name: "flaky", Pool: e.consumer, Feed: e.client, Retry: 20 * time.Millisecond, Log: quiet,
		Handle: func(ctx context.Context, tx pgx.Tx, ev *eventsv1.Event) error {
			mu.Lock()
			defer mu.Unlock()
			if failures > 0 {
				failures--
				return errors.New("not now")
			}
			_, err := tx.Exec(ctx, `INSERT INTO applied (consumer, event_id, type, aggregate_id) VALUES ('flaky', $1, $2, $3)`,
				ev.GetId(), ev.GetType(), ev.GetAggregateId())
			return err
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	id := ids.New()
	e.emit(t, referralEvent(id))
	stop := run(c)
	defer stop()
	if got := e.waitApplied(t, "flaky", 1); !slices.Equal(got, []string{id}) {
		t.Fatalf("applied %v", got)
	}
}

// TestPoisonEventHoldsBackOnlyWhatFollows: an event the handler can never
// apply holds back the events after it, not those before it that arrived
// in the same batch: those (an erasure, say) are applied by the time the
// consumer retries the one that fails.
func TestPoisonEventHoldsBackOnlyWhatFollows(t *testing.T) {
	e := newEnv(t, outbox.FeedOptions{})
	poison := ids.New()
	var good []string
	evs := make([]events.Event, 0, 41)
	for range 40 {
		id := ids.New()
		good = append(good, id)
		evs = append(evs, referralEvent(id))
	}
	evs = append(evs, referralEvent(poison), referralEvent(ids.New()))
	e.emit(t, evs...) // all there before the consumer starts: they arrive together
	attempts := make(chan struct{}, 100)
	c, err := outbox.NewConsumer(outbox.ConsumerOptions{
		Name: "poisoned", Pool: e.consumer, Feed: e.client, Retry: 20 * time.Millisecond, Log: quiet,
		Handle: func(ctx context.Context, tx pgx.Tx, ev *eventsv1.Event) error {
			if ev.GetAggregateId() == poison {
				attempts <- struct{}{}
				return errors.New("cannot apply this one")
			}
			_, err := tx.Exec(ctx, `INSERT INTO applied (consumer, event_id, type, aggregate_id) VALUES ('poisoned', $1, $2, $3)`,
				ev.GetId(), ev.GetType(), ev.GetAggregateId())
			return err
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	stop := run(c)
	defer stop()
	// The second attempt at the poison event comes after the consumer
	// stopped for the first and resumed from its stored cursor.
	for range 2 {
		select {
		case <-attempts:
		case <-time.After(60 * time.Second):
			t.Fatal("the poison event was never attempted twice")
		}
	}
	rows, err := e.consumer.Query(context.Background(), `SELECT aggregate_id FROM applied WHERE consumer = 'poisoned' ORDER BY at`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, good) {
		t.Fatalf("applied %d of the %d events before the poison one by its second attempt", len(got), len(good))
	}
}

var _ grpc.ServerStreamingClient[eventsv1.WatchEventsResponse] // the stream type the tests use

// TestConsumerSurvivesASilentFeedConnection: the connection to the feed
// goes silent (the producer's host is lost, a NAT or firewall forgets the
// connection: nothing arrives and nothing is refused). The consumer finds
// out (gRPC keepalive) and resumes over a new connection, rather than
// waiting on the dead stream for ever with the events (erasures, consent
// withdrawals) unapplied.
func TestConsumerSurvivesASilentFeedConnection(t *testing.T) {
	e := newEnv(t, outbox.FeedOptions{})
	proxy := tcpproxy.Start(t, e.addr)
	e.client = eventsv1.NewEventFeedServiceClient(servicetest.Dial(t, proxy.Addr(), "beneficiaries"))
	stop := run(e.consumerOf(t, "silenced"))
	defer stop()
	e.emit(t, referralEvent(ids.New()))
	e.waitApplied(t, "silenced", 1)
	if n := proxy.Silence(); n == 0 {
		t.Fatal("no connection to the feed to silence")
	}
	e.emit(t, referralEvent(ids.New()))
	e.waitApplied(t, "silenced", 2)
}
