package docs

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// TestVendoredSwaggerUIIsThePinnedPackage: the embedded renderer is the
// unmodified swagger-ui-dist pinned in tools/openapi (`make vendor-docs`).
func TestVendoredSwaggerUIIsThePinnedPackage(t *testing.T) {
	pkg := filepath.Join("..", "..", "..", "..", "tools", "openapi", "node_modules", "swagger-ui-dist")
	if _, err := os.Stat(pkg); err != nil {
		t.Fatalf("%v: run `make openapi-tools` (npm ci in tools/openapi)", err)
	}
	entries, err := static.ReadDir("static/swagger-ui")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) < 5 {
		t.Fatalf("only %d vendored files", len(entries))
	}
	for _, e := range entries {
		got, _ := static.ReadFile("static/swagger-ui/" + e.Name())
		want, err := os.ReadFile(filepath.Join(pkg, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("static/swagger-ui/%s differs from the pinned swagger-ui-dist: run `make vendor-docs`", e.Name())
		}
	}
}

func TestHandlerServesThePageAndItsAssets(t *testing.T) {
	h := Handler(http.NotFoundHandler())
	for path, want := range map[string]int{
		"/docs": 200, "/docs/": 200, "/docs/docs.js": 200, "/docs/swagger-ui/swagger-ui-bundle.js": 200,
		"/docs/swagger-ui/LICENSE": 200, "/docs/nope.js": 404, "/docs/../go.mod": 404, "/docs/swagger-ui/": 404,
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != want {
			t.Errorf("GET %s: %d, want %d", path, rec.Code, want)
		}
		if rec.Code == 200 && rec.Header().Get("Content-Security-Policy") != CSP {
			t.Errorf("GET %s: no CSP", path)
		}
	}
}
