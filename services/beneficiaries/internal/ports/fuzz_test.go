package ports

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
	"google.golang.org/protobuf/types/known/timestamppb"
)

var today = date.Date{Year: 2026, Month: 12, Day: 1}

// mustBeClientError fails unless err is nil or an InvalidArgument with at
// least one field violation: bad input is never an internal error.
func mustBeClientError(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.KindInvalidArgument || len(e.Violations) == 0 {
		t.Fatalf("not a client error with violations: %#v", err)
	}
}

func FuzzCreateBeneficiary(f *testing.F) {
	f.Add("Amina", "Haddad", "أمينة", "1990-04-12", int32(1990), "sy", "ar", int32(1), int32(2), "Zagreb", "+381 64 1", "a@b.hr", int32(1), "0101006500006")
	f.Add(" ", "", "", "1990-02-30", int32(0), "Syria", "Arabic!", int32(42), int32(99), "", "phone", "x", int32(2), "69435151530")
	f.Add("Đorđe", "Ђорђевић", "", "", int32(2999), "RS", "sr-Latn", int32(11), int32(0), "Beograd", "", "", int32(77), "")
	f.Fuzz(func(t *testing.T, given, family, script, birth string, year int32, nat, lang string, status, vuln int32, mun, phone, email string, docType int32, docNum string) {
		in := &pb.Beneficiary{
			GivenName: given, FamilyName: family, OriginalScriptName: script, BirthDate: birth, BirthYear: year,
			Nationality: nat, Languages: []string{lang}, LegalStatus: pb.LegalStatus(status), Vulnerabilities: []pb.Vulnerability{pb.Vulnerability(vuln)},
			Municipality: mun, Phone: phone, Email: email, Sex: commonv1.Sex(status % 6),
			Documents: []*pb.IdentityDocument{{Type: pb.DocumentType(docType), Number: docNum}},
		}
		b, err := beneficiaryFromProto(in)
		mustBeClientError(t, err)
		if err != nil {
			return
		}
		b.Normalize()
		err = b.Validate("beneficiary.", today)
		mustBeClientError(t, err)
		if err != nil {
			return
		}
		// What validation accepts is clean.
		if b.GivenName == "" || b.GivenName != strings.TrimSpace(b.GivenName) || !utf8.ValidString(b.GivenName+b.FamilyName+b.OriginalScriptName) {
			t.Fatalf("accepted names %q %q", b.GivenName, b.FamilyName)
		}
		if b.BirthYear != 0 && (b.BirthYear < 1900 || b.BirthYear > today.Year) {
			t.Fatalf("accepted birth year %d", b.BirthYear)
		}
		if b.Nationality != "" && len(b.Nationality) != 2 {
			t.Fatalf("accepted nationality %q", b.Nationality)
		}
		for _, d := range b.Documents {
			if d.Type == "jmbg" {
				if _, err := domain.CheckJMBG(d.Number); err != nil {
					t.Fatalf("accepted JMBG %q: %v", d.Number, err)
				}
			}
			if d.Type == "oib" && domain.CheckOIB(d.Number) != nil {
				t.Fatalf("accepted OIB %q", d.Number)
			}
		}
		if k := b.NameKey(); !utf8.ValidString(k) || k != strings.TrimSpace(k) {
			t.Fatalf("name key %q", k)
		}
		// Round trip through the wire type keeps what was accepted.
		back, err := beneficiaryFromProto(beneficiaryToProto(b))
		if err != nil {
			t.Fatalf("stored record does not translate back: %v", err)
		}
		back.Normalize()
		if back.GivenName != b.GivenName || back.BirthDate != b.BirthDate || back.LegalStatus != b.LegalStatus {
			t.Fatalf("round trip changed %+v to %+v", b, back)
		}
	})
}

func FuzzUpdateMask(f *testing.F) {
	f.Add("given_name", "Amina", "1990-01-01")
	f.Add("organisation_id", "x", "")
	f.Add("*", "", "2030-01-01")
	f.Add("birth_date", " ", "1990-13-01")
	f.Fuzz(func(t *testing.T, path, given, birth string) {
		stored := &domain.Beneficiary{GivenName: "Amina", Sex: "female", BirthYear: 1990}
		patch, err := beneficiaryFromProto(&pb.Beneficiary{GivenName: given, BirthDate: birth})
		mustBeClientError(t, err)
		if err != nil {
			return
		}
		_, err = stored.Apply(patch, strings.Split(path, ","))
		mustBeClientError(t, err)
		if err != nil {
			return
		}
		stored.Normalize()
		mustBeClientError(t, stored.Validate("beneficiary.", today))
	})
}

func FuzzCreateConsent(f *testing.F) {
	f.Add(int32(2), int32(1), "referral to health", "", int64(0), int64(0), int64(0))
	f.Add(int32(9), int32(2), "", "Guardian", int64(-1), int64(1<<40), int64(5))
	f.Add(int32(1), int32(2), "x", "", int64(1700000000), int64(1600000000), int64(-1))
	f.Fuzz(func(t *testing.T, purpose, givenBy int32, scope, guardian string, given, expire int64, nanos int64) {
		in := &pb.Consent{Purpose: pb.ConsentPurpose(purpose), GivenBy: pb.ConsentGivenBy(givenBy), Scope: scope, GuardianName: guardian}
		if given != 0 {
			in.GivenTime = &timestamppb.Timestamp{Seconds: given, Nanos: int32(nanos)}
		}
		if expire != 0 {
			in.ExpireTime = &timestamppb.Timestamp{Seconds: expire, Nanos: int32(nanos)}
		}
		c, err := consentFromProto(in)
		mustBeClientError(t, err)
		if err != nil {
			return
		}
		now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		c.Normalize(now)
		err = c.Validate(now)
		mustBeClientError(t, err)
		if err != nil {
			return
		}
		if c.GivenTime.After(now.Add(time.Minute)) || (!c.ExpireTime.IsZero() && !c.ExpireTime.After(c.GivenTime)) {
			t.Fatalf("accepted consent times %v..%v", c.GivenTime, c.ExpireTime)
		}
		if c.GivenBy == "guardian" && c.GuardianName == "" {
			t.Fatal("accepted guardian consent without a guardian")
		}
	})
}

func FuzzDocument(f *testing.F) {
	f.Add(int32(1), "0101006500006", "RS", "")
	f.Add(int32(2), "694-351-515-30", "hr", "2030-01-01")
	f.Add(int32(3), "", "XX", "2030-02-30")
	f.Add(int32(77), "a b c", "Croatia", "")
	f.Fuzz(func(t *testing.T, typ int32, number, country, expiry string) {
		var v errs.Violations
		d := documentFromProto(&v, "document", &pb.IdentityDocument{Type: pb.DocumentType(typ), Number: number, IssuingCountry: country, ExpiryDate: expiry})
		d.Normalize()
		born := d.Validate(&v, "document")
		mustBeClientError(t, v.Err())
		if v.Err() != nil {
			return
		}
		if d.Number == "" || strings.ContainsAny(d.Number, " \t\n") {
			t.Fatalf("accepted number %q", d.Number)
		}
		if d.Type == "jmbg" && born.IsZero() {
			t.Fatalf("accepted JMBG %q without a birth date", d.Number)
		}
	})
}
