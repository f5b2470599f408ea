package e2e

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape reads a process's /metrics the way Prometheus does.
func scrape(t *testing.T, s *system, process string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(s.stack.AdminURL(process) + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("%s /metrics: HTTP %d", process, resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("%s /metrics does not parse: %v", process, err)
	}
	return families
}

func labels(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

// sample returns the value of the series of family name whose labels include
// want (histograms: their count), and whether there is one.
func sample(families map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f, ok := families[name]
	if !ok {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		got := labels(m)
		for k, v := range want {
			if got[k] != v {
				continue next
			}
		}
		switch {
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount()), true
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		}
	}
	return 0, false
}

func describeFamily(families map[string]*dto.MetricFamily, name string) string {
	var b strings.Builder
	for _, m := range families[name].GetMetric() {
		b.WriteString("  ")
		b.WriteString(name)
		b.WriteString(" ")
		j, _ := json.Marshal(labels(m))
		b.Write(j)
		b.WriteString("\n")
	}
	return b.String()
}

// TestMetricsAndLogs makes real calls through the edge and reads back what
// Prometheus would scrape from the processes' admin ports, and what their
// logs say about the same requests.
func TestMetricsAndLogs(t *testing.T) {
	s := startSystem(t, "LOG_LEVEL=debug")

	// Before any webhook delivery (nothing here subscribes), the webhooks
	// process exports its attempts counter at 0 for every outcome, so an
	// alert on the dead-letter rate sees 0 rather than no data.
	t.Run("webhooks attempts at zero before the first delivery", func(t *testing.T) {
		wh := scrape(t, s, "webhooks")
		const name = "spona_webhooks_attempts_total"
		for _, outcome := range []string{"succeeded", "failed", "dead_lettered"} {
			n, ok := sample(wh, name, map[string]string{"outcome": outcome})
			if !ok || n != 0 {
				t.Errorf("%s{outcome=%q} = %v (present %v), want 0; series:\n%s", name, outcome, n, ok, describeFamily(wh, name))
			}
		}
	})

	const traceID = "0af7651916cd43dd8448eb211c80319c"
	created := s.call(t, "POST", "/v1/beneficiaries", s.keyA, map[string]any{"given_name": "Metric"},
		"traceparent", "00-"+traceID+"-b7ad6b7169203331-01").must(t, 200)
	id := created.str("id")
	for range 3 {
		s.call(t, "GET", "/v1/beneficiaries/"+id, s.keyA, nil).must(t, 200)
	}
	s.call(t, "GET", "/v1/beneficiaries/0190a1b2-0000-7000-8000-000000000000", s.keyA, nil).must(t, 404)
	s.call(t, "GET", "/v1/beneficiaries", "", nil).must(t, 401)
	orgs := s.call(t, "GET", "/v1/organisations?page_size=50", s.keyA, nil).must(t, 200)
	var orgB string
	for _, o := range orgs.Body["organisations"].([]any) {
		if m := o.(map[string]any); m["name"] == "Organisation B" {
			orgB = m["id"].(string)
		}
	}
	s.call(t, "POST", "/v1/referrals", s.keyA, map[string]any{
		"beneficiary_id": id, "to_organisation_id": orgB, "category": "REFERRAL_CATEGORY_LEGAL",
	}).must(t, 200)

	t.Run("edge RED per route template", func(t *testing.T) {
		edge := scrape(t, s, "edge")
		const name = "http_server_request_duration_seconds"
		for _, c := range []struct {
			method, route, code string
			min                 float64
		}{
			{"POST", "POST /v1/beneficiaries", "200", 1},
			{"GET", "GET /v1/beneficiaries/{id}", "200", 3},
			{"GET", "GET /v1/beneficiaries/{id}", "404", 1},
			{"POST", "POST /v1/referrals", "200", 1},
		} {
			n, ok := sample(edge, name, map[string]string{"http_request_method": c.method, "http_route": c.route, "http_response_status_code": c.code})
			if !ok || n < c.min {
				t.Errorf("%s{route=%q,code=%s} = %v (present %v), want >= %v; series:\n%s", name, c.route, c.code, n, ok, c.min, describeFamily(edge, name))
			}
		}
		// A request refused before routing is labelled by the prefix it
		// reached, never by its raw path.
		if n, ok := sample(edge, name, map[string]string{"http_response_status_code": "401"}); !ok || n < 1 {
			t.Errorf("no 401 series:\n%s", describeFamily(edge, name))
		}
		for _, m := range edge[name].GetMetric() {
			if r := labels(m)["http_route"]; strings.Contains(r, id) || strings.Contains(r, "0190a1b2") {
				t.Errorf("raw path as route label: %q", r)
			}
		}
		// Calls from the edge to the services are measured on the client side.
		if n, ok := sample(edge, "rpc_client_call_duration_seconds", map[string]string{
			"rpc_method": "spona.beneficiaries.v1.BeneficiaryService/GetBeneficiary", "rpc_response_status_code": "OK"}); !ok || n < 3 {
			t.Errorf("edge client RPC count = %v (present %v):\n%s", n, ok, describeFamily(edge, "rpc_client_call_duration_seconds"))
		}
	})

	t.Run("service RED per RPC and pool stats", func(t *testing.T) {
		ben := scrape(t, s, "beneficiaries")
		const name = "rpc_server_call_duration_seconds"
		for _, c := range []struct {
			method, code string
			min          float64
		}{
			{"spona.beneficiaries.v1.BeneficiaryService/CreateBeneficiary", "OK", 1},
			{"spona.beneficiaries.v1.BeneficiaryService/GetBeneficiary", "OK", 3},
			{"spona.beneficiaries.v1.BeneficiaryService/GetBeneficiary", "NOT_FOUND", 1},
		} {
			n, ok := sample(ben, name, map[string]string{"rpc_method": c.method, "rpc_response_status_code": c.code})
			if !ok || n < c.min {
				t.Errorf("%s{%s,%s} = %v (present %v), want >= %v; series:\n%s", name, c.method, c.code, n, ok, c.min, describeFamily(ben, name))
			}
		}
		for _, st := range []string{"acquired", "idle", "total"} {
			if _, ok := sample(ben, "pgxpool_connections", map[string]string{"pool_name": "beneficiaries", "state": st}); !ok {
				t.Errorf("no pgxpool_connections{state=%q}:\n%s", st, describeFamily(ben, "pgxpool_connections"))
			}
		}
		if n, _ := sample(ben, "pgxpool_connections", map[string]string{"pool_name": "beneficiaries", "state": "total"}); n < 1 {
			t.Errorf("pool has %v connections after serving queries", n)
		}
		if n, _ := sample(ben, "pgxpool_acquires_total", map[string]string{"pool_name": "beneficiaries"}); n < 5 {
			t.Errorf("pgxpool_acquires_total = %v after at least 5 queries", n)
		}
		if _, ok := sample(ben, "pgxpool_acquire_duration_seconds_total", map[string]string{"pool_name": "beneficiaries"}); !ok {
			t.Error("no pgxpool_acquire_duration_seconds_total")
		}
		if n, _ := sample(ben, "pgxpool_max_connections", nil); n < 1 {
			t.Errorf("pgxpool_max_connections = %v", n)
		}
		// referrals called beneficiaries for the referral: both sides counted.
		ref := scrape(t, s, "referrals")
		if n, ok := sample(ref, "rpc_client_call_duration_seconds", map[string]string{"rpc_response_status_code": "OK"}); !ok || n < 1 {
			t.Errorf("referrals made no counted client call:\n%s", describeFamily(ref, "rpc_client_call_duration_seconds"))
		}
		if n, ok := sample(ref, name, map[string]string{"rpc_method": "spona.referrals.v1.ReferralService/CreateReferral", "rpc_response_status_code": "OK"}); !ok || n < 1 {
			t.Errorf("referrals CreateReferral not counted:\n%s", describeFamily(ref, name))
		}
	})

	t.Run("log lines carry the trace of the request", func(t *testing.T) {
		found := map[string]bool{}
		sc := bufio.NewScanner(strings.NewReader(s.logs.String()))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			proc, line, ok := strings.Cut(sc.Text(), "] ")
			if !ok {
				continue
			}
			var rec map[string]any
			if json.Unmarshal([]byte(line), &rec) != nil {
				continue
			}
			if rec["trace_id"] == traceID {
				if sid, _ := rec["span_id"].(string); len(sid) != 16 {
					t.Errorf("log line with trace id has span_id %v: %s", rec["span_id"], line)
				}
				found[strings.TrimPrefix(proc, "[")] = true
			}
		}
		if !found["beneficiaries"] {
			t.Errorf("no beneficiaries log line carries trace %s (found in %v)", traceID, found)
		}
	})
}
