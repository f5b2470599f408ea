package service_test

import (
	"strings"
	"testing"

	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
	"golang.org/x/net/http/httpguts"
)

// FuzzPurpose sends fuzzed X-Spona-Purpose headers with a read of a
// person through the real edge, beneficiaries service and PostgreSQL. A
// purpose is refused with a 4xx Status, or the read is audited with the
// purpose exactly as the header carried it (letters like č and đ
// included), never a 5xx.
func FuzzPurpose(f *testing.F) {
	s := edgetest.Start(f, nil)
	c := resttest.New(s.URL, s.CreateKey(f, "fuzzer", "Purpose NGO").Key)
	for _, seed := range []string{"follow-up with Hadžić", "провера статуса", " padded\t", "a\x7fb", "\xc4\x8d\xff", strings.Repeat("đ", 200),
		strings.Repeat("x", 201), "%C4%8D", "=?utf-8?b?xI0=?=", "\u202eevil", "a\u00a0b"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, purpose string) {
		if !httpguts.ValidHeaderFieldValue(purpose) {
			return // not a header value: HTTP itself cannot carry it
		}
		id := c.Do(t, "POST", "/v1/beneficiaries", map[string]any{"given_name": "Amina"}).Must(t, 200).Str("id")
		r, err := c.Try("GET", "/v1/beneficiaries/"+id, nil, "X-Spona-Purpose", purpose)
		check(t, r, err, "GET with X-Spona-Purpose "+purpose)
		if r.Status != 200 {
			if r.Status != 400 {
				t.Fatalf("purpose %q: HTTP %d %s", purpose, r.Status, r.Raw)
			}
			return
		}
		want := strings.Trim(purpose, " \t") // HTTP trims a header value's surrounding white space
		for _, e := range c.Do(t, "GET", "/v1/beneficiaries/"+id+"/auditEvents?page_size=10", nil).Must(t, 200).Body["audit_events"].([]any) {
			e := e.(map[string]any)
			if e["action"] == "read" {
				if got, _ := e["purpose"].(string); got != want {
					t.Fatalf("purpose %q audited as %q", want, got)
				}
				return
			}
		}
		t.Fatalf("the read with purpose %q was not audited", purpose)
	})
}
