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
// and birth date (each other's best duplicate candidate), are not merged:
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
	d, err := c.FindDuplicates(ctx, &pb.FindDuplicatesRequest{Id: sara.GetId()})
	if err != nil || len(d.GetCandidates()) == 0 || d.GetCandidates()[0].GetBeneficiary().GetId() != sister.GetId() {
		t.Fatalf("the twins are not each other's candidates: %v %v", d, err)
	}
	_, err = c.MergeBeneficiaries(ctx, &pb.MergeBeneficiariesRequest{Id: sara.GetId(), DuplicateId: sister.GetId()})
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
