package service_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
)

// TestIfMatch: a resource's answer carries its etag in the ETag header,
// and If-Match works as HTTP clients expect on every change that takes an
// etag (an update, a delete, a referral's action): the etag read is
// accepted in place of the body's, a stale one is 412 Precondition Failed
// (ETAG_MISMATCH, google.rpc.Status JSON), one differing from the body's
// is 400, one that is no etag (or *, or two) is 400 naming If-Match, and
// on a change that takes no etag it is 400 rather than ignored. The body's
// etag works as before (a stale one 409). Before, no answer had an ETag
// header and If-Match was ignored: a PATCH with a stale If-Match and no
// body etag was 409 ETAG_REQUIRED, and a delete or an action with a stale
// one went through.
func TestIfMatch(t *testing.T) {
	s := edgetest.Start(t, nil)
	ka := s.CreateKey(t, "if-match-a", "If-Match NGO A")
	kb := s.CreateKey(t, "if-match-b", "If-Match NGO B")
	a, b := resttest.New(s.URL, ka.Key), resttest.New(s.URL, kb.Key)
	etagOf := func(r resttest.Response) string {
		t.Helper()
		if r.Str("etag") == "" || r.Header.Get("ETag") != r.Str("etag") {
			t.Fatalf("%s %s: ETag header %q, want the body's etag %q", r.Method, r.Path, r.Header.Get("ETag"), r.Str("etag"))
		}
		return r.Header.Get("ETag")
	}
	refused := func(r resttest.Response, code int, field, reason string) {
		t.Helper()
		r.Must(t, code)
		if !r.IsStatus() || r.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("%s %s: not a google.rpc.Status: %s", r.Method, r.Path, r.Raw)
		}
		if field != "" && r.Violations()[field] == "" {
			t.Fatalf("%s %s: no violation of %s: %s", r.Method, r.Path, field, r.Raw)
		}
		if reason != "" && reasonOf(r) != reason {
			t.Fatalf("%s %s: reason %q, want %s: %s", r.Method, r.Path, reasonOf(r), reason, r.Raw)
		}
	}

	// Reads, creates and updates answer the ETag.
	ben := a.Do(t, "POST", "/v1/beneficiaries", map[string]any{"given_name": "Amina", "sex": "SEX_FEMALE"}).Must(t, 200)
	path := "/v1/beneficiaries/" + ben.Str("id")
	first := etagOf(ben)
	if got := etagOf(a.Do(t, "GET", path, nil).Must(t, 200)); got != first {
		t.Fatalf("GET: ETag %s, want %s", got, first)
	}
	// If-Match instead of the body's etag.
	second := etagOf(a.Do(t, "PATCH", path, map[string]any{"given_name": "Amra"}, "If-Match", first).Must(t, 200))
	if second == first {
		t.Fatal("PATCH: the ETag did not change")
	}
	// Stale: 412 by If-Match, 409 by the body, as before.
	refused(a.Do(t, "PATCH", path, map[string]any{"given_name": "Ana"}, "If-Match", first), http.StatusPreconditionFailed, "", "ETAG_MISMATCH")
	refused(a.Do(t, "PATCH", path, map[string]any{"given_name": "Ana", "etag": first}), http.StatusConflict, "", "ETAG_MISMATCH")
	// Both, the same: fine; differing: 400.
	refused(a.Do(t, "PATCH", path, map[string]any{"given_name": "Ana", "etag": first}, "If-Match", second), http.StatusBadRequest, "If-Match", "")
	third := etagOf(a.Do(t, "PATCH", path, map[string]any{"given_name": "Ana", "etag": second}, "If-Match", second).Must(t, 200))
	for _, bad := range []string{"garbage", `W/"05"`, "*", second + ", " + third, ""} {
		refused(a.Do(t, "PATCH", path, map[string]any{"given_name": "Ana"}, "If-Match", bad), http.StatusBadRequest, "If-Match", "")
	}
	// Under an Idempotency-Key, the If-Match is part of the request: the
	// same body against another version is another request (422).
	fourth := etagOf(a.Do(t, "PATCH", path, map[string]any{"given_name": "Ena"}, "If-Match", third, "Idempotency-Key", "rename-1").Must(t, 200))
	a.Do(t, "PATCH", path, map[string]any{"given_name": "Ena"}, "If-Match", third, "Idempotency-Key", "rename-1").Must(t, 200)
	refused(a.Do(t, "PATCH", path, map[string]any{"given_name": "Ena"}, "If-Match", fourth, "Idempotency-Key", "rename-1"),
		http.StatusUnprocessableEntity, "", "REQUEST_ID_REUSED")
	// A change that takes no etag: refused, not ignored.
	refused(a.Do(t, "POST", "/v1/beneficiaries", map[string]any{"given_name": "Ana"}, "If-Match", third), http.StatusBadRequest, "If-Match", "")
	// A read takes it as a condition (TestReadConditions).
	refused(a.Do(t, "GET", path, nil, "If-Match", first), http.StatusPreconditionFailed, "", "ETAG_MISMATCH")
	a.Do(t, "GET", path, nil, "If-Match", fourth).Must(t, 200)

	// A delete's etag.
	project := a.Do(t, "POST", "/v1/projects", map[string]any{"code": "P-1", "titles": []any{map[string]any{"text": "P"}},
		"planned_start_date": "2024-01-01", "planned_end_date": "2024-12-31", "sectors": []string{"15160"}}).Must(t, 200)
	p1 := etagOf(project)
	p2 := etagOf(a.Do(t, "PATCH", "/v1/projects/"+project.Str("id"), map[string]any{"titles": []any{map[string]any{"text": "P2"}}}, "If-Match", p1).Must(t, 200))
	refused(a.Do(t, "DELETE", "/v1/projects/"+project.Str("id"), nil, "If-Match", p1), http.StatusPreconditionFailed, "", "ETAG_MISMATCH")
	refused(a.Do(t, "DELETE", "/v1/projects/"+project.Str("id")+"?etag="+strings.ReplaceAll(p1, `"`, "%22"), nil, "If-Match", p2),
		http.StatusBadRequest, "If-Match", "")
	a.Do(t, "DELETE", "/v1/projects/"+project.Str("id"), nil, "If-Match", p2).Must(t, 200)

	// A custom method's etag: the receiver accepts against the etag it read.
	a.Do(t, "POST", path+"/consents", map[string]any{"purpose": "CONSENT_PURPOSE_REFERRAL_SHARING",
		"given_by": "CONSENT_GIVEN_BY_SELF", "scope": "legal referral"}).Must(t, 200)
	ref := a.Do(t, "POST", "/v1/referrals", map[string]any{"beneficiary_id": ben.Str("id"), "to_organisation_id": kb.Organisation,
		"category": "REFERRAL_CATEGORY_LEGAL", "reason": "asylum interview"}).Must(t, 200)
	draft := etagOf(ref)
	sent := etagOf(a.Do(t, "POST", "/v1/referrals/"+ref.Str("id")+":send", map[string]any{}, "If-Match", draft).Must(t, 200))
	refused(b.Do(t, "POST", "/v1/referrals/"+ref.Str("id")+":accept", map[string]any{}, "If-Match", draft), http.StatusPreconditionFailed, "", "ETAG_MISMATCH")
	read := etagOf(b.Do(t, "GET", "/v1/referrals/"+ref.Str("id"), nil).Must(t, 200))
	if read != sent {
		t.Fatalf("the receiver reads ETag %s, the sender was answered %s", read, sent)
	}
	b.Do(t, "POST", "/v1/referrals/"+ref.Str("id")+":accept", nil, "If-Match", read).Must(t, 200)
}

// TestBodyMustBeJSON: a body sent to a JSON route under another media
// type (text/plain, a form, multipart, JSON in another charset) is 415
// Unsupported Media Type, a google.rpc.Status naming application/json and
// the Content-Type field, and changes nothing; application/json with or
// without charset=utf-8, or no Content-Type, is read as JSON; the
// spreadsheet imports still take their files. Before, every such body was
// parsed as JSON and the beneficiary created (found sending the README's
// curl -d example, which sends application/x-www-form-urlencoded).
func TestBodyMustBeJSON(t *testing.T) {
	s := edgetest.Start(t, nil)
	k := s.CreateKey(t, "content-type", "Content-Type NGO")
	c := resttest.New(s.URL, k.Key)
	body := `{"given_name":"Amina","sex":"SEX_FEMALE"}`
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
		"application/json; charset=iso-8859-1", "text/csv", "json", "application/json;;"} {
		r := c.Do(t, "POST", "/v1/beneficiaries", body, "Content-Type", ct).Must(t, http.StatusUnsupportedMediaType)
		if !r.IsStatus() || !strings.Contains(r.Str("message"), "application/json") || r.Violations()["Content-Type"] == "" {
			t.Fatalf("Content-Type %s: the answer does not name application/json and Content-Type: %s", ct, r.Raw)
		}
	}
	if n := c.Do(t, "GET", "/v1/beneficiaries", nil).Must(t, 200).Body["beneficiaries"]; n != nil {
		t.Fatalf("a refused body created a beneficiary: %v", n)
	}
	ben := ""
	for _, ct := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON; charset=\"UTF-8\"", ""} {
		ben = c.Do(t, "POST", "/v1/beneficiaries", body, "Content-Type", ct).Must(t, 200).Str("id")
	}
	r := c.Do(t, "PATCH", "/v1/beneficiaries/"+ben, `{"given_name":"Amra"}`, "Content-Type", "text/plain").Must(t, http.StatusUnsupportedMediaType)
	if r.Header.Get("Accept-Patch") != "application/json" {
		t.Fatalf("PATCH 415 without Accept-Patch: application/json: %v", r.Header)
	}
	// The imports take the files they document.
	c.Do(t, "POST", "/v1/beneficiaries:import?validate_only=true", []byte("given_name,family_name\nAna,Petrović\n"),
		"Content-Type", "text/csv").Must(t, 200)
	c.Do(t, "POST", "/v1/beneficiaries:import?validate_only=true", []byte("given_name,family_name\nAna,Petrović\n"),
		"Content-Type", "text/csv; charset=windows-1251").Must(t, 200)
}

// TestConditionalReadsAndHead: the reads work as HTTP clients and caches
// expect (RFC 9110). HEAD on any GET route answers what the GET answers
// (status, ETag, Content-Type) without the body, and a 405 lists HEAD
// with GET in Allow (TestUnknownRouteAndMethod). A read whose If-None-Match names the resource's
// current etag (weak or strong form, in a list, or *) is 304 Not Modified
// with that ETag and no body; a stale or foreign one gets the resource.
// If-None-Match on a change is 400 naming it (not ignored). If-Match
// compares versions the same way: the strong form "<version>" of the
// current etag is accepted, a stale one is 412. Before, HEAD was 405,
// If-None-Match was ignored (200 with the body), and If-Match "<version>"
// was 400.
func TestConditionalReadsAndHead(t *testing.T) {
	s := edgetest.Start(t, nil)
	k := s.CreateKey(t, "conditional", "Conditional NGO")
	c := resttest.New(s.URL, k.Key)
	ben := c.Do(t, "POST", "/v1/beneficiaries", map[string]any{"given_name": "Amina", "sex": "SEX_FEMALE"}).Must(t, 200)
	path := "/v1/beneficiaries/" + ben.Str("id")
	got := c.Do(t, "GET", path, nil).Must(t, 200)
	first := got.Header.Get("ETag")
	strong := strings.TrimPrefix(first, "W/")

	// HEAD: the GET's answer without its body.
	for _, p := range []string{path, "/v1/beneficiaries", "/v1/referrals?page_size=1", "/hsds/organizations"} {
		want := c.Do(t, "GET", p, nil)
		head := c.Do(t, "HEAD", p, nil)
		if head.Status != want.Status || len(head.Raw) != 0 || head.Header.Get("ETag") != want.Header.Get("ETag") ||
			head.Header.Get("Content-Type") != want.Header.Get("Content-Type") {
			t.Errorf("HEAD %s: %d %v %q, want GET's %d %v without a body", p, head.Status, head.Header, head.Raw, want.Status, want.Header)
		}
		if n := head.Header.Get("Content-Length"); n != "" && n != strconv.Itoa(len(want.Raw)) {
			t.Errorf("HEAD %s: Content-Length %s, the GET's body has %d bytes", p, n, len(want.Raw))
		}
	}
	c.Do(t, "HEAD", "/v1/beneficiaries/0193a1b2-0000-7000-8000-000000000001", nil).Must(t, http.StatusNotFound)
	if r := c.Do(t, "HEAD", path, nil, "Authorization", ""); r.Status != http.StatusUnauthorized {
		t.Errorf("HEAD without credentials: %d, want 401", r.Status)
	}

	// If-None-Match: 304 for the current etag, however it is written.
	for _, inm := range []string{first, strong, `W/"123456", ` + first, "*"} {
		for _, method := range []string{"GET", "HEAD"} {
			r := c.Do(t, method, path, nil, "If-None-Match", inm).Must(t, http.StatusNotModified)
			if len(r.Raw) != 0 || r.Header.Get("ETag") != first || r.Header.Get("Content-Type") != "" || r.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("%s If-None-Match %s: 304 with %v %q, want the ETag, no-store and no body", method, inm, r.Header, r.Raw)
			}
		}
	}
	for _, inm := range []string{`W/"123456"`, "garbage", `W/"07"`} {
		if r := c.Do(t, "GET", path, nil, "If-None-Match", inm).Must(t, 200); r.Str("id") != ben.Str("id") {
			t.Errorf("If-None-Match %s: %s, want the beneficiary", inm, r.Raw)
		}
	}
	refused := func(r resttest.Response, code int, header string) {
		t.Helper()
		r.Must(t, code)
		if header != "" && r.Violations()[header] == "" {
			t.Fatalf("%s %s: no violation of %s: %s", r.Method, r.Path, header, r.Raw)
		}
	}
	refused(c.Do(t, "PATCH", path, map[string]any{"given_name": "Ana"}, "If-Match", first, "If-None-Match", `W/"123456"`),
		http.StatusBadRequest, "If-None-Match")

	// If-Match: the strong form of the current etag is that etag.
	second := c.Do(t, "PATCH", path, map[string]any{"given_name": "Amra"}, "If-Match", strong).Must(t, 200).Header.Get("ETag")
	if second == first {
		t.Fatal("PATCH: the ETag did not change")
	}
	refused(c.Do(t, "PATCH", path, map[string]any{"given_name": "Ana"}, "If-Match", strong), http.StatusPreconditionFailed, "")
	// The etag the client holds is stale now: the resource again.
	if r := c.Do(t, "GET", path, nil, "If-None-Match", first).Must(t, 200); r.Str("given_name") != "Amra" || r.Header.Get("ETag") != second {
		t.Errorf("If-None-Match with a stale etag: %s %v, want the changed beneficiary and its ETag", r.Raw, r.Header)
	}
	c.Do(t, "GET", path, nil, "If-None-Match", second).Must(t, http.StatusNotModified)
}

// TestReadConditions: a read evaluates If-Match and If-None-Match on what
// it answers, as RFC 9110 says, the resource's and a list's alike. If-Match
// naming the resource's current etag (in a list, or *) gets the resource;
// a stale one is 412 Precondition Failed (ETAG_MISMATCH, google.rpc.Status
// JSON, the current ETag), also for HEAD, and is evaluated before
// If-None-Match; one that is no etag is 400 naming If-Match. A list has no
// etag: If-None-Match * is 304 Not Modified there too (there is a current
// answer), another If-None-Match gets the list, If-Match * gets it and an
// etag is 412. A read that is refused stays refused (404). Before, a read
// ignored If-Match (the resource was sent whatever the etag), and a list
// ignored If-None-Match * (200) while a resource answered it 304.
func TestReadConditions(t *testing.T) {
	s := edgetest.Start(t, nil)
	c := resttest.New(s.URL, s.CreateKey(t, "read-conditions", "Read Conditions NGO").Key)
	ben := c.Do(t, "POST", "/v1/beneficiaries", map[string]any{"given_name": "Amina", "sex": "SEX_FEMALE"}).Must(t, 200)
	path := "/v1/beneficiaries/" + ben.Str("id")
	stale := ben.Header.Get("ETag")
	current := c.Do(t, "PATCH", path, map[string]any{"given_name": "Amra"}, "If-Match", stale).Must(t, 200).Header.Get("ETag")
	failed := func(r resttest.Response, etag string) {
		t.Helper()
		r.Must(t, http.StatusPreconditionFailed)
		if r.Header.Get("ETag") != etag || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %s: 412 with %v, want ETag %q and a JSON body", r.Method, r.Path, r.Header, etag)
		}
		if r.Method == "GET" && (!r.IsStatus() || reasonOf(r) != "ETAG_MISMATCH") {
			t.Errorf("%s %s: %s, want a google.rpc.Status ETAG_MISMATCH", r.Method, r.Path, r.Raw)
		}
	}
	notModified := func(r resttest.Response, etag string) {
		t.Helper()
		r.Must(t, http.StatusNotModified)
		if len(r.Raw) != 0 || r.Header.Get("ETag") != etag || r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s %s: 304 with %v %q, want ETag %q, no-store, no body", r.Method, r.Path, r.Header, r.Raw, etag)
		}
	}

	// One resource.
	for _, im := range []string{current, strings.TrimPrefix(current, "W/"), stale + ", " + current, "*"} {
		if r := c.Do(t, "GET", path, nil, "If-Match", im).Must(t, 200); r.Str("given_name") != "Amra" {
			t.Errorf("If-Match %s: %s, want the beneficiary", im, r.Raw)
		}
	}
	for _, method := range []string{"GET", "HEAD"} {
		failed(c.Do(t, method, path, nil, "If-Match", stale), current)
		// If-Match first: it fails though If-None-Match would be 304.
		failed(c.Do(t, method, path, nil, "If-Match", stale, "If-None-Match", current), current)
		notModified(c.Do(t, method, path, nil, "If-Match", current, "If-None-Match", current), current)
	}
	if r := c.Do(t, "GET", path, nil, "If-Match", "garbage").Must(t, http.StatusBadRequest); r.Violations()["If-Match"] == "" {
		t.Errorf("If-Match garbage: %s, want a violation of If-Match", r.Raw)
	}
	c.Do(t, "GET", "/v1/beneficiaries/0193a1b2-0000-7000-8000-000000000001", nil, "If-Match", stale).Must(t, http.StatusNotFound)

	// A list, and the directory's HSDS lists: no etag.
	for _, list := range []string{"/v1/beneficiaries", "/hsds/organizations"} {
		for _, method := range []string{"GET", "HEAD"} {
			notModified(c.Do(t, method, list, nil, "If-None-Match", "*"), "")
			c.Do(t, method, list, nil, "If-Match", "*").Must(t, 200)
			failed(c.Do(t, method, list, nil, "If-Match", current), "")
		}
		if r := c.Do(t, "GET", list, nil, "If-None-Match", current).Must(t, 200); len(r.Raw) == 0 {
			t.Errorf("GET %s If-None-Match %s: no body", list, current)
		}
	}
}

// TestOverdueChangesTheEtag: a referral that becomes overdue (time passes
// its due time; no one changes it) is read with another etag, so a
// partner's cache revalidating with If-None-Match gets the referral saying
// "overdue": true rather than 304; the etag read before the due time still
// makes an action (If-Match or the body's etag), as the stored referral is
// the one it was read from, and the overdue etag does too. Before, the
// etag stayed W/"<version>" and the conditional read answered 304 Not
// Modified: the cache kept "overdue": false.
func TestOverdueChangesTheEtag(t *testing.T) {
	s := edgetest.Start(t, nil)
	ka := s.CreateKey(t, "overdue-etag-a", "Overdue etag NGO")
	kb := s.CreateKey(t, "overdue-etag-b", "Overdue etag CSW")
	a, b := resttest.New(s.URL, ka.Key), resttest.New(s.URL, kb.Key)
	ben := a.Do(t, "POST", "/v1/beneficiaries", map[string]any{"given_name": "Amina", "sex": "SEX_FEMALE"}).Must(t, 200)
	a.Do(t, "POST", "/v1/beneficiaries/"+ben.Str("id")+"/consents", map[string]any{"purpose": "CONSENT_PURPOSE_REFERRAL_SHARING",
		"given_by": "CONSENT_GIVEN_BY_SELF", "scope": "legal referral"}).Must(t, 200)
	ref := a.Do(t, "POST", "/v1/referrals", map[string]any{"beneficiary_id": ben.Str("id"), "to_organisation_id": kb.Organisation,
		"category": "REFERRAL_CATEGORY_LEGAL", "reason": "asylum interview"}).Must(t, 200)
	path := "/v1/referrals/" + ref.Str("id")
	a.Do(t, "POST", path+":send", map[string]any{"etag": ref.Str("etag")}).Must(t, 200)

	read := b.Do(t, "GET", path, nil).Must(t, 200)
	onTime := read.Header.Get("ETag")
	if onTime == "" || read.Str("etag") != onTime {
		t.Fatalf("GET: ETag %q, body etag %q", onTime, read.Str("etag"))
	}
	b.Do(t, "GET", path, nil, "If-None-Match", onTime).Must(t, http.StatusNotModified)

	// Time passes the due time (moved back: the referral is unchanged).
	conn := pgtest.Connect(t, s.DatabaseURL)
	if _, err := conn.Exec(context.Background(), `UPDATE referrals.referrals SET due_time = now() - interval '1 second' WHERE id = $1`, ref.Str("id")); err != nil {
		t.Fatal(err)
	}
	late := b.Do(t, "GET", path, nil, "If-None-Match", onTime)
	if late.Status != http.StatusOK {
		t.Fatalf("If-None-Match of the etag read on time, now overdue: %d, want 200 with the overdue referral", late.Status)
	}
	overdue := late.Header.Get("ETag")
	if late.Body["overdue"] != true || overdue == onTime || late.Str("etag") != overdue {
		t.Fatalf("overdue read: ETag %s (on time %s), body %s", overdue, onTime, late.Raw)
	}
	// A read's If-Match compares the version, as an action's does.
	b.Do(t, "GET", path, nil, "If-Match", onTime).Must(t, http.StatusOK)
	for _, m := range []string{"GET", "HEAD"} {
		b.Do(t, m, path, nil, "If-None-Match", overdue).Must(t, http.StatusNotModified)
	}
	list := b.Do(t, "GET", "/v1/referrals?direction=DIRECTION_INCOMING", nil).Must(t, 200)
	if items, _ := list.Body["referrals"].([]any); len(items) != 1 || items[0].(map[string]any)["etag"] != overdue {
		t.Fatalf("list: %s, want the referral with etag %s", list.Raw, overdue)
	}

	// The etag read on time still makes an action: nothing stored changed.
	// Retried under its Idempotency-Key with the etag of the same version
	// read since (overdue, or unquoted weak), it is the same request: the
	// first answer again, not 422 REQUEST_ID_REUSED.
	first := b.Do(t, "POST", path+":accept", map[string]any{}, "If-Match", onTime, "Idempotency-Key", "accept-late").Must(t, 200)
	for _, again := range []string{overdue, strings.TrimPrefix(onTime, "W/")} {
		retry := b.Do(t, "POST", path+":accept", map[string]any{}, "If-Match", again, "Idempotency-Key", "accept-late").Must(t, 200)
		if retry.Header.Get("Idempotent-Replayed") != "true" || retry.Str("etag") != first.Str("etag") {
			t.Fatalf("retry with If-Match %s: replayed %q, etag %s (first %s)", again, retry.Header.Get("Idempotent-Replayed"), retry.Str("etag"), first.Str("etag"))
		}
	}
	accepted := b.Do(t, "GET", path, nil).Must(t, 200)
	tag := accepted.Header.Get("ETag")
	if accepted.Body["overdue"] != true || tag == overdue {
		t.Fatalf("accepted: ETag %s, body %s", tag, accepted.Raw)
	}
	// So does the overdue one, in the header and the body at once; retried
	// with the body's etag of the same version not overdue, it is replayed.
	b.Do(t, "POST", path+":start", map[string]any{"etag": tag}, "If-Match", tag, "Idempotency-Key", "start-late").Must(t, 200)
	plain := strings.Replace(tag, "-overdue", "", 1)
	retry := b.Do(t, "POST", path+":start", map[string]any{"etag": plain}, "If-Match", plain, "Idempotency-Key", "start-late").Must(t, 200)
	if retry.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry of :start with etag %s: not replayed", plain)
	}
	// A stale one (read before the start) is refused as ever.
	a.Do(t, "POST", path+":cancel", map[string]any{"reason": "moved", "etag": tag}).Must(t, http.StatusConflict)
	a.Do(t, "POST", path+":cancel", map[string]any{"reason": "moved"}, "If-Match", overdue).Must(t, http.StatusPreconditionFailed)
}
