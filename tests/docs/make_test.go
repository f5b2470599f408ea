package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var (
	// makeTarget is a rule of the Makefile ("name:" at a line's start).
	makeTarget = regexp.MustCompile(`(?m)^([a-z][a-z0-9-]*):`)
	// makeInCode is a make command quoted in prose (`make x VAR=…`).
	makeInCode = regexp.MustCompile("`make ([a-z][a-z0-9-]*)((?: [A-Z_]+=[^` ]*)*)`")
	// makeLine is a make command on a line of its own in a code block.
	makeLine = regexp.MustCompile(`(?m)^make ([a-z][a-z0-9-]*)((?: [A-Z_]+=\S*)*)`)
	// makeVar is a variable set on a make command line.
	makeVar = regexp.MustCompile(`([A-Z_]+)=`)
)

// TestDocumentedMakeTargetsExist: every make command the README and
// docs/operations.md tell a developer or operator to run is a rule of the
// Makefile, and every variable given on such a command line is one the
// Makefile reads, so a renamed or removed target fails here rather than on
// a newcomer's first command.
func TestDocumentedMakeTargetsExist(t *testing.T) {
	mk, err := os.ReadFile(filepath.Join(root(), "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	targets := map[string]bool{}
	for _, m := range makeTarget.FindAllStringSubmatch(string(mk), -1) {
		targets[m[1]] = true
	}
	for _, doc := range []string{"README.md", filepath.Join("docs", "operations.md")} {
		src, err := os.ReadFile(filepath.Join(root(), doc))
		if err != nil {
			t.Fatal(err)
		}
		found := 0
		for _, re := range []*regexp.Regexp{makeInCode, makeLine} {
			for _, m := range re.FindAllStringSubmatch(string(src), -1) {
				found++
				if !targets[m[1]] {
					t.Errorf("%s: `make %s` names no rule of the Makefile", doc, m[1])
				}
				for _, v := range makeVar.FindAllStringSubmatch(m[2], -1) {
					if !strings.Contains(string(mk), "$("+v[1]+")") && !strings.Contains(string(mk), "${"+v[1]+"}") &&
						!strings.Contains(string(mk), "$${"+v[1]) {
						t.Errorf("%s: `make %s %s=…`: the Makefile does not read %s", doc, m[1], v[1], v[1])
					}
				}
			}
		}
		if found == 0 {
			t.Errorf("%s: no make command found (the patterns no longer match the document)", doc)
		}
	}
}
