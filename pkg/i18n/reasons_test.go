package i18n

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// reasonSources finds the google.rpc.ErrorInfo reasons the code sets: an
// errs.Error's Reason, errs.FailedPrecondition's first argument, a Reason…
// constant.
var reasonSources = regexp.MustCompile(`(?:Reason:\s*|FailedPrecondition\(|Reason\w*\s*=\s*)"([A-Z][A-Z0-9_]{3,})"`)

// TestEveryReasonHasText: every reason a Spona process sets has a
// localized message of its own, so that a partner's user reads what went
// wrong (a certified participant cannot be deleted, a file is too large,
// no key was sent, the Accept header accepts no JSON) rather than the
// status code's general text. No reason is exempt: until r19 the edge's 15
// own refusals (ROUTE_NOT_FOUND … BODY_TOO_SLOW) and UNAVAILABLE were
// (codeLevel), and answered the code's text.
func TestEveryReasonHasText(t *testing.T) {
	root := filepath.Join("..", "..")
	seen := 0
	for _, dir := range []string{"pkg", "services"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") ||
				strings.Contains(filepath.ToSlash(path), "/testkit/") {
				return nil
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range reasonSources.FindAllStringSubmatch(string(src), -1) {
				seen++
				if _, ok := byReason[m[1]]; !ok {
					t.Errorf("%s: reason %s has no localized message", path, m[1])
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if seen < 20 {
		t.Fatalf("found only %d reasons in the code: the pattern no longer finds them", seen)
	}
}
