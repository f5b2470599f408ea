package gateway

import (
	"encoding/hex"
	"net/http/httptest"
	"net/url"
	"testing"
	"unicode/utf8"

	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/testkit/statustest"
)

func TestDecodesToUTF8(t *testing.T) {
	for s, want := range map[string]bool{
		"":                    true,
		"abc":                 true,
		"a+b%20c":             true,
		"%C5%A0abac":          true,  // Šabac
		"%c5%a0":              true,  // lower-case hex
		"\xc5%A0":             true,  // raw and escaped bytes of one character
		"%F0%9F%98%80":        true,  // outside the BMP
		"2025-01-01T00%3A00Z": true,  // ASCII escapes
		"%ZZ%FF":              true,  // malformed escape: the gateway refuses it
		"%FF":                 false, // never in UTF-8
		"ab%FFcd":             false,
		"%C3":                 false, // truncated
		"%C3a":                false, // ASCII inside a sequence
		"%C3%2F":              false,
		"%80":                 false, // continuation byte alone
		"%C0%AF":              false, // overlong
		"%ED%A0%80":           false, // surrogate
		"%F4%90%80%80":        false, // beyond U+10FFFF
		"\xff":                false, // a raw byte
		"%E2%82%AC%E2%82":     false,
		"%E2%82%AC%E2%82%AC%": true, // trailing malformed escape
	} {
		if got := decodesToUTF8(s); got != want {
			t.Errorf("decodesToUTF8(%q) = %v, want %v", s, got, want)
		}
	}
	// Agrees with decoding first (url.QueryUnescape, as the gateway does).
	for b := range 256 {
		c := string([]byte{byte(b)})
		for _, s := range []string{c, "%C5" + c, "%E2%82" + c, "%F0%9F%98" + c, c + "%80%80", "%" + hex.EncodeToString([]byte{byte(b)}) + "%A0"} {
			decoded, err := url.QueryUnescape(s)
			if err != nil {
				continue
			}
			if got, want := decodesToUTF8(s), utf8.ValidString(decoded); got != want {
				t.Errorf("decodesToUTF8(%q) = %v, decoded UTF-8 %v", s, got, want)
			}
		}
	}
}

func TestInvalidUTF8(t *testing.T) {
	r := httptest.NewRequest("GET", "/v1/beneficiaries?query=%C5%A0abac&page_token=ab%FF&query=%C3&x=%C3&x=%FF", nil)
	err := invalidUTF8(r, map[string]string{"beneficiary_id": "\xff", "id": "ok"})
	statustest.WantError(t, err, errs.KindInvalidArgument, "", []string{"beneficiary_id", "page_token", "query", "x"})

	valid := httptest.NewRequest("GET", "/v1/beneficiaries/x/consents?query=%C5%A0abac&page_size=10&filter=a+b", nil)
	params := map[string]string{"beneficiary_id": "Šabac"}
	if err := invalidUTF8(valid, params); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { _ = invalidUTF8(valid, params) }); n != 0 {
		t.Errorf("%v allocations for a valid request, want 0", n)
	}
}
