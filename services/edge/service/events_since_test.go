package service_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
)

// TestChangeFeedFromTime: GET /v1/events?start_time=… (RFC 3339) starts at
// the caller's first event that happened at or after that time, for a
// partner that lost its cursor or starts reading: the events before it are
// left out, the caller's later ones follow, and another organisation's
// events between them are never shown (nor to the other organisation the
// caller's, asking with the same time). next_cursor continues as after any
// page. start_time with after is 400 naming start_time; one before the
// feed's retention (FEED_RETENTION, 30 days here) is the answer an expired
// cursor gets (400, CURSOR_EXPIRED, the oldest cursor in its metadata); a
// time in the future gives no events and a cursor from which the next
// event comes. Before, start_time was no parameter of the route (400
// "is not a parameter of GET /v1/events").
func TestChangeFeedFromTime(t *testing.T) {
	s := edgetest.Start(t, nil)
	ka := s.CreateKey(t, "since-a", "Since NGO")
	kb, kc := s.CreateKey(t, "since-b", "Since CSW"), s.CreateKey(t, "since-c", "Since Clinic")
	a, b, c := resttest.New(s.URL, ka.Key), resttest.New(s.URL, kb.Key), resttest.New(s.URL, kc.Key)
	ben := a.Do(t, "POST", "/v1/beneficiaries", map[string]any{"given_name": "Amina", "sex": "SEX_FEMALE"}).Must(t, 200).Str("id")
	a.Do(t, "POST", "/v1/beneficiaries/"+ben+"/consents", map[string]any{"purpose": "CONSENT_PURPOSE_REFERRAL_SHARING",
		"given_by": "CONSENT_GIVEN_BY_SELF", "scope": "legal referral"}).Must(t, 200)
	// send refers the person to org and sends the referral: org's feed
	// gets referral.received.
	send := func(org string) string {
		id := a.Do(t, "POST", "/v1/referrals", map[string]any{"beneficiary_id": ben, "to_organisation_id": org,
			"category": "REFERRAL_CATEGORY_LEGAL", "reason": "asylum interview"}).Must(t, 200).Str("id")
		a.Do(t, "POST", "/v1/referrals/"+id+":send", map[string]any{}).Must(t, 200)
		return id
	}
	type event struct{ Referral, Time, Cursor string }
	read := func(cl *resttest.Client, query string) ([]event, string) {
		t.Helper()
		r := cl.Do(t, "GET", "/v1/events?"+query, nil).Must(t, 200)
		var out []event
		evs, _ := r.Body["events"].([]any)
		for _, e := range evs {
			em, _ := e.(map[string]any)
			data, _ := em["data"].(map[string]any)
			ref, _ := data["referral_id"].(string)
			ts, _ := em["timestamp"].(string)
			cur, _ := em["cursor"].(string)
			out = append(out, event{ref, ts, cur})
		}
		return out, r.Str("next_cursor")
	}
	refs := func(evs []event) []string {
		var out []string
		for _, e := range evs {
			out = append(out, e.Referral)
		}
		return out
	}
	// wait reads the whole of cl's feed until it has n events (the
	// webhooks service applies the referrals feed as it comes).
	wait := func(cl *resttest.Client, n int) []event {
		t.Helper()
		deadline := time.Now().Add(time.Minute)
		for {
			evs, _ := read(cl, "page_size=1000")
			if len(evs) >= n || time.Now().After(deadline) {
				if len(evs) != n {
					t.Fatalf("feed: %v, want %d events", evs, n)
				}
				return evs
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	since := func(ts string) string { return "start_time=" + url.QueryEscape(ts) }

	early := send(kb.Organisation)
	wait(b, 1)
	otherEarly := send(kc.Organisation)
	second := send(kb.Organisation)
	otherLate := send(kc.Organisation)
	third := send(kb.Organisation)
	all := wait(b, 3)
	wait(c, 2)
	if got := refs(all); !slices.Equal(got, []string{early, second, third}) {
		t.Fatalf("B's feed %v, want %v", got, []string{early, second, third})
	}

	// From the second event's time exactly (at or after): the second and
	// third, not the first, and none of C's sent between them.
	got, next := read(b, since(all[1].Time))
	if !slices.Equal(refs(got), []string{second, third}) {
		t.Fatalf("B from %s: %v, want %v (C's %s, %s never)", all[1].Time, refs(got), []string{second, third}, otherEarly, otherLate)
	}
	// next_cursor continues after the third (cursors are sealed afresh:
	// compared by what follows them, not by their text).
	if rest, _ := read(b, "after="+url.QueryEscape(next)); len(rest) != 0 {
		t.Errorf("after next_cursor %v, want nothing: it continues after the third event", refs(rest))
	}
	// One a page, continuing with next_cursor.
	page, next := read(b, since(all[1].Time)+"&page_size=1")
	if !slices.Equal(refs(page), []string{second}) {
		t.Fatalf("first page %v; want %v", refs(page), []string{second})
	}
	if page, _ = read(b, "after="+url.QueryEscape(next)); !slices.Equal(refs(page), []string{third}) {
		t.Fatalf("after the first page %v, want %v", refs(page), []string{third})
	}
	// C asking from the same time gets its own later event only.
	if got, _ := read(c, since(all[1].Time)); !slices.Equal(refs(got), []string{otherLate}) {
		t.Errorf("C from %s: %v, want only its own %v", all[1].Time, refs(got), []string{otherLate})
	}
	// From now: nothing (C's events are before it too).
	if got, _ := read(b, since(time.Now().UTC().Format(time.RFC3339Nano))); len(got) != 0 {
		t.Errorf("B from now: %v, want none", got)
	}

	t.Run("not with after", func(t *testing.T) {
		r := b.Do(t, "GET", "/v1/events?after="+url.QueryEscape(all[0].Cursor)+"&"+since(all[1].Time), nil).Must(t, 400)
		if v := r.Violations(); v["start_time"] == "" || r.Body["code"] != float64(3) {
			t.Errorf("after and start_time: %s, want INVALID_ARGUMENT naming start_time", r.Raw)
		}
	})
	t.Run("not a time", func(t *testing.T) {
		r := b.Do(t, "GET", "/v1/events?start_time=yesterday", nil).Must(t, 400)
		if v := r.Violations(); !strings.Contains(v["start_time"], "RFC 3339") {
			t.Errorf("start_time=yesterday: %s, want start_time named, asking for an RFC 3339 time", r.Raw)
		}
	})
	t.Run("before the retention", func(t *testing.T) {
		r := b.Do(t, "GET", "/v1/events?"+since(time.Now().Add(-40*24*time.Hour).UTC().Format(time.RFC3339)), nil).Must(t, 400)
		info := errorInfo(r)
		meta, _ := info["metadata"].(map[string]any)
		oldest, _ := meta["oldest_cursor"].(string)
		if r.Body["code"] != float64(11) || info["reason"] != "CURSOR_EXPIRED" || oldest == "" || r.Violations()["start_time"] == "" {
			t.Fatalf("40 days ago: %s, want OUT_OF_RANGE, CURSOR_EXPIRED with oldest_cursor, start_time named", r.Raw)
		}
		// Nothing was pruned: the oldest cursor reads the whole feed.
		if got, _ := read(b, "after="+url.QueryEscape(oldest)); !slices.Equal(refs(got), refs(all)) {
			t.Errorf("from the oldest cursor: %v, want %v", refs(got), refs(all))
		}
		oldestTime, _ := meta["oldest_start_time"].(string)
		if got, _ := read(b, since(oldestTime)); !slices.Equal(refs(got), refs(all)) {
			t.Errorf("from the oldest start_time %q: %v, want %v", oldestTime, refs(got), refs(all))
		}
	})
	t.Run("in the future", func(t *testing.T) {
		got, next := read(b, since(time.Now().Add(time.Hour).UTC().Format(time.RFC3339)))
		if len(got) != 0 || next == "" {
			t.Fatalf("an hour ahead: %v, next %q; want no events and a cursor", got, next)
		}
		fourth := send(kb.Organisation)
		wait(b, 4)
		if got, _ := read(b, "after="+url.QueryEscape(next)); !slices.Equal(refs(got), []string{fourth}) {
			t.Errorf("continuing from the future's cursor: %v, want only the event sent since %v", refs(got), []string{fourth})
		}
	})
}

// errorInfo returns the google.rpc.ErrorInfo of an error answer.
func errorInfo(r resttest.Response) map[string]any {
	details, _ := r.Body["details"].([]any)
	for _, d := range details {
		if dm, _ := d.(map[string]any); dm["@type"] == "type.googleapis.com/google.rpc.ErrorInfo" {
			return dm
		}
	}
	return nil
}
