package hsds

import "testing"

// TestLanguageNames names the working languages of the region as their
// speakers would (CLDR calls sr-Latn as a whole "Serbo-Croatian").
func TestLanguageNames(t *testing.T) {
	for tag, want := range map[string]string{
		"sr-Latn": "Serbian (Latin)", "sr-Cyrl": "Serbian (Cyrillic)", "sr": "Serbian",
		"bs": "Bosnian", "hr": "Croatian", "ar": "Arabic", "fa": "Persian", "ps": "Pashto", "rom": "Romany",
	} {
		l := languageOf("s", tag)
		if l.Name != want || l.Note != tag {
			t.Errorf("%s: name %q (note %q), want %q", tag, l.Name, l.Note, want)
		}
	}
	if l := languageOf("s", "sr-Latn"); l.Code != "sr" {
		t.Errorf("sr-Latn: code %q, want sr", l.Code)
	}
}
