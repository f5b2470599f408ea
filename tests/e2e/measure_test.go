package e2e

import (
	"encoding/csv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPercentageIndicatorREST: a partner's percentage indicator over REST.
// Quarterly targets of 80 % and values of 75 % and 85 % are not 160 % for
// the half year: the JSON report gives the second quarter's figures, named
// by their period, and lists both quarters; the CSV has a row per quarter.
func TestPercentageIndicatorREST(t *testing.T) {
	s := startSystem(t)
	project := s.funded(t, "PCT-1", 0)
	q1 := map[string]any{"start_date": "2019-01-01", "end_date": "2019-03-31"}
	q2 := map[string]any{"start_date": "2019-04-01", "end_date": "2019-06-30"}
	in := s.call(t, "POST", "/v1/projects/"+project+"/indicators", s.keyA, map[string]any{
		"code": "OC1", "titles": []any{map[string]any{"text": "Cases handled within the protocol"}}, "unit": "%",
		"level": "INDICATOR_LEVEL_OUTCOME", "metric": "METRIC_MANUAL",
		"targets": []any{map[string]any{"period": q1, "value": "80"}, map[string]any{"period": q2, "value": "80"}},
	}).must(t, 200)
	if m := in.str("measure"); m != "INDICATOR_MEASURE_PERCENTAGE" {
		t.Fatalf("measure %q: %s", m, in.Raw)
	}
	for _, v := range []struct {
		period map[string]any
		value  string
	}{{q1, "75"}, {q2, "85"}} {
		s.call(t, "POST", "/v1/projects/"+project+"/indicators/"+in.str("id")+":recordValue", s.keyA,
			map[string]any{"value": map[string]any{"period": v.period, "value": v.value}}).must(t, 200)
	}
	// A computed metric counts: a percentage is refused with its field.
	r := s.call(t, "POST", "/v1/projects/"+project+"/indicators", s.keyA, map[string]any{
		"code": "OC2", "titles": []any{map[string]any{"text": "x"}}, "unit": "%", "level": "INDICATOR_LEVEL_OUTPUT",
		"metric": "METRIC_REFERRALS_MADE", "measure": "INDICATOR_MEASURE_PERCENTAGE",
	}).must(t, 400)
	if !strings.Contains(r.Raw, `"field":"indicator.measure"`) {
		t.Fatalf("computed percentage: %s", r.Raw)
	}

	half := "?start_date=2019-01-01&end_date=2019-06-30"
	var got map[string]any
	for _, res := range s.call(t, "GET", "/v1/projects/"+project+"/report"+half, s.keyA, nil).must(t, 200).Body["results"].([]any) {
		if res.(map[string]any)["code"] == "OC1" {
			got = res.(map[string]any)
		}
	}
	want := map[string]any{
		"measure": "INDICATOR_MEASURE_PERCENTAGE", "target": "80", "actual": "85",
		"target_period": map[string]any{"start_date": "2019-04-01", "end_date": "2019-06-30"},
		"actual_period": map[string]any{"start_date": "2019-04-01", "end_date": "2019-06-30"},
		"periods": []any{
			map[string]any{"period": q1, "target": "80", "actual": "75"},
			map[string]any{"period": q2, "target": "80", "actual": "85"},
		},
	}
	seen := map[string]any{"actual": got["actual"].(map[string]any)["value"]}
	for _, k := range []string{"measure", "target", "target_period", "actual_period", "periods"} {
		seen[k] = got[k]
	}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Fatalf("OC1 in the half year's report (-want +got):\n%s", diff)
	}

	rows, err := csv.NewReader(strings.NewReader(s.call(t, "GET", "/v1/projects/"+project+"/report:export"+half+"&format=csv", s.keyA, nil).must(t, 200).Raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var oc1 []string
	for _, r := range rows[1:] {
		if r[0] == "OC1" {
			oc1 = append(oc1, strings.Join([]string{r[9], r[10], r[11], r[12], r[15]}, " "))
		}
	}
	if diff := cmp.Diff([]string{
		"80 period 2019-01-01/2019-03-31 75 percentage",
		"80 period 2019-04-01/2019-06-30 85 percentage",
	}, oc1); diff != "" {
		t.Fatalf("OC1 in the CSV (-want +got):\n%s", diff)
	}
}

// TestManualPersonCountREST: a partner records by hand that 2 children
// were placed in foster care (a manual count, which counts persons unless
// told otherwise). Over REST its funder reads neither the report's 2 nor
// the recorded value; the implementing organisation reads the value it
// recorded and, asking for it, the unsuppressed report.
func TestManualPersonCountREST(t *testing.T) {
	s := startSystem(t)
	project := s.funded(t, "FOSTER-1", 0)
	in := s.call(t, "POST", "/v1/projects/"+project+"/indicators", s.keyA, map[string]any{
		"code": "OP2", "titles": []any{map[string]any{"text": "Children placed in foster care"}}, "unit": "children",
		"level": "INDICATOR_LEVEL_OUTPUT", "metric": "METRIC_MANUAL",
	}).must(t, 200)
	if in.Body["counts_persons"] != true {
		t.Fatalf("a new manual count: %s", in.Raw)
	}
	path := "/v1/projects/" + project + "/indicators/" + in.str("id")
	s.call(t, "POST", path+":recordValue", s.keyA, map[string]any{"value": map[string]any{
		"period": map[string]any{"start_date": "2019-01-01", "end_date": "2019-03-31"}, "value": "2", "comment": "siblings"}}).must(t, 200)

	value := func(key string) map[string]any {
		return s.call(t, "GET", path, key, nil).must(t, 200).Body["values"].([]any)[0].(map[string]any)
	}
	if v := value(s.keyA); v["value"] != "2" || v["comment"] != "siblings" || v["suppressed"] != nil {
		t.Errorf("the implementing organisation's value: %v", v)
	}
	if v := value(s.keyB); v["value"] != nil || v["comment"] != nil || v["suppressed"] != true {
		t.Errorf("the funder's value: %v, want suppressed without value or comment", v)
	}
	actual := func(key, query string) map[string]any {
		rs := s.call(t, "GET", "/v1/projects/"+project+"/report"+query, key, nil).must(t, 200).Body["results"].([]any)
		for _, r := range rs {
			if r := r.(map[string]any); r["code"] == "OP2" {
				return r["actual"].(map[string]any)
			}
		}
		t.Fatalf("no OP2 in %v", rs)
		return nil
	}
	if a := actual(s.keyB, ""); a["value"] != nil || a["suppressed"] != true {
		t.Errorf("the funder's report: %v, want suppressed", a)
	}
	if a := actual(s.keyA, "?unsuppressed=true"); a["value"] != "2" {
		t.Errorf("the implementing organisation's unsuppressed report: %v", a)
	}
}
