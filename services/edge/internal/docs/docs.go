// Package docs serves the API documentation page: a small self-contained
// renderer (HTML, JavaScript and CSS embedded in the binary, no CDN) of the
// OpenAPI document served at /openapi.json.
package docs

import (
	"embed"
	"net/http"
	"path"
)

//go:embed static
var static embed.FS

// CSP lets the page run its own script and styles and fetch the document
// from the same origin, nothing else.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

var types = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
}

// Handler serves /docs (the page) and /docs/<asset>.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := path.Base(r.URL.Path)
		if r.URL.Path == "/docs" || r.URL.Path == "/docs/" {
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
