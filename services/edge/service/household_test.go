package service_test

import (
	"slices"
	"testing"

	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
)

// TestHouseholdAnswersAudited: every answer that shows a household (its
// reference, who is in it and how related) is in the audit log of each
// member it shows, as GET /v1/households/{id} is: adding a member answers
// with the others too, removing one with those who stay, and a retried
// create (the same request_id) with the household as it is now. Before,
// only the member added or removed got a record.
func TestHouseholdAnswersAudited(t *testing.T) {
	s := edgetest.Start(t, nil)
	k := s.CreateKey(t, "a", "Household NGO")
	a := resttest.New(s.URL, k.Key)
	person := func(given string) string {
		return a.Do(t, "POST", "/v1/beneficiaries", map[string]any{"given_name": given, "family_name": "Haddad"}).Must(t, 200).Str("id")
	}
	head, spouse, child := person("Amina"), person("Omar"), person("Sara")
	actions := func(id string) []string {
		var out []string
		for _, e := range a.Do(t, "GET", "/v1/beneficiaries/"+id+"/auditEvents?page_size=100", nil).Must(t, 200).Body["audit_events"].([]any) {
			if act, _ := e.(map[string]any)["action"].(string); act == "household" || act == "household.read" {
				out = append(out, act)
			}
		}
		slices.Sort(out)
		return out
	}
	household := map[string]any{"reference": "Haddad family, room 12", "members": []map[string]any{
		{"beneficiary_id": head, "relationship": "RELATIONSHIP_HEAD"}, {"beneficiary_id": spouse, "relationship": "RELATIONSHIP_SPOUSE"}}}
	h := a.Do(t, "POST", "/v1/households?request_id=household-haddad", household).Must(t, 200).Str("id")
	want := map[string][]string{head: {"household"}, spouse: {"household"}, child: nil}
	check := func(step string) {
		t.Helper()
		for id, w := range want {
			if got := actions(id); !slices.Equal(got, w) {
				t.Errorf("after %s, the household records of %s: %v, want %v", step, id, got, w)
			}
		}
	}
	check("create")

	a.Do(t, "POST", "/v1/households/"+h+"/members", map[string]any{"beneficiary_id": child, "relationship": "RELATIONSHIP_CHILD"}).Must(t, 200)
	want[head] = append(want[head], "household.read")
	want[spouse] = append(want[spouse], "household.read")
	want[child] = []string{"household"}
	check("adding Sara")

	r := a.Do(t, "DELETE", "/v1/households/"+h+"/members/"+child, nil).Must(t, 200)
	if len(r.Body["members"].([]any)) != 2 || r.Str("reference") == "" {
		t.Fatalf("answer of the removal: %s", r.Raw)
	}
	want[head] = append(want[head], "household.read")
	want[spouse] = append(want[spouse], "household.read")
	want[child] = append(want[child], "household")
	check("removing Sara")

	// A retried create (the request id the edge does not replay itself)
	// answers with the household as it is now.
	if again := a.Do(t, "POST", "/v1/households?request_id=household-haddad", household).Must(t, 200); again.Str("id") != h {
		t.Fatalf("retried create: %s", again.Raw)
	}
	want[head] = append(want[head], "household.read")
	want[spouse] = append(want[spouse], "household.read")
	check("retrying the create")
}

// TestRetriedCreateAudited: a retried create of a beneficiary (the same
// request_id, which the edge does not replay itself) answers with the
// record as it is now, changes made since included: that answer is a
// read, in the person's audit log like any other. Before, it was not
// recorded.
func TestRetriedCreateAudited(t *testing.T) {
	s := edgetest.Start(t, nil)
	a := resttest.New(s.URL, s.CreateKey(t, "a", "Retry NGO").Key)
	body := map[string]any{"given_name": "Amina", "family_name": "Haddad", "birth_date": "1990-01-01"}
	first := a.Do(t, "POST", "/v1/beneficiaries?request_id=intake-17", body).Must(t, 200)
	id := first.Str("id")
	a.Do(t, "PATCH", "/v1/beneficiaries/"+id, map[string]any{"etag": first.Str("etag"), "notes": "moved to Subotica centre"}).Must(t, 200)
	reads := func() int {
		n := 0
		for _, e := range a.Do(t, "GET", "/v1/beneficiaries/"+id+"/auditEvents?page_size=100", nil).Must(t, 200).Body["audit_events"].([]any) {
			if e.(map[string]any)["action"] == "read" {
				n++
			}
		}
		return n
	}
	before := reads()
	again := a.Do(t, "POST", "/v1/beneficiaries?request_id=intake-17", body).Must(t, 200)
	if again.Str("id") != id || again.Str("notes") != "moved to Subotica centre" {
		t.Fatalf("retried create: %s", again.Raw)
	}
	if after := reads(); after != before+1 {
		t.Errorf("read records before the retry %d, after %d: the retry's answer (the record as it is now) is not audited", before, after)
	}
}
