package service_test

import (
	"strings"
	"testing"
	"unicode"

	"github.com/spona/spona/pkg/i18n"
	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// localized returns the google.rpc.LocalizedMessage of a Status body and
// the localized messages of its field violations.
func localized(t *testing.T, r resttest.Response) (locale, msg string, fields map[string][2]string) {
	t.Helper()
	fields = map[string][2]string{}
	details, _ := r.Body["details"].([]any)
	n := 0
	for _, d := range details {
		dm, _ := d.(map[string]any)
		switch dm["@type"] {
		case "type.googleapis.com/google.rpc.LocalizedMessage":
			n++
			locale, _ = dm["locale"].(string)
			msg, _ = dm["message"].(string)
		case "type.googleapis.com/google.rpc.BadRequest":
			fvs, _ := dm["field_violations"].([]any)
			for _, fv := range fvs {
				fvm, _ := fv.(map[string]any)
				lm, _ := fvm["localized_message"].(map[string]any)
				l, _ := lm["locale"].(string)
				m, _ := lm["message"].(string)
				fields[fvm["field"].(string)] = [2]string{l, m}
			}
		}
	}
	if n != 1 {
		t.Fatalf("%d LocalizedMessage details in %s", n, r.Raw)
	}
	return locale, msg, fields
}

// ownText fails when r's google.rpc.LocalizedMessage is only the general
// text of its status code (what a reason without a text of its own got:
// "Missing or invalid credentials" for a key that was sent, "The request is
// not valid" for a body that is no JSON) rather than its reason's own.
func ownText(t *testing.T, what string, r resttest.Response) {
	t.Helper()
	locale, msg, _ := localized(t, r)
	code, _ := r.Body["code"].(float64)
	bare := status.New(codes.Code(code), "")
	withField, err := bare.WithDetails(&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: "f", Description: "x"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []*status.Status{bare, withField} {
		for _, d := range i18n.Localize(st, locale).Details() {
			if lm, ok := d.(*errdetails.LocalizedMessage); ok && lm.GetMessage() == msg {
				t.Errorf("%s: localized message %q in %s is its code's general text, not its reason's own: %s", what, msg, locale, r.Raw)
			}
		}
	}
}

func hasCyrillic(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Cyrillic, r) {
			return true
		}
	}
	return false
}

// TestLocalizedErrors: the common failures carry a google.rpc.LocalizedMessage
// (and, for validation, one per field) in the language Accept-Language asks
// for, English by default, while HTTP status, code and English message stay
// exactly what they are without the header.
func TestLocalizedErrors(t *testing.T) {
	s := edgetest.Start(t, nil)
	a := resttest.New(s.URL, s.CreateKey(t, "i18n-a", "I18n NGO A").Key)
	orgB := s.CreateKey(t, "i18n-b", "I18n NGO B").Organisation

	ben := a.Do(t, "POST", "/v1/beneficiaries", map[string]any{
		"given_name": "Amina", "sex": "SEX_FEMALE", "birth_year": 1994, "legal_status": "LEGAL_STATUS_ASYLUM_SEEKER",
	}).Must(t, 200)
	etag := ben.Str("etag")
	a.Do(t, "PATCH", "/v1/beneficiaries/"+ben.Str("id")+"?update_mask=family_name", map[string]any{"family_name": "H", "etag": etag}).Must(t, 200)
	referral := a.Do(t, "POST", "/v1/referrals", map[string]any{
		"beneficiary_id": ben.Str("id"), "to_organisation_id": orgB, "category": "REFERRAL_CATEGORY_LEGAL", "urgency": "URGENCY_NORMAL", "reason": "legal aid",
	}).Must(t, 200).Str("id")

	failures := []struct {
		name         string
		status       int
		method, path string
		body         any
		en, hr       string // the localized message in English and Croatian
		field        string // a field with a localized violation
	}{
		{"validation", 400, "POST", "/v1/beneficiaries", map[string]any{"birth_year": 1994, "sex": "SEX_FEMALE", "nationality": "not-a-country"},
			"The request is not valid; see the fields named in the details.", "Zahtjev nije ispravan; pogledajte polja navedena u pojedinostima.", "beneficiary.given_name"},
		{"not found", 404, "GET", "/v1/beneficiaries/0190a1b2-0000-7000-8000-00000000dead", nil,
			"The resource does not exist or your organisation cannot see it.", "Resurs ne postoji ili ga vaša organizacija ne može vidjeti.", ""},
		{"stale etag", 409, "PATCH", "/v1/beneficiaries/" + ben.Str("id") + "?update_mask=family_name", map[string]any{"family_name": "X", "etag": etag},
			"The resource was changed after you read it: read it again and send its current etag.", "Resurs je izmijenjen nakon što ste ga pročitali: pročitajte ga ponovno i pošaljite njegov trenutačni etag.", ""},
		{"consent required", 400, "POST", "/v1/referrals/" + referral + ":send", map[string]any{},
			"The beneficiary has no valid consent for this; record the consent first.", "Korisnik nema valjanu privolu za ovo; najprije evidentirajte privolu.", ""},
		{"illegal transition", 400, "POST", "/v1/referrals/" + referral + ":accept", map[string]any{},
			"This change of state is not allowed from the current state.", "Ova promjena stanja nije dopuštena iz trenutačnog stanja.", ""},
		// Without fields to point to: what the reason says, or that the
		// message says why.
		{"not a spreadsheet", 400, "POST", "/v1/beneficiaries:import?validate_only=true", map[string]any{"content_type": "text/csv"},
			"The file is not a spreadsheet Spona reads: send CSV (text/csv), XLSX or ODS (LibreOffice), with the matching Content-Type.",
			"Datoteka nije tablica koju Spona čita: pošaljite CSV (text/csv), XLSX ili ODS (LibreOffice), s odgovarajućim Content-Type.", ""},
		// The edge's own refusals say what their reason says (before r19,
		// their code's general text).
		{"malformed body", 400, "POST", "/v1/beneficiaries", "{",
			"The request body is not valid JSON of this request; the details name where (the field), or the message says why.",
			"Tijelo zahtjeva nije ispravan JSON ovog zahtjeva; mjesto navode pojedinosti (polje) ili razlog navodi poruka.", ""},
		{"unauthenticated", 401, "GET", "/v1/beneficiaries", nil,
			"No credentials were sent: send Authorization: Bearer <API key> (or an OIDC token).",
			"Podaci za pristup nisu poslani: pošaljite Authorization: Bearer <API ključ> (ili OIDC token).", ""},
	}
	languages := []struct{ header, locale string }{
		{"", "en"}, {"en-GB", "en"}, {"de-DE, fr;q=0.5", "en"}, {"sr-Latn-RS, sr;q=0.8", "sr-Latn"},
		{"sr", "sr-Cyrl"}, {"sr-Cyrl-BA", "sr-Cyrl"}, {"bs-BA", "bs"}, {"hr-HR, hr;q=0.9, en;q=0.8", "hr"},
		// Bosnian in Cyrillic: Bosnian, not English (the base language
		// before any later choice).
		{"bs-Cyrl", "bs"}, {"bs-Cyrl-BA, hr;q=0.5", "bs"},
	}
	for _, f := range failures {
		t.Run(f.name, func(t *testing.T) {
			c := a
			if f.status == 401 {
				c = a.As("")
			}
			base := c.Do(t, f.method, f.path, f.body).Must(t, f.status)
			seen := map[string]string{}
			for _, l := range languages {
				r := c.Do(t, f.method, f.path, f.body, "Accept-Language", l.header).Must(t, f.status)
				if r.Body["code"] != base.Body["code"] || r.Str("message") != base.Str("message") {
					t.Errorf("%s: code/message %v %q, without the header %v %q", l.header, r.Body["code"], r.Str("message"), base.Body["code"], base.Str("message"))
				}
				locale, msg, fields := localized(t, r)
				if locale != l.locale || msg == "" {
					t.Errorf("Accept-Language %q: LocalizedMessage %q %q, want locale %s", l.header, locale, msg, l.locale)
				}
				if hasCyrillic(msg) != (l.locale == "sr-Cyrl") {
					t.Errorf("%s: %q in the wrong script", l.locale, msg)
				}
				switch l.locale {
				case "en":
					if msg != f.en {
						t.Errorf("en: %q, want %q", msg, f.en)
					}
				case "hr":
					if msg != f.hr {
						t.Errorf("hr: %q, want %q", msg, f.hr)
					}
				}
				if prev, ok := seen[l.locale]; ok && prev != msg {
					t.Errorf("%s: two messages %q and %q", l.locale, prev, msg)
				}
				seen[l.locale] = msg
				if f.field != "" {
					fv, ok := fields[f.field]
					if !ok || fv[0] != l.locale || fv[1] == "" {
						t.Errorf("%s: field %s localized as %v (all: %v)", l.locale, f.field, fv, fields)
					}
					if len(fields) < 2 {
						t.Errorf("want violations of given_name and nationality, got %v", fields)
					}
				}
			}
			if len(seen) != 5 {
				t.Errorf("languages seen: %v", seen)
			}
			if strings.Contains(seen["en"], "%") {
				t.Errorf("unformatted: %q", seen["en"])
			}
		})
	}
}
