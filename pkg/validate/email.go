package validate

import (
	"net/mail"
	"strings"

	"github.com/spona/spona/pkg/errs"
	"golang.org/x/net/idna"
)

// maxEmail is the longest address SMTP carries (RFC 5321's 256-octet path
// less its angle brackets).
const maxEmail = 254

// NormalEmail returns an e-mail address in the one form every service
// stores and compares it in: trimmed, in lower case, with an
// internationalised domain written in ASCII (IDNA, Lookup profile, which
// also composes the letters, NFC). So marko@Udruga-Đakovo.hr, its
// decomposed spelling and marko@xn--udruga-akovo-ctb.hr, one address, are
// all stored as marko@xn--udruga-akovo-ctb.hr, which is valid where an
// address must be ASCII (RFC 5321; HSDS's "email" format). An address
// whose domain does not convert is returned trimmed and lower-cased, for
// Email to refuse.
func NormalEmail(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	at := strings.LastIndexByte(s, '@')
	if at < 0 || IsASCII(s[at+1:]) {
		return s
	}
	domain, err := idna.Lookup.ToASCII(s[at+1:])
	if err != nil {
		return s
	}
	return s[:at+1] + domain
}

// Email checks an optional e-mail field and returns its normal form
// (NormalEmail). It refuses what is not one plain address once
// normalised (at most 64 characters before @, a host name after it), and
// an address whose part before @ is not ASCII: that part
// cannot be written in ASCII at all, its mail servers must support
// SMTPUTF8, and the standard interfaces Spona publishes through (HSDS) do
// not take it.
func Email(v *errs.Violations, field, s string) string {
	email := NormalEmail(s)
	if email == "" {
		return ""
	}
	if at := strings.LastIndexByte(email, '@'); at > 0 && !IsASCII(email[:at]) {
		v.Add(field, "the part before @ must be ASCII (letters a-z, digits and . _ - +): an address like đurđa@… cannot be published; give an ASCII one (e.g. djurdja@…)")
		return email
	}
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > maxEmail || !IsASCII(email) {
		v.Add(field, "must be an e-mail address such as name@example.org")
		return email
	}
	at := strings.LastIndexByte(email, '@')
	if at > maxLocal || !hostName(email[at+1:]) {
		v.Add(field, "must be an e-mail address such as name@example.org: at most 64 characters before @, and after it a domain name (labels of letters a-z, digits and inner hyphens, each at most 63 long)")
	}
	return email
}

// maxLocal is the longest part before @ (RFC 5321 4.5.3.1.1).
const maxLocal = 64

// hostName reports whether domain is a host name as mail is delivered to
// and HSDS's "email" format takes it (RFC 1123 labels): labels of 1 to 63
// letters a-z (the address is in lower case), digits and hyphens, neither
// first nor last, at most 253 characters in all. net/mail also accepts
// atoms such as udruga_x.hr or -x.rs and domain literals ([127.0.0.1]):
// no mail reaches them, and one published in the directory made the whole
// HSDS answer listing it invalid.
func hostName(domain string) bool {
	if domain == "" || len(domain) > 253 {
		return false
	}
	for _, label := range strings.Split(domain, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			if c := label[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
				return false
			}
		}
	}
	return true
}

// EmailSpellings returns the ways a person may write the stored address
// email (NormalEmail's form): itself and, for an internationalised
// domain, the address with the domain in Unicode (marko@udruga-đakovo.hr),
// for finding the address in free text.
func EmailSpellings(email string) []string {
	out := []string{email}
	at := strings.LastIndexByte(email, '@')
	if at < 0 || !strings.Contains(email[at+1:], "xn--") {
		return out
	}
	// Only a spelling that is the same address: "xn--" with nothing
	// after it converts without an error to nothing ("a@xn--.rs" to
	// "a@.rs"), which is no way of writing the address and would find
	// other text.
	if domain, err := idna.Lookup.ToUnicode(email[at+1:]); err == nil && domain != email[at+1:] && NormalEmail(email[:at+1]+domain) == email {
		out = append(out, email[:at+1]+domain)
	}
	return out
}

// IsASCII reports whether s has only ASCII characters.
func IsASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
