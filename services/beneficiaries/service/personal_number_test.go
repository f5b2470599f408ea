package service_test

import (
	"slices"
	"testing"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
)

// TestOnePersonalNumber: a person has one JMBG (and one OIB) of a
// register. Twin sisters registered with their own JMBGs, the same name
// and birth date, are not merged:
// 400 naming duplicate_id. A second JMBG for one person, added or given
// twice in a create, is refused naming document.number (from another
// issuing country it is another register's, and is kept). Before, the
// merge gave one record both girls' JMBGs, and a person held any number
// of them.
func TestOnePersonalNumber(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	jmbg := func(number, country string) *pb.IdentityDocument {
		return &pb.IdentityDocument{Type: pb.DocumentType_DOCUMENT_TYPE_JMBG, Number: number, IssuingCountry: country}
	}
	twin := func(number string) *pb.Beneficiary {
		return mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Sara", FamilyName: "Hasić", BirthDate: "2015-03-10",
			Documents: []*pb.IdentityDocument{jmbg(number, "")}})
	}
	sara, sister := twin("1003015710007"), twin("1003015710015")
	_, err := c.MergeBeneficiaries(ctx, &pb.MergeBeneficiariesRequest{Id: sara.GetId(), DuplicateId: sister.GetId()})
	statustest.Want(t, err, codes.InvalidArgument, "merge of two JMBGs")
	if got := statustest.Violations(err); !slices.Equal(got, []string{"duplicate_id"}) {
		t.Errorf("merge of two JMBGs: violations %v", got)
	}
	if _, err := c.GetBeneficiary(ctx, &pb.GetBeneficiaryRequest{Id: sister.GetId()}); err != nil {
		t.Errorf("the sister after the refused merge: %v", err)
	}

	amina := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Amina", BirthDate: "1990-01-01",
		Documents: []*pb.IdentityDocument{jmbg("0101990710008", "RS")}})
	_, err = c.CreateDocument(ctx, &pb.CreateDocumentRequest{BeneficiaryId: amina.GetId(), Document: jmbg("0101990710016", "")})
	statustest.Want(t, err, codes.AlreadyExists, "a second JMBG")
	if got := statustest.Violations(err); !slices.Equal(got, []string{"document.number"}) {
		t.Errorf("a second JMBG: violations %v", got)
	}
	if _, err := c.CreateDocument(ctx, &pb.CreateDocumentRequest{BeneficiaryId: amina.GetId(), Document: jmbg("0101990710016", "BA")}); err != nil {
		t.Errorf("a JMBG of another register: %v", err)
	}
	_, err = c.CreateBeneficiary(ctx, &pb.CreateBeneficiaryRequest{Beneficiary: &pb.Beneficiary{GivenName: "Omar", BirthDate: "1990-01-01",
		Documents: []*pb.IdentityDocument{jmbg("0101990710008", ""), jmbg("0101990710016", "")}}})
	statustest.Want(t, err, codes.InvalidArgument, "a create with two JMBGs")
	if got := statustest.Violations(err); !slices.Equal(got, []string{"beneficiary.documents[1].number"}) {
		t.Errorf("a create with two JMBGs: violations %v", got)
	}
}

// TestTwinsNotDuplicateCandidates: :findDuplicates does not list a person
// holding a JMBG (or OIB) of the register of one the person holds with
// another number: a register gives a person one, so twins (the same
// surname and birth date, even the same given name, their own JMBGs) are
// two persons, whom a merge refuses to join (TestOnePersonalNumber). The
// record of the same girl registered again without her JMBG is still the
// top candidate, and so is a twin whose JMBG is not recorded (nothing
// tells them apart), or one holding a JMBG of another register. Before,
// the sister came first, above the real duplicate (r14 left-alone item).
func TestTwinsNotDuplicateCandidates(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	jmbg := func(number, country string) []*pb.IdentityDocument {
		return []*pb.IdentityDocument{{Type: pb.DocumentType_DOCUMENT_TYPE_JMBG, Number: number, IssuingCountry: country}}
	}
	person := func(given string, docs []*pb.IdentityDocument) string {
		return mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: given, FamilyName: "Hasić", BirthDate: "2015-03-10", Nationality: "BA",
			Documents: docs}).GetId()
	}
	sara := person("Sara", jmbg("1003015710007", "RS"))
	sister := person("Sara", jmbg("1003015710015", ""))
	lana := person("Lana", jmbg("1003015710023", "RS"))
	again := person("Sara", nil)
	d, err := c.FindDuplicates(ctx, &pb.FindDuplicatesRequest{Id: sara})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range d.GetCandidates() {
		got = append(got, x.GetBeneficiary().GetId())
	}
	if !slices.Equal(got, []string{again}) {
		t.Errorf("Sara's candidates %v, want only %s (her record without a JMBG), not her sisters %s and %s", got, again, sister, lana)
	}
	// The sister's JMBG recorded as issued in Bosnia: another register,
	// she may be Sara (a person registered in two successor states).
	other := person("Sara", jmbg("1003015710031", "BA"))
	d, err = c.FindDuplicates(ctx, &pb.FindDuplicatesRequest{Id: sara})
	if err != nil || len(d.GetCandidates()) != 2 || !slices.ContainsFunc(d.GetCandidates(), func(x *pb.DuplicateCandidate) bool {
		return x.GetBeneficiary().GetId() == other
	}) {
		t.Errorf("Sara's candidates with a JMBG of another register: %v %v", d, err)
	}
}
