package service_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
)

// A purpose (X-Spona-Purpose) is free text and may name a person, and one
// call reads many: a search, a list, the receiver's list of referrals, an
// import. Erasing the person it names blanks it on the records of everyone
// else that call read too, not only on the erased person's own; a purpose
// of a call that did not read the erased person stays.
func TestErasureBlanksPurposeOfEveryRecordOfTheCall(t *testing.T) {
	s := edgetest.Start(t, nil)
	ka, kb := s.CreateKey(t, "a", "Purpose NGO"), s.CreateKey(t, "b", "Purpose CSW")
	a, b := resttest.New(s.URL, ka.Key), resttest.New(s.URL, kb.Key)
	const marker = "N1234567"
	create := func(given, family string) string {
		return a.Do(t, "POST", "/v1/beneficiaries", map[string]any{"given_name": given, "family_name": family}).Must(t, 200).Str("id")
	}
	amina, other := create("Amina", "Haddad"), create("Amina", "Hadžić")

	// Calls reading both, with a purpose naming Amina Haddad.
	sr := a.Do(t, "GET", "/v1/beneficiaries:search?query=Amina%20Haddad", nil, "X-Spona-Purpose",
		"search: is Amina Haddad, passport "+marker+", registered?").Must(t, 200)
	if !strings.Contains(string(sr.Raw), other) || !strings.Contains(string(sr.Raw), amina) {
		t.Fatalf("search did not return both: %s", sr.Raw)
	}
	a.Do(t, "GET", "/v1/beneficiaries", nil, "X-Spona-Purpose", "list: looking for Amina Haddad, "+marker).Must(t, 200)
	for _, id := range []string{amina, other} {
		a.Do(t, "POST", "/v1/beneficiaries/"+id+"/consents", map[string]any{"purpose": "CONSENT_PURPOSE_REFERRAL_SHARING",
			"given_by": "CONSENT_GIVEN_BY_SELF", "scope": "legal referral"}).Must(t, 200)
		ref := a.Do(t, "POST", "/v1/referrals", map[string]any{"beneficiary_id": id, "to_organisation_id": kb.Organisation,
			"category": "REFERRAL_CATEGORY_LEGAL", "reason": "asylum interview"}).Must(t, 200).Str("id")
		a.Do(t, "POST", "/v1/referrals/"+ref+":send", map[string]any{}).Must(t, 200)
	}
	refs := b.Do(t, "GET", "/v1/referrals?direction=DIRECTION_INCOMING", nil, "X-Spona-Purpose",
		"referrals: which one is Amina Haddad's ("+marker+")?").Must(t, 200)
	if n := len(refs.Body["referrals"].([]any)); n != 2 {
		t.Fatalf("receiver lists %d referrals, want 2: %s", n, refs.Raw)
	}
	// A call that read the other person alone keeps its purpose.
	a.Do(t, "GET", "/v1/beneficiaries/"+other, nil, "X-Spona-Purpose", "follow-up with Hadžić").Must(t, 200)

	// An import of two persons, its purpose naming the first.
	op := a.Do(t, "POST", "/v1/beneficiaries:import?on_error=skip",
		[]byte("ime;prezime;pol;godina rođenja;opština;pravni status\nSelma;Begović;ženski;1990;Niš;povratnik\n"+
			"Jasmin;Begović;muški;2012;Niš;povratnik\n"),
		"Content-Type", "text/csv", "X-Spona-Purpose", "import: Selma Begović and her son, "+marker).Must(t, 200)
	for deadline := time.Now().Add(time.Minute); op.Body["done"] != true; {
		if time.Now().After(deadline) {
			t.Fatalf("import not done: %s", op.Raw)
		}
		time.Sleep(50 * time.Millisecond)
		op = a.Do(t, "GET", "/v1/"+op.Str("name"), nil).Must(t, 200)
	}
	var selma, jasmin string
	for _, p := range a.Do(t, "GET", "/v1/beneficiaries?page_size=50", nil).Must(t, 200).Body["beneficiaries"].([]any) {
		p := p.(map[string]any)
		switch p["given_name"] {
		case "Selma":
			selma, _ = p["id"].(string)
		case "Jasmin":
			jasmin, _ = p["id"].(string)
		}
	}
	if selma == "" || jasmin == "" {
		t.Fatalf("import did not create both (Selma %q, Jasmin %q): %s", selma, jasmin, op.Raw)
	}

	// marked returns the actions of id's audit records whose purpose names
	// the erased persons, and how many records id has.
	marked := func(id string) (actions []string, n int) {
		for _, e := range a.Do(t, "GET", "/v1/beneficiaries/"+id+"/auditEvents?page_size=100", nil).Must(t, 200).Body["audit_events"].([]any) {
			e := e.(map[string]any)
			if purpose, _ := e["purpose"].(string); strings.Contains(purpose, marker) {
				actions = append(actions, e["action"].(string))
			}
			n++
		}
		slices.Sort(actions)
		return actions, n
	}
	want := map[string][]string{amina: {"list", "referral.list", "search"}, other: {"list", "referral.list", "search"},
		selma: {"create"}, jasmin: {"create"}}
	records := map[string]int{}
	for id, w := range want {
		got, n := marked(id)
		if !slices.Equal(got, w) {
			t.Fatalf("before erasure, the records of %s naming the person are %q, want %q", id, got, w)
		}
		records[id] = n
	}

	for _, id := range []string{amina, selma} {
		a.Do(t, "POST", "/v1/beneficiaries/"+id+":erase", map[string]any{"reason": "the person asked"}).Must(t, 200)
	}
	for id := range want {
		got, n := marked(id)
		if len(got) != 0 {
			t.Errorf("after erasure, the records of %s still naming an erased person: %q", id, got)
		}
		if id == other || id == jasmin {
			if n != records[id] {
				t.Errorf("%s had %d audit records, has %d", id, records[id], n)
			}
		}
	}
	kept := false
	for _, e := range a.Do(t, "GET", "/v1/beneficiaries/"+other+"/auditEvents?page_size=100", nil).Must(t, 200).Body["audit_events"].([]any) {
		kept = kept || e.(map[string]any)["purpose"] == "follow-up with Hadžić"
	}
	if !kept {
		t.Error("the purpose of a call that read only the other person was blanked too")
	}
}
