package e2e

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func list(r response, key string) []map[string]any {
	var out []map[string]any
	items, _ := r.Body[key].([]any)
	for _, x := range items {
		if m, ok := x.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// TestBeneficiariesREST drives the beneficiary API through the real edge:
// the full record, PATCH with etag, search across scripts, duplicates and
// merge, consents, documents, households, erasure and the audit log; then
// organisation B tries every route on organisation A's records.
func TestBeneficiariesREST(t *testing.T) {
	s := startSystem(t)
	A, B := s.keyA, s.keyB

	create := func(key string, body map[string]any, headers ...string) response {
		t.Helper()
		return s.call(t, "POST", "/v1/beneficiaries", key, body, headers...).must(t, 200)
	}
	aminaBody := map[string]any{
		"given_name": "Amina", "family_name": "Haddad", "sex": "SEX_FEMALE", "birth_date": "1990-01-01",
		"legal_status": "LEGAL_STATUS_ASYLUM_SEEKER", "municipality": "Beograd", "country": "RS", "nationality": "SY",
		"documents": []map[string]any{{"type": "DOCUMENT_TYPE_JMBG", "number": "0101990710008", "issuing_country": "RS"}},
	}
	amina := create(A, aminaBody, "Idempotency-Key", "create-amina")
	id := amina.str("id")
	again := create(A, aminaBody, "Idempotency-Key", "create-amina")
	if again.str("id") != id {
		t.Fatalf("Idempotency-Key retry created %s, first was %s", again.str("id"), id)
	}
	if docs := list(amina, "documents"); len(docs) != 1 {
		t.Fatalf("documents on create: %s", amina.Raw)
	}
	// A JMBG with a wrong check digit is a 400 naming the field.
	bad := s.call(t, "POST", "/v1/beneficiaries", A, map[string]any{"given_name": "X",
		"documents": []map[string]any{{"type": "DOCUMENT_TYPE_JMBG", "number": "0101990710009"}}}).must(t, 400)
	if !strings.Contains(bad.Raw, "beneficiary.documents[0].number") {
		t.Fatalf("violation not named: %s", bad.Raw)
	}

	t.Run("PATCH with etag", func(t *testing.T) {
		path := "/v1/beneficiaries/" + id
		s.call(t, "PATCH", path, A, map[string]any{"given_name": "Amira"}).must(t, 409)
		s.call(t, "PATCH", path, A, map[string]any{"given_name": "Amira", "etag": `W/"41"`}).must(t, 409)
		s.call(t, "PATCH", path+"?update_mask=shoe_size", A, map[string]any{"etag": amina.str("etag")}).must(t, 400)
		s.call(t, "PATCH", path+"?update_mask=given_name.x", A, map[string]any{"etag": amina.str("etag"), "given_name": "Amira"}).must(t, 400)
		r := s.call(t, "PATCH", path, A, map[string]any{"etag": amina.str("etag"), "legal_status": "LEGAL_STATUS_SUBSIDIARY_PROTECTION"}).must(t, 200)
		if r.str("given_name") != "Amina" || r.str("legal_status") != "LEGAL_STATUS_SUBSIDIARY_PROTECTION" || len(list(r, "legal_status_history")) != 2 {
			t.Fatalf("patched: %s", r.Raw)
		}
		// The previous etag is stale now.
		s.call(t, "PATCH", path, A, map[string]any{"etag": amina.str("etag"), "notes": "x"}).must(t, 409)
		// A case number another record has: 409 naming the field and that
		// record, on a create and on a PATCH.
		holder := create(A, map[string]any{"given_name": "Lejla", "external_id": "CASE-E1"}).str("id")
		taken := s.call(t, "POST", "/v1/beneficiaries", A, map[string]any{"given_name": "Amir", "external_id": "CASE-E1"}).must(t, 409)
		if !strings.Contains(taken.Raw, `"field":"beneficiary.external_id"`) || !strings.Contains(taken.Raw, holder) {
			t.Fatalf("external_id taken on create: %s", taken.Raw)
		}
		cur := s.call(t, "GET", path, A, nil).must(t, 200)
		taken = s.call(t, "PATCH", path, A, map[string]any{"etag": cur.str("etag"), "external_id": "CASE-E1"}).must(t, 409)
		if !strings.Contains(taken.Raw, `"field":"beneficiary.external_id"`) || !strings.Contains(taken.Raw, holder) {
			t.Fatalf("external_id taken on PATCH: %s", taken.Raw)
		}
	})

	var dj, dj2 string
	t.Run("search across scripts", func(t *testing.T) {
		dj = create(A, map[string]any{"given_name": "Marko", "family_name": "Ђорђевић", "birth_year": 1985, "nationality": "RS"}).str("id")
		dj2 = create(A, map[string]any{"given_name": "Marko", "family_name": "Djordjevic", "birth_year": 1985, "nationality": "RS"}).str("id")
		create(B, map[string]any{"given_name": "Marko", "family_name": "Đorđević"})
		for _, q := range []string{"Đorđević", "Djordjevic", "Dordevic", "Ђорђевић"} {
			r := s.call(t, "GET", "/v1/beneficiaries:search?query="+url.QueryEscape(q), A, nil).must(t, 200)
			got := map[string]bool{}
			for _, x := range list(r, "results") {
				b, _ := x["beneficiary"].(map[string]any)
				got[fmt.Sprint(b["id"])] = true
			}
			if len(got) != 2 || !got[dj] || !got[dj2] {
				t.Fatalf("search %q: %s", q, r.Raw)
			}
		}
		s.call(t, "GET", "/v1/beneficiaries:search?query=a", A, nil).must(t, 400)
	})

	t.Run("duplicates and merge", func(t *testing.T) {
		r := s.call(t, "GET", "/v1/beneficiaries/"+dj+":findDuplicates", A, nil).must(t, 200)
		c := list(r, "candidates")
		if len(c) != 1 || c[0]["score"].(float64) < 0.5 {
			t.Fatalf("candidates: %s", r.Raw)
		}
		s.call(t, "POST", "/v1/beneficiaries/"+dj+":merge", A, map[string]any{"duplicate_id": dj2}).must(t, 200)
		g := s.call(t, "GET", "/v1/beneficiaries/"+dj2, A, nil).must(t, 400)
		if !strings.Contains(g.Raw, "BENEFICIARY_MERGED") {
			t.Fatalf("merged record read: %s", g.Raw)
		}
	})

	t.Run("consents, documents, households", func(t *testing.T) {
		base := "/v1/beneficiaries/" + id
		cons := s.call(t, "POST", base+"/consents", A, map[string]any{"purpose": "CONSENT_PURPOSE_REFERRAL_SHARING", "given_by": "CONSENT_GIVEN_BY_SELF"}).must(t, 200)
		if cons.Body["live"] != true {
			t.Fatalf("consent: %s", cons.Raw)
		}
		s.call(t, "GET", base+"/consents", A, nil).must(t, 200)
		w := s.call(t, "POST", base+"/consents/"+cons.str("id")+":withdraw", A, map[string]any{"reason": "asked"}).must(t, 200)
		if w.Body["live"] == true || w.str("withdraw_time") == "" {
			t.Fatalf("withdrawn: %s", w.Raw)
		}
		s.call(t, "POST", base+"/consents/"+cons.str("id")+":withdraw", A, map[string]any{}).must(t, 400)
		d := s.call(t, "POST", base+"/documents", A, map[string]any{"type": "DOCUMENT_TYPE_PASSPORT", "number": "N123"}).must(t, 200)
		s.call(t, "GET", base+"/documents", A, nil).must(t, 200)
		s.call(t, "DELETE", base+"/documents/"+d.str("id"), A, nil).must(t, 200)
		h := s.call(t, "POST", "/v1/households", A, map[string]any{"reference": "H1",
			"members": []map[string]any{{"beneficiary_id": id, "relationship": "RELATIONSHIP_HEAD"}}}).must(t, 200)
		s.call(t, "GET", "/v1/households/"+h.str("id"), A, nil).must(t, 200)
	})

	t.Run("audit log with purpose", func(t *testing.T) {
		s.call(t, "GET", "/v1/beneficiaries/"+id, A, nil, "X-Spona-Purpose", "case review").must(t, 200)
		r := s.call(t, "GET", "/v1/beneficiaries/"+id+"/auditEvents", A, nil).must(t, 200)
		ev := list(r, "audit_events")
		if len(ev) < 5 || ev[0]["action"] != "read" || ev[0]["purpose"] != "case review" {
			t.Fatalf("audit events: %s", r.Raw)
		}
	})

	// Organisation B against every route naming A's records.
	var hh string
	t.Run("organisation B sees nothing", func(t *testing.T) {
		h := s.call(t, "POST", "/v1/households", A, map[string]any{"reference": "H2"}).must(t, 200)
		hh = h.str("id")
		cur := s.call(t, "GET", "/v1/beneficiaries/"+id, A, nil).must(t, 200)
		cons := s.call(t, "POST", "/v1/beneficiaries/"+id+"/consents", A, map[string]any{"purpose": "CONSENT_PURPOSE_DATA_PROCESSING", "given_by": "CONSENT_GIVEN_BY_SELF"}).must(t, 200)
		docs := list(cur, "documents")
		docID := fmt.Sprint(docs[0]["id"])
		bOwn := create(B, map[string]any{"given_name": "Bojana"}).str("id")
		base := "/v1/beneficiaries/" + id
		cases := []struct {
			method, path string
			body         any
		}{
			{"GET", base, nil},
			{"PATCH", base, map[string]any{"etag": cur.str("etag"), "given_name": "Hacked"}},
			{"GET", base + ":findDuplicates", nil},
			{"POST", base + ":merge", map[string]any{"duplicate_id": dj}},
			{"POST", "/v1/beneficiaries/" + bOwn + ":merge", map[string]any{"duplicate_id": id}},
			{"POST", base + ":erase", map[string]any{}},
			{"GET", base + "/auditEvents", nil},
			{"GET", base + "/assistances", nil},
			{"POST", base + "/assistances", map[string]any{"type": "ASSISTANCE_TYPE_INFORMATION", "date": "2024-01-02"}},
			{"GET", base + "/consents", nil},
			{"POST", base + "/consents", map[string]any{"purpose": "CONSENT_PURPOSE_REFERRAL_SHARING", "given_by": "CONSENT_GIVEN_BY_SELF"}},
			{"POST", base + "/consents/" + cons.str("id") + ":withdraw", map[string]any{}},
			{"GET", base + "/documents", nil},
			{"POST", base + "/documents", map[string]any{"type": "DOCUMENT_TYPE_PASSPORT", "number": "X"}},
			{"DELETE", base + "/documents/" + docID, nil},
			{"GET", "/v1/households/" + hh, nil},
			{"POST", "/v1/households/" + hh + "/members", map[string]any{"beneficiary_id": bOwn, "relationship": "RELATIONSHIP_CHILD"}},
			{"POST", "/v1/households", map[string]any{"members": []map[string]any{{"beneficiary_id": id, "relationship": "RELATIONSHIP_HEAD"}}}},
			{"DELETE", "/v1/households/" + hh + "/members/" + id, nil},
		}
		for _, c := range cases {
			r := s.call(t, c.method, c.path, B, c.body)
			if r.Status != 404 {
				t.Errorf("B %s %s: HTTP %d, want 404: %s", c.method, c.path, r.Status, r.Raw)
			}
		}
		l := s.call(t, "GET", "/v1/beneficiaries?page_size=100", B, nil).must(t, 200)
		for _, b := range list(l, "beneficiaries") {
			if b["organisation_id"] == cur.str("organisation_id") {
				t.Fatalf("B lists A's beneficiary: %v", b)
			}
		}
		sr := s.call(t, "GET", "/v1/beneficiaries:search?query=Amina%20Haddad", B, nil).must(t, 200)
		if len(list(sr, "results")) != 0 {
			t.Fatalf("B's search found A's beneficiary: %s", sr.Raw)
		}
		au := s.call(t, "GET", "/v1/beneficiaries/-/auditEvents", B, nil).must(t, 200)
		for _, e := range list(au, "audit_events") {
			if e["beneficiary_id"] == id {
				t.Fatalf("B's audit log shows A's beneficiary: %s", au.Raw)
			}
		}
		after := s.call(t, "GET", base, A, nil).must(t, 200)
		if after.str("etag") != cur.str("etag") || after.str("given_name") != "Amina" || len(list(after, "documents")) != len(docs) {
			t.Fatalf("A's record changed by B: %s", after.Raw)
		}
	})

	t.Run("erasure", func(t *testing.T) {
		r := s.call(t, "POST", "/v1/beneficiaries/"+id+":erase", A, map[string]any{"reason": "GDPR request"}).must(t, 200)
		if r.str("given_name") != "" || r.str("erase_time") == "" || r.str("municipality") != "Beograd" || len(list(r, "documents")) != 0 {
			t.Fatalf("erased: %s", r.Raw)
		}
		// Erasing again is idempotent: 200, nothing changes.
		again := s.call(t, "POST", "/v1/beneficiaries/"+id+":erase", A, map[string]any{}).must(t, 200)
		if again.str("etag") != r.str("etag") || again.str("erase_time") != r.str("erase_time") {
			t.Fatalf("second erasure changed the record: %s\nfirst: %s", again.Raw, r.Raw)
		}
	})
}
