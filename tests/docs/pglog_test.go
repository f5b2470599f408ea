package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spona/spona/pkg/db"
)

// TestPostgresLogPrivacyInManifests: the PostgreSQL of compose and of
// Kubernetes run with the settings that keep values out of its log.
func TestPostgresLogPrivacyInManifests(t *testing.T) {
	root := filepath.Join("..", "..")
	compose, err := os.ReadFile(filepath.Join(root, "deploy", "compose", "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cnpg, err := os.ReadFile(filepath.Join(root, "deploy", "k8s", "base", "postgres.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for name, value := range db.LogPrivacySettings {
		if !strings.Contains(string(compose), `"-c", "`+name+"="+value+`"`) {
			t.Errorf("deploy/compose: postgres runs without -c %s=%s", name, value)
		}
		re := regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(name) + `: "?` + regexp.QuoteMeta(value) + `"?\s*$`)
		if !re.Match(cnpg) {
			t.Errorf("deploy/k8s/base/postgres.yaml: no parameter %s: %s", name, value)
		}
	}
}
