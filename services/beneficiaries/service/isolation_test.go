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

// TestIsolationMatrix: organisation B, with every scope, calls every RPC
// that names organisation A's beneficiary. Each must fail as if the record
// did not exist, and A's data must be unchanged afterwards.
func TestIsolationMatrix(t *testing.T) {
	c := startAll(t)
	orgA, orgB := ids.New(), ids.New()
	ctxA, ctxB := servicetest.As(t, orgA), servicetest.As(t, orgB)
	a := mustCreate(t, c, ctxA, amina())
	a2 := mustCreate(t, c, ctxA, &pb.Beneficiary{GivenName: "Amina", FamilyName: "Hadad", BirthYear: 1990})
	cons, err := c.CreateConsent(ctxA, &pb.CreateConsentRequest{BeneficiaryId: a.GetId(), Consent: consent(pb.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING)})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := c.CreateDocument(ctxA, &pb.CreateDocumentRequest{BeneficiaryId: a.GetId(), Document: &pb.IdentityDocument{Type: pb.DocumentType_DOCUMENT_TYPE_PASSPORT, Number: "SY1"}})
	if err != nil {
		t.Fatal(err)
	}
	hh, err := c.CreateHousehold(ctxA, &pb.CreateHouseholdRequest{Household: &pb.Household{Members: []*pb.HouseholdMember{{BeneficiaryId: a.GetId(), Relationship: pb.Relationship_RELATIONSHIP_HEAD}}}})
	if err != nil {
		t.Fatal(err)
	}
	b := mustCreate(t, c, ctxB, &pb.Beneficiary{GivenName: "Bojan"})
	id := a.GetId()
	// A's record as it stands (its document and household moved its etag).
	if got, err := c.GetBeneficiary(ctxA, &pb.GetBeneficiaryRequest{Id: id}); err != nil {
		t.Fatal(err)
	} else {
		a = got.GetBeneficiary()
	}
	mask := &fieldmaskpb.FieldMask{Paths: []string{"given_name"}}

	calls := map[string]func() error{
		"GetBeneficiary": func() error { _, err := c.GetBeneficiary(ctxB, &pb.GetBeneficiaryRequest{Id: id}); return err },
		"UpdateBeneficiary": func() error {
			_, err := c.UpdateBeneficiary(ctxB, &pb.UpdateBeneficiaryRequest{Beneficiary: &pb.Beneficiary{Id: id, Etag: a.GetEtag(), GivenName: "Hacked"}, UpdateMask: mask})
			return err
		},
		"FindDuplicates": func() error { _, err := c.FindDuplicates(ctxB, &pb.FindDuplicatesRequest{Id: id}); return err },
		"MergeBeneficiaries(A into B)": func() error {
			_, err := c.MergeBeneficiaries(ctxB, &pb.MergeBeneficiariesRequest{Id: b.GetId(), DuplicateId: id})
			return err
		},
		"MergeBeneficiaries(A into A)": func() error {
			_, err := c.MergeBeneficiaries(ctxB, &pb.MergeBeneficiariesRequest{Id: id, DuplicateId: a2.GetId()})
			return err
		},
		"EraseBeneficiary": func() error { _, err := c.EraseBeneficiary(ctxB, &pb.EraseBeneficiaryRequest{Id: id}); return err },
		"CreateDocument": func() error {
			_, err := c.CreateDocument(ctxB, &pb.CreateDocumentRequest{BeneficiaryId: id, Document: &pb.IdentityDocument{Type: pb.DocumentType_DOCUMENT_TYPE_PASSPORT, Number: "X"}})
			return err
		},
		"ListDocuments": func() error { _, err := c.ListDocuments(ctxB, &pb.ListDocumentsRequest{BeneficiaryId: id}); return err },
		"DeleteDocument": func() error {
			_, err := c.DeleteDocument(ctxB, &pb.DeleteDocumentRequest{BeneficiaryId: id, Id: doc.GetDocument().GetId()})
			return err
		},
		"GetHousehold": func() error {
			_, err := c.GetHousehold(ctxB, &pb.GetHouseholdRequest{Id: hh.GetHousehold().GetId()})
			return err
		},
		"AddHouseholdMember": func() error {
			_, err := c.AddHouseholdMember(ctxB, &pb.AddHouseholdMemberRequest{HouseholdId: hh.GetHousehold().GetId(), Member: &pb.HouseholdMember{BeneficiaryId: b.GetId(), Relationship: pb.Relationship_RELATIONSHIP_CHILD}})
			return err
		},
		"RemoveHouseholdMember": func() error {
			_, err := c.RemoveHouseholdMember(ctxB, &pb.RemoveHouseholdMemberRequest{HouseholdId: hh.GetHousehold().GetId(), BeneficiaryId: id})
			return err
		},
		"ListAuditEvents": func() error {
			_, err := c.ListAuditEvents(ctxB, &pb.ListAuditEventsRequest{BeneficiaryId: id})
			return err
		},
		"CreateAssistance": func() error {
			_, err := c.CreateAssistance(ctxB, &pb.CreateAssistanceRequest{BeneficiaryId: id, Assistance: &pb.Assistance{Type: pb.AssistanceType_ASSISTANCE_TYPE_INFORMATION, Date: "2024-01-02"}})
			return err
		},
		"ListAssistances": func() error {
			_, err := c.ListAssistances(ctxB, &pb.ListAssistancesRequest{BeneficiaryId: id})
			return err
		},
		"CreateConsent": func() error {
			_, err := c.CreateConsent(ctxB, &pb.CreateConsentRequest{BeneficiaryId: id, Consent: consent(pb.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING)})
			return err
		},
		"ListConsents": func() error { _, err := c.ListConsents(ctxB, &pb.ListConsentsRequest{BeneficiaryId: id}); return err },
		"WithdrawConsent": func() error {
			_, err := c.WithdrawConsent(ctxB, &pb.WithdrawConsentRequest{BeneficiaryId: id, Id: cons.GetConsent().GetId()})
			return err
		},
		"CheckConsent": func() error {
			_, err := c.access.CheckConsent(ctxB, &pb.CheckConsentRequest{BeneficiaryId: id, Purpose: pb.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING})
			return err
		},
		"GrantAccess": func() error {
			_, err := c.access.GrantAccess(ctxB, &pb.GrantAccessRequest{BeneficiaryId: id, GranteeOrganisationId: ids.New(), SourceId: "s"})
			return err
		},
		"RevokeAccess": func() error {
			_, err := c.access.RevokeAccess(ctxB, &pb.RevokeAccessRequest{BeneficiaryId: id, SourceId: "s"})
			return err
		},
	}
	for name, call := range calls {
		if err := call(); statustest.Code(err) != codes.NotFound {
			t.Errorf("%s as B: %v, want NotFound", name, err)
		}
	}
	// Lists and searches as B show none of A's records.
	list, err := c.ListBeneficiaries(ctxB, &pb.ListBeneficiariesRequest{})
	if err != nil || len(list.GetBeneficiaries()) != 1 || list.GetBeneficiaries()[0].GetId() != b.GetId() {
		t.Errorf("B's list: %v %v", list, err)
	}
	search, err := c.SearchBeneficiaries(ctxB, &pb.SearchBeneficiariesRequest{Query: "Amina Haddad"})
	if err != nil || len(search.GetResults()) != 0 {
		t.Errorf("B's search: %v %v", search, err)
	}
	dups, err := c.FindDuplicates(ctxB, &pb.FindDuplicatesRequest{Id: b.GetId()})
	if err != nil || len(dups.GetCandidates()) != 0 {
		t.Errorf("B's duplicates: %v %v", dups, err)
	}
	audit, err := c.ListAuditEvents(ctxB, &pb.ListAuditEventsRequest{BeneficiaryId: "-"})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range audit.GetAuditEvents() {
		if e.GetBeneficiaryId() != b.GetId() {
			t.Errorf("B's audit log shows %v", e)
		}
	}
	// A's record is untouched.
	got, err := c.GetBeneficiary(ctxA, &pb.GetBeneficiaryRequest{Id: id})
	if err != nil || got.GetBeneficiary().GetEtag() != a.GetEtag() || got.GetBeneficiary().GetGivenName() != "Amina" ||
		len(got.GetBeneficiary().GetDocuments()) != 1 || got.GetBeneficiary().GetHouseholdId() == "" {
		t.Fatalf("A's record changed: %v %v", got, err)
	}
	if ck, err := c.access.CheckConsent(ctxA, &pb.CheckConsentRequest{BeneficiaryId: id, Purpose: pb.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING}); err != nil || !ck.GetLive() {
		t.Fatalf("A's consent changed: %v %v", ck, err)
	}
	// Every attempt by B is absent from A's audit log (nothing was read).
	evA, err := c.ListAuditEvents(ctxA, &pb.ListAuditEventsRequest{BeneficiaryId: id})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evA.GetAuditEvents() {
		if e.GetActorOrganisationId() == orgB {
			t.Errorf("B's failed attempt %v was recorded as a read", e)
		}
	}
}
