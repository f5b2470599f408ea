package gateway

import (
	"errors"
	"strings"
	"testing"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	refv1 "github.com/spona/spona/gen/go/spona/referrals/v1"
	trnv1 "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/errs"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// decodeBody decodes body as the gateway decodes a route's JSON body (its
// body field is field) into target (the request, or the address of its
// body field) and returns the violation the error handler answers with
// (nil when the body decodes, or is refused as a whole).
func decodeBody(t *testing.T, field, body string, target any) *errs.FieldViolation {
	t.Helper()
	err := marshaler.NewDecoder(strings.NewReader(body)).Decode(target)
	if err == nil {
		return nil
	}
	// As the gateway passes it on.
	v, ok := refusedBody(status.Errorf(codes.InvalidArgument, "%v", err).Error()[len("rpc error: code = InvalidArgument desc = "):], field)
	if !ok || v.Field == "" {
		return nil // the request as a whole
	}
	return &v
}

// TestBodyRefusalNamesThePath: a body the decoder refuses is a violation of
// the field by its path in the request (the route's body field, then the
// field's proto name, [i] for an element, [key] for a map entry), as the
// services name the fields they refuse: referral.urgency, not urgency
// (before: the bare JSON name, or no violation at all for a body that is
// not JSON or a value of the wrong JSON type).
func TestBodyRefusalNamesThePath(t *testing.T) {
	referral := func() any { return &(&refv1.CreateReferralRequest{}).Referral }
	service := func() any { return &(&refv1.CreateServiceRequest{}).Service }
	participant := func() any { return &(&trnv1.CreateParticipantRequest{}).Participant }
	for _, c := range []struct {
		field, body string
		target      func() any
		path, desc  string
	}{
		{"referral", `{"urgency": "HIGH"}`, referral, "referral.urgency", `must be one of URGENCY_`},
		{"referral", `{"beneficiaryId": 5}`, referral, "referral.beneficiary_id", "is not a valid string value"},
		{"referral", "{\n  \"reason\": \"x\",\n  \"urgnecy\": \"URGENCY_HIGH\"\n}", referral, "referral.urgnecy", `unknown or read-only field "urgnecy"`},
		{"referral", `{"reason": "a", "reason": "b"}`, referral, "referral.reason", "is given more than once"},
		{"referral", `{"reason": ["a"]}`, referral, "referral.reason", "is not a valid string value"},
		{"service", `{"eligibility": 5}`, service, "service.eligibility", "is of the wrong JSON type: unexpected number"},
		{"service", `{"schedules": [{"days": ["WEEKDAY_MONDAY", "MON"]}]}`, service, "service.schedules[0].days[1]", `must be one of WEEKDAY_`},
		{"referral", `{"reason": "a", "urgency": tru}`, referral, "referral.urgency", "is not valid JSON: invalid character"},
		{"referral", `{"reason": "a"`, referral, "referral", "is not valid JSON: unexpected EOF"},
		{"referral", `[1]`, referral, "referral", "is of the wrong JSON type: unexpected ["},
		{"service", `{"name": "Ž", "schedules": [{"opens_at": "08:00"}, {"opens_at": 8}]}`, service, "service.schedules[1].opens_at", "is not a valid string value"},
		{"service", `{"localized_names": {"sr-Latn": "Ž", "sr-Cyrl": 5}}`, service, "service.localized_names[sr-Cyrl]", "is not a valid string value"},
		{"service", `{"eligibility": {"minimumAge": "ten"}}`, service, "service.eligibility.minimum_age", "is not a valid int32 value"},
		{"service", `{"locations": [{}, {"name": "L", "nope": 1}]}`, service, "service.locations[1].nope", `unknown or read-only field "nope"`},
		{"participant", `{"professional": {"given_name": "A"}, "beneficiaryId": "x"}`, participant, "participant.beneficiary_id", "only one of professional, beneficiary_id may be given"},
		{"*", `{"id": "x", "reason": 5}`, func() any { return &refv1.DeclineReferralRequest{} }, "reason", "is not a valid string value"},
		{"*", `{"reason": "x"} trailing`, func() any { return &refv1.DeclineReferralRequest{} }, "", ""},
		{"*", `{"reason": "x"`, func() any { return &refv1.DeclineReferralRequest{} }, "", ""},
	} {
		v := decodeBody(t, c.field, c.body, c.target())
		switch {
		case c.path == "" && v != nil:
			t.Errorf("%s: violation %v, want none", c.body, v)
		case c.path != "" && v == nil:
			t.Errorf("%s: no violation, want %s", c.body, c.path)
		case v != nil && (v.Field != c.path || !strings.HasPrefix(v.Description, c.desc)):
			t.Errorf("%s: violation %s %q, want %s %q", c.body, v.Field, v.Description, c.path, c.desc)
		}
	}
}

// TestBodyRefusalRepeatsNoValue: a body value refused as not of its
// field's type is named by its field and type, not repeated: it may be the
// personal data the field was meant for (a JMBG or a phone number sent as
// a JSON number, a name inside an object), and the edge keeps a refused
// create's answer for Idempotency-Key replay under no person, where
// erasing the person cannot reach it (a misspelt enum code is answered
// with the codes its field takes: TestEnumRefusalNamesTheValues).
// Before, "is not a valid string value: 101990710008" and "unexpected
// token "0101990710008"" quoted them.
func TestBodyRefusalRepeatsNoValue(t *testing.T) {
	person := func() any { return &(&benv1.CreateBeneficiaryRequest{}).Beneficiary }
	for _, c := range []struct{ body, path, desc, secret string }{
		{`{"given_name": "A", "documents": [{"type": "DOCUMENT_TYPE_JMBG", "number": 101990710008}]}`,
			"beneficiary.documents[0].number", "is not a valid string value", "101990710008"},
		{`{"given_name": "A", "phone": 381641234567}`, "beneficiary.phone", "is not a valid string value", "381641234567"},
		{`{"given_name": {"first": "Amina Haddad"}}`, "beneficiary.given_name", "is not a valid string value", "Amina"},
		{`{"given_name": "A", "birth_year": "nineteen ninety"}`, "beneficiary.birth_year", "is not a valid int32 value", "ninety"},
		{`{"given_name": "A", "documents": "0101990710008"}`, "beneficiary.documents", "is of the wrong JSON type: unexpected string", "0101990710008"},
		{`{"given_name": "A", "languages": 0101990710008}`, "beneficiary.languages", "is", "0101990710008"},
	} {
		v := decodeBody(t, "beneficiary", c.body, person())
		switch {
		case v == nil:
			t.Errorf("%s: no violation, want %s", c.body, c.path)
		case v.Field != c.path || !strings.HasPrefix(v.Description, c.desc) || strings.Contains(v.Description, c.secret):
			t.Errorf("%s: violation %s %q, want %s %q, without %q", c.body, v.Field, v.Description, c.path, c.desc, c.secret)
		}
	}
}

// protojson writes "proto:" and then a space or a no-break space (chosen
// per build); both must name the same field.
func TestBodyRefusalEitherSpace(t *testing.T) {
	body := []byte(`{"name": "S", "eligibility": {"minimum_age": "x"}}`)
	for _, msg := range []string{
		"proto: (line 1:46): invalid value for int32 field minimumAge: \"x\"",
		"proto:\u00a0(line 1:46): invalid value for int32 field minimumAge: \"x\"",
	} {
		err := refuseDecoded(body, &(&refv1.CreateServiceRequest{}).Service, errors.New(msg))
		if v, ok := refusedBody(err.Error(), "service"); !ok || v.Field != "service.eligibility.minimum_age" {
			t.Errorf("%q: violation %v, want service.eligibility.minimum_age", msg, v)
		}
	}
}

// TestEnumRefusalNamesTheValues: a misspelt enum value in a body is
// refused naming the values its field takes (not the zero value
// *_UNSPECIFIED), in a nested message and in a list too, as a query
// parameter's is, so a client does not have to look them up. Before, only the value sent was named ("Unknown value
// "TRAINING_EVENT_TYPE_SEMINAR"", found following the README).
func TestEnumRefusalNamesTheValues(t *testing.T) {
	for _, c := range []struct {
		field, body string
		target      any
		path, desc  string
	}{
		{"referral", `{"urgency": "HIGH"}`, &(&refv1.CreateReferralRequest{}).Referral, "referral.urgency",
			`must be one of URGENCY_EMERGENCY, URGENCY_HIGH, URGENCY_NORMAL`},
		{"service", `{"schedules": [{"days": ["WEEKDAY_MONDAY", "MON"]}]}`, &(&refv1.CreateServiceRequest{}).Service, "service.schedules[0].days[1]",
			`must be one of WEEKDAY_MONDAY, WEEKDAY_TUESDAY, WEEKDAY_WEDNESDAY, WEEKDAY_THURSDAY, WEEKDAY_FRIDAY, WEEKDAY_SATURDAY, WEEKDAY_SUNDAY`},
		{"*", `{"id": "x", "outcome": {"code": "DONE"}}`, &refv1.CompleteReferralRequest{}, "outcome.code", `must be one of OUTCOME_CODE_`},
	} {
		v := decodeBody(t, c.field, c.body, c.target)
		if v == nil || v.Field != c.path || !strings.HasPrefix(v.Description, c.desc) || strings.Contains(v.Description, "UNSPECIFIED") {
			t.Errorf("%s: violation %v, want %s %q", c.body, v, c.path, c.desc)
		}
	}
}

// TestEnumNumberRefused: an enum given as a JSON number, which protojson
// takes (a known value's number as that value, an unknown one as a value
// no name stands for), is refused as a misspelt name is: a violation of
// the field by its path, in a nested message, a list, a list of messages
// and a whole-request body, listing the names. Names, strings holding
// digits, numbers of fields that are no enum and of messages holding no
// enum decode as before. Before, every body of the first table decoded.
func TestEnumNumberRefused(t *testing.T) {
	referral := func() any { return &(&refv1.CreateReferralRequest{}).Referral }
	service := func() any { return &(&refv1.CreateServiceRequest{}).Service }
	person := func() any { return &(&benv1.CreateBeneficiaryRequest{}).Beneficiary }
	for _, c := range []struct {
		field, body string
		target      func() any
		path, desc  string
	}{
		{"referral", `{"urgency": 2}`, referral, "referral.urgency", "must be one of URGENCY_EMERGENCY, URGENCY_HIGH, URGENCY_NORMAL"},
		{"referral", `{"reason": "a", "urgency": 99}`, referral, "referral.urgency", "must be one of URGENCY_"},
		{"referral", `{"urgency": -1}`, referral, "referral.urgency", "must be one of URGENCY_"},
		{"referral", `{"urgency": 0}`, referral, "referral.urgency", "must be one of URGENCY_"},
		{"referral", `{"urgency": 1e0}`, referral, "referral.urgency", "must be one of URGENCY_"},
		{"referral", `{"category": 3}`, referral, "referral.category", "must be one of REFERRAL_CATEGORY_"},
		{"service", `{"name": "S\"x: 5", "schedules": [{"days": ["WEEKDAY_MONDAY", 3]}]}`, service, "service.schedules[0].days[1]", "must be one of WEEKDAY_"},
		{"service", `{"schedules": [{"opens_at": "08:00"}, {"days": [1], "opens_at": "09:00"}]}`, service, "service.schedules[1].days[0]", "must be one of WEEKDAY_"},
		{"beneficiary", `{"given_name": "A", "sex": 1}`, person, "beneficiary.sex", "must be one of SEX_"},
		{"beneficiary", `{"given_name": "A", "legalStatus": 2}`, person, "beneficiary.legal_status", "must be one of LEGAL_STATUS_"},
		{"beneficiary", `{"given_name": "A", "documents": [{"type": 1, "number": "123"}]}`, person, "beneficiary.documents[0].type", "must be one of DOCUMENT_TYPE_"},
		{"*", `{"id": "x", "outcome": {"code": 1}}`, func() any { return &refv1.CompleteReferralRequest{} }, "outcome.code", "must be one of OUTCOME_CODE_"},
	} {
		v := decodeBody(t, c.field, c.body, c.target())
		if v == nil || v.Field != c.path || !strings.HasPrefix(v.Description, c.desc) || strings.Contains(v.Description, "UNSPECIFIED") {
			t.Errorf("%s: violation %v, want %s %q", c.body, v, c.path, c.desc)
		}
	}
	for _, c := range []struct {
		field, body string
		target      func() any
	}{
		{"referral", `{"urgency": "URGENCY_HIGH", "reason": "2"}`, referral},
		{"referral", `{"reason": "urgency\": 2, \\", "urgency": "URGENCY_HIGH"}`, referral},
		{"service", `{"name": "S", "eligibility": {"minimum_age": 16, "maximum_age": 25}, "schedules": [{"days": ["WEEKDAY_MONDAY"]}]}`, service},
		{"beneficiary", `{"given_name": "A", "birth_year": 1990, "sex": "SEX_FEMALE"}`, person},
		{"beneficiary", `{}`, person},
	} {
		if v := decodeBody(t, c.field, c.body, c.target()); v != nil {
			t.Errorf("%s: violation %v, want none", c.body, v)
		}
	}
}

// BenchmarkBodyDecode is the gateway's decoding of a JSON body: a person
// holding enums and numbers (read for enum numbers) and a referral's
// decline reason (a message without enums: not read); scan is the read
// for enum numbers (enumNumberIn) of the person's body alone, the part of
// its decoding r20 added.
func BenchmarkBodyDecode(b *testing.B) {
	person := `{"given_name": "Amina", "family_name": "Haddad", "sex": "SEX_FEMALE", "birth_year": 1990,
			"legal_status": "LEGAL_STATUS_ASYLUM_SEEKER", "country": "SY", "languages": ["ar", "en"],
			"documents": [{"type": "DOCUMENT_TYPE_PASSPORT", "number": "N1234567"}], "phone": "+381 64 123 4567"}`
	b.Run("scan", func(b *testing.B) {
		b.ReportAllocs()
		md, body := (&benv1.Beneficiary{}).ProtoReflect().Descriptor(), []byte(person)
		for b.Loop() {
			if _, ed := enumNumberIn(body, md); ed != nil {
				b.Fatal("an enum number found")
			}
		}
	})
	for _, c := range []struct {
		name, body string
		target     func() any
	}{
		{"beneficiary", person, func() any { return &(&benv1.CreateBeneficiaryRequest{}).Beneficiary }},
		{"decline", `{"id": "0190a1b2-0000-7000-8000-000000000001", "reason": "no capacity this month", "etag": "W/\"3\""}`,
			func() any { return &refv1.DeclineReferralRequest{} }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := marshaler.NewDecoder(strings.NewReader(c.body)).Decode(c.target()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// FuzzEnumNumberIn: whatever the bytes (the scan is only given JSON
// protojson decoded, but must not panic or loop on any), enumNumberIn
// returns, and a field it names is an enum field of the message.
func FuzzEnumNumberIn(f *testing.F) {
	for _, s := range []string{`{"urgency": 2}`, `{"schedules": [{"days": ["WEEKDAY_MONDAY", 3]}]}`, `{"localized_names": {"a": 1}}`,
		`{"schedules": [1 2]}`, `{"schedules": [{"days": [:]}]}`, `{"name": "\"", "category": -1}`, `[`, `{"`, `{"schedules":[`} {
		f.Add([]byte(s))
	}
	md := (&refv1.Service{}).ProtoReflect().Descriptor()
	f.Fuzz(func(t *testing.T, data []byte) {
		if path, ed := enumNumberIn(data, md); ed != nil && enumAt(md, path) == nil {
			t.Errorf("%q: %s named, no enum field", data, path)
		}
	})
}
