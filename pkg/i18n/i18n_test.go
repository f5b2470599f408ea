package i18n

import (
	"strings"
	"testing"

	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/translit"
	"github.com/spona/spona/pkg/validate"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func TestNegotiate(t *testing.T) {
	for h, want := range map[string]string{
		"": "en", "en": "en", "de-DE,fr;q=0.9": "en", "*": "en", "garbage;;q=x": "en",
		"sr-Latn": "sr-Latn", "sr-Latn-RS,sr;q=0.9": "sr-Latn", "sr": "sr-Cyrl", "sr-RS": "sr-Cyrl", "sr-Cyrl-BA": "sr-Cyrl",
		"bs": "bs", "bs-BA": "bs", "hr": "hr", "hr-HR,en;q=0.5": "hr", "en;q=0.1,hr;q=0.9": "hr",
		// A script the matcher has no fit for: the tag's base language
		// (RFC 4647 lookup), before later tags and before English.
		"bs-Cyrl": "bs", "bs-Cyrl-BA": "bs", "bs-Cyrl,hr;q=0.5": "bs", "hr-Cyrl": "hr", "de-Cyrl,hr;q=0.5": "hr",
		"cnr": "en", "de-Cyrl": "en",
	} {
		if got := Negotiate(h); got != want {
			t.Errorf("Negotiate(%q) = %s, want %s", h, got, want)
		}
	}
	// Match says when nothing fits, so that a caller can choose its own
	// default (HSDS writes each record's working language without a header).
	for _, h := range []string{"", "de", "*", "garbage;;q=x", "cnr"} {
		if l, ok := Match(h); ok {
			t.Errorf("Match(%q) = %s, want no fit", h, l)
		}
	}
	if l, ok := Match("bs-Cyrl"); !ok || l != "bs" {
		t.Errorf("Match(bs-Cyrl) = %s %v", l, ok)
	}
}

// Every message exists in every language, and the two Serbian scripts say
// the same thing (Cyrillic transliterates to the Latin text).
func TestCatalogueIsComplete(t *testing.T) {
	n := len(catalogue["en"])
	for _, l := range Languages {
		if len(catalogue[l]) != n {
			t.Fatalf("%s has %d messages, en %d", l, len(catalogue[l]), n)
		}
		for i, m := range catalogue[l] {
			if m == "" {
				t.Errorf("%s: message %d (en %q) missing", l, i, catalogue["en"][i])
			}
		}
	}
	for i, cyr := range catalogue["sr-Cyrl"] {
		if lat := catalogue["sr-Latn"][i]; translit.SerbianLatin(cyr) != lat {
			t.Errorf("sr-Cyrl %q transliterates to %q, sr-Latn says %q", cyr, translit.SerbianLatin(cyr), lat)
		}
	}
}

func TestLocalize(t *testing.T) {
	st, _ := status.New(codes.FailedPrecondition, "cannot accept a referral that is draft").WithDetails(
		&errdetails.ErrorInfo{Reason: "ILLEGAL_TRANSITION", Domain: "spona.org"},
		&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{
			{Field: "a", Description: "is required"}, {Field: "b", Description: `unknown value "X"`},
			{Field: "c", Description: "must be between 1 and 100"}, {Field: "d", Description: "something new"},
			{Field: "e", Description: "must be between 0s and 720h0m0s"},
			{Field: "f", Description: "must be between 3 and 100 (0 for the default, 5): smaller counts identify people"},
			{Field: "g", Description: "must be between 0.5 and 1.5."},
		}},
		&errdetails.LocalizedMessage{Locale: "en", Message: "replaced"},
	)
	out := Localize(st, "bs")
	if out.Message() != st.Message() || out.Code() != st.Code() {
		t.Errorf("message or code changed: %v", out)
	}
	var lm []*errdetails.LocalizedMessage
	var fvs []*errdetails.BadRequest_FieldViolation
	for _, d := range out.Details() {
		switch d := d.(type) {
		case *errdetails.LocalizedMessage:
			lm = append(lm, d)
		case *errdetails.BadRequest:
			fvs = d.GetFieldViolations()
		}
	}
	if len(lm) != 1 || lm[0].GetLocale() != "bs" || lm[0].GetMessage() != "Ova promjena stanja nije dozvoljena iz trenutnog stanja." {
		t.Errorf("localized messages: %v", lm)
	}
	want := []string{"Ovo polje je obavezno.", `Nepoznata vrijednost "X".`, "Mora biti između 1 i 100.", "Ova vrijednost nije ispravna.",
		"Mora biti između 0s i 720h0m0s.", "Mora biti između 3 i 100.", "Mora biti između 0.5 i 1.5."}
	for i, fv := range fvs {
		if fv.GetLocalizedMessage().GetLocale() != "bs" || fv.GetLocalizedMessage().GetMessage() != want[i] {
			t.Errorf("field %s: %v, want %q", fv.GetField(), fv.GetLocalizedMessage(), want[i])
		}
	}
	// An INVALID_ARGUMENT that names no field does not send the caller to
	// the fields; with a reason of its own, it says that reason.
	localized := func(st *status.Status, lang string) string {
		for _, d := range Localize(st, lang).Details() {
			if m, ok := d.(*errdetails.LocalizedMessage); ok {
				return m.GetMessage()
			}
		}
		return ""
	}
	bare := status.New(codes.InvalidArgument, "request body larger than 1048576 bytes")
	if got := localized(bare, "hr"); got != invalidNoFields["hr"] {
		t.Errorf("no fields: %q", got)
	}
	withFields, _ := status.New(codes.InvalidArgument, "bad").WithDetails(&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: "a", Description: "is required"}}})
	if got := localized(withFields, "hr"); got != byCode[codes.InvalidArgument]["hr"] {
		t.Errorf("with fields: %q", got)
	}
	file, _ := status.New(codes.InvalidArgument, "not CSV").WithDetails(&errdetails.ErrorInfo{Reason: "NOT_A_SPREADSHEET", Domain: "spona.org"})
	if got := localized(file, "sr-Cyrl"); got != byReason["NOT_A_SPREADSHEET"]["sr-Cyrl"] {
		t.Errorf("file: %q", got)
	}
	if Localize(status.New(codes.OK, ""), "hr").Code() != codes.OK {
		t.Error("OK changed")
	}
	if m := Localize(status.New(codes.DataLoss, "x"), "xx").Details()[0].(*errdetails.LocalizedMessage); m.GetLocale() != "en" || m.GetMessage() != byCode[codes.Internal]["en"] {
		t.Errorf("unknown code/language: %v", m)
	}
}

// TestEmailViolationsLocalized: the two refusals of the one e-mail rule
// (pkg/validate.Email) have texts of their own in every language.
func TestEmailViolationsLocalized(t *testing.T) {
	var v errs.Violations
	validate.Email(&v, "a", "not an address")
	validate.Email(&v, "b", "đurđa@example.org")
	haveOwnTexts(t, v, 2)
}

// haveOwnTexts checks that v holds want violations, each with a text of
// its own in every language (not "this value is not valid").
func haveOwnTexts(t *testing.T, v errs.Violations, want int) {
	t.Helper()
	if len(v) != want {
		t.Fatalf("violations: %v", v)
	}
	for _, x := range v {
		for _, lang := range Languages {
			got := violation(x.Description, lang)
			if got == "" || got == invalidValue[lang] {
				t.Errorf("%q in %s: %q", x.Description, lang, got)
			}
		}
	}
}

// TestTimeViolationsLocalized: the refusals of pkg/grpcx every timestamp
// and duration field of every service answers with (the zero time, out of
// range, nanos out of range, a bad duration) have texts of their own in
// every language, the range with its bounds.
func TestTimeViolationsLocalized(t *testing.T) {
	var v errs.Violations
	grpcx.Time(&v, "a", &timestamppb.Timestamp{Seconds: -62135596800})
	grpcx.Time(&v, "b", &timestamppb.Timestamp{Seconds: 1 << 40})
	grpcx.Time(&v, "c", &timestamppb.Timestamp{Nanos: -1})
	grpcx.Duration(&v, "d", &durationpb.Duration{Seconds: 1, Nanos: -1})
	haveOwnTexts(t, v, 4)
	if got := violation(v[1].Description, "hr"); got != "Mora biti između 0001-01-01T00:00:00Z i 9999-12-31T23:59:59.999999999Z." {
		t.Errorf("range in hr: %q", got)
	}
}

// TestDateViolationsLocalized: the refusals of pkg/date every date field
// of every service answers with (not a date, a year before date.MinYear)
// have texts of their own in every language, not "this value is not valid".
func TestDateViolationsLocalized(t *testing.T) {
	var v errs.Violations
	date.ParseField(&v, "a", "31.01.2024")
	date.CheckMinYear(&v, "b", date.Date{Year: 24, Month: 1, Day: 1})
	haveOwnTexts(t, v, 2)
	if got := violation(v[1].Description, "sr-Latn"); got != "Mora biti 1900. godine ili kasnije." {
		t.Errorf("year in sr-Latn: %q", got)
	}
}

// TestBeneficiaryConflictsLocalized: the beneficiaries service's refusals
// of a merge into the record itself, of a member who is in a household
// already, of a second head of a household, of a duplicate with a legal
// status from before the survivor's birth, of a second JMBG or OIB (and
// a merge bringing one) and of a document the person has already (its pkg/db unique
// key; their descriptions as the service writes them) have texts of their
// own in every language, not "this value is not valid", and the document's
// says what is taken rather than "another record has this value".
func TestBeneficiaryConflictsLocalized(t *testing.T) {
	var v errs.Violations
	v.Add("duplicate_id", "must differ from id: a record is not merged into itself")
	v.Add("household.members[1].beneficiary_id", "is in a household already (a person is in at most one): remove them from it first")
	v.Add("document.number", "is already taken: the beneficiary has a document of this type, number and issuing country")
	v.Add("member.relationship", "is a second head: a household has one, and this one has its head already: "+
		"to make this member the head, remove the head from the household first")
	v.Add("household.members[2].relationship", "is a second head: a household has one (household.members[0] is)")
	v.Add("duplicate_id", "has held a legal status (asylum_seeker) since before the birth date of beneficiary "+
		"0190c000-0000-7000-8000-000000000001, which would get it: correct the one that is wrong first (the duplicate's legal_status_since, or the birth)")
	v.Add("document.number", "is another personal number than the one the beneficiary has (document 0190c000-0000-7000-8000-000000000002): "+
		"a person has one JMBG; to correct it, delete that document and add this one")
	v.Add("beneficiary.documents[1].number", "is another personal number than the one the beneficiary has: a person has one OIB")
	v.Add("duplicate_id", "has another JMBG (document 0190c000-0000-7000-8000-000000000003) than beneficiary 0190c000-0000-7000-8000-000000000001 "+
		"(document 0190c000-0000-7000-8000-000000000002): a person has one, so these are two persons, or one number is wrong: correct it first")
	haveOwnTexts(t, v, 9)
	if got := violation(v[8].Description, "hr"); !strings.Contains(got, "JMBG (dokument 0190c000-0000-7000-8000-000000000003)") ||
		!strings.Contains(got, "(dokument 0190c000-0000-7000-8000-000000000002)") {
		t.Errorf("another JMBG in a merge in hr: %q", got)
	}
	if got := violation(v[7].Description, "en"); got != "A second OIB: a person has one." {
		t.Errorf("a second OIB in a create in en: %q", got)
	}
	if got := violation(v[5].Description, "sr-Latn"); !strings.Contains(got, "(asylum_seeker) počinje pre datuma rođenja") {
		t.Errorf("status before the survivor's birth in sr-Latn: %q", got)
	}
	if got := violation(v[2].Description, "en"); got != "The beneficiary has this document already (the same type, number and issuing country)." {
		t.Errorf("document in en: %q", got)
	}
	// The one the service finds itself: the same type and number, a
	// country on one of them only.
	var w errs.Violations
	w.Add("document.number", "is already taken: the beneficiary has a document of this type and number (document 0190c000-0000-7000-8000-000000000001), "+
		"with no issuing country or with one where this has none; to give it its issuing country, delete it and add it again")
	haveOwnTexts(t, w, 1)
	if got := violation(w[0].Description, "hr"); !strings.Contains(got, "dokument 0190c000-0000-7000-8000-000000000001:") {
		t.Errorf("document without a country in hr: %q", got)
	}
}

// TestBeneficiaryDatesLocalized: an assistance dated before the person's
// birth, and a municipality filter without a letter or digit, have texts
// of their own in every language that say what is wrong. The first read
// "Must not be before the." ("Ne sme biti pre the.") in every language:
// the pattern for "must not be before start_date" took "the" for a field.
func TestBeneficiaryDatesLocalized(t *testing.T) {
	var v errs.Violations
	v.Add("assistance.date", "must not be before the beneficiary's birth date (%s)", "1990-04-12")
	v.Add("assistance.date", "must not be before the beneficiary's birth year (%d)", 1990)
	v.Add("municipality", "must contain a letter or digit: a municipality is matched by its letters, in either script")
	haveOwnTexts(t, v, 3)
	for i, want := range []string{"Ne sme biti pre datuma rođenja korisnika (1990-04-12).", "Ne sme biti pre godine rođenja korisnika (1990)."} {
		if got := violation(v[i].Description, "sr-Latn"); got != want {
			t.Errorf("%q in sr-Latn: %q, want %q", v[i].Description, got, want)
		}
	}
	// The field-named form stays as it was.
	if got := violation("must not be before planned_start_date", "hr"); got != "Ne smije biti prije planned_start_date." {
		t.Errorf("planned_start_date in hr: %q", got)
	}
}

// TestJMBGBirthYearLocalized: a JMBG that contradicts the person's birth
// year (on the document, or on the birth year changed) reads as such in
// every language, not as the birth date's text or the fallback.
func TestJMBGBirthYearLocalized(t *testing.T) {
	var v errs.Violations
	v.Add("document.number", "encodes another birth year than the beneficiary's birth_year (a JMBG starts with the birth date, DDMMYYY)")
	v.Add("beneficiary.birth_year", "contradicts the birth year the person's JMBG (document %s) encodes (a JMBG starts with the birth date, DDMMYYY)", "0190")
	haveOwnTexts(t, v, 2)
	for _, x := range v {
		if got := violation(x.Description, "sr-Latn"); got != "Ne odgovara godini rođenja (JMBG počinje datumom rođenja, DDMMYYY)." {
			t.Errorf("%q in sr-Latn: %q", x.Description, got)
		}
	}
}

// TestMergedJMBGLocalized: a merge refused because the duplicate's JMBG
// contradicts the survivor's birth date or year reads as such in every
// language, naming the document.
func TestMergedJMBGLocalized(t *testing.T) {
	var v errs.Violations
	const doc = "0190a0a0-0000-7000-8000-000000000001"
	for _, what := range []string{"date", "year"} {
		v.Add("duplicate_id", "carries a JMBG (document %s) that encodes another birth %s than the birth_%s of beneficiary %s, which "+
			"would get it: correct the one that is wrong first (a JMBG starts with the birth date, DDMMYYY)", doc, what, what, "0190")
	}
	haveOwnTexts(t, v, 2)
	for i, want := range []string{"datumu rođenja", "godini rođenja"} {
		if got := violation(v[i].Description, "sr-Latn"); !strings.Contains(got, want) || !strings.Contains(got, doc) {
			t.Errorf("%q in sr-Latn: %q, want it to say %q and name the document", v[i].Description, got, want)
		}
	}
}

// TestBodyTypeLocalized: the edge's refusal of a body value not of its
// field's type, which no longer repeats the value (gateway
// refuseDecoded), still reads as such in every language, naming the type.
func TestBodyTypeLocalized(t *testing.T) {
	var v errs.Violations
	v.Add("beneficiary.phone", "is not a valid string value")
	v.Add("beneficiary.birth_year", "is not a valid int32 value")
	haveOwnTexts(t, v, 2)
	if got := violation(v[0].Description, "hr"); got != "Nije ispravna vrijednost tipa string." {
		t.Errorf("%q in hr: %q", v[0].Description, got)
	}
}

// TestPhoneLostPrefixLocalized: a phone number of digits alone without
// its 0 or +, refused by the API and the import alike (validate.Phone),
// reads as such in every language, saying how to write it.
func TestPhoneLostPrefixLocalized(t *testing.T) {
	var v errs.Violations
	validate.Phone(&v, "beneficiary.phone", "641234567")
	haveOwnTexts(t, v, 1)
	if got := violation(v[0].Description, "sr-Latn"); !strings.Contains(got, "početnu 0") {
		t.Errorf("%q in sr-Latn: %q", v[0].Description, got)
	}
}
