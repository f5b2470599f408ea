package domain

import (
	"testing"

	"github.com/spona/spona/pkg/errs"
)

// TestEmails: internationalised domains are stored in ASCII (the same
// address), local parts outside ASCII are refused, ASCII addresses are
// kept as they were (in lower case). The ASCII forms were checked with
// Python's own IDNA codec.
func TestEmails(t *testing.T) {
	for _, c := range []struct{ in, stored, violation string }{
		{" Info@Example.ORG ", "info@example.org", ""},
		{"pomoc@udruga-đakovo.hr", "pomoc@xn--udruga-akovo-ctb.hr", ""},
		{"info@crveni-krst-šabac.rs", "info@xn--crveni-krst-abac-wed.rs", ""},
		{"POMOC@UDRUGA-ĐAKOVO.HR", "pomoc@xn--udruga-akovo-ctb.hr", ""},
		{"info@ћирилица.срб", "info@xn--80apaao2a9bwk.xn--90a3ac", ""},
		{"đurđa@udruga-đakovo.hr", "đurđa@xn--udruga-akovo-ctb.hr", "the part before @ must be ASCII"},
		{"đurđa@example.org", "đurđa@example.org", "the part before @ must be ASCII"},
		{"a@xn--zz.hr", "a@xn--zz.hr", ""}, // already ASCII: kept as given
		{"a@b@đ.hr", "a@b@xn--fea.hr", "is not an e-mail address"},
		{"not an address", "not an address", "is not an e-mail address"},
	} {
		got := NormalEmail(c.in)
		var v errs.Violations
		checkEmail(&v, "email", got)
		var msg string
		if len(v) > 0 {
			msg = v[0].Description
		}
		if got != c.stored || (c.violation == "") != (msg == "") || len(msg) < len(c.violation) || msg[:len(c.violation)] != c.violation {
			t.Errorf("%q: stored %q, violation %q; want %q, %q", c.in, got, msg, c.stored, c.violation)
		}
	}
}
