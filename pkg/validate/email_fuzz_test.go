package validate

import (
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/spona/spona/pkg/errs"
)

// FuzzEmail: an address Email accepts is stored in the one form every
// service compares it in: plain ASCII, at most 254 bytes, valid as HSDS
// publishes it (JSON Schema format "email", as the HSDS schemas are
// checked), and already normal (checking the stored form again gives it back
// with no violation), and each of its EmailSpellings normalises back to
// it. A refused address is refused with a violation of its own field.
func FuzzEmail(f *testing.F) {
	for _, s := range []string{"", " Info@Example.ORG ", "pomoc@udruga-đakovo.hr", "grad@c\u030cac\u030cak.rs", "đurđa@example.org",
		"a@b@đ.hr", `"a b"@example.org`, "a@[127.0.0.1]", "Ana <ana@example.org>", "a@xn--zz.hr", "a@ß.de", "a@\u200d.rs",
		"a@example.org.", "a@-x.rs", "ana@xn--.rs", "info@udruga_x.hr", "a@" + strings.Repeat("x", 64) + ".hr", strings.Repeat("a", 65) + "@b.hr", "a@" + strings.Repeat("x", 300) + ".rs", "a@ﬀ.rs", "A@ÉXAMPLE.ORG"} {
		f.Add(s)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("email.json", map[string]any{"type": "string", "format": "email"}); err != nil {
		f.Fatal(err)
	}
	format, err := c.Compile("email.json")
	if err != nil {
		f.Fatal(err)
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
		if err := format.Validate(stored); err != nil {
			t.Fatalf("Email(%q) accepted %q, which HSDS's format refuses: %v", s, stored, err)
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
