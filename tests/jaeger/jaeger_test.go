// Package jaeger shows, with a real Jaeger v2, that one REST call is one
// trace across the edge, two services and their SQL.
//
// The Jaeger binary (a trimmed Jaeger v2 build: OTLP receiver, memory
// storage, query extension) is built by deploy/jaeger/build.sh (`make jaeger`)
// and cached (`make test` builds it first); without it the test fails.
package jaeger

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spona/spona/pkg/testkit/devstack"
	"github.com/spona/spona/pkg/testkit/devstack/devstacktest"
	"github.com/spona/spona/pkg/testkit/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// binary finds the cached Jaeger build.
func binary(t *testing.T) string {
	if p := os.Getenv("SPONA_JAEGER_BIN"); p != "" {
		return p
	}
	cache := os.Getenv("SPONA_CACHE")
	if cache == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			t.Fatal(err)
		}
		cache = filepath.Join(dir, "spona")
	}
	p := filepath.Join(cache, "jaeger-v1.76.0-trimmed", "jaeger")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("no Jaeger binary at %s: `make jaeger` (deploy/jaeger/build.sh; make test runs it) builds it, in a few minutes, once", p)
	}
	return p
}

func freeAddr(t *testing.T) string {
	addr, err := devstack.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

type jaeger struct {
	otlpGRPC, query string
}

// startJaeger runs Jaeger with deploy/jaeger/config.yaml on free loopback ports.
func startJaeger(t *testing.T) *jaeger {
	bin := binary(t)
	j := &jaeger{otlpGRPC: freeAddr(t), query: freeAddr(t)}
	cmd := exec.Command(bin, "--config", filepath.Join(devstacktest.Root(), "deploy", "jaeger", "config.yaml"))
	cmd.Env = append(os.Environ(),
		"JAEGER_OTLP_GRPC_ADDR="+j.otlpGRPC, "JAEGER_OTLP_HTTP_ADDR="+freeAddr(t),
		"JAEGER_QUERY_HTTP_ADDR="+j.query, "JAEGER_QUERY_GRPC_ADDR="+freeAddr(t),
		"JAEGER_HEALTH_ADDR="+freeAddr(t), "JAEGER_LOG_LEVEL=warn")
	cmd.SysProcAttr = devstack.ChildProcAttr(syscall.SIGKILL)
	logs := &devstacktest.Logs{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// exited is closed when the process is gone; waitErr is then its status.
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("jaeger (%v) logs:\n%s", waitErr, logs.String())
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-exited:
			t.Fatalf("jaeger exited: %v\n%s", waitErr, logs.String())
		default:
		}
		resp, err := http.Get("http://" + j.query + "/api/services")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return j
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("jaeger query API not up after 60s: %v\n%s", err, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Jaeger's query API (api/traces/{id}) trace shape.
type jaegerTrace struct {
	TraceID string `json:"traceID"`
	Spans   []struct {
		TraceID       string `json:"traceID"`
		SpanID        string `json:"spanID"`
		OperationName string `json:"operationName"`
		ProcessID     string `json:"processID"`
		References    []struct {
			RefType string `json:"refType"`
			TraceID string `json:"traceID"`
			SpanID  string `json:"spanID"`
		} `json:"references"`
		Tags []struct {
			Key   string `json:"key"`
			Value any    `json:"value"`
		} `json:"tags"`
	} `json:"spans"`
	Processes map[string]struct {
		ServiceName string `json:"serviceName"`
	} `json:"processes"`
}

type span struct {
	service, name, id, parent, kind string
	sql                             bool
}

func (j *jaeger) trace(t *testing.T, traceID string) []span {
	resp, err := http.Get("http://" + j.query + "/api/traces/" + traceID)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == 404 {
		return nil
	}
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("jaeger /api/traces/%s: HTTP %d: %s", traceID, resp.StatusCode, raw)
	}
	var body struct {
		Data []jaegerTrace `json:"data"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("jaeger answer: %v: %s", err, raw)
	}
	var out []span
	for _, tr := range body.Data {
		for _, s := range tr.Spans {
			if s.TraceID != traceID {
				t.Fatalf("span %s of trace %s returned for %s", s.SpanID, s.TraceID, traceID)
			}
			sp := span{service: tr.Processes[s.ProcessID].ServiceName, name: s.OperationName, id: s.SpanID}
			for _, r := range s.References {
				if r.RefType == "CHILD_OF" {
					sp.parent = r.SpanID
				}
			}
			for _, tag := range s.Tags {
				switch tag.Key {
				case "span.kind":
					sp.kind = fmt.Sprint(tag.Value)
				case "db.system.name":
					sp.sql = tag.Value == "postgresql"
				}
			}
			out = append(out, sp)
		}
	}
	return out
}

func describe(spans []span) string {
	var b strings.Builder
	for _, s := range spans {
		fmt.Fprintf(&b, "  %-14s %-8s %-45s span=%s parent=%s sql=%v\n", s.service, s.kind, s.name, s.id, s.parent, s.sql)
	}
	return b.String()
}

func call(t *testing.T, method, url, key string, body any, headers ...string) map[string]any {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s %s: HTTP %d: %s", method, url, resp.StatusCode, raw)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestOneRESTCallIsOneTraceInJaeger(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Jaeger and the whole system")
	}
	j := startJaeger(t)

	stack, _ := devstacktest.Start(t, pgtest.NewDatabase(t),
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://"+j.otlpGRPC, "OTEL_EXPORTER_OTLP_INSECURE=true", "OTEL_BSP_SCHEDULE_DELAY=100")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	keyA, err := stack.CreateKey(ctx, "partner-a", "Organisation A")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stack.CreateKey(ctx, "partner-b", "Organisation B"); err != nil {
		t.Fatal(err)
	}
	ben := call(t, "POST", stack.URL()+"/v1/beneficiaries", keyA, map[string]any{"given_name": "Traced", "legal_status": "LEGAL_STATUS_ASYLUM_SEEKER"})
	var orgB string
	for _, o := range call(t, "GET", stack.URL()+"/v1/organisations?page_size=50", keyA, nil)["organisations"].([]any) {
		if m := o.(map[string]any); m["name"] == "Organisation B" {
			orgB = m["id"].(string)
		}
	}

	// The one call: a referral is created in referrals, which asks
	// beneficiaries about the person; both read and write PostgreSQL.
	const traceID = "5b8efff798038103d269b633813fc60c"
	const callerSpan = "eee19b7ec3c1b174"
	call(t, "POST", stack.URL()+"/v1/referrals", keyA, map[string]any{
		"beneficiary_id": ben["id"], "to_organisation_id": orgB, "category": "REFERRAL_CATEGORY_LEGAL",
	}, "traceparent", "00-"+traceID+"-"+callerSpan+"-01")

	has := func(spans []span, service string, pred func(span) bool) bool {
		for _, s := range spans {
			if s.service == service && pred(s) {
				return true
			}
		}
		return false
	}
	server := func(s span) bool { return s.kind == "server" }
	sql := func(s span) bool { return s.sql }
	// A child span can be exported in an earlier batch than its parent (it
	// ends first), so the trace is complete only once every span's parent
	// has arrived too, the edge's root aside; until the deadline a missing
	// parent is waited for, after it the checks below name it.
	closed := func(spans []span) bool {
		ids := map[string]bool{callerSpan: true}
		for _, s := range spans {
			ids[s.id] = true
		}
		for _, s := range spans {
			if !ids[s.parent] {
				return false
			}
		}
		return true
	}
	present := func(spans []span) bool {
		return has(spans, "edge", server) && has(spans, "referrals", server) && has(spans, "referrals", sql) &&
			has(spans, "beneficiaries", server) && has(spans, "beneficiaries", sql)
	}
	var spans []span
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(250 * time.Millisecond) {
		spans = j.trace(t, traceID)
		if present(spans) && closed(spans) || time.Now().After(deadline) {
			break
		}
	}
	if !present(spans) {
		t.Fatalf("Jaeger's trace %s lacks spans of edge, referrals, beneficiaries or their SQL:\n%s", traceID, describe(spans))
	}
	t.Logf("Jaeger trace %s (%d spans):\n%s", traceID, len(spans), describe(spans))

	// One tree: every span's parent is in the trace, except the edge's root,
	// whose parent is the caller's span from traceparent.
	byID := map[string]span{}
	for _, s := range spans {
		byID[s.id] = s
	}
	roots := 0
	for _, s := range spans {
		if _, ok := byID[s.parent]; ok {
			continue
		}
		if s.service != "edge" || s.parent != callerSpan {
			t.Errorf("span %s/%s has parent %q outside the trace", s.service, s.name, s.parent)
		}
		roots++
	}
	if roots != 1 {
		t.Errorf("%d roots, want the edge's span only", roots)
	}
	// The beneficiaries server span hangs under a referrals span, and the SQL
	// spans under their own service.
	for _, s := range spans {
		p := byID[s.parent]
		switch {
		case s.service == "beneficiaries" && server(s) && p.service != "referrals":
			t.Errorf("beneficiaries server span's parent is %s/%s, want a referrals client span", p.service, p.name)
		case s.sql && p.service != s.service:
			t.Errorf("SQL span %s/%s has parent in %s", s.service, s.name, p.service)
		}
	}

	// Jaeger's service list (used by its UI search) has the three processes.
	resp, err := http.Get("http://" + j.query + "/api/services")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var services struct {
		Data []string `json:"data"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&services)
	for _, want := range []string{"edge", "referrals", "beneficiaries"} {
		if !strings.Contains(strings.Join(services.Data, ","), want) {
			t.Errorf("Jaeger services %v lack %s", services.Data, want)
		}
	}
}
