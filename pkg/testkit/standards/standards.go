// Package standards locates the official schemas of the standards Spona
// speaks and checks documents against them, for tests: IATI 2.03 activity
// XML with xmllint and the official XSDs (iati.go, plus the IATI rulesets'
// checks in rules.go), and HSDS 3.0 JSON with a JSON Schema 2020-12
// validator whose loader maps the schemas' published URLs to the local
// copies (hsds.go), so nothing is fetched from the network.
//
// The schemas are kept unmodified outside the repository, in
// ../shared/standards from its root (CI has that folder too; from a git
// worktree the nearest ancestor's shared/standards); SPONA_STANDARDS_DIR
// overrides the location. A missing schema or tool
// fails the test: these checks never skip.
package standards

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

var (
	dirOnce sync.Once
	dir     string
	dirErr  string
)

// Dir returns the folder holding the standards' schemas (iati-2.03/,
// hsds-3.0/), failing t when it cannot be found.
func Dir(t testing.TB) string {
	t.Helper()
	dirOnce.Do(func() {
		if d := os.Getenv("SPONA_STANDARDS_DIR"); d != "" {
			dir = d
		} else {
			root, err := repoRoot()
			if err != nil {
				dirErr = err.Error()
				return
			}
			dir = find(root)
		}
		if _, err := os.Stat(filepath.Join(dir, "iati-2.03", "iati-activities-schema.xsd")); err != nil {
			dirErr = "the official schemas are not at " + dir + " (../shared/standards from the repository root, or SPONA_STANDARDS_DIR): " + err.Error()
		}
	})
	if dirErr != "" {
		t.Fatal(dirErr)
	}
	return dir
}

// find returns ../shared/standards of the repository root, or, for a git
// worktree kept deeper (/work/wt/<name>), the nearest shared/standards of
// an ancestor.
func find(root string) string {
	first := filepath.Join(filepath.Dir(root), "shared", "standards")
	for d := filepath.Dir(root); ; d = filepath.Dir(d) {
		candidate := filepath.Join(d, "shared", "standards")
		if _, err := os.Stat(candidate); err == nil {
			return candidate
		}
		if filepath.Dir(d) == d {
			return first
		}
	}
}

// repoRoot is the nearest directory above the working directory holding
// go.work (the repository root; tests run in their package's directory).
func repoRoot() (string, error) {
	d, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.work")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", os.ErrNotExist
		}
		d = parent
	}
}
