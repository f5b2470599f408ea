package docs

import (
	"strings"
	"testing"

	"github.com/spona/spona/pkg/config"
	edgesvc "github.com/spona/spona/services/edge/service"
)

// TestCORSOriginsAsBrowsersSendThem: the edge compares a browser's Origin
// header with CORS_ALLOWED_ORIGINS exactly, so an origin written another
// way than a browser sends it (a trailing slash, no scheme, capitals, the
// default port) matched no request: the edge started, and the partner's
// browser app was refused every call with no word in the edge's log. Such
// a value is refused at start, naming the variable and the form to write.
func TestCORSOriginsAsBrowsersSendThem(t *testing.T) {
	load := func(origins string) ([]string, error) {
		cfg, err := edgeWith("CORS_ALLOWED_ORIGINS", origins)
		return cfg.CORSAllowedOrigins, err
	}
	for bad, want := range map[string]string{
		"https://app.example.org/":                      `"https://app.example.org/" (write https://app.example.org)`,
		"https://App.Example.org":                       `(write https://app.example.org)`,
		"HTTPS://app.example.org":                       `(write https://app.example.org)`,
		"https://app.example.org:443":                   `(write https://app.example.org)`,
		"http://app.example.org:80":                     `(write http://app.example.org)`,
		"app.example.org":                               `"app.example.org" is not an origin`,
		"https://app.example.org/crm":                   `"https://app.example.org/crm" is not an origin`,
		"https://app.example.org?x=1":                   `"https://app.example.org?x=1" is not an origin`,
		"https://user@app.example.org":                  `"https://user@app.example.org" is not an origin`,
		"null":                                          `"null" is not an origin`,
		"ftp://app.example.org":                         `"ftp://app.example.org" is not an origin`,
		"https://užice.example.org":                     `"https://užice.example.org" is not an origin`,
		"https://a.example.org, https://b.example.org/": `"https://b.example.org/" (write https://b.example.org) is not an origin`,
		"https://a.example.org/, https://b.example.org/": `"https://a.example.org/" (write https://a.example.org), ` +
			`"https://b.example.org/" (write https://b.example.org) are not`,
	} {
		_, err := load(bad)
		if err == nil || !strings.Contains(err.Error(), "CORS_ALLOWED_ORIGINS: ") || !strings.Contains(err.Error(), want) {
			t.Errorf("CORS_ALLOWED_ORIGINS=%s: %v; want it refused by name with %s", bad, err, want)
		}
	}
	for good, want := range map[string]int{
		"*": 1, "https://app.example.org": 1, "http://localhost:3000": 1, "https://[::1]:8443": 1,
		"https://xn--uice-zsa.example.org": 1, "https://a.example.org, https://b.example.org:8443, *": 3, "": 0,
	} {
		got, err := load(good)
		if (err != nil && strings.Contains(err.Error(), "CORS_ALLOWED_ORIGINS")) || len(got) != want {
			t.Errorf("CORS_ALLOWED_ORIGINS=%s: %v, %v", good, got, err)
		}
	}
}

// edgeWith loads the edge's configuration with variable set to value and
// every other variable unset (the required ones are refused alongside).
func edgeWith(variable, value string) (edgesvc.Config, error) {
	var cfg edgesvc.Config
	err := config.LoadFrom(&cfg, func(name string) (string, bool) {
		if name == variable {
			return value, true
		}
		return "", false
	})
	return cfg, err
}
