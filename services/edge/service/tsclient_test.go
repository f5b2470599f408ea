package service_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spona/spona/services/edge/edgetest"
)

// openapiTools is tools/openapi's node_modules/.bin (`make openapi-tools`).
func openapiTools(t *testing.T) string {
	t.Helper()
	bin, err := filepath.Abs(filepath.Join("..", "..", "..", "tools", "openapi", "node_modules", ".bin"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(bin, "openapi-typescript")); err != nil {
		t.Fatalf("%v: run `make openapi-tools` (npm ci in tools/openapi)", err)
	}
	return bin
}

func run(t *testing.T, ctx context.Context, dir, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", filepath.Base(name), args, err, out)
	}
	return out
}

// TestGeneratedTypeScriptClient generates TypeScript types from the
// OpenAPI 3.1 document with openapi-typescript, type-checks them and a small
// client written against them (openapi-fetch) with tsc in strict mode (the
// generated types are a .ts file, so skipLibCheck skips only the libraries),
// and runs the client against the real edge: create, get, patch (and a stale
// patch), list, and a spreadsheet import from the downloaded template (the
// template a file, the import's body the file itself).
func TestGeneratedTypeScriptClient(t *testing.T) {
	bin := openapiTools(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	for _, f := range []string{"client.ts", "tsconfig.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", "tsclient", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"type":"module","private":true}`), 0o644); err != nil {
		t.Fatal(err)
	}
	// The client resolves openapi-fetch and @types/node from the pinned tools.
	if err := os.Symlink(filepath.Dir(bin), filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	doc, err := filepath.Abs(filepath.Join("..", "..", "..", "gen", "openapi", "spona.openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	run(t, ctx, dir, filepath.Join(bin, "openapi-typescript"), doc, "-o", "schema.ts")
	run(t, ctx, dir, filepath.Join(bin, "tsc"), "-p", "tsconfig.json")

	s := edgetest.Start(t, nil)
	key := s.CreateKey(t, "ts-client", "TypeScript NGO")
	out := run(t, ctx, dir, "node", filepath.Join("out", "client.js"), s.URL, key.Key)
	var got struct {
		Created, Got, Patched string
		EtagChanged           bool
		StaleStatus           int
		StaleCode             int
		Listed                []string
		TemplateType          string
		ImportName            string
		ImportDone            bool
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("client output %q: %v", out, err)
	}
	if got.Created == "" || got.Got != "Ђорђе" || got.Patched != "Đorđević" || !got.EtagChanged {
		t.Errorf("client saw %+v", got)
	}
	if got.StaleStatus != 409 || got.StaleCode != 10 {
		t.Errorf("stale patch: HTTP %d code %d, want 409 ABORTED", got.StaleStatus, got.StaleCode)
	}
	if !slices.Contains(got.Listed, got.Created) {
		t.Errorf("list %v does not hold %s", got.Listed, got.Created)
	}
	if !strings.HasPrefix(got.TemplateType, "text/csv") || !strings.HasPrefix(got.ImportName, "operations/") || !got.ImportDone {
		t.Errorf("template and import: %+v", got)
	}
}
