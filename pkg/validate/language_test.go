package validate

import "testing"

// TestLanguageCase: a BCP 47 tag in any case is written in its canonical
// case (RFC 5646 2.1.1), subtags after a singleton in lower case.
func TestLanguageCase(t *testing.T) {
	for in, want := range map[string]string{
		"sr-latn": "sr-Latn", "SR-LATN": "sr-Latn", "sr-Latn": "sr-Latn", "en-gb": "en-GB", "sr-cyrl-rs": "sr-Cyrl-RS",
		"ar": "ar", "FA": "fa", "de-1996": "de-1996", "sl-rozaj-biske": "sl-rozaj-biske", "en-a-BBBB-x-AB-CD": "en-a-bbbb-x-ab-cd",
		"ckb-IQ": "ckb-IQ", "": "", "šr-latn": "šr-latn",
	} {
		if got := LanguageCase(in); got != want {
			t.Errorf("LanguageCase(%q) = %q, want %q", in, got, want)
		}
	}
}
