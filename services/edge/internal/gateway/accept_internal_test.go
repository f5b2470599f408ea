package gateway

import "testing"

// TestAccepts: an Accept accepts JSON when its most specific range naming
// application/json has a q above 0; none, or one that cannot be read, is
// disregarded (accepts everything).
func TestAccepts(t *testing.T) {
	for accept, want := range map[string]bool{
		"":                                true,
		"application/json":                true,
		"Application/JSON; charset=utf-8": true,
		"application/*":                   true,
		"*/*":                             true,
		"*":                               true, // as HttpURLConnection sends it
		"text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2":            true,
		"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8": true,
		"application/json, text/plain, */*":                               true,
		"application/xml":                                                 false,
		"text/html, application/xhtml+xml":                                false,
		"text/*":                                                          false,
		"application/json;q=0, */*":                                       false,
		"application/json;q=0.0":                                          false,
		"*/*;q=0":                                                         false,
		"application/*;q=0, application/json":                             true,
		"application/json;q=1, */*;q=0":                                   true,
		"not a media range":                                               true,
		"application/xml;q=2":                                             true,
		"application/xml;q=x":                                             true,
	} {
		if got := accepts([]string{accept}, jsonMedia); got != want {
			t.Errorf("Accept %q: accepts JSON %v, want %v", accept, got, want)
		}
	}
	if accepts([]string{"text/html", "application/xml"}, jsonMedia) || !accepts([]string{"text/html", "application/json"}, jsonMedia) {
		t.Error("Accept in two field lines not read as one list")
	}
}
