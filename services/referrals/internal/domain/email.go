package domain

import (
	"net/mail"
	"strings"

	"github.com/spona/spona/pkg/errs"
	"golang.org/x/net/idna"
)

// NormalEmail returns an e-mail address as the directory stores it:
// trimmed, in lower case, with an internationalised domain written in ASCII
// (IDNA, Lookup profile): pomoc@udruga-đakovo.hr is stored as
// pomoc@xn--udruga-akovo-ctb.hr, the same address, which is valid where an
// address must be ASCII (RFC 5321; the HSDS schemas' "email" format). An
// address whose domain does not convert is returned as given, for
// validation to refuse.
func NormalEmail(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	at := strings.LastIndexByte(s, '@')
	if at < 0 || ascii(s[at+1:]) {
		return s
	}
	domain, err := idna.Lookup.ToASCII(s[at+1:])
	if err != nil {
		return s
	}
	return s[:at+1] + domain
}

// checkEmail refuses what is not one plain ASCII address (after
// NormalEmail). A local part (before @) outside ASCII cannot be written in
// ASCII at all: its mail servers must support SMTPUTF8, and the standard
// interfaces the directory publishes through (HSDS) do not take it.
func checkEmail(v *errs.Violations, field, email string) {
	if email == "" {
		return
	}
	if at := strings.LastIndexByte(email, '@'); at > 0 && !ascii(email[:at]) {
		v.Add(field, "the part before @ must be ASCII (letters a-z, digits and . _ - +): an address like đurđa@… cannot be published; give an ASCII one (e.g. djurdja@…)")
		return
	}
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 || !ascii(email) {
		v.Add(field, "is not an e-mail address")
	}
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
