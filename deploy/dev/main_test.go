package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestBannerNamesTheDocumentsPageDocument: the OpenAPI document make run
// points to is the one its docs page renders (services/edge's docs.js) and
// the README calls OpenAPI 3.1, and the Swagger 2.0 one is named as such.
// Before, the banner gave /openapi.json (Swagger 2.0) as "OpenAPI" and
// called the docs page "Swagger UI of the same document", which renders
// /openapi/v3.json (found running make run as the README says).
func TestBannerNamesTheDocumentsPageDocument(t *testing.T) {
	js, err := os.ReadFile(filepath.Join("..", "..", "services", "edge", "internal", "docs", "static", "docs.js"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`url: '([^']+)'`).FindSubmatch(js)
	if m == nil {
		t.Fatal("docs.js: no url: '…' (the pattern no longer matches the page's script)")
	}
	rendered := string(m[1])
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "`"+rendered+"` (OpenAPI\n3.1)") && !strings.Contains(string(readme), "`"+rendered+"` (OpenAPI 3.1)") {
		t.Errorf("README does not call %s the OpenAPI 3.1 document", rendered)
	}

	const base, key, admin, org = "http://127.0.0.1:8080", "spona_dev_key", "spona_admin_key", "01a24bd0-f378-7092-b97f-83396c391369"
	b := banner(base, key, admin, org)
	openapi := firstURL(t, b, "  OpenAPI ")
	if openapi != base+rendered {
		t.Errorf("banner's OpenAPI line names %s; the docs page renders %s", openapi, base+rendered)
	}
	if !strings.Contains(b, base+"/openapi.json") || !strings.Contains(b, "Swagger 2.0: "+base+"/openapi.json") {
		t.Errorf("banner does not name the Swagger 2.0 document as such:\n%s", b)
	}
	if docs := firstURL(t, b, "  API docs "); docs != base+"/docs" {
		t.Errorf("banner's API docs line names %s", docs)
	}
	for _, want := range []string{key, admin, org} {
		if !strings.Contains(b, want) {
			t.Errorf("banner does not show %s:\n%s", want, b)
		}
	}
}

// firstURL returns the first http URL on the banner's line starting with prefix.
func firstURL(t *testing.T, banner, prefix string) string {
	t.Helper()
	for _, l := range strings.Split(banner, "\n") {
		if strings.HasPrefix(l, prefix) {
			if u := regexp.MustCompile(`http://\S+`).FindString(l); u != "" {
				return u
			}
		}
	}
	t.Fatalf("banner has no line %q with a URL:\n%s", prefix, banner)
	return ""
}
