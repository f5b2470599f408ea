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
	// The document moved the record's etag: read it again.
	if r, err := c.GetBeneficiary(ctx, &pb.GetBeneficiaryRequest{Id: same.GetId()}); err != nil {
		t.Fatal(err)
	} else {
		same = r.GetBeneficiary()
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

// TestMergeKeepsJMBGAgreeing: a merge gives the survivor the duplicate's
// documents, so a duplicate whose JMBG encodes another birth date (or,
// for a survivor known by birth year only, another year) than the
// survivor's is refused naming duplicate_id, as registering the person
// with that JMBG, adding it, or changing the birth to disagree with it
// is; nothing is merged. Before, the merge went through and the survivor
// held a JMBG contradicting its birth date (a typo in one record's date,
// the JMBG in the other), which every other write refuses. A duplicate
// whose JMBG agrees merges.
func TestMergeKeepsJMBGAgreeing(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	const jmbg1990 = "0101990710008" // born 1 January 1990
	withJMBG := func(name string) *pb.Beneficiary {
		return mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: name, FamilyName: "Haddad", BirthDate: "1990-01-01",
			Documents: []*pb.IdentityDocument{{Type: pb.DocumentType_DOCUMENT_TYPE_JMBG, Number: jmbg1990, IssuingCountry: "RS"}}})
	}
	for _, survivor := range []*pb.Beneficiary{
		{GivenName: "Amina", FamilyName: "Haddad", BirthDate: "1990-01-12"}, // a typo in the day
		{GivenName: "Amina", FamilyName: "Haddad", BirthYear: 1985},
	} {
		s := mustCreate(t, c, ctx, survivor)
		dup := withJMBG("Amina")
		_, err := c.MergeBeneficiaries(ctx, &pb.MergeBeneficiariesRequest{Id: s.GetId(), DuplicateId: dup.GetId()})
		statustest.Want(t, err, codes.InvalidArgument, "a merge bringing a JMBG of another birth")
		if fv := statustest.FieldViolations(err); len(fv) != 1 || fv[0].GetField() != "duplicate_id" {
			t.Errorf("violations %v, want one of duplicate_id", fv)
		}
		got, err := c.GetBeneficiary(ctx, &pb.GetBeneficiaryRequest{Id: dup.GetId()})
		if err != nil || len(got.GetBeneficiary().GetDocuments()) != 1 {
			t.Fatalf("the duplicate after the refused merge: %v %v", got, err)
		}
		if after, err := c.GetBeneficiary(ctx, &pb.GetBeneficiaryRequest{Id: s.GetId()}); err != nil || len(after.GetBeneficiary().GetDocuments()) != 0 {
			t.Fatalf("the survivor after the refused merge: %v %v", after, err)
		}
	}
	agreeing := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Amina", FamilyName: "Hadad", BirthYear: 1990})
	dup := withJMBG("Amina")
	m, err := c.MergeBeneficiaries(ctx, &pb.MergeBeneficiariesRequest{Id: agreeing.GetId(), DuplicateId: dup.GetId()})
	if err != nil || len(m.GetBeneficiary().GetDocuments()) != 1 {
		t.Fatalf("merge of a duplicate whose JMBG agrees: %v %v", m, err)
	}
}
