//go:build upgrade

// Package upgrade checks that the current build takes over a database an
// older build wrote (`make upgrade-check`, docs/operations.md "Upgrades"):
//
//   - the older build (SPONA_UPGRADE_FROM, a commit; `make upgrade-check`
//     gives main as of 24 hours ago) is checked out into a temporary
//     directory and its own end-to-end tests run against a private
//     PostgreSQL, each leaving its database behind;
//   - on each of those databases the six current processes start
//     (migrations apply, split roles take the schemas over), an
//     administrator verifies each organisation and a key is made for it;
//   - every record each organisation can reach is read (no 5xx), changed
//     where it may be (PATCH with the stored etag, referral transitions),
//     then every person is erased, and a pg_dump of the database must no
//     longer hold their names; no row of the old build is lost (but those
//     a migration deletes on purpose, counted by removed) and no process
//     logs an error.
//
// It is not part of `make test` (build tag upgrade): it builds and runs an
// older checkout, minutes of work.
package upgrade

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	// The enums of the API, for storedCodes.
	_ "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	_ "github.com/spona/spona/gen/go/spona/common/v1"
	_ "github.com/spona/spona/gen/go/spona/referrals/v1"
	_ "github.com/spona/spona/gen/go/spona/reporting/v1"
	_ "github.com/spona/spona/gen/go/spona/trainings/v1"
	_ "github.com/spona/spona/gen/go/spona/webhooks/v1"
	"github.com/spona/spona/pkg/testkit/devstack/devstacktest"
	"github.com/spona/spona/pkg/testkit/pgcluster"
)

// Counts of the rows of every table, by schema.table.
func counts(t *testing.T, dbURL string) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT format('%I.%I', schemaname, relname) FROM pg_stat_user_tables
		WHERE schemaname IN ('beneficiaries', 'referrals', 'trainings', 'reporting', 'edge', 'webhooks')`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, n := range names {
		var c int64
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+n).Scan(&c); err != nil {
			t.Fatal(err)
		}
		out[n] = c
	}
	return out
}

// removed counts, by schema.table, the rows a migration deletes on
// purpose, before the upgrade: they are not lost. A table missing from
// the older build's schema is left out.
var removed = map[string]string{
	// trainings 00011 (ForgetOrphans): professionals no registration
	// names, left by registrations deleted before a deletion forgot them.
	"trainings.professionals": `SELECT count(*) FROM trainings.professionals pr
		WHERE NOT EXISTS (SELECT FROM trainings.participants pa WHERE pa.professional_id = pr.id)`,
	// The edge's stored responses naming a person erased, or whose consent
	// ended, or a training registration deleted: the edge deletes them when
	// the event reaches it, which for an event the older edge had not yet
	// consumed when its test ended (or, for a consent's end, which it did
	// not consume at all before edge 00006) is when the current edge
	// catches up at its start. Counted whether or not the older edge
	// applied the event (an upper bound).
	"edge.idempotency_records": `SELECT count(*) FROM edge.idempotency_records r
		WHERE EXISTS (SELECT FROM beneficiaries.outbox o, unnest(r.subject_ids) s
			WHERE (o.type IN ('beneficiary.erased', 'beneficiary.merged') AND (o.aggregate_id = s::text OR o.data->'merged_ids' ? s::text))
			   OR (o.type IN ('consent.withdrawn', 'consent.expired') AND o.data->>'beneficiary_id' = s::text))
		   OR EXISTS (SELECT FROM trainings.outbox o, unnest(r.subject_ids) s
			WHERE o.type = 'participant.deleted' AND o.aggregate_id = s::text)`,
}

// storedCodes are the words Spona stores for the values of its API's enums
// ("returnee" for LEGAL_STATUS_RETURNEE), each underscore-suffix of every
// value name: a person the older tests named "Returnee" is not told apart
// from a legal status in a dump, so the erasure check leaves such a name
// out.
func storedCodes() map[string]bool {
	codes := map[string]bool{}
	protoregistry.GlobalTypes.RangeEnums(func(e protoreflect.EnumType) bool {
		d := e.Descriptor()
		if !strings.HasPrefix(string(d.FullName()), "spona.") {
			return true
		}
		for i := range d.Values().Len() {
			name := strings.ToLower(string(d.Values().Get(i).Name()))
			for j := 0; j >= 0; {
				codes[name[j:]] = true
				k := strings.IndexByte(name[j:], '_')
				if k < 0 {
					break
				}
				j += k + 1
			}
		}
		return true
	})
	return codes
}

// toRemove runs the queries of removed on the database dbURL of the older
// build, for the tables it has.
func toRemove(t *testing.T, dbURL string, tables map[string]int64) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	out := map[string]int64{}
	for table, query := range removed {
		if _, ok := tables[table]; !ok {
			continue
		}
		var n int64
		if err := conn.QueryRow(ctx, query).Scan(&n); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		out[table] = n
	}
	return out
}

type crawler struct {
	t       *testing.T
	base    string
	key     string
	seen    map[string]bool
	errors  []string
	visited int
}

func (c *crawler) get(path string) (int, map[string]any) {
	c.visited++
	req, err := http.NewRequest("GET", c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	resp, err := c.do(req, nil)
	if err != nil {
		c.errors = append(c.errors, fmt.Sprintf("GET %s: %v", path, err))
		return 0, nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var body map[string]any
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		_ = json.Unmarshal(raw, &body)
	}
	// A 400 other than FAILED_PRECONDITION (a state the request may not be
	// made in, such as an IATI export of an unverified organisation's
	// project) says stored data was not understood.
	if resp.StatusCode >= 500 || (resp.StatusCode == 400 && body["code"] != float64(9)) {
		c.errors = append(c.errors, fmt.Sprintf("GET %s: HTTP %d: %.300s", path, resp.StatusCode, raw))
	}
	return resp.StatusCode, body
}

// do sends req (with body raw), again after the time a 429 says while the
// key's rate limit (RATE_LIMIT_RPS) is exceeded: the crawler asks faster.
func (c *crawler) do(req *http.Request, raw []byte) (*http.Response, error) {
	for try := 1; ; try++ {
		if raw != nil {
			req.Body = io.NopCloser(bytes.NewReader(raw))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusTooManyRequests || try == 20 {
			return resp, err
		}
		wait, err := strconv.Atoi(resp.Header.Get("Retry-After"))
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || wait < 1 {
			wait = 1
		}
		time.Sleep(time.Duration(wait) * time.Second)
	}
}

// must GETs path and wants 200.
func (c *crawler) must(path string) map[string]any {
	st, body := c.get(path)
	if st != 200 && st != 403 && st < 500 && st != 0 {
		c.errors = append(c.errors, fmt.Sprintf("GET %s: HTTP %d %v", path, st, body))
	}
	return body
}

// list pages through a collection and returns its items.
func (c *crawler) list(path, field string) []map[string]any {
	var out []map[string]any
	token := ""
	for range 1000 {
		p := path
		sep := "?"
		if strings.Contains(p, "?") {
			sep = "&"
		}
		p += sep + "page_size=100"
		if token != "" {
			p += "&page_token=" + url.QueryEscape(token)
		}
		body := c.must(p)
		items, _ := body[field].([]any)
		for _, it := range items {
			if m, ok := it.(map[string]any); ok {
				out = append(out, m)
			}
		}
		token, _ = body["next_page_token"].(string)
		if token == "" {
			break
		}
	}
	return out
}

// send makes a write and wants one of ok (a server error is always one).
func (c *crawler) send(method, path string, body any, ok ...int) map[string]any {
	raw, _ := json.Marshal(body)
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(string(raw)))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.do(req, raw)
	if err != nil {
		c.errors = append(c.errors, fmt.Sprintf("%s %s: %v", method, path, err))
		return nil
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(out, &m)
	for _, st := range ok {
		if resp.StatusCode == st {
			return m
		}
	}
	c.errors = append(c.errors, fmt.Sprintf("%s %s: HTTP %d: %.300s", method, path, resp.StatusCode, out))
	return m
}

// write changes what the old build wrote: every beneficiary, training
// event and referral the key's organisation may change. It returns the
// names of the beneficiaries it changed, those of the ones it listed only
// (beyond detailed: not erased) and the ids of those it registered.
func (c *crawler) write() (names, kept []string, erase []string) {
	all := c.list("/v1/beneficiaries", "beneficiaries")
	some := c.some("beneficiaries", all)
	for _, b := range all[len(some):] { // not erased
		for _, n := range []string{str(b, "given_name"), str(b, "family_name"), str(b, "original_script_name")} {
			kept = append(kept, n)
		}
	}
	for _, b := range some {
		id := str(b, "id")
		c.send("PATCH", "/v1/beneficiaries/"+id+"?update_mask=notes", map[string]any{"notes": "checked after the upgrade", "etag": str(b, "etag")}, 200, 403)
		for _, n := range []string{str(b, "given_name"), str(b, "family_name"), str(b, "original_script_name")} {
			if len([]rune(n)) >= 4 {
				names = append(names, n)
			}
		}
		// Only the registering organisation may erase; another one
		// lists the person under a grant (access GRANTED) and is refused.
		if str(b, "access") == "ACCESS_LEVEL_OWNER" {
			erase = append(erase, id)
		}
	}
	for _, e := range c.some("training events", c.list("/v1/trainingEvents", "training_events")) {
		c.send("PATCH", "/v1/trainingEvents/"+str(e, "id")+"?update_mask=title", map[string]any{"title": "After the upgrade", "etag": str(e, "etag")}, 200)
	}
	for _, r := range c.some("referrals", c.list("/v1/referrals", "referrals")) {
		id := str(r, "id")
		switch str(r, "status") {
		case "REFERRAL_STATUS_DRAFT":
			c.send("POST", "/v1/referrals/"+id+":send", map[string]any{}, 200, 400, 403, 404)
		case "REFERRAL_STATUS_SENT":
			c.send("POST", "/v1/referrals/"+id+":accept", map[string]any{}, 200, 403)
		case "REFERRAL_STATUS_ACCEPTED":
			c.send("POST", "/v1/referrals/"+id+":start", map[string]any{}, 200, 403)
		}
	}
	return names, kept, erase
}

func str(m map[string]any, k string) string { v, _ := m[k].(string); return v }

// detailed is how many records of a list are read one by one, changed and
// erased: every record is read through its list, but a database an older
// test filled with an import of 40,000 people (TestImportSurvivesCrash)
// would otherwise take the check hours of requests per record.
const detailed = 300

// some is the first detailed records of list what.
func (c *crawler) some(what string, xs []map[string]any) []map[string]any {
	if len(xs) <= detailed {
		return xs
	}
	c.t.Logf("%s: %d records, the first %d read one by one", what, len(xs), detailed)
	return xs[:detailed]
}

// crawl reads everything the key's organisation can reach.
func (c *crawler) crawl() {
	for _, b := range c.some("beneficiaries", c.list("/v1/beneficiaries", "beneficiaries")) {
		id := str(b, "id")
		c.must("/v1/beneficiaries/" + id)
		c.list("/v1/beneficiaries/"+id+"/documents", "documents")
		c.list("/v1/beneficiaries/"+id+"/assistances", "assistances")
		c.list("/v1/beneficiaries/"+id+"/consents", "consents")
		c.list("/v1/beneficiaries/"+id+"/auditEvents", "audit_events")
		c.must("/v1/beneficiaries/" + id + ":findDuplicates")
		if h := str(b, "household_id"); h != "" && !c.seen[h] {
			c.seen[h] = true
			c.must("/v1/households/" + h)
		}
	}
	c.list("/v1/beneficiaries:search?query=am", "results")
	for _, r := range c.some("referrals", c.list("/v1/referrals", "referrals")) {
		id := str(r, "id")
		c.must("/v1/referrals/" + id)
		c.list("/v1/referrals/"+id+"/events", "events")
	}
	for _, e := range c.list("/v1/trainingEvents", "training_events") {
		id := str(e, "id")
		c.must("/v1/trainingEvents/" + id)
		c.list("/v1/trainingEvents/"+id+"/sessions", "sessions")
		for _, p := range c.some("participants", c.list("/v1/trainingEvents/"+id+"/participants", "participants")) {
			c.must("/v1/trainingEvents/" + id + "/participants/" + str(p, "id"))
		}
	}
	for _, p := range c.list("/v1/projects", "projects") {
		id := str(p, "id")
		c.must("/v1/projects/" + id)
		for _, ind := range c.list("/v1/projects/"+id+"/indicators", "indicators") {
			c.must("/v1/projects/" + id + "/indicators/" + str(ind, "id"))
		}
		start, end := str(p, "planned_start_date"), str(p, "planned_end_date")
		q := ""
		if start != "" && end != "" {
			q = "?start_date=" + start + "&end_date=" + end
		}
		// Funders and partners may read a report; others get 403/404.
		if st, rep := c.get("/v1/projects/" + id + "/report"); st == 200 {
			raw, _ := json.Marshal(rep["results"])
			c.t.Logf("report %s: %s", id, raw)
		}
		if st, _ := c.get("/v1/projects/" + id + "/report" + q); st == 200 {
			for _, f := range []string{"json", "csv", "xlsx", "iati"} {
				sep := "?"
				if q != "" {
					sep = "&"
				}
				c.get("/v1/projects/" + id + "/report:export" + q + sep + "format=" + f)
			}
		}
	}
	for _, o := range c.list("/v1/organisations", "organisations") {
		c.must("/v1/organisations/" + str(o, "id"))
	}
	for _, s := range c.list("/v1/services", "services") {
		c.must("/v1/services/" + str(s, "id"))
	}
	c.list("/v1/imports", "imports")
	c.list("/v1/webhooks", "webhooks")
	c.must("/v1/events")
	for _, p := range []string{"/hsds/organizations", "/hsds/services", "/hsds/service_at_locations", "/hsds/taxonomies", "/hsds/taxonomy_terms"} {
		c.get(p)
	}
}

func TestUpgrade(t *testing.T) {
	from := os.Getenv("SPONA_UPGRADE_FROM")
	if from == "" {
		t.Fatal("SPONA_UPGRADE_FROM (a commit of the older build) is required: make upgrade-check")
	}
	ctx := context.Background()
	cluster, err := pgcluster.Start(ctx, filepath.Join(t.TempDir(), "pg"), pgcluster.Options{StopOnExit: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cluster.Remove() })
	server := cluster.URL("postgres")
	old := filepath.Join(t.TempDir(), "old")
	root := devstacktest.Root()
	run := func(dir string, env []string, name string, args ...string) {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
	}
	if err := os.MkdirAll(old, 0o750); err != nil {
		t.Fatal(err)
	}
	run(root, nil, "sh", "-c", "git archive "+from+" | tar -x -C "+old)
	// The older tests drop their databases when they end: keep them.
	run(old, nil, "sh", "-c", `grep -rl --include=pgtest.go 'DROP DATABASE' . | xargs -r sed -i 's/"DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"/"SELECT 1"/'`)
	// go test's default timeout (10 minutes) is less than these tests take
	// on a loaded two-core machine: stopped by it, they left half their
	// databases unwritten and the check covered only those.
	args := []string{"test", "-count=1", "-p", "1", "-timeout", "45m"}
	if run := os.Getenv("SPONA_UPGRADE_RUN"); run != "" { // some of them only (make upgrade-check RUN=<regexp>)
		args = append(args, "-run", run)
	}
	cmd := exec.Command("go", append(args, "./tests/e2e/")...)
	cmd.Dir, cmd.Env = old, append(os.Environ(), "DATABASE_URL="+server)
	out, err := cmd.CombinedOutput()
	t.Logf("the older build's end-to-end tests (%v):\n%s", err, tail(string(out), 40))

	admin, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := admin.Query(ctx, `SELECT datname FROM pg_database WHERE datname LIKE 't\_%' ORDER BY oid`)
	if err != nil {
		t.Fatal(err)
	}
	dbs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	admin.Close(ctx)
	if err != nil || len(dbs) == 0 {
		t.Fatalf("the older build left no databases (%v)", err)
	}
	for _, name := range dbs {
		u := strings.Replace(server, "/postgres?", "/"+name+"?", 1)
		t.Run(name, func(t *testing.T) { upgrade(t, u) })
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// upgrade starts the current system on the database dbURL an older build
// wrote and checks it (see the package comment).
func upgrade(t *testing.T, dbURL string) {
	before := counts(t, dbURL)
	goes := toRemove(t, dbURL, before)
	stack, logs := devstacktest.Start(t, dbURL)
	after := counts(t, dbURL)
	var lost []string
	for n, c := range before {
		if after[n] < c-goes[n] && !strings.HasSuffix(n, ".goose_db_version") {
			lost = append(lost, fmt.Sprintf("%s: %d rows before (%d of them to be removed on purpose: a migration, the edge catching up on events), %d after", n, c, goes[n], after[n]))
		}
		if goes[n] > 0 {
			t.Logf("%s: %d rows before, %d of them removed on purpose (a migration, the edge catching up on events), %d after", n, c, goes[n], after[n])
		}
	}
	sort.Strings(lost)
	if len(lost) > 0 {
		t.Errorf("rows lost by the upgrade:\n%s", strings.Join(lost, "\n"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	adminKey, err := stack.CreateAdminKey(ctx, "upgrade")
	if err != nil {
		t.Fatal(err)
	}
	ad := &crawler{t: t, base: stack.URL(), key: adminKey, seen: map[string]bool{}}
	var keys []string
	for _, o := range ad.list("/v1/organisations", "organisations") {
		id := str(o, "id")
		if o["verify_time"] == nil {
			ad.send("POST", "/v1/organisations/"+id+":verify", map[string]any{"name": str(o, "name"), "kind": str(o, "kind"),
				"country": str(o, "country"), "etag": str(o, "etag"), "reason": "upgrade check"}, 200)
		}
		key, err := stack.Edge(ctx, "keys", "create", "-name", "upgrade", "-org-id", id, "-reason", "upgrade check")
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, key)
	}
	for _, e := range ad.errors {
		t.Errorf("administrator: %s", e)
	}
	for i, key := range keys {
		c := &crawler{t: t, base: stack.URL(), key: key, seen: map[string]bool{}}
		c.crawl()
		for _, e := range c.errors {
			t.Errorf("organisation %d: %s", i+1, e)
		}
	}
	// Writes on old records, then every person erased: the erasure reaches
	// the copies the old build made (referrals, trainings, idempotency
	// records), which the dump shows.
	var names []string
	kept := map[string]bool{}
	for i, key := range keys {
		c := &crawler{t: t, base: stack.URL(), key: key, seen: map[string]bool{}}
		n, k, e := c.write()
		names = append(names, n...)
		for _, name := range k {
			kept[strings.ToLower(name)] = true
		}
		for _, id := range e {
			c.send("POST", "/v1/beneficiaries/"+id+":erase", map[string]any{}, 200)
		}
		for _, e := range c.errors {
			t.Errorf("organisation %d: %s", i+1, e)
		}
	}
	time.Sleep(5 * time.Second) // the feeds' consumers
	bin, err := pgcluster.BinDir()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(filepath.Join(bin, "pg_dump"), "--data-only", "--no-owner", "-d", dbURL).Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	codes := storedCodes()
	shared := 0
	for _, n := range names {
		if codes[strings.ToLower(n)] {
			t.Logf("name %q is also a stored code: not looked for in the dump", n)
			continue
		}
		if kept[strings.ToLower(n)] { // also the name of a person not erased (a list longer than detailed)
			shared++
			continue
		}
		word := regexp.MustCompile(`(?i)\b` + regexp.QuoteMeta(n) + `\b`)
		for _, line := range strings.Split(string(out), "\n") {
			if !strings.HasPrefix(line, "COPY ") && word.MatchString(line) {
				t.Errorf("name %q still stored after the erasure: %.300s", n, line)
			}
		}
	}
	if shared > 0 {
		t.Logf("%d names of erased people are also those of people not erased: not looked for in the dump", shared)
	}
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, `"level":"ERROR"`) {
			t.Errorf("error logged: %.400s", line)
		}
	}
}
