package validate

import (
	"slices"
	"strings"
	"testing"

	"github.com/spona/spona/pkg/errs"
)

// TestEmail: internationalised domains are stored in ASCII (the same
// address, whichever way it was written: Unicode composed or decomposed,
// any case, or already in ASCII), local parts outside ASCII are refused,
// ASCII addresses are kept as they were (in lower case). The ASCII forms
// were checked with Python's own IDNA codec.
func TestEmail(t *testing.T) {
	for _, c := range []struct{ in, stored, violation string }{
		{"", "", ""},
		{" Info@Example.ORG ", "info@example.org", ""},
		{"pomoc@udruga-đakovo.hr", "pomoc@xn--udruga-akovo-ctb.hr", ""},
		{"pomoc@xn--udruga-akovo-ctb.hr", "pomoc@xn--udruga-akovo-ctb.hr", ""},
		{"info@crveni-krst-šabac.rs", "info@xn--crveni-krst-abac-wed.rs", ""},
		{"POMOC@UDRUGA-ĐAKOVO.HR", "pomoc@xn--udruga-akovo-ctb.hr", ""},
		{"info@ћирилица.срб", "info@xn--80apaao2a9bwk.xn--90a3ac", ""},
		{"grad@čačak.rs", "grad@xn--aak-eqab.rs", ""},
		{"grad@c\u030cac\u030cak.rs", "grad@xn--aak-eqab.rs", ""}, // decomposed (NFD)
		{"đurđa@udruga-đakovo.hr", "đurđa@xn--udruga-akovo-ctb.hr", "the part before @ must be ASCII"},
		{"đurđa@example.org", "đurđa@example.org", "the part before @ must be ASCII"},
		{"a@xn--zz.hr", "a@xn--zz.hr", ""}, // already ASCII: kept as given
		{"a@b@đ.hr", "a@b@xn--fea.hr", "must be an e-mail address"},
		{"not an address", "not an address", "must be an e-mail address"},
		{"Marko <marko@example.org>", "marko <marko@example.org>", "must be an e-mail address"},
		{"a\x00b@example.org", "a\x00b@example.org", "must be an e-mail address"},
		{"a\xffb@example.org", "a\ufffdb@example.org", "the part before @ must be ASCII"},
		{strings.Repeat("a", 250) + "@b.hr", strings.Repeat("a", 250) + "@b.hr", "must be an e-mail address"},
		// What net/mail takes but is no host name (HSDS's "email" format
		// refuses it, and the whole answer with it).
		{"info@udruga_x.hr", "info@udruga_x.hr", "must be an e-mail address"},
		{"info@-udruga.hr", "info@-udruga.hr", "must be an e-mail address"},
		{"info@udruga-.hr", "info@udruga-.hr", "must be an e-mail address"},
		{"ana@xn--.rs", "ana@xn--.rs", "must be an e-mail address"},
		{"a@[127.0.0.1]", "a@[127.0.0.1]", "must be an e-mail address"},
		{"a@" + strings.Repeat("x", 64) + ".hr", "a@" + strings.Repeat("x", 64) + ".hr", "must be an e-mail address"},
		{strings.Repeat("a", 65) + "@b.hr", strings.Repeat("a", 65) + "@b.hr", "must be an e-mail address"},
		{strings.Repeat("a", 64) + "@" + strings.Repeat("x", 63) + ".hr", strings.Repeat("a", 64) + "@" + strings.Repeat("x", 63) + ".hr", ""},
		{"a@localhost", "a@localhost", ""},
	} {
		var v errs.Violations
		got := Email(&v, "email", c.in)
		var msg string
		if len(v) > 0 {
			msg = v[0].Description
		}
		if got != NormalEmail(c.in) || got != c.stored || (c.violation == "") != (msg == "") || !strings.HasPrefix(msg, c.violation) {
			t.Errorf("%q: stored %q (NormalEmail %q), violation %q; want %q, %q", c.in, got, NormalEmail(c.in), msg, c.stored, c.violation)
		}
	}
}

// TestEmailSpellings: a stored address with an internationalised domain
// is also looked for as written in Unicode.
func TestEmailSpellings(t *testing.T) {
	for _, c := range []struct {
		stored string
		want   []string
	}{
		{"marko@example.org", []string{"marko@example.org"}},
		{"marko@xn--udruga-akovo-ctb.hr", []string{"marko@xn--udruga-akovo-ctb.hr", "marko@udruga-đakovo.hr"}},
		{"info@xn--80apaao2a9bwk.xn--90a3ac", []string{"info@xn--80apaao2a9bwk.xn--90a3ac", "info@ћирилица.срб"}},
		{"a@xn--zz.hr", []string{"a@xn--zz.hr"}}, // not a valid IDNA label: only as stored
		{"", []string{""}},
	} {
		if got := EmailSpellings(c.stored); !slices.Equal(got, c.want) {
			t.Errorf("EmailSpellings(%q) = %q, want %q", c.stored, got, c.want)
		}
	}
}
