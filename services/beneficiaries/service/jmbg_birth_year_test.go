package service_test

import (
	"testing"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestJMBGAgreesWithBirthYear: a person known by birth year only cannot
// get a JMBG that encodes another year, nor a birth year other than the
// one their JMBG encodes, as a birth date is held to it already. Before,
// both were stored: a person with birth_year 1985 and a JMBG of 1990 was
// counted in the age band of 1985 in every report, and assistances were
// checked against that year.
func TestJMBGAgreesWithBirthYear(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	const jmbg1990 = "0101990710008" // born 1 January 1990
	refused := func(err error, what, field string) {
		t.Helper()
		statustest.Want(t, err, codes.InvalidArgument, what)
		if fv := statustest.FieldViolations(err); len(fv) != 1 || fv[0].GetField() != field {
			t.Errorf("%s: violations %v, want one of %s", what, fv, field)
		}
	}
	jmbg := &pb.IdentityDocument{Type: pb.DocumentType_DOCUMENT_TYPE_JMBG, Number: jmbg1990, IssuingCountry: "RS"}

	older := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Amina", BirthYear: 1985})
	_, err := c.CreateDocument(ctx, &pb.CreateDocumentRequest{BeneficiaryId: older.GetId(), Document: jmbg})
	refused(err, "a JMBG of 1990 for a person born in 1985", "document.number")
	_, err = c.CreateBeneficiary(ctx, &pb.CreateBeneficiaryRequest{Beneficiary: &pb.Beneficiary{GivenName: "Lejla", BirthYear: 1985,
		Documents: []*pb.IdentityDocument{jmbg}}})
	refused(err, "a person born in 1985 registered with a JMBG of 1990", "beneficiary.documents[0].number")

	same := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Omar", BirthYear: 1990})
	if _, err := c.CreateDocument(ctx, &pb.CreateDocumentRequest{BeneficiaryId: same.GetId(), Document: jmbg}); err != nil {
		t.Fatalf("a JMBG of the person's birth year: %v", err)
	}
	_, err = c.UpdateBeneficiary(ctx, &pb.UpdateBeneficiaryRequest{
		Beneficiary: &pb.Beneficiary{Id: same.GetId(), Etag: same.GetEtag(), BirthYear: 1985},
		UpdateMask:  &fieldmaskpb.FieldMask{Paths: []string{"birth_year"}}})
	refused(err, "a birth year other than the JMBG's", "beneficiary.birth_year")
	// Another field's change does not trip over the stored year.
	if _, err := c.UpdateBeneficiary(ctx, &pb.UpdateBeneficiaryRequest{
		Beneficiary: &pb.Beneficiary{Id: same.GetId(), Etag: same.GetEtag(), Municipality: "Šid"},
		UpdateMask:  &fieldmaskpb.FieldMask{Paths: []string{"municipality"}}}); err != nil {
		t.Fatalf("a change of municipality: %v", err)
	}
}
