package service_test

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/spona/spona/gen/openapi"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/pkg/testkit/webhooktest"
	"github.com/spona/spona/services/edge/edgetest"
)

// TestAnotherOrganisationsRecordLooksMissing drives every route of the
// OpenAPI document as organisation B twice: once with the ids of
// organisation A's records (seedRecords) in its path, body and id query
// parameters, and once with new ids no record has in their places; plain,
// with a stale If-Match and with an If-None-Match. Each pair of answers
// must be the same: status, and body once the new ids are read as A's.
// Otherwise the answer tells B that A's record exists (an existence
// oracle), which TestEveryRouteKeepsOrganisationsApart does not see as
// long as the answer is no success.
func TestAnotherOrganisationsRecordLooksMissing(t *testing.T) {
	w := startApart(t)
	if n := answersAsIfMissing(t, w.other, w.rec); n < 60 {
		t.Errorf("%d routes named A's records; want every route with an id", n)
	}
}

// TestEndedGrantLooksMissing has organisation C receive a referral of A's
// person with her consent (a live access grant: C reads her), then A
// cancel it: the grant ended, every route answers C about the person and
// her records, and about a draft referral A addressed to C but did not
// send, as about ones that do not exist.
func TestEndedGrantLooksMissing(t *testing.T) {
	w := startApart(t)
	a, c, kc, rec := w.a, w.other, w.key, w.rec
	ben := rec["beneficiaries"]
	ref := a.Do(t, "POST", "/v1/referrals", map[string]any{"beneficiary_id": ben, "to_organisation_id": kc.Organisation,
		"category": "REFERRAL_CATEGORY_LEGAL", "reason": "asylum interview"}).Must(t, 200).Str("id")
	a.Do(t, "POST", "/v1/referrals/"+ref+":send", map[string]any{}).Must(t, 200)
	c.Do(t, "POST", "/v1/referrals/"+ref+":accept", map[string]any{}).Must(t, 200)
	c.Do(t, "GET", "/v1/beneficiaries/"+ben, nil).Must(t, 200) // the grant is live
	a.Do(t, "POST", "/v1/referrals/"+ref+":cancel", map[string]any{"reason": "moved away"}).Must(t, 200)
	c.Do(t, "GET", "/v1/beneficiaries/"+ben, nil).Must(t, 404)
	// C stays a party to the referral it received; a draft A addresses to
	// C is not C's before it is sent.
	rec["referrals"] = a.Do(t, "POST", "/v1/referrals", map[string]any{"beneficiary_id": ben, "to_organisation_id": kc.Organisation,
		"category": "REFERRAL_CATEGORY_LEGAL", "reason": "asylum interview"}).Must(t, 200).Str("id")
	answersAsIfMissing(t, c, rec)
	// Nor do C's lists and search name them (the referral C received names
	// the person).
	for path, id := range map[string]string{
		"/v1/referrals?page_size=100": rec["referrals"], "/v1/referrals?page_size=100&direction=DIRECTION_INCOMING": rec["referrals"],
		"/v1/beneficiaries?page_size=100": ben, "/v1/beneficiaries:search?query=Amina%20Hadzic": ben,
	} {
		if r := c.Do(t, "GET", path, nil).Must(t, 200); strings.Contains(string(r.Raw), id) {
			t.Errorf("GET %s as C names %s: %s", path, id, r.Raw)
		}
	}
}

// TestRemovedPartnerLooksMissing has A take organisation P into its
// project as an implementing partner (P reads the project), then take P
// off it: every route answers P about the project, its indicator and A's
// other records as about ones that do not exist.
func TestRemovedPartnerLooksMissing(t *testing.T) {
	w := startApart(t)
	a, partner, kp, rec := w.a, w.other, w.key, w.rec
	path := "/v1/projects/" + rec["projects"]
	setPartners := func(orgs ...any) {
		t.Helper()
		etag := a.Do(t, "GET", path, nil).Must(t, 200).Str("etag")
		a.Do(t, "PATCH", path+"?update_mask=participating_organisations", map[string]any{"etag": etag,
			"participating_organisations": orgs}).Must(t, 200)
	}
	setPartners(map[string]any{"organisation_id": kp.Organisation, "role": "ORGANISATION_ROLE_IMPLEMENTING",
		"names": []any{map[string]any{"text": "Partner P"}}})
	partner.Do(t, "GET", path+"/indicators/"+rec["indicators"], nil).Must(t, 200) // P reads the project
	setPartners()
	partner.Do(t, "GET", path, nil).Must(t, 404)
	answersAsIfMissing(t, partner, rec)
}

// apart is a stack with organisation A's records (seedRecords) and the
// key of another organisation, which has none.
type apart struct {
	admin, a, other *resttest.Client
	key             edgetest.Key // the other organisation's
	rec             map[string]string
	hook            string // a webhook receiver's URL
}

func startApart(t *testing.T) apart {
	t.Helper()
	rcv := webhooktest.Start(t, nil)
	s := edgetest.Start(t, nil)
	w := apart{admin: resttest.New(s.URL, s.CreateAdminKey(t).Key), a: resttest.New(s.URL, s.CreateKey(t, "a", "Apart NGO A").Key),
		key: s.CreateKey(t, "other", "Apart NGO B"), hook: rcv.URL()}
	w.other = resttest.New(s.URL, w.key.Key)
	w.rec = seedRecords(t, w.admin, w.a, w.hook)
	return w
}

// answersAsIfMissing drives every route of the OpenAPI document but the
// directory's as c with the ids of rec (seedRecords) in its path, body and
// id query parameters, and again with new ids no record has in their
// places; plain, with a stale If-Match and with an If-None-Match. Each
// pair of answers must be the same: status, and body once the new ids are
// read as rec's. It returns how many routes named one of rec's ids.
func answersAsIfMissing(t *testing.T, c *resttest.Client, rec map[string]string) int {
	t.Helper()
	// Each of rec's ids, and one no record has, in a stable order.
	aIDs := slices.Compact(slices.Sorted(maps.Values(rec)))
	fresh := map[string]string{}
	for _, id := range aIDs {
		fresh[id] = ids.New()
	}
	toFresh := func(s string) string {
		for _, id := range aIDs {
			s = strings.ReplaceAll(s, id, fresh[id])
		}
		return s
	}
	toA := func(s string) string {
		for _, id := range aIDs {
			s = strings.ReplaceAll(s, fresh[id], id)
		}
		return s
	}
	spec, err := resttest.ParseSpec(openapi.Spec)
	if err != nil {
		t.Fatal(err)
	}
	sampleID := recordIDs(rec)
	conds := []struct {
		name    string
		headers []string
	}{
		{"plain", nil},
		{"stale If-Match", []string{"If-Match", `"stale"`}},
		{"If-None-Match", []string{"If-None-Match", `"stale"`}},
	}
	compared := 0
	for _, op := range spec.Operations {
		name := op.Method + " " + op.Template
		if directoryRead(op) {
			continue // the directory: everyone's to read
		}
		path, _ := recordPath(t, op, rec)
		// Query parameters naming a record by id.
		var q []string
		for _, p := range op.Query {
			if id, ok := sampleID(p); ok && strings.HasSuffix(p, "_id") {
				q = append(q, p+"="+id)
			}
		}
		if len(q) > 0 {
			path += "?" + strings.Join(q, "&")
		}
		var raw string
		if op.Method != "GET" && op.Body != "" {
			body, _ := json.Marshal(spec.Sample(op.Body, sampleID))
			raw = string(body)
		}
		if toFresh(path+raw) == path+raw {
			continue // nothing of rec's named
		}
		compared++
		for _, cond := range conds {
			var body, body2 any
			if raw != "" {
				body, body2 = []byte(raw), []byte(toFresh(raw))
			}
			hdr := append([]string{"Content-Type", "application/json"}, cond.headers...)
			ra := c.Do(t, op.Method, path, body, hdr...)
			rm := c.Do(t, op.Method, toFresh(path), body2, hdr...)
			if ra.Status != rm.Status || toA(string(rm.Raw)) != string(ra.Raw) {
				t.Errorf("%s (%s): the record answers HTTP %d %s; a missing one HTTP %d %s",
					name, cond.name, ra.Status, ra.Raw, rm.Status, toA(string(rm.Raw)))
			}
		}
	}
	return compared
}

// TestAnotherOrganisationsIDInOwnRequestLooksMissing has organisation B
// name one of organisation A's records inside a request about B's own
// records (a person, a household, a training event with a session and a
// participant, a project with an indicator), in a valid body, and the
// same request with an id no record has: both answers must be the same,
// status and body once the new id is read as A's.
func TestAnotherOrganisationsIDInOwnRequestLooksMissing(t *testing.T) {
	w := startApart(t)
	b, rec := w.other, w.rec
	third := w.admin.Do(t, "POST", "/v1/organisations", map[string]any{"name": "Oracle third", "kind": "ORGANISATION_KIND_NGO",
		"country": "RS"}).Must(t, 200).Str("id")
	own := seedRecords(t, w.admin, b, w.hook)

	etag := b.Do(t, "GET", "/v1/trainingEvents/"+own["trainingEvents"], nil).Must(t, 200).Str("etag")
	cases := []struct {
		method, path string
		body         string // {A} stands for the id tried
		aID          string
	}{
		{"POST", "/v1/beneficiaries/" + own["beneficiaries"] + ":merge", `{"duplicate_id":"{A}"}`, rec["beneficiaries"]},
		{"POST", "/v1/households/" + own["households"] + "/members", `{"beneficiary_id":"{A}","relationship":"RELATIONSHIP_CHILD"}`, rec["beneficiaries"]},
		{"DELETE", "/v1/households/" + own["households"] + "/members/{A}", ``, rec["beneficiaries"]},
		{"POST", "/v1/households", `{"reference":"H2","members":[{"beneficiary_id":"{A}","relationship":"RELATIONSHIP_HEAD"}]}`, rec["beneficiaries"]},
		{"POST", "/v1/referrals", `{"beneficiary_id":"{A}","to_organisation_id":"` + third + `","category":"REFERRAL_CATEGORY_LEGAL","reason":"r"}`, rec["beneficiaries"]},
		{"POST", "/v1/referrals", `{"beneficiary_id":"` + own["beneficiaries"] + `","consent_id":"{A}","to_organisation_id":"` + third + `","category":"REFERRAL_CATEGORY_LEGAL","reason":"r"}`, rec["consents"]},
		{"POST", "/v1/referrals", `{"beneficiary_id":"` + own["beneficiaries"] + `","project_id":"{A}","to_organisation_id":"` + third + `","category":"REFERRAL_CATEGORY_LEGAL","reason":"r"}`, rec["projects"]},
		{"POST", "/v1/beneficiaries/" + own["beneficiaries"] + "/assistances", `{"type":"ASSISTANCE_TYPE_INFORMATION","date":"2024-01-02","referral_id":"{A}"}`, rec["referrals"]},
		{"POST", "/v1/beneficiaries/" + own["beneficiaries"] + "/assistances", `{"type":"ASSISTANCE_TYPE_INFORMATION","date":"2024-01-02","project_id":"{A}"}`, rec["projects"]},
		{"POST", "/v1/beneficiaries/{A}/assistances", `{"type":"ASSISTANCE_TYPE_INFORMATION","date":"2024-01-02"}`, rec["beneficiaries"]},
		{"POST", "/v1/beneficiaries/{A}/consents", `{"purpose":"CONSENT_PURPOSE_PHOTO","given_by":"CONSENT_GIVEN_BY_SELF"}`, rec["beneficiaries"]},
		{"POST", "/v1/beneficiaries/{A}/documents", `{"type":"DOCUMENT_TYPE_PASSPORT","number":"P7654321","issuing_country":"SY"}`, rec["beneficiaries"]},
		{"POST", "/v1/beneficiaries/{A}/legalStatusHistory/" + rec["legalStatusHistory"] + ":correct", `{"legal_status":"LEGAL_STATUS_REFUGEE","since":"2024-01-01"}`, rec["beneficiaries"]},
		{"POST", "/v1/beneficiaries/" + own["beneficiaries"] + "/legalStatusHistory/{A}:correct", `{"legal_status":"LEGAL_STATUS_REFUGEE","since":"2024-01-01"}`, rec["legalStatusHistory"]},
		{"DELETE", "/v1/beneficiaries/" + own["beneficiaries"] + "/legalStatusHistory/{A}", ``, rec["legalStatusHistory"]},
		{"DELETE", "/v1/beneficiaries/" + own["beneficiaries"] + "/documents/{A}", ``, rec["documents"]},
		{"POST", "/v1/beneficiaries/" + own["beneficiaries"] + "/consents/{A}:withdraw", `{}`, rec["consents"]},
		{"POST", "/v1/assistances/{A}:void", `{"reason":"ASSISTANCE_VOID_REASON_DUPLICATE"}`, rec["assistances"]},
		{"POST", "/v1/trainingEvents/" + own["trainingEvents"] + "/participants", `{"beneficiary_id":"{A}"}`, rec["beneficiaries"]},
		{"PATCH", "/v1/trainingEvents/" + own["trainingEvents"] + "?update_mask=project_id", `{"project_id":"{A}","etag":"` + etag + `"}`, rec["projects"]},
		{"POST", "/v1/trainingEvents", `{"type":"EVENT_TYPE_SEMINAR","title":"S","start_date":"2024-01-02","end_date":"2024-01-03","project_id":"{A}"}`, rec["projects"]},
		{"GET", "/v1/trainingEvents?project_id={A}", ``, rec["projects"]},
		{"GET", "/v1/trainingEvents/" + own["trainingEvents"] + "/participants/{A}", ``, rec["participants"]},
		{"DELETE", "/v1/trainingEvents/" + own["trainingEvents"] + "/participants/{A}", ``, rec["participants"]},
		{"POST", "/v1/trainingEvents/" + own["trainingEvents"] + "/participants/{A}:recordTestScores", `{"pre_test_score":50}`, rec["participants"]},
		{"DELETE", "/v1/trainingEvents/" + own["trainingEvents"] + "/sessions/{A}", ``, rec["sessions"]},
		{"POST", "/v1/trainingEvents/" + own["trainingEvents"] + "/sessions/{A}:recordAttendance", `{"marks":[{"participant_id":"` + own["participants"] + `","present":true}]}`, rec["sessions"]},
		{"POST", "/v1/trainingEvents/" + own["trainingEvents"] + "/sessions/" + own["sessions"] + ":recordAttendance", `{"marks":[{"participant_id":"{A}","present":true}]}`, rec["participants"]},
		{"GET", "/v1/projects/" + own["projects"] + "/indicators/{A}", ``, rec["indicators"]},
		{"PATCH", "/v1/projects/" + own["projects"] + "/indicators/{A}?update_mask=unit", `{"unit":"persons"}`, rec["indicators"]},
		{"DELETE", "/v1/projects/" + own["projects"] + "/indicators/{A}", ``, rec["indicators"]},
		{"POST", "/v1/projects/" + own["projects"] + "/indicators/{A}:recordValue", `{"value":{"period":{"start_date":"2024-01-01","end_date":"2024-03-31"},"value":3}}`, rec["indicators"]},
		{"GET", "/v1/beneficiaries/" + own["beneficiaries"] + "/auditEvents?actor_organisation_id={A}", ``, rec["beneficiaries"]},
		{"GET", "/v1/projects/" + own["projects"] + "/auditEvents?indicator_id={A}", ``, rec["indicators"]},
		{"GET", "/v1/operations/{A}", ``, rec["imports"]},
	}
	for _, c := range cases {
		missing := ids.New()
		do := func(id string) resttest.Response {
			var body any
			if c.body != "" {
				body = []byte(strings.ReplaceAll(c.body, "{A}", id))
			}
			return b.Do(t, c.method, strings.ReplaceAll(c.path, "{A}", id), body, "Content-Type", "application/json")
		}
		ra, rm := do(c.aID), do(missing)
		if ra.Status != rm.Status || strings.ReplaceAll(string(rm.Raw), missing, c.aID) != string(ra.Raw) {
			t.Errorf("%s %s %s as B: A's record answers HTTP %d %s; a missing one HTTP %d %s", c.method, c.path, c.body,
				ra.Status, ra.Raw, rm.Status, strings.ReplaceAll(string(rm.Raw), missing, c.aID))
		}
	}
}
