package service_test

import (
	"fmt"
	"testing"
	"time"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestReferralAgeBandFollowsCorrections: README promises that a person is
// in one age band in every metric of a report. The referrals service keeps
// the band a referral was sent with; the persons assisted take it live
// from the birth year. A birth year corrected after the referral was sent
// (an estimate replaced by the one on a document), or a merge onto a
// record with another birth year, left the referral in the old band: a
// child counted as an adult in "referrals made" and as a child in
// "persons assisted" of the same report. The referral's band is taken
// again from the corrected birth year (of the year it was sent).
func TestReferralAgeBandFollowsCorrections(t *testing.T) {
	s := start(t)
	a, b := s.org(t, "Sender"), s.org(t, "Receiver")
	ctx := partner(t, a)
	project := s.project(t, ctx, nil, nil)
	year := time.Now().Year()
	person := func(born int) string {
		t.Helper()
		r, err := s.ben.CreateBeneficiary(ctx, &benv1.CreateBeneficiaryRequest{Beneficiary: &benv1.Beneficiary{
			GivenName: "Lejla", FamilyName: fmt.Sprint(born), BirthYear: int32(born)}})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetBeneficiary().GetId()
	}
	assistAndRefer := func(ben string) {
		t.Helper()
		if _, err := s.ben.CreateAssistance(ctx, &benv1.CreateAssistanceRequest{BeneficiaryId: ben, Assistance: &benv1.Assistance{
			ProjectId: project, Type: benv1.AssistanceType_ASSISTANCE_TYPE_INFORMATION, Date: time.Now().Format(time.DateOnly)}}); err != nil {
			t.Fatal(err)
		}
		s.consent(t, ctx, ben, zeroTime)
		r, err := s.ref.CreateReferral(ctx, &pb.CreateReferralRequest{Referral: &pb.Referral{BeneficiaryId: ben, ToOrganisationId: b,
			ProjectId: project, Category: pb.ReferralCategory_REFERRAL_CATEGORY_LEGAL, Reason: "legal aid"}})
		if err != nil {
			t.Fatal(err)
		}
		s.must(t, ctx, "send", r.GetReferral().GetId())
	}
	bands := func(agg aggregate.Aggregate) string {
		out := map[string]int64{}
		for _, g := range agg.Groups {
			out[g.Labels["age_band"]] = g.Count
		}
		return fmt.Sprint(out)
	}
	same := func(what string) {
		t.Helper()
		servicetest.Eventually(t, what, func() error {
			refs, err := s.ref.CountReferrals(ctx, &pb.CountReferralsRequest{ProjectId: project, GroupBy: []string{"age_band"}})
			if err != nil {
				return err
			}
			assisted, err := s.ben.CountAssistedBeneficiaries(ctx, &benv1.CountAssistedBeneficiariesRequest{ProjectId: project, GroupBy: []string{"age_band"}})
			if err != nil {
				return err
			}
			r, p := bands(aggregate.FromProto(refs.GetAggregate())), bands(aggregate.FromProto(assisted.GetAggregate()))
			if r != p {
				return fmt.Errorf("referrals made by age band %s, persons assisted %s (one referral per person)", r, p)
			}
			return nil
		})
	}

	// Estimated as an adult; the document says 14.
	lejla := person(year - 30)
	assistAndRefer(lejla)
	same("before any correction")
	// Her documents and household change (beneficiary.updated naming
	// documents, household_id and household_relationship, which no band is
	// taken from): the consumer passes them changing nothing of the
	// referral (same etag), and goes on to the correction below.
	sent, err := s.ref.ListReferrals(ctx, &pb.ListReferralsRequest{})
	if err != nil || len(sent.GetReferrals()) != 1 {
		t.Fatalf("referrals: %v %v", sent, err)
	}
	if _, err := s.ben.CreateDocument(ctx, &benv1.CreateDocumentRequest{BeneficiaryId: lejla, Document: &benv1.IdentityDocument{
		Type: benv1.DocumentType_DOCUMENT_TYPE_PASSPORT, Number: "N7654321", IssuingCountry: "SY"}}); err != nil {
		t.Fatal(err)
	}
	hh, err := s.ben.CreateHousehold(ctx, &benv1.CreateHouseholdRequest{Household: &benv1.Household{
		Members: []*benv1.HouseholdMember{{BeneficiaryId: lejla, Relationship: benv1.Relationship_RELATIONSHIP_CHILD}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ben.RemoveHouseholdMember(ctx, &benv1.RemoveHouseholdMemberRequest{HouseholdId: hh.GetHousehold().GetId(), BeneficiaryId: lejla}); err != nil {
		t.Fatal(err)
	}
	got, err := s.ben.GetBeneficiary(ctx, &benv1.GetBeneficiaryRequest{Id: lejla})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ben.UpdateBeneficiary(ctx, &benv1.UpdateBeneficiaryRequest{
		Beneficiary: &benv1.Beneficiary{Id: lejla, Etag: got.GetBeneficiary().GetEtag(), BirthYear: int32(year - 14)},
		UpdateMask:  &fieldmaskpb.FieldMask{Paths: []string{"birth_year"}}}); err != nil {
		t.Fatal(err)
	}
	same("after the birth year was corrected")
	after, err := s.ref.GetReferral(ctx, &pb.GetReferralRequest{Id: sent.GetReferrals()[0].GetId()})
	if err != nil || after.GetReferral().GetEtag() != sent.GetReferrals()[0].GetEtag() {
		t.Fatalf("the referral changed with its person's documents and household: %v %v", after, err)
	}

	// A duplicate registered as an adult, referred, merged onto the
	// record of the child (8).
	child := person(year - 8)
	dup := person(year - 40)
	assistAndRefer(dup)
	if _, err := s.ben.MergeBeneficiaries(ctx, &benv1.MergeBeneficiariesRequest{Id: child, DuplicateId: dup}); err != nil {
		t.Fatal(err)
	}
	same("after a merge onto a record with another birth year")
}
