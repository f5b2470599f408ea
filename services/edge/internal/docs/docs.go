// Package docs serves the API documentation page: Swagger UI (from the npm
// package swagger-ui-dist, vendored unmodified in static/swagger-ui with its
// licence, embedded in the binary, no CDN) rendering the OpenAPI 3.1
// document served at /openapi/v3.json, with try-it using a Bearer key.
//
// To update Swagger UI, change its version in tools/openapi/package.json and
// run `make vendor-docs`; a test checks the copy equals the pinned package.
package docs

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
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

// Handler serves /docs (the page) and /docs/<asset>, each as File does; a
// path naming no file of the page is answered by notFound (the API's 404,
// a google.rpc.Status JSON body like every other refusal of the edge).
func Handler(notFound http.Handler) http.Handler {
	var tags sync.Map // asset name -> its ETag
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/docs")
		name = strings.TrimPrefix(name, "/")
		if name == "" {
			name = "index.html"
		}
		b, err := static.ReadFile("static/" + name)
		ct, known := types[path.Ext(name)]
		if err != nil || !known {
			notFound.ServeHTTP(w, r)
			return
		}
		tag, ok := tags.Load(name)
		if !ok {
			tag, _ = tags.LoadOrStore(name, contentTag(b))
		}
		etag, _ := tag.(string)
		w.Header().Set("Content-Security-Policy", CSP)
		serve(w, r, ct, etag, b)
	})
}

// File serves b, a file that stays the same while the process runs (one
// embedded in the binary, such as an OpenAPI document), under contentType.
// It is sent with Cache-Control: no-cache and a strong ETag made from its
// content, so a browser or client that has it revalidates it and gets 304
// Not Modified instead of the whole file again (If-None-Match); HEAD and
// byte ranges work as for any file (http.ServeContent).
func File(contentType string, b []byte) http.Handler {
	tag := contentTag(b)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		serve(w, r, contentType, tag, b)
	})
}

// contentTag is a strong entity tag of b: part of its SHA-256.
func contentTag(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:12]) + `"`
}

func serve(w http.ResponseWriter, r *http.Request, contentType, tag string, b []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", tag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
}
