package i18n

import (
	"slices"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// FuzzNegotiate: any Accept-Language header (a partner's, or whatever a
// client sends) picks a supported locale without panicking; a supported
// locale, asked for alone, is itself; and a status localized in it keeps
// its code, its English message and its field violations, and carries
// exactly one LocalizedMessage in that locale.
func FuzzNegotiate(f *testing.F) {
	for _, seed := range []string{"", "*", "sr", "sr-Latn-RS,sr;q=0.9,en;q=0.1", "bs-Cyrl", "hr-HR;q=0.5,en;q=0.9",
		"x-klingon", "en;q=1.0000001", "i-default", "zh-min-nan", "sr-Latn-u-co-phonebk", "en;q=0,hr;q=0", strings1000()} {
		f.Add(seed, "is required", "ETAG_MISMATCH", uint8(codes.InvalidArgument))
	}
	f.Fuzz(func(t *testing.T, header, description, reason string, code uint8) {
		lang := Negotiate(header)
		if !slices.Contains(Languages, lang) {
			t.Fatalf("Negotiate(%q) = %q, not a supported locale", header, lang)
		}
		if l, ok := Match(header); ok && l != lang {
			t.Fatalf("Match(%q) = %q, Negotiate = %q", header, l, lang)
		}
		if again := Negotiate(lang); again != lang {
			t.Fatalf("Negotiate(%q) = %q: a supported locale is not itself", lang, again)
		}
		c := codes.Code(code % 17)
		if c == codes.OK {
			c = codes.Unknown
		}
		st, err := status.New(c, "english message").WithDetails(
			&errdetails.ErrorInfo{Reason: reason, Domain: "spona"},
			&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: "x", Description: description}}})
		if err != nil {
			return // details that do not marshal (invalid UTF-8) never reach Localize
		}
		out := Localize(st, lang)
		if out.Code() != c || out.Message() != "english message" {
			t.Fatalf("Localize changed the status: %v", out)
		}
		localized := 0
		for _, d := range out.Details() {
			switch d := d.(type) {
			case *errdetails.LocalizedMessage:
				localized++
				if d.GetLocale() != lang || d.GetMessage() == "" {
					t.Fatalf("LocalizedMessage %v for %q", d, lang)
				}
			case *errdetails.BadRequest:
				if fv := d.GetFieldViolations(); len(fv) != 1 || fv[0].GetDescription() != description || fv[0].GetLocalizedMessage().GetLocale() != lang {
					t.Fatalf("field violations after Localize: %v", fv)
				}
			}
		}
		if localized != 1 {
			t.Fatalf("%d LocalizedMessages in %v", localized, out.Details())
		}
	})
}

func strings1000() string {
	b := make([]byte, 0, 4000)
	for i := 0; i < 1000; i++ {
		b = append(b, "sr,"...)
	}
	return string(b)
}
