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
	// Pass is Code's inverse, numbers of unknown values included.
	for _, v := range []benv1.AssistanceType{0, benv1.AssistanceType_ASSISTANCE_TYPE_INFORMATION, 999} {
		if got := Pass[benv1.AssistanceType](Code(v)); got != v {
			t.Fatalf("Pass(Code(%d)) = %d", v, got)
		}
	}
	if Pass[benv1.AssistanceType]("martian") != 0 || Pass[benv1.AssistanceType]("-3") != 0 {
		t.Fatal("Pass of no code should be zero")
	}
	// Every declared value but the zero one, in declaration order.
	vs := Values(benv1.Vulnerability(0))
	decl := benv1.Vulnerability(0).Descriptor().Values()
	if len(vs) != decl.Len()-1 {
		t.Fatalf("Values: %d of %d declared", len(vs), decl.Len())
	}
	for i, v := range vs {
		if want := Code(benv1.Vulnerability(decl.Get(i + 1).Number())); v != want {
			t.Fatalf("Values[%d] = %v, want %v", i, v, want)
		}
	}
}
