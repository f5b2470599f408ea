package protoenum

import (
	"testing"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
)

func TestRoundTrip(t *testing.T) {
	for _, v := range []benv1.LegalStatus{benv1.LegalStatus_LEGAL_STATUS_ASYLUM_SEEKER, benv1.LegalStatus_LEGAL_STATUS_IDP} {
		c := Code(v)
		if got := Parse[benv1.LegalStatus](c); got != v {
			t.Fatalf("Parse(Code(%v)) = %v via %q", v, got, c)
		}
	}
	if got := Code(benv1.LegalStatus_LEGAL_STATUS_INTERNATIONAL_PROTECTION); got != "international_protection" {
		t.Fatalf("Code = %q", got)
	}
	if got := Code(commonv1.Sex_SEX_FEMALE); got != "female" {
		t.Fatalf("Code = %q", got)
	}
	if Code(benv1.LegalStatus(0)) != "" || Code(benv1.LegalStatus(99)) != "99" {
		t.Fatal("zero or unknown value misreported")
	}
	if Parse[benv1.LegalStatus]("martian") != 0 {
		t.Fatal("unknown code should parse to zero")
	}
	if n := len(Values(benv1.Vulnerability(0))); n != 11 {
		t.Fatalf("Values: %d", n)
	}
}
