// Package docs serves the API documentation page: Swagger UI (from the npm
// package swagger-ui-dist, vendored unmodified in static/swagger-ui with its
// licence, embedded in the binary, no CDN) rendering the OpenAPI 3.1
// document served at /openapi/v3.json, with try-it using a Bearer key.
//
// To update Swagger UI, change its version in tools/openapi/package.json and
// run `make vendor-docs`; a test checks the copy equals the pinned package.
package docs

import (
	"embed"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var static embed.FS

// CSP lets the page run its own scripts and styles, fetch the documents and
// send try-it requests to the same origin, nothing else. Swagger UI sets
// style properties from script (allowed) and shows SVG/data: images.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

var types = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".txt":  "text/plain; charset=utf-8",
	"":      "text/plain; charset=utf-8", // LICENSE, NOTICE
}

// Handler serves /docs (the page) and /docs/<asset>.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/docs")
		name = strings.TrimPrefix(name, "/")
		if name == "" {
			name = "index.html"
		}
		b, err := static.ReadFile("static/" + name)
		ct, known := types[path.Ext(name)]
		if err != nil || !known {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Content-Security-Policy", CSP)
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(b)
	})
}
