package service_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spona/spona/gen/openapi"
	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/pkg/testkit/webhooktest"
	"github.com/spona/spona/services/edge/edgetest"
)

// Positions a forged token may carry that are of no list's kind of key, by
// kind: a list's rows are never at such a position.
var (
	uuidForgeries  = []string{"x", "42", "0190a1b2-0000-7000-8000-00000000000g", "0190a1b2-0000-7000-8000-000000000001'--"}
	intForgeries   = []string{"x", "99999999999999999999", "-1", "0190a1b2-0000-7000-8000-000000000001"}
	scoreForgeries = []string{"x", "0.5|x", "NaN|0190a1b2-0000-7000-8000-000000000001", "0190a1b2-0000-7000-8000-000000000001"}
	// The referral list pages by sending time and id since r15; a bare id
	// is the position of a token issued before.
	referralForgeries = []string{"x", "0190a1b2-0000-7000-8000-000000000001", "1733500000000000|x", "+1|0190a1b2-0000-7000-8000-000000000001",
		"999999999999999999|0190a1b2-0000-7000-8000-000000000001"}
)

// A page token is its list's own: one whose position is not of the list's
// kind of key (kept with a real token's filter fingerprint), or one issued
// to another organisation, is 400 with a page_token field violation on
// every list route of the REST API. Before, most routes answered with
// PostgreSQL's cast error and no field violation, the webhook lists with an
// empty last page (200), and another organisation's token was taken.
func TestForgedPageTokens(t *testing.T) {
	s := edgetest.Start(t, nil)
	ka, kb := s.CreateKey(t, "a", "Token NGO A"), s.CreateKey(t, "b", "Token NGO B")
	a, b := resttest.New(s.URL, ka.Key), resttest.New(s.URL, kb.Key)
	other := resttest.New(s.URL, s.CreateKey(t, "c", "Token NGO C").Key)
	admin := resttest.New(s.URL, s.CreateAdminKey(t).Key)
	// two creates two resources with body(1) and body(2) and returns the
	// first's id.
	two := func(c *resttest.Client, path string, body func(i int) any) string {
		t.Helper()
		first := c.Do(t, "POST", path, body(1)).Must(t, 200).Str("id")
		c.Do(t, "POST", path, body(2)).Must(t, 200)
		return first
	}
	project := two(a, "/v1/projects", func(i int) any {
		return map[string]any{"code": fmt.Sprintf("TOK-%d", i), "titles": []any{map[string]any{"text": "T"}},
			"planned_start_date": "2024-01-01", "planned_end_date": "2024-12-31", "sectors": []string{"15160"}}
	})
	two(a, "/v1/projects/"+project+"/indicators", func(i int) any {
		return map[string]any{"code": fmt.Sprintf("OP%d", i), "titles": []any{map[string]any{"text": "Persons assisted"}}, "unit": "persons",
			"level": "INDICATOR_LEVEL_OUTPUT", "metric": "METRIC_BENEFICIARIES_ASSISTED"}
	})
	ben := two(a, "/v1/beneficiaries", func(int) any {
		return map[string]any{"given_name": "Amina", "family_name": "Haddad", "sex": "SEX_FEMALE", "birth_year": 1994}
	})
	ben2 := two(a, "/v1/beneficiaries", func(int) any {
		return map[string]any{"given_name": "Amina", "family_name": "Hadad", "sex": "SEX_FEMALE", "birth_year": 1994}
	})
	two(a, "/v1/beneficiaries/"+ben+"/assistances", func(int) any {
		return map[string]any{"project_id": project, "type": "ASSISTANCE_TYPE_INFORMATION", "date": "2024-03-04"}
	})
	two(a, "/v1/beneficiaries/"+ben+"/consents", func(int) any {
		return map[string]any{"purpose": "CONSENT_PURPOSE_REFERRAL_SHARING", "given_by": "CONSENT_GIVEN_BY_SELF", "scope": "legal referral"}
	})
	two(a, "/v1/beneficiaries/"+ben+"/documents", func(i int) any {
		return map[string]any{"type": "DOCUMENT_TYPE_PASSPORT", "number": fmt.Sprintf("N%d", i)}
	})
	two(a, "/v1/organisations/"+ka.Organisation+"/services", func(i int) any {
		return map[string]any{"name": fmt.Sprintf("Legal aid %d", i), "category": "REFERRAL_CATEGORY_LEGAL"}
	})
	event := two(a, "/v1/trainingEvents", func(int) any {
		return map[string]any{"project_id": project, "type": "EVENT_TYPE_WORKSHOP", "title": "W", "start_date": "2024-05-01", "end_date": "2024-05-02"}
	})
	a.Do(t, "POST", "/v1/trainingEvents/"+event+"/participants", map[string]any{"beneficiary_id": ben}).Must(t, 200)
	a.Do(t, "POST", "/v1/trainingEvents/"+event+"/participants", map[string]any{"beneficiary_id": ben2}).Must(t, 200)
	two(a, "/v1/trainingEvents/"+event+"/sessions", func(i int) any { return map[string]any{"date": fmt.Sprintf("2024-05-0%d", i)} })
	for _, name := range []string{"Ana", "Jovan"} {
		a.Do(t, "POST", "/v1/beneficiaries:import", []byte("given_name,family_name\n"+name+",Petrović\n"), "Content-Type", "text/csv").Must(t, 200)
	}
	rcv := webhooktest.Start(t, nil)
	webhook := two(b, "/v1/webhooks", func(int) any { return map[string]any{"url": rcv.URL(), "event_types": []string{"referral.received"}} })
	referral := two(a, "/v1/referrals", func(int) any {
		return map[string]any{"beneficiary_id": ben, "to_organisation_id": kb.Organisation, "category": "REFERRAL_CATEGORY_LEGAL", "reason": "asylum interview"}
	})
	for _, r := range a.Do(t, "GET", "/v1/referrals", nil).Must(t, 200).Body["referrals"].([]any) {
		a.Do(t, "POST", "/v1/referrals/"+r.(map[string]any)["id"].(string)+":send", map[string]any{}).Must(t, 200)
	}
	deliveries := "/v1/webhooks/" + webhook + "/deliveries"
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		l := b.Do(t, "GET", deliveries, nil).Must(t, 200)
		if ds, _ := l.Body["deliveries"].([]any); len(ds) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no two deliveries: %s", l.Raw)
		}
	}

	// Every list route of the document, the path of a list with two rows
	// or more, who may read it and the forged positions of its kind.
	lists := map[string]struct {
		path      string
		owner     *resttest.Client
		forgeries []string
	}{
		"/v1/apiKeys":       {"/v1/apiKeys", admin, uuidForgeries},
		"/v1/beneficiaries": {"/v1/beneficiaries", a, uuidForgeries},
		"/v1/beneficiaries/{beneficiary_id}/assistances": {"/v1/beneficiaries/" + ben + "/assistances", a, uuidForgeries},
		"/v1/beneficiaries/{beneficiary_id}/auditEvents": {"/v1/beneficiaries/" + ben + "/auditEvents", a, intForgeries},
		"/v1/beneficiaries/{beneficiary_id}/consents":    {"/v1/beneficiaries/" + ben + "/consents", a, uuidForgeries},
		"/v1/beneficiaries/{beneficiary_id}/documents":   {"/v1/beneficiaries/" + ben + "/documents", a, uuidForgeries},
		"/v1/beneficiaries/{id}:findDuplicates":          {"/v1/beneficiaries/" + ben + ":findDuplicates", a, scoreForgeries},
		"/v1/beneficiaries:search":                       {"/v1/beneficiaries:search?query=Amina", a, scoreForgeries},
		"/v1/imports":                                    {"/v1/imports", a, uuidForgeries},
		"/v1/organisations":                              {"/v1/organisations", a, uuidForgeries},
		"/v1/projects":                                   {"/v1/projects", a, uuidForgeries},
		// By code: any text is a position of its kind.
		"/v1/projects/{project_id}/indicators": {"/v1/projects/" + project + "/indicators", a, nil},
		// The last project and indicator audit records listed.
		"/v1/projects/{project_id}/auditEvents":      {"/v1/projects/" + project + "/auditEvents", a, []string{"x", "1", "1.", ".1", "-1.2", "1.2.3", "99999999999999999999.1"}},
		"/v1/referrals":                              {"/v1/referrals", a, referralForgeries},
		"/v1/referrals/{referral_id}/events":         {"/v1/referrals/" + referral + "/events", a, intForgeries},
		"/v1/services":                               {"/v1/services", a, uuidForgeries},
		"/v1/trainingEvents":                         {"/v1/trainingEvents", a, uuidForgeries},
		"/v1/trainingEvents/{event_id}/participants": {"/v1/trainingEvents/" + event + "/participants", a, uuidForgeries},
		"/v1/trainingEvents/{event_id}/sessions": {"/v1/trainingEvents/" + event + "/sessions", a,
			[]string{"x", "0190a1b2-0000-7000-8000-000000000001", "2024-05-01|09:00|x", "2024-02-30|09:00|0190a1b2-0000-7000-8000-000000000001"}},
		"/v1/webhooks":                         {"/v1/webhooks", b, uuidForgeries},
		"/v1/webhooks/{webhook_id}/deliveries": {deliveries, b, uuidForgeries},
	}
	spec, err := resttest.ParseSpec(openapi.Spec)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, op := range spec.Operations {
		if op.Method == "GET" && slices.Contains(op.Query, "page_token") {
			n++
			if _, ok := lists[op.Template]; !ok {
				t.Errorf("list route %s is not in this test", op.Template)
			}
		}
	}
	if n != len(lists) {
		t.Errorf("%d list routes in the document, %d in this test", n, len(lists))
	}
	for template, l := range lists {
		t.Run(template, func(t *testing.T) {
			sep := "?"
			if strings.Contains(l.path, "?") {
				sep = "&"
			}
			get := func(c *resttest.Client, tok string) resttest.Response {
				return c.Do(t, "GET", l.path+sep+"page_size=1&page_token="+url.QueryEscape(tok), nil, "Accept-Language", "hr")
			}
			tok := l.owner.Do(t, "GET", l.path+sep+"page_size=1", nil).Must(t, 200).Str("next_page_token")
			if tok == "" {
				t.Fatalf("GET %s page_size=1: no next page", l.path)
			}
			get(l.owner, tok).Must(t, 200)
			refused := func(r resttest.Response, what string) {
				t.Helper()
				if r.Status != 400 {
					t.Errorf("%s: HTTP %d %s", what, r.Status, r.Raw)
					return
				}
				if _, _, fields := localized(t, r); len(fields) != 1 || fields["page_token"] != [2]string{"hr", "Nije token stranice ovog popisa s ovim filtrima."} {
					t.Errorf("%s: field violations %v: %s", what, fields, r.Raw)
				}
			}
			for _, after := range l.forgeries {
				refused(get(l.owner, forge(t, tok, after)), "position "+after)
			}
			if l.owner == admin {
				// The platform administrator's route: a partner is refused
				// it whatever the token.
				get(other, tok).Must(t, 403)
				return
			}
			refused(get(other, tok), "another organisation's token")
		})
	}

	// A token is its own list's: one of another list of the same caller is
	// refused too, not taken as a position among rows of another kind (a
	// client keeping one "next token" while walking two lists).
	t.Run("another list's token", func(t *testing.T) {
		tokens := map[string]string{}
		for template, l := range lists {
			sep := "?"
			if strings.Contains(l.path, "?") {
				sep = "&"
			}
			tokens[template] = l.owner.Do(t, "GET", l.path+sep+"page_size=1", nil).Must(t, 200).Str("next_page_token")
		}
		for from, lf := range lists {
			for to, lt := range lists {
				if from == to || lf.owner != lt.owner {
					continue
				}
				sep := "?"
				if strings.Contains(lt.path, "?") {
					sep = "&"
				}
				r := lt.owner.Do(t, "GET", lt.path+sep+"page_size=1&page_token="+url.QueryEscape(tokens[from]), nil)
				if r.Status != 400 || !strings.Contains(string(r.Raw), `"page_token"`) {
					t.Errorf("GET %s with a token of GET %s: HTTP %d %.200s", to, from, r.Status, r.Raw)
				}
			}
		}
	})
}

// forge replaces the position in a real page token, keeping the rest.
func forge(t *testing.T, tok, after string) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	var m map[string]any
	if err == nil {
		err = json.Unmarshal(raw, &m)
	}
	if err != nil {
		t.Fatalf("page token %q: %v", tok, err)
	}
	m["a"] = after
	raw, _ = json.Marshal(m)
	return base64.RawURLEncoding.EncodeToString(raw)
}

// TestReferralsListedBySendingTime: GET /v1/referrals, newest first, lists
// a referral by when it was sent (a draft by when it was created), so a
// referral drafted before others and sent after them is on top of the
// receiver's inbox and of the sender's list; paged one at a time, each
// referral comes once, in that order, and a token issued before (which
// carried the id alone) is refused 400, not read as a position in this
// order. A draft sent while its sender pages goes to the top: not seen
// again. Before, the list was by id (the draft's creation): the referral
// sent last came last.
func TestReferralsListedBySendingTime(t *testing.T) {
	s := edgetest.Start(t, nil)
	ka, kb := s.CreateKey(t, "order-a", "Order NGO"), s.CreateKey(t, "order-b", "Order CSW")
	a, b := resttest.New(s.URL, ka.Key), resttest.New(s.URL, kb.Key)
	ben := a.Do(t, "POST", "/v1/beneficiaries", map[string]any{"given_name": "Amina", "sex": "SEX_FEMALE"}).Must(t, 200).Str("id")
	a.Do(t, "POST", "/v1/beneficiaries/"+ben+"/consents", map[string]any{"purpose": "CONSENT_PURPOSE_REFERRAL_SHARING",
		"given_by": "CONSENT_GIVEN_BY_SELF", "scope": "legal referral"}).Must(t, 200)
	draft := func() string {
		return a.Do(t, "POST", "/v1/referrals", map[string]any{"beneficiary_id": ben, "to_organisation_id": kb.Organisation,
			"category": "REFERRAL_CATEGORY_LEGAL", "reason": "asylum interview"}).Must(t, 200).Str("id")
	}
	send := func(id string) { a.Do(t, "POST", "/v1/referrals/"+id+":send", map[string]any{}).Must(t, 200) }
	// Drafted in the order early, second, third, kept; sent second, third,
	// early.
	early, second, third, kept := draft(), draft(), draft(), draft()
	send(second)
	send(third)
	send(early)
	// walk pages through path page_size=1, calling between after the first
	// page, and returns the ids in the order listed.
	walk := func(c *resttest.Client, path string, between func()) []string {
		t.Helper()
		var seen []string
		tok := ""
		for range 10 {
			r := c.Do(t, "GET", path+"&page_size=1&page_token="+url.QueryEscape(tok), nil).Must(t, 200)
			for _, x := range r.Body["referrals"].([]any) {
				seen = append(seen, x.(map[string]any)["id"].(string))
			}
			if tok = r.Str("next_page_token"); tok == "" {
				return seen
			}
			if between != nil {
				between()
				between = nil
			}
		}
		t.Fatalf("%s: no last page after %v", path, seen)
		return nil
	}
	incoming := "/v1/referrals?direction=DIRECTION_INCOMING"
	want := []string{early, third, second}
	all := b.Do(t, "GET", incoming, nil).Must(t, 200)
	var got []string
	for _, x := range all.Body["referrals"].([]any) {
		got = append(got, x.(map[string]any)["id"].(string))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("incoming: %v, want %v (early, third, second: the order sent, newest first)", got, want)
	}
	if got := walk(b, incoming, nil); !slices.Equal(got, want) {
		t.Errorf("incoming one a page: %v, want %v", got, want)
	}
	// The sender's list: as sent, then the draft (created before they were
	// sent).
	if got, want := walk(a, "/v1/referrals?direction=DIRECTION_OUTGOING", nil), []string{early, third, second, kept}; !slices.Equal(got, want) {
		t.Errorf("outgoing one a page: %v, want %v", got, want)
	}
	// The draft sent while its sender is past the first page: it goes on
	// top, above the page read, so this walk does not see it (as a
	// referral made meanwhile) and none twice.
	if got, want := walk(a, "/v1/referrals?direction=DIRECTION_OUTGOING", func() { send(kept) }), []string{early, third, second}; !slices.Equal(got, want) {
		t.Errorf("outgoing, the first sent while paging: %v, want %v", got, want)
	}
	if got, want := walk(b, incoming, nil), []string{kept, early, third, second}; !slices.Equal(got, want) {
		t.Errorf("incoming after: %v, want %v", got, want)
	}

	// A token of the former kind (the id alone) is refused.
	tok := b.Do(t, "GET", incoming+"&page_size=1", nil).Must(t, 200).Str("next_page_token")
	old := b.Do(t, "GET", incoming+"&page_size=1&page_token="+url.QueryEscape(forge(t, tok, kept)), nil)
	if _, _, fields := localized(t, old); old.Status != 400 || len(fields) != 1 || fields["page_token"][1] == "" {
		t.Errorf("a token with the id alone: HTTP %d %s", old.Status, old.Raw)
	}
}
