package hsds

import (
	"regexp"
	"testing"

	"github.com/spona/spona/services/referrals/internal/domain"
)

// rfc3986 is an absolute http(s) URI as RFC 3986 writes it: only
// unreserved, reserved and percent-encoded characters. HSDS's url and
// website are format "uri"; a validator checking the format to the letter
// (ajv-formats, rfc3987) refuses a space or a letter outside ASCII.
var rfc3986 = regexp.MustCompile(`^https?://([A-Za-z0-9\-._~!$&'()*+,;=:]|%[0-9A-Fa-f]{2})+(/([A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*)*` +
	`(\?([A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*)?(#([A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*)?$`)

// TestURLsAreURIs: a service's url or an organisation's website as a
// partner typed it (the directory takes what Go's URL parser reads: a
// space, Cyrillic, a host in Latin letters with diacritics) is written
// as a URI, the same address percent-encoded, the host in ASCII.
func TestURLsAreURIs(t *testing.T) {
	for in, want := range map[string]string{
		"https://csr-sid.rs/usluge":               "https://csr-sid.rs/usluge",
		"https://csr-sid.rs/usluge/savetovalište": "https://csr-sid.rs/usluge/savetovali%C5%A1te",
		"https://sr.wikipedia.org/wiki/Шид":       "https://sr.wikipedia.org/wiki/%D0%A8%D0%B8%D0%B4",
		"https://x.rs/Pravna pomoć.pdf":           "https://x.rs/Pravna%20pomo%C4%87.pdf",
		"https://x.rs/a?q=pravna pomoć&x=1#deo 2": "https://x.rs/a?q=pravna%20pomo%C4%87&x=1#deo%202",
		"https://x.rs/50%25-popusta?a=%7C":        "https://x.rs/50%25-popusta?a=%7C",
		"https://x.rs/a|b{c}\"d\"<e>^f`g\\h":      "https://x.rs/a%7Cb%7Bc%7D%22d%22%3Ce%3E%5Ef%60g%5Ch",
		"https://udruženje-atina.rs/o-nama":       "https://xn--udruenje-atina-8dd.rs/o-nama",
		"http://localhost:8080/x":                 "http://localhost:8080/x",
		"HTTPS://Atina.org.rs":                    "https://atina.org.rs",
		"https://[2001:db8::1]:8443/a b":          "https://[2001:db8::1]:8443/a%20b",
	} {
		s := Writer{}.ServiceSummary(&domain.Service{ID: "s", URL: in}, nil)
		o := Writer{}.Organization(&domain.Organisation{ID: "o", Website: in})
		for _, got := range []string{s.URL, o.Website} {
			if got != want {
				t.Errorf("%q written %q, want %q", in, got, want)
			}
			if !rfc3986.MatchString(got) && want != "https://[2001:db8::1]:8443/a%20b" {
				t.Errorf("%q written %q, not an RFC 3986 URI", in, got)
			}
		}
	}
}
