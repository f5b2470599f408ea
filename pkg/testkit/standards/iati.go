package standards

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// ValidateIATI validates every document (by name) against the official IATI
// 2.03 activity schema, in one xmllint run, and returns how many it
// validated. Each invalid document fails t with xmllint's messages and the
// document. xmllint missing fails t too (Debian: libxml2-utils; tools/setup.sh,
// run by make test, installs it).
func ValidateIATI(t testing.TB, docs map[string][]byte) int {
	t.Helper()
	xsd := filepath.Join(Dir(t), "iati-2.03", "iati-activities-schema.xsd")
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Fatal("xmllint is not installed (tools/setup.sh, run by make test, installs it; Debian package libxml2-utils); it validates the IATI exports")
	}
	if len(docs) == 0 {
		t.Fatal("ValidateIATI: no documents")
	}
	tmp := t.TempDir()
	names := make([]string, 0, len(docs))
	for name := range docs {
		names = append(names, name)
	}
	slices.Sort(names)
	files := make([]string, len(names))
	for i, name := range names {
		files[i] = filepath.Join(tmp, fmt.Sprintf("%04d.xml", i))
		if err := os.WriteFile(files[i], docs[name], 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out, runErr := exec.Command(xmllint, append([]string{"--noout", "--schema", xsd}, files...)...).CombinedOutput()
	lines := strings.Split(string(out), "\n")
	valid := 0
	for i, f := range files {
		if slices.Contains(lines, f+" validates") {
			valid++
			continue
		}
		var msgs []string
		for _, l := range lines {
			if strings.HasPrefix(l, f) {
				msgs = append(msgs, strings.TrimPrefix(l, f))
			}
		}
		t.Errorf("IATI export %q does not validate against the IATI 2.03 schema:\n%s\n%s", names[i], strings.Join(msgs, "\n"), docs[names[i]])
	}
	if valid == len(files) && runErr != nil {
		t.Fatalf("xmllint: %v\n%s", runErr, out)
	}
	return valid
}
