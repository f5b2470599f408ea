package service_test

import (
	"strings"
	"testing"

	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/pkg/testkit/webhooktest"
	"github.com/spona/spona/services/edge/edgetest"
)

// seedRecords has a (a partner key) make one record of each kind a route
// of the OpenAPI document names by id (a person with a document, a consent
// and an assistance, a household, a referral draft to a third organisation
// admin registers, a project with an indicator, a training event with a
// session and a participant, a webhook to hookURL, an import), and returns
// their ids by the collection segment before their id in a path.
func seedRecords(t *testing.T, admin, a *resttest.Client, hookURL string) map[string]string {
	t.Helper()
	rec := map[string]string{}
	add := func(coll string, r resttest.Response) string {
		t.Helper()
		id := r.Must(t, 200).Str("id")
		if id == "" {
			t.Fatalf("%s: no id in %s", coll, r.Raw)
		}
		rec[coll] = id
		return id
	}
	ben := add("beneficiaries", a.Do(t, "POST", "/v1/beneficiaries", map[string]any{"given_name": "Amina", "family_name": "Hadzic",
		"sex": "SEX_FEMALE", "birth_year": 1990, "nationality": "SY", "legal_status": "LEGAL_STATUS_ASYLUM_SEEKER"}))
	add("documents", a.Do(t, "POST", "/v1/beneficiaries/"+ben+"/documents", map[string]any{"type": "DOCUMENT_TYPE_PASSPORT",
		"number": "P1234567", "issuing_country": "SY"}))
	// The entry of the person's legal status history their registration made.
	got := a.Do(t, "GET", "/v1/beneficiaries/"+ben, nil).Must(t, 200)
	if hist, _ := got.Body["legal_status_history"].([]any); len(hist) > 0 {
		entry, _ := hist[0].(map[string]any)
		rec["legalStatusHistory"], _ = entry["id"].(string)
	}
	if rec["legalStatusHistory"] == "" {
		t.Fatalf("no legal status history entry id in %s", got.Raw)
	}
	add("consents", a.Do(t, "POST", "/v1/beneficiaries/"+ben+"/consents", map[string]any{"purpose": "CONSENT_PURPOSE_REFERRAL_SHARING",
		"given_by": "CONSENT_GIVEN_BY_SELF"}))
	add("assistances", a.Do(t, "POST", "/v1/beneficiaries/"+ben+"/assistances", map[string]any{"type": "ASSISTANCE_TYPE_INFORMATION",
		"date": "2024-01-02"}))
	add("households", a.Do(t, "POST", "/v1/households", map[string]any{"reference": "H1",
		"members": []any{map[string]any{"beneficiary_id": ben, "relationship": "RELATIONSHIP_HEAD"}}}))
	// A third organisation, without a key, receives the referral: B is no
	// party to anything of A's.
	third := admin.Do(t, "POST", "/v1/organisations", map[string]any{"name": "Isolation third", "kind": "ORGANISATION_KIND_NGO",
		"country": "RS"}).Must(t, 200).Str("id")
	add("referrals", a.Do(t, "POST", "/v1/referrals", map[string]any{"beneficiary_id": ben, "to_organisation_id": third,
		"category": "REFERRAL_CATEGORY_LEGAL", "reason": "asylum interview"}))
	pr := add("projects", a.Do(t, "POST", "/v1/projects", map[string]any{
		"code": "ISO-1", "titles": []any{map[string]any{"lang": "en", "text": "Child protection"}},
		"planned_start_date": "2024-01-01", "planned_end_date": "2024-12-31", "sectors": []string{"15160"},
		"recipient_countries": []string{"RS"}, "activity_status": "ACTIVITY_STATUS_IMPLEMENTATION"}))
	add("indicators", a.Do(t, "POST", "/v1/projects/"+pr+"/indicators", map[string]any{"code": "I1", "level": "INDICATOR_LEVEL_OUTPUT",
		"metric": "METRIC_MANUAL", "titles": []any{map[string]any{"lang": "en", "text": "Sessions held"}}}))
	ev := add("trainingEvents", a.Do(t, "POST", "/v1/trainingEvents", map[string]any{"type": "EVENT_TYPE_SEMINAR", "title": "Seminar",
		"start_date": "2024-01-02", "end_date": "2024-01-03"}))
	add("sessions", a.Do(t, "POST", "/v1/trainingEvents/"+ev+"/sessions", map[string]any{"date": "2024-01-02"}))
	add("participants", a.Do(t, "POST", "/v1/trainingEvents/"+ev+"/participants", map[string]any{"professional": map[string]any{
		"given_name": "Marko", "family_name": "Markovic", "email": "marko@example.rs", "sector": "SECTOR_POLICE"}}))
	add("webhooks", a.Do(t, "POST", "/v1/webhooks", map[string]any{"url": hookURL, "event_types": []string{"referral.accepted"}}))
	op := a.Do(t, "POST", "/v1/beneficiaries:import?validate_only=true", []byte("given_name,family_name\nAna,Petrovic\n"),
		"Content-Type", "text/csv").Must(t, 200)
	imp := strings.TrimPrefix(op.Str("name"), "operations/")
	if !ids.Valid(imp) {
		t.Fatalf("import: %s", op.Raw)
	}
	rec["imports"], rec["operations"] = imp, imp
	rec["deliveries"] = ids.New() // a webhook's deliveries are under A's webhook id
	rec["members"] = ben
	return rec
}

// seeded starts the whole backend and a webhook receiver, and has a partner
// of organisation org (client a) make seedRecords' records; admin is the
// platform administrator, hook the receiver's URL.
func seeded(t *testing.T, org string) (admin, a *resttest.Client, rec map[string]string, hook string) {
	t.Helper()
	rcv := webhooktest.Start(t, nil)
	s := edgetest.Start(t, nil)
	admin = resttest.New(s.URL, s.CreateAdminKey(t).Key)
	a = resttest.New(s.URL, s.CreateKey(t, "a", org).Key)
	return admin, a, seedRecords(t, admin, a, rcv.URL()), rcv.URL()
}

// recordPath fills op's path with the ids of rec (seedRecords) by the
// segment before each variable, and new ids for the directory's and the
// administrator's records (organisations, services, API keys) unless rec
// has one; it returns
// the path and the values filled in. A variable rec has no record for
// fails t, so that a new route gets one.
func recordPath(t *testing.T, op resttest.Operation, rec map[string]string) (string, []string) {
	t.Helper()
	var vals []string
	segs := strings.Split(strings.Trim(op.Template, "/"), "/")
	for i, seg := range segs {
		if strings.HasPrefix(seg, "{") && i > 0 {
			id, ok := rec[segs[i-1]]
			if !ok && (segs[i-1] == "organisations" || segs[i-1] == "services" || segs[i-1] == "apiKeys") {
				id, ok = ids.New(), true // not A's: the directory's and the administrator's routes
			}
			if !ok {
				t.Errorf("%s %s: no record for {%s} under %s; add one", op.Method, op.Template, strings.Trim(seg, "{}"), segs[i-1])
			}
			vals = append(vals, id)
		}
	}
	return op.Path(vals...), vals
}

// recordIDs returns a sampler of ids for the fields of a request body
// (resttest.Spec.Sample): the id of rec (seedRecords) whose collection a
// field names (beneficiary_id, to_organisation_id, source_..., actor_...),
// the person's for duplicate_id.
func recordIDs(rec map[string]string) func(field string) (string, bool) {
	return func(field string) (string, bool) {
		if field == "duplicate_id" {
			return rec["beneficiaries"], true
		}
		base := strings.TrimSuffix(field, "_id")
		for _, p := range []string{"to_", "from_", "source_", "target_", "actor_"} {
			base = strings.TrimPrefix(base, p)
		}
		for coll, id := range rec {
			if strings.HasPrefix(strings.ToLower(coll), strings.ReplaceAll(base, "_", "")) {
				return id, true
			}
		}
		return "", false
	}
}

// directoryRead reports whether op reads the directory, which is
// everyone's to read (HSDS, organisations and services).
func directoryRead(op resttest.Operation) bool {
	return strings.HasPrefix(op.Template, "/hsds") || op.Method == "GET" &&
		(strings.HasPrefix(op.Template, "/v1/organisations") || strings.HasPrefix(op.Template, "/v1/services"))
}
