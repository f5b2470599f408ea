package service_test

import (
	"slices"
	"testing"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
)

// TestLanguagesInAnyCase: a person's languages are BCP 47 tags, whose case
// carries no meaning (RFC 5646): "FA", "Sr-latn" and "sr-Latn" are tags,
// stored in their canonical case (pkg/validate.LanguageCase, as the
// directory stores a service's languages), each once. Before, a tag not
// in lower-case letters (a sheet's "AR, FA", a partner sending "EN") was
// refused as no BCP 47 tag, in a create, a PATCH and an import's row, and
// "sr-latn" was stored beside "sr-Latn" as another language.
func TestLanguagesInAnyCase(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	b := amina()
	b.Languages = []string{"AR", "sr-latn", "SR-Latn", "fa-af"}
	r, err := c.CreateBeneficiary(ctx, &pb.CreateBeneficiaryRequest{Beneficiary: b})
	if err != nil {
		t.Fatalf("create with languages %v: %v", b.Languages, err)
	}
	if got, want := r.GetBeneficiary().GetLanguages(), []string{"ar", "sr-Latn", "fa-AF"}; !slices.Equal(got, want) {
		t.Fatalf("languages %v, want %v", got, want)
	}
	u, err := c.UpdateBeneficiary(ctx, &pb.UpdateBeneficiaryRequest{Beneficiary: &pb.Beneficiary{Id: r.GetBeneficiary().GetId(),
		Languages: []string{"EN", "en"}, Etag: r.GetBeneficiary().GetEtag()}})
	if err != nil || !slices.Equal(u.GetBeneficiary().GetLanguages(), []string{"en"}) {
		t.Fatalf("PATCH of languages EN, en: %v %v, want [en]", u.GetBeneficiary().GetLanguages(), err)
	}

	ic := clientsOf(c.conn)
	op, err := upload(ctx, ic.imp, &pb.ImportBeneficiariesRequest{ValidateOnly: true,
		File: csvFile("ime;pol;jezici\nOmar;m;\"AR, FA\"\nLejla;ž;sr-latn, BS\n")})
	if err != nil {
		t.Fatal(err)
	}
	if p := problems(finished(t, ctx, ic, op)); len(p) != 0 {
		t.Fatalf("import of languages in capitals: %v", p)
	}
}
