package validate

import (
	"strings"
	"testing"

	"github.com/spona/spona/pkg/errs"
)

// FuzzEmail: an address Email accepts is stored in the one form every
// service compares it in: plain ASCII (as HSDS publishes it), at most 254
// bytes, and already normal (checking the stored form again gives it back
// with no violation), and each of its EmailSpellings normalises back to
// it. A refused address is refused with a violation of its own field.
func FuzzEmail(f *testing.F) {
	for _, s := range []string{"", " Info@Example.ORG ", "pomoc@udruga-đakovo.hr", "grad@c\u030cac\u030cak.rs", "đurđa@example.org",
		"a@b@đ.hr", `"a b"@example.org`, "a@[127.0.0.1]", "Ana <ana@example.org>", "a@xn--zz.hr", "a@ß.de", "a@\u200d.rs",
		"a@example.org.", "a@-x.rs", "ana@xn--.rs", "a@" + strings.Repeat("x", 300) + ".rs", "a@ﬀ.rs", "A@ÉXAMPLE.ORG"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var v errs.Violations
		stored := Email(&v, "email", s)
		for _, x := range v {
			if x.Field != "email" {
				t.Fatalf("Email(%q): violation of %q", s, x.Field)
			}
		}
		if len(v) > 0 || stored == "" {
			return
		}
		if !IsASCII(stored) || len(stored) > maxEmail {
			t.Fatalf("Email(%q) accepted %q: not ASCII or too long", s, stored)
		}
		var again errs.Violations
		if back := Email(&again, "email", stored); back != stored || len(again) > 0 {
			t.Fatalf("Email(%q) = %q, whose check gives %q %v", s, stored, back, again)
		}
		for _, sp := range EmailSpellings(stored) {
			if NormalEmail(sp) != stored {
				t.Fatalf("Email(%q) = %q: its spelling %q normalises to %q", s, stored, sp, NormalEmail(sp))
			}
		}
	})
}
