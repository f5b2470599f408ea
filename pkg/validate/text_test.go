package validate

import (
	"testing"

	"github.com/spona/spona/pkg/errs"
)

// TestRequiredTextIsVisible: a required text made only of characters that
// show nothing (spaces, a zero-width space, a byte order mark, a soft
// hyphen or a zero-width joiner left by a copy from a web page or a
// spreadsheet cell) is missing. Before, only white space counted as
// missing: a person registered with the given name "\u200b" was nameless
// in every list, and a referral declined with that reason gave none.
// Such characters within a text (the zero-width non-joiner of a Persian
// name) are kept.
func TestRequiredTextIsVisible(t *testing.T) {
	for s, missing := range map[string]bool{
		"": true, "  ": true, "\u200b": true, " \ufeff ": true, "\u00ad\u200d": true, "\u2060\u200c": true,
		"Amina": false, "مهدی\u200cزاده": false, "\u200bAmina": false, "-": false,
	} {
		var v errs.Violations
		Text(&v, "given_name", s, 100, true)
		if got := v.Err() != nil; got != missing {
			t.Errorf("Text(%q) refused %v, want %v", s, got, missing)
		}
	}
}

// TestWithoutFormat: the invisible format characters a copy brings along
// are taken out of a text, the joiners of a Persian name kept.
func TestWithoutFormat(t *testing.T) {
	for in, want := range map[string]string{
		"Marko": "Marko", "\ufeffMar\u200bko": "Marko", "Markovi\u00adć": "Marković", "Ši\u2060d\u200e": "Šid",
		"\u202eAmina\u202c": "Amina", "مهدی\u200cزاده": "مهدی\u200cزاده", "a\u200db": "a\u200db", "": "",
	} {
		if got := WithoutFormat(in); got != want {
			t.Errorf("WithoutFormat(%+q) = %+q, want %+q", in, got, want)
		}
	}
}
