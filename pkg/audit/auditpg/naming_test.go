package auditpg_test

import (
	"slices"
	"testing"

	"github.com/spona/spona/pkg/audit/auditpg"
)

// TestNamingPatterns: what an erasure looks for in the purposes, folded:
// names of two words or more as whole words, a name of one word not at
// all, document numbers of 6 characters or more without their spaces,
// phones of 8 digits or more by their last 8, e-mails whole.
func TestNamingPatterns(t *testing.T) {
	words, unspaced := auditpg.Naming{
		Names:   []string{"Ali ", " Ali", "Əliyev Elnur", "Ђурђија Ковачевић-Златановић", "Қодиров", "100%_x y"},
		Numbers: []string{"47", "AB 1234", "PX 7Q4-K9M2", "12345"},
		Phones:  []string{"777 12", "064/777-123", "+381 64 777 1234", ""},
		Emails:  []string{"Ana.Kovac@Example.org", ""},
	}.Patterns()
	if want := []string{"% 100 x y %", "% ana kovac example org %", "% durdija kovacevic zlatanovic %", "% əliyev elnur %"}; !slices.Equal(words, want) {
		t.Errorf("words: %q, want %q", words, want)
	}
	if want := []string{"%47771234%", "%64777123%", "%ab1234%", "%px7q4k9m2%"}; !slices.Equal(unspaced, want) {
		t.Errorf("unspaced: %q, want %q", unspaced, want)
	}
	if w, u := (auditpg.Naming{Names: []string{"Nada ", "Vera"}, Numbers: []string{"047"}, Phones: []string{"1234567"}}).Patterns(); w != nil || u != nil {
		t.Errorf("a one-word name, a short number and a short phone are looked for: %q %q", w, u)
	}
}
