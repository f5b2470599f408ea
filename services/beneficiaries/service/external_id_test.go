package service_test

import (
	"strings"
	"testing"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestUniqueKeysNamed: a case number (external_id) another record of the
// organisation has, given on a create or a PATCH, is 409 with a violation
// of beneficiary.external_id naming the record that has it, and a document
// the person has already is 409 with a violation of document.number. Both
// were 409 "already exists (beneficiaries_external_id_key)" (the
// constraint's name) with no field violation, so a partner's form could not
// point at the field, nor its user find the other record.
func TestUniqueKeysNamed(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	holder := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Ana", ExternalId: "CASE-1"})
	other := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Lejla", ExternalId: "CASE-2"})
	want := func(err error, what, field, names string) {
		t.Helper()
		statustest.Want(t, err, codes.AlreadyExists, what)
		fv := statustest.FieldViolations(err)
		if len(fv) != 1 || fv[0].GetField() != field || !strings.Contains(fv[0].GetDescription(), names) {
			t.Errorf("%s: violations %v, want one of %s naming %q", what, fv, field, names)
		}
		if strings.Contains(err.Error(), "_key") {
			t.Errorf("%s: %v names a constraint", what, err)
		}
	}
	_, err := c.CreateBeneficiary(ctx, &pb.CreateBeneficiaryRequest{Beneficiary: &pb.Beneficiary{GivenName: "Amir", ExternalId: " CASE-1 "}})
	want(err, "create", "beneficiary.external_id", holder.GetId())
	_, err = c.CreateBeneficiary(ctx, &pb.CreateBeneficiaryRequest{Beneficiary: &pb.Beneficiary{GivenName: "Amir", ExternalId: "CASE-1"}, RequestId: "rq-1"})
	want(err, "create with a request id", "beneficiary.external_id", holder.GetId())
	_, err = c.UpdateBeneficiary(ctx, &pb.UpdateBeneficiaryRequest{
		Beneficiary: &pb.Beneficiary{Id: other.GetId(), Etag: other.GetEtag(), ExternalId: "CASE-1"},
		UpdateMask:  &fieldmaskpb.FieldMask{Paths: []string{"external_id"}}})
	want(err, "PATCH", "beneficiary.external_id", holder.GetId())

	doc := &pb.IdentityDocument{Type: pb.DocumentType_DOCUMENT_TYPE_PASSPORT, Number: "P123", IssuingCountry: "RS"}
	if _, err := c.CreateDocument(ctx, &pb.CreateDocumentRequest{BeneficiaryId: holder.GetId(), Document: doc}); err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateDocument(ctx, &pb.CreateDocumentRequest{BeneficiaryId: holder.GetId(),
		Document: &pb.IdentityDocument{Type: pb.DocumentType_DOCUMENT_TYPE_PASSPORT, Number: "p 123", IssuingCountry: "rs"}})
	want(err, "the same document again", "document.number", "is already taken: the beneficiary has a document of this type, number and issuing country")
	// Another organisation's case numbers are not this one's.
	if _, err := c.CreateBeneficiary(servicetest.As(t, ids.New()), &pb.CreateBeneficiaryRequest{
		Beneficiary: &pb.Beneficiary{GivenName: "Amir", ExternalId: "CASE-1"}}); err != nil {
		t.Fatalf("another organisation's CASE-1: %v", err)
	}
}
