package docs

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// programRun matches a program the Go code runs or looks up by name:
// exec.Command("x", exec.CommandContext(ctx, "x", exec.LookPath("x") and
// filepath.Join(dir, "x") handed to exec.Command.
// The first argument of CommandContext is its context; a Command whose
// first argument is a variable runs that (a built binary: exec.Command(exe,
// "migrate") runs exe, not a program named migrate).
var programRun = regexp.MustCompile(`exec\.(?:LookPath\(|Command\(|CommandContext\([\w.]+, )(?:filepath\.Join\([\w.]+, )?"([a-z][\w.-]*)"`)

// prerequisites are what a machine has before tools/setup.sh runs: Go, and
// runuser (util-linux, part of every Debian/Ubuntu base system; used only
// as root).
var prerequisites = []string{"go", "runuser"}

// TestSetupInstallsEveryTool: every program the code and the tests run
// (PostgreSQL's, xmllint, node, npm, skopeo, ...) is one tools/setup.sh
// installs, so a test never finds a tool missing on a machine set up by
// `make test` (and a new one fails here until setup.sh installs it).
func TestSetupInstallsEveryTool(t *testing.T) {
	setup, err := os.ReadFile(filepath.Join(root(), "tools", "setup.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("bash", "-n", filepath.Join(root(), "tools", "setup.sh")).CombinedOutput(); err != nil {
		t.Fatalf("bash -n tools/setup.sh: %v\n%s", err, out)
	}
	found := map[string][]string{}
	err = filepath.WalkDir(root(), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "gen" || d.Name() == "node_modules") && path != root() {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root(), path)
		for _, m := range programRun.FindAllStringSubmatch(string(src), -1) {
			found[m[1]] = append(found[m[1]], rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"initdb", "xmllint", "skopeo", "node"} {
		if found[want] == nil {
			t.Errorf("found no use of %s: the pattern misses calls", want)
		}
	}
	for prog, files := range found {
		if slices.Contains(prerequisites, prog) {
			continue
		}
		if _, err := os.Stat(filepath.Join(root(), "services", prog, "main.go")); err == nil {
			continue // built by the tests
		}
		if !regexp.MustCompile(`\b` + regexp.QuoteMeta(prog) + `\b`).Match(setup) {
			t.Errorf("%s runs %s, which tools/setup.sh does not install", strings.Join(slices.Compact(slices.Sorted(slices.Values(files))), ", "), prog)
		}
	}
}
