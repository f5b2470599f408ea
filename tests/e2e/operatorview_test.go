package e2e

import (
	"bytes"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spona/spona/pkg/testkit/importtest"
	"github.com/spona/spona/pkg/testkit/webhooktest"
	"github.com/xuri/excelize/v2"
)

// TestOperatorsSeeNoPersonalData drives the calls whose failures an
// operator reads about (a duplicate passport, a search by name, bodies a
// decoder refuses, a sheet with bad rows, a failing webhook receiver) with
// every RPC logged and the spans exported over OTLP, then looks for the
// person's name, phone and passport number in the processes' logs and in
// every span's name, attributes, status and events.
func TestOperatorsSeeNoPersonalData(t *testing.T) {
	s := startSystem(t, append([]string{"LOG_LEVEL=debug"}, webhookEnv...)...)
	const (
		given    = "Zorislava"
		family   = "Kvrgićeva"
		passport = "PX7Q4K9M2Z"
		phone    = "+381641239874"
		jmbg     = "2304990715030" // valid; 2304990715031 is its wrong check digit
		email    = "zorislava.kvrg@primjer.rs"
		note     = "Tamburaška" // a word of the notes only
		renamed  = "Vukosava"   // the given name an update sets
		baggage  = "Mirjanka"   // a name in a partner's baggage header
	)
	secrets := []string{given, family, passport, "641239874", "230499071503", email, "zorislava.kvrg", note, renamed, baggage}

	// importSheet waits for the import of an accepted sheet; a refused one
	// is what it is.
	importSheet := func(op response) {
		if op.Status == 200 {
			s.operation(t, s.keyA, op)
		}
	}

	failing := webhooktest.Start(t, func(int, webhooktest.Request) int { return 500 })
	s.subscribeREST(t, s.keyB, failing.URL(), allWebhookTypes...)

	person := s.call(t, "POST", "/v1/beneficiaries", s.keyA, map[string]any{
		"given_name": given, "family_name": family, "sex": "SEX_FEMALE", "birth_year": 1990,
		"legal_status": "LEGAL_STATUS_ASYLUM_SEEKER", "municipality": "Beograd", "phone": phone,
		"notes":     given + " " + family + " lives with her aunt",
		"documents": []any{map[string]any{"type": "DOCUMENT_TYPE_PASSPORT", "number": passport, "issuing_country": "RS"}},
	}).must(t, 200)
	id := person.str("id")
	s.call(t, "POST", "/v1/beneficiaries/"+id+"/documents", s.keyA, map[string]any{
		"type": "DOCUMENT_TYPE_PASSPORT", "number": passport, "issuing_country": "RS"}).must(t, 409)
	s.call(t, "GET", "/v1/beneficiaries:search?query="+url.QueryEscape(given+" "+family), s.keyA, nil).must(t, 200)
	s.call(t, "GET", "/v1/beneficiaries?filter="+url.QueryEscape(`given_name = "`+given+`"`), s.keyA, nil)
	s.call(t, "POST", "/v1/beneficiaries", s.keyA, map[string]any{"given_name": given, "sex": given}).must(t, 400)
	s.call(t, "POST", "/v1/beneficiaries", s.keyA, map[string]any{"given_name": given, "birth_year": given}).must(t, 400)
	s.call(t, "POST", "/v1/beneficiaries", s.keyA, rawBody{"application/json", []byte(`{"given_name": "` + given + `" "family_name": "` + family + `"}`), false}).must(t, 400)
	s.call(t, "POST", "/v1/beneficiaries", s.keyA, map[string]any{"given_name": given, "phone": given + " " + family}).must(t, 400)
	s.call(t, "POST", "/v1/beneficiaries", s.keyA, map[string]any{"given_name": given, "birth_date": given}).must(t, 400)

	sheet := "given_name,family_name,sex,birth_date,legal_status,municipality,phone\n" +
		given + "," + family + ",zelena,1.1.1990.,refugee,Beograd," + phone + "\n" +
		given + "," + family + ",,31.2.1990.,refugee,Beograd," + given + "\n" +
		given + "x," + family + ",,1.1.1991.,refugee,Beograd,\n"
	for _, path := range []string{"/v1/beneficiaries:import?validate_only=true", "/v1/beneficiaries:import"} {
		importSheet(s.upload(t, path, s.keyA, "text/csv", []byte(sheet)))
	}

	// A sheet without its header row: its first row is a person.
	headless := given + "," + family + ",female,1.1.1990.,refugee,Beograd," + phone + "\n"
	importSheet(s.upload(t, "/v1/beneficiaries:import?validate_only=true", s.keyA, "text/csv", []byte(headless)))
	s.call(t, "GET", "/v1/beneficiaries/"+id, s.keyA, nil, "X-Spona-Purpose", "follow-up call with "+given+" "+family).must(t, 200)

	// A professional at a training, by hand and from sheets with bad rows.
	_, event, _ := s.setUpEvent(t, s.keyA, "PII-1")
	s.call(t, "POST", "/v1/trainingEvents/"+event+"/participants", s.keyA, map[string]any{"professional": map[string]any{
		"given_name": given, "family_name": family, "organisation_name": "PU Niš", "sector": "SECTOR_POLICE",
		"sex": "SEX_FEMALE", "email": given}}).must(t, 400)
	s.call(t, "POST", "/v1/trainingEvents/"+event+"/participants", s.keyA, map[string]any{"professional": map[string]any{
		"given_name": given, "family_name": family, "organisation_name": "PU Niš", "sector": "SECTOR_POLICE",
		"sex": "SEX_FEMALE", "email": "zk@example.org"}}).must(t, 200)
	path := "/v1/trainingEvents/" + event + "/participants:import"
	for _, sheet := range []string{
		"given_name,family_name,organisation,sector,sex,email,session 1\n" +
			given + "," + family + ",PU Niš,policija,zelena," + given + ",x\n" +
			given + "," + family + ",PU Niš,policija,female,,x\n",
		given + "," + family + ",PU Niš,policija,female,,x\n",
	} {
		importSheet(s.upload(t, path+"?validate_only=true", s.keyA, "text/csv", []byte(sheet)))
		importSheet(s.upload(t, path, s.keyA, "text/csv", []byte(sheet)))
	}

	orgB := s.orgID(t, "Organisation B")
	ref := s.call(t, "POST", "/v1/referrals", s.keyA, map[string]any{
		"beneficiary_id": id, "to_organisation_id": orgB, "category": "REFERRAL_CATEGORY_LEGAL",
		"reason": "asylum interview of " + given, "notes": given + " " + family + " needs a Farsi interpreter",
	}).must(t, 200)
	s.call(t, "POST", "/v1/beneficiaries/"+id+"/consents", s.keyA, map[string]any{
		"purpose": "CONSENT_PURPOSE_REFERRAL_SHARING", "given_by": "CONSENT_GIVEN_BY_SELF",
		"scope": "legal referral of " + given}).must(t, 200)
	s.call(t, "POST", "/v1/referrals/"+ref.str("id")+":send", s.keyA, map[string]any{})

	// A second person with a JMBG, an e-mail address and notes: created,
	// refused (a JMBG's wrong check digit, a JMBG or a case number
	// another person has), found by them, updated (and refused: a stale
	// etag, bad values), referred with notes through every state, and
	// at last erased.
	second := s.call(t, "POST", "/v1/beneficiaries", s.keyA, map[string]any{
		"given_name": given, "family_name": family, "sex": "SEX_FEMALE", "birth_date": "1990-04-23",
		"legal_status": "LEGAL_STATUS_REFUGEE", "municipality": "Subotica", "email": email, "external_id": jmbg,
		"notes":     note + " orchestra, " + given + " " + family,
		"documents": []any{map[string]any{"type": "DOCUMENT_TYPE_JMBG", "number": jmbg, "issuing_country": "RS"}},
	}).must(t, 200)
	id2 := second.str("id")
	for _, body := range []map[string]any{
		{"given_name": given, "documents": []any{map[string]any{"type": "DOCUMENT_TYPE_JMBG", "number": "2304990715031", "issuing_country": "RS"}}},
		{"given_name": given, "external_id": jmbg},
		{"given_name": given, "email": given + " " + family},
		{"given_name": given, "email": email, "birth_date": "1991-04-23", "documents": []any{map[string]any{"type": "DOCUMENT_TYPE_JMBG", "number": "2304991715037", "issuing_country": "RS"}}},
		{"given_name": strings.Repeat(given, 40)},
	} {
		if r := s.call(t, "POST", "/v1/beneficiaries", s.keyA, body); r.Status < 400 || r.Status >= 500 {
			t.Errorf("POST /v1/beneficiaries %v: HTTP %d: %s", body, r.Status, r.Raw)
		}
	}
	for _, q := range []string{email, jmbg, given, family + " " + renamed} {
		s.call(t, "GET", "/v1/beneficiaries:search?query="+url.QueryEscape(q), s.keyA, nil).must(t, 200)
	}
	for _, path := range []string{
		"/v1/beneficiaries?query=" + url.QueryEscape(given),
		"/v1/beneficiaries?q=" + url.QueryEscape(given) + "&municipality=" + url.QueryEscape(family),
		"/v1/beneficiaries?page_token=" + url.QueryEscape(email),
		"/v1/beneficiaries:search?query=" + url.QueryEscape(given) + "&page_token=" + url.QueryEscape(jmbg),
		"/v1/beneficiaries:search?query=" + url.QueryEscape(given) + "&page_size=" + url.QueryEscape(family),
		"/hsds/services?search=" + url.QueryEscape(given+" "+family),
		"/hsds/organizations?search=" + url.QueryEscape(email),
		"/hsds/service_at_locations?search=" + url.QueryEscape(jmbg),
		"/v1/organisations?search=" + url.QueryEscape(given),
		"/v1/beneficiaries/" + url.PathEscape(email),
		"/v1/beneficiaries/" + jmbg,
		"/v1/beneficiaries/" + jmbg + "/documents",
		"/v1/beneficiaries:importTemplate?format=" + url.QueryEscape(given),
		"/v1/" + url.PathEscape(given+" "+family),
		"/" + url.PathEscape(email),
	} {
		if r := s.call(t, "GET", path, s.keyA, nil); r.Status >= 500 {
			t.Errorf("GET %s: HTTP %d: %s", path, r.Status, r.Raw)
		}
	}
	// A partner's baggage (W3C) naming the person is theirs to send; no
	// process copies it into a span or a log line.
	s.call(t, "GET", "/v1/beneficiaries/"+id2, s.keyA, nil,
		"traceparent", "00-5bf7651916cd43dd8448eb211c80319c-c7ad6b7169203331-01",
		"baggage", "person="+baggage+",note="+url.QueryEscape(note)).must(t, 200)

	etag := second.str("etag")
	updated := s.call(t, "PATCH", "/v1/beneficiaries/"+id2, s.keyA, map[string]any{
		"given_name": renamed, "notes": note + " choir, " + renamed, "email": email, "etag": etag}).must(t, 200)
	for _, c := range []struct {
		path string
		body map[string]any
	}{
		{"/v1/beneficiaries/" + id2, map[string]any{"given_name": given, "etag": etag}},             // stale
		{"/v1/beneficiaries/" + id2, map[string]any{"email": renamed, "etag": updated.str("etag")}}, // not an address
		{"/v1/beneficiaries/" + id2, map[string]any{"sex": renamed, "etag": updated.str("etag")}},
		{"/v1/beneficiaries/" + id2, map[string]any{"birth_date": renamed, "etag": updated.str("etag")}},
		{"/v1/beneficiaries/" + id2, map[string]any{"given_name": "", "etag": updated.str("etag")}},
		{"/v1/beneficiaries/" + id2 + "?update_mask=" + url.QueryEscape(renamed), map[string]any{"given_name": renamed}},
		{"/v1/beneficiaries/" + id2, map[string]any{"etag": renamed, "given_name": renamed}},
		{"/v1/beneficiaries/" + url.PathEscape(renamed), map[string]any{"given_name": renamed}},
	} {
		if r := s.call(t, "PATCH", c.path, s.keyA, c.body); r.Status < 400 || r.Status >= 500 {
			t.Errorf("PATCH %s %v: HTTP %d: %s", c.path, c.body, r.Status, r.Raw)
		}
	}

	// A sheet whose bad cells are personal data: an e-mail cell holding a
	// name, a phone holding an address, a date holding a JMBG, a case
	// number (a JMBG) another person has, notes.
	bad := "ime,prezime,pol,datum rođenja,broj predmeta,telefon,e-mail,napomena\n" +
		given + "," + family + ",ženski,1.1.1990.," + jmbg + "," + phone + "," + given + "," + note + "\n" +
		renamed + "," + family + ",ženski," + jmbg + ",X1," + email + ",,\n" +
		renamed + "," + family + "," + note + ",1.1.1990.,X2,,," + note + "\n" +
		given + ",,,,,,," + strings.Repeat(note, 400) + "\n"
	for _, path := range []string{"/v1/beneficiaries:import?validate_only=true", "/v1/beneficiaries:import"} {
		importSheet(s.upload(t, path, s.keyA, "text/csv", []byte(bad)))
	}
	// Workbooks damaged where a person's data stands: a number cell, a
	// shared string index, a boolean and a date holding names, an
	// inline string whose XML is broken after the name.
	rows := [][]any{{"ime", "prezime", "e-mail", "napomena", "datum rođenja"}, {given, family, email, note, "1.1.1990."}}
	for _, edit := range []map[string]string{
		{"A2": `<c r="A2" t="n"><v>` + given + `</v></c>`, "B2": `<c r="B2" t="s"><v>` + family + `</v></c>`,
			"C2": `<c r="C2" t="b"><v>` + email + `</v></c>`, "D2": `<c r="D2" t="d"><v>` + note + `</v></c>`,
			"E2": `<c r="E2" t="e"><v>` + renamed + `</v></c>`},
		{"A2": `<c r="A2" t="inlineStr"><is><t>` + given + `</i></is></c>`},
		{"A2": `<c r="A2" t="inlineStr"><is><t>` + given + `</t></is></c><c r="` + family + `"><v>1</v></c>`},
	} {
		importSheet(s.upload(t, "/v1/beneficiaries:import", s.keyA, xlsxMedia, damagedXLSX(t, rows, edit)))
	}
	// An Idempotency-Key naming the person, used again for another sheet.
	importSheet(s.upload(t, "/v1/beneficiaries:import", s.keyA, "text/csv", []byte(headless), "Idempotency-Key", renamed+"-"+family))
	importSheet(s.upload(t, "/v1/beneficiaries:import", s.keyA, "text/csv", []byte(bad), "Idempotency-Key", renamed+"-"+family))
	s.call(t, "POST", "/v1/beneficiaries", s.keyA, map[string]any{"given_name": note}, "Idempotency-Key", renamed+"-"+family)

	consent2 := s.call(t, "POST", "/v1/beneficiaries/"+id2+"/consents", s.keyA, map[string]any{
		"purpose": "CONSENT_PURPOSE_REFERRAL_SHARING", "given_by": "CONSENT_GIVEN_BY_SELF",
		"scope": "referral of " + renamed}).must(t, 200).str("id")
	refer := func() string {
		r := s.call(t, "POST", "/v1/referrals", s.keyA, map[string]any{
			"beneficiary_id": id2, "to_organisation_id": orgB, "category": "REFERRAL_CATEGORY_LEGAL", "consent_id": consent2,
			"reason": "interview of " + renamed + " " + family, "notes": note + " " + email + " " + phone,
		}).must(t, 200).str("id")
		s.call(t, "POST", "/v1/referrals/"+r+":send", s.keyA, map[string]any{}).must(t, 200)
		return r
	}
	done := refer()
	s.call(t, "POST", "/v1/referrals/"+done+":accept", s.keyB, map[string]any{"note": "seen " + renamed}).must(t, 200)
	s.call(t, "POST", "/v1/referrals/"+done+":start", s.keyB, map[string]any{"note": note + " started"}).must(t, 200)
	s.call(t, "POST", "/v1/referrals/"+done+":complete", s.keyB, map[string]any{
		"outcome": map[string]any{"code": "OUTCOME_CODE_SERVICE_PROVIDED", "note": renamed + " " + family + " got a lawyer"}}).must(t, 200)
	declined := refer()
	s.call(t, "POST", "/v1/referrals/"+declined+":decline", s.keyB, map[string]any{"reason": renamed + " is not from here"}).must(t, 200)
	cancelled := refer()
	s.call(t, "POST", "/v1/referrals/"+cancelled+":cancel", s.keyA, map[string]any{"reason": renamed + " moved to " + note}).must(t, 200)
	for _, c := range []struct {
		path, key string
		body      map[string]any
	}{
		{"/v1/referrals/" + done + ":accept", s.keyB, map[string]any{"note": renamed}},                              // not sent any more
		{"/v1/referrals/" + done + ":complete", s.keyB, map[string]any{"outcome": map[string]any{"code": renamed}}}, // bad enum
		{"/v1/referrals/" + declined + ":cancel", s.keyA, map[string]any{"reason": strings.Repeat(renamed, 2000)}},
		{"/v1/referrals/" + cancelled + ":decline", s.keyB, map[string]any{"reason": renamed, "etag": email}},
		{"/v1/referrals", s.keyA, map[string]any{"beneficiary_id": id2, "to_organisation_id": orgB, "category": renamed, "notes": note}},
		{"/v1/referrals", s.keyA, map[string]any{"beneficiary_id": id2, "to_organisation_id": orgB, "category": "REFERRAL_CATEGORY_LEGAL",
			"urgency": "REFERRAL_URGENCY_NORMAL", "due_time": renamed, "notes": note}},
	} {
		if r := s.call(t, "POST", c.path, c.key, c.body); r.Status < 400 || r.Status >= 500 {
			t.Errorf("POST %s %v: HTTP %d: %s", c.path, c.body, r.Status, r.Raw)
		}
	}

	// A name where an id belongs (a partner's slip): refused, never a
	// server fault whose error quotes it.
	n := url.PathEscape(given)
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/v1/beneficiaries/" + n, nil},
		{"GET", "/v1/beneficiaries/" + n + "/documents", nil},
		{"GET", "/v1/beneficiaries/" + n + "/consents", nil},
		{"GET", "/v1/beneficiaries/" + n + "/assistances", nil},
		{"GET", "/v1/beneficiaries/" + n + "/auditEvents", nil},
		{"GET", "/v1/beneficiaries/-/auditEvents?actor_organisation_id=" + n, nil},
		{"GET", "/v1/beneficiaries/" + id + "/auditEvents?actor_organisation_id=" + n, nil},
		{"POST", "/v1/beneficiaries/" + n + ":findDuplicates", map[string]any{}},
		{"POST", "/v1/beneficiaries/" + id + ":merge", map[string]any{"duplicate_id": given}},
		{"GET", "/v1/households/" + n, nil},
		{"POST", "/v1/households/" + n + "/members", map[string]any{"beneficiary_id": given}},
		{"POST", "/v1/households", map[string]any{"reference": given, "members": []any{map[string]any{"beneficiary_id": given}}}},
		{"POST", "/v1/beneficiaries/" + id + "/assistances", map[string]any{"service_id": given, "type": "legal", "date": "2026-01-01"}},
		{"POST", "/v1/beneficiaries/" + id + "/consents/" + n + ":withdraw", map[string]any{}},
		{"GET", "/v1/services?organisation_id=" + n, nil},
		{"GET", "/hsds/services?organization_id=" + n + "&taxonomy_id=" + n + "&taxonomy_term_id=" + n, nil},
		{"GET", "/hsds/service_at_locations?organization_id=" + n + "&taxonomy_id=" + n + "&taxonomy_term_id=" + n, nil},
		{"GET", "/hsds/taxonomy_terms?taxonomy_id=" + n + "&parent_id=" + n, nil},
		{"GET", "/hsds/organizations/" + n, nil},
		{"GET", "/hsds/services/" + n, nil},
		{"GET", "/hsds/service_at_locations/" + n, nil},
		{"GET", "/hsds/taxonomies/" + n, nil},
		{"GET", "/hsds/taxonomy_terms/" + n, nil},
		{"GET", "/v1/organisations/" + n, nil},
		{"POST", "/v1/referrals", map[string]any{"beneficiary_id": given, "to_organisation_id": orgB, "category": "REFERRAL_CATEGORY_LEGAL"}},
		{"POST", "/v1/referrals", map[string]any{"beneficiary_id": id, "to_organisation_id": given, "category": "REFERRAL_CATEGORY_LEGAL"}},
		{"POST", "/v1/referrals", map[string]any{"beneficiary_id": id, "to_organisation_id": orgB, "service_id": given, "consent_id": given, "category": "REFERRAL_CATEGORY_LEGAL"}},
		{"GET", "/v1/referrals/" + n, nil},
		{"GET", "/v1/referrals/" + n + "/events", nil},
		{"POST", "/v1/trainingEvents/" + event + "/participants", map[string]any{"beneficiary_id": given}},
		{"GET", "/v1/trainingEvents/" + n, nil},
		{"GET", "/v1/trainingEvents/" + event + "/participants/" + n, nil},
		{"POST", "/v1/trainingEvents/" + event + "/sessions/" + n + ":recordAttendance", map[string]any{"marks": []any{map[string]any{"participant_id": given, "present": true}}}},
		{"GET", "/v1/projects/" + n, nil},
		{"POST", "/v1/projects", map[string]any{"code": "X-1", "titles": []any{map[string]any{"text": "x"}}, "partner_ids": []string{given}, "reader_ids": []string{given}}},
		{"GET", "/v1/webhooks/" + n + "/deliveries", nil},
		{"GET", "/v1/imports/" + n, nil},
		{"GET", "/v1/operations/" + n, nil},
	} {
		if r := s.call(t, c.method, c.path, s.keyA, c.body); r.Status >= 500 {
			t.Errorf("%s %s: HTTP %d: %s", c.method, c.path, r.Status, r.Raw)
		}
	}
	// Erasure, and what follows it: the erased person asked for, erased
	// again, updated.
	for _, p := range []string{id, id2} {
		s.call(t, "POST", "/v1/beneficiaries/"+p+":erase", s.keyA, map[string]any{}).must(t, 200)
	}
	s.call(t, "POST", "/v1/beneficiaries/"+id2+":erase", s.keyA, map[string]any{})
	s.call(t, "GET", "/v1/beneficiaries/"+id2, s.keyA, nil)
	s.call(t, "PATCH", "/v1/beneficiaries/"+id2, s.keyA, map[string]any{"given_name": renamed})
	s.call(t, "POST", "/v1/beneficiaries/"+id2+"/consents", s.keyA, map[string]any{
		"purpose": "CONSENT_PURPOSE_REFERRAL_SHARING", "given_by": "CONSENT_GIVEN_BY_SELF", "scope": "referral of " + renamed})

	failing.WaitFor(t, time.Minute, "a failed attempt", func(r []webhooktest.Request) bool { return len(r) >= 2 })
	time.Sleep(2 * time.Second) // the exporters' batches (100 ms) and the logs

	var found []string
	look := func(where, text string) {
		lower := strings.ToLower(text)
		for _, p := range secrets {
			if i := strings.Index(lower, strings.ToLower(p)); i >= 0 {
				found = append(found, fmt.Sprintf("%s: %q: …%s…", where, p, text[max(0, i-300):min(len(text), i+300)]))
				return
			}
		}
	}
	for _, line := range strings.Split(s.logs.String(), "\n") {
		look("log", line)
	}
	spans := s.traces.All()
	if len(spans) < 50 {
		t.Fatalf("only %d spans received", len(spans))
	}
	for _, sp := range spans {
		where := "span " + sp.Service + " " + sp.Name
		look(where+" name", sp.Name)
		look(where+" status", sp.Status)
		for k, v := range sp.Attributes {
			look(where+" attribute "+k, v)
		}
		for _, e := range sp.Events {
			for k, v := range e.Attributes {
				look(where+" event "+e.Name+" "+k, v)
			}
		}
		look(where+" (OTLP)", sp.Text)
	}
	for _, process := range []string{"edge", "beneficiaries", "referrals", "trainings", "reporting", "webhooks"} {
		for name, f := range scrape(t, s, process) {
			for _, m := range f.GetMetric() {
				for k, v := range labels(m) {
					look(process+" metric "+name+" label "+k, v)
				}
			}
		}
	}
	if len(found) > 0 {
		t.Fatalf("personal data in what operators see:\n%s", strings.Join(found, "\n"))
	}
}

// damagedXLSX is a workbook of rows (written by excelize) whose first
// sheet's cells named in edit are replaced by the XML given, as a damaged
// file or another program might hold them.
func damagedXLSX(t *testing.T, rows [][]any, edit map[string]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	for i, row := range rows {
		if err := f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &row); err != nil {
			t.Fatal(err)
		}
	}
	var book bytes.Buffer
	if err := f.Write(&book); err != nil {
		t.Fatal(err)
	}
	return importtest.EditZip(t, book.Bytes(), "xl/worksheets/sheet1.xml", func(data []byte) []byte {
		for cell, xml := range edit {
			re := regexp.MustCompile(`<c r="` + cell + `"[^>]*?(/>|>.*?</c>)`)
			if !re.Match(data) {
				t.Fatalf("no cell %s in %s", cell, data)
			}
			data = re.ReplaceAllLiteral(data, []byte(xml))
		}
		return data
	})
}
