package service_test

import (
	"slices"
	"strings"
	"testing"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestLegalStatusHistoryKept: a change of a beneficiary keeps the legal
// status history consistent. A new birth date after the start of an
// earlier status in the history (not only the current one) is refused on
// birth_date, naming that start (on birth_date_estimated when the
// estimated date is made exact); a corrected start of the current status
// that would move it before the status it followed (or, for a status
// recorded for an earlier time, after the one that followed it) is
// refused on legal_status_since, naming the bound; corrections within
// the bounds go through. Before, both were accepted: Lejla was born
// after she became an asylum seeker, and her refugee status, moved to
// before the asylum entry, left the history saying she was an asylum
// seeker today while the record said refugee (r14 left-alone items).
func TestLegalStatusHistoryKept(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	lejla := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Lejla", BirthDate: "2010-03-01",
		LegalStatus: pb.LegalStatus_LEGAL_STATUS_ASYLUM_SEEKER, LegalStatusSince: "2015-01-01"})
	mustPatch(t, c, ctx, &lejla, &pb.Beneficiary{LegalStatus: pb.LegalStatus_LEGAL_STATUS_REFUGEE, LegalStatusSince: "2020-01-01"},
		"legal_status", "legal_status_since")
	refused := func(who string, b *pb.Beneficiary, in *pb.Beneficiary, field, bound string, paths ...string) {
		t.Helper()
		in.Id, in.Etag = b.GetId(), b.GetEtag()
		_, err := c.UpdateBeneficiary(ctx, &pb.UpdateBeneficiaryRequest{Beneficiary: in, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}})
		if got := violationTexts(err); statustest.Code(err) != codes.InvalidArgument || !strings.HasPrefix(got, field+": ") ||
			!strings.Contains(got, bound) || strings.Contains(got, "\n") {
			t.Errorf("%s: %v %v: %v, want INVALID_ARGUMENT naming %s and %s", who, paths, in, err, field, bound)
		}
	}
	history := func(b *pb.Beneficiary) string {
		var out []string
		for _, e := range b.GetLegalStatusHistory() {
			out = append(out, strings.TrimPrefix(e.GetLegalStatus().String(), "LEGAL_STATUS_")+" "+e.GetSince())
		}
		return strings.Join(out, ", ")
	}

	// A birth after the earlier (asylum seeker) entry's start.
	refused("Lejla", lejla, &pb.Beneficiary{BirthDate: "2016-05-05"}, "beneficiary.birth_date", "2015-01-01", "birth_date")
	refused("Lejla", lejla, &pb.Beneficiary{BirthYear: 2016}, "beneficiary.birth_year", "2015-01-01", "birth_date", "birth_year")
	if got := mustPatch(t, c, ctx, &lejla, &pb.Beneficiary{BirthDate: "2014-12-01"}, "birth_date"); got.GetBirthDate() != "2014-12-01" {
		t.Errorf("birth before every status: %v", got)
	}
	// The refugee status moved before the asylum seeker one it followed.
	refused("Lejla", lejla, &pb.Beneficiary{LegalStatusSince: "2014-12-31"}, "beneficiary.legal_status_since", "2015-01-01",
		"legal_status_since")
	if got := history(mustPatch(t, c, ctx, &lejla, &pb.Beneficiary{LegalStatusSince: "2015-06-01"}, "legal_status_since")); got !=
		"ASYLUM_SEEKER 2015-01-01, REFUGEE 2015-06-01" {
		t.Errorf("Lejla's history after a correction within its bounds: %s", got)
	}

	// A birth date estimated is held to its year: made exact, to its date.
	mustPatch(t, c, ctx, &lejla, &pb.Beneficiary{BirthDate: "2015-05-01", BirthDateEstimated: true}, "birth_date", "birth_date_estimated")
	refused("Lejla", lejla, &pb.Beneficiary{}, "beneficiary.birth_date_estimated", "2015-01-01", "birth_date_estimated")

	// Hana, a refugee from May 2024, then recorded as an asylum seeker
	// from 2023: her asylum status cannot be moved after the refugee one.
	hana := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Hana", BirthYear: 1990,
		LegalStatus: pb.LegalStatus_LEGAL_STATUS_REFUGEE, LegalStatusSince: "2024-05-01"})
	mustPatch(t, c, ctx, &hana, &pb.Beneficiary{LegalStatus: pb.LegalStatus_LEGAL_STATUS_ASYLUM_SEEKER, LegalStatusSince: "2023-01-01"},
		"legal_status", "legal_status_since")
	refused("Hana", hana, &pb.Beneficiary{LegalStatusSince: "2024-08-01"}, "beneficiary.legal_status_since", "2024-05-01",
		"legal_status_since")
	if got := history(mustPatch(t, c, ctx, &hana, &pb.Beneficiary{LegalStatusSince: "2023-06-01"}, "legal_status_since")); got !=
		"ASYLUM_SEEKER 2023-06-01, REFUGEE 2024-05-01" {
		t.Errorf("Hana's history after a correction within its bounds: %s", got)
	}
}

// TestCorrectedHistoryEntrySaysWhoCorrected: a legal status history entry
// corrected after it was recorded (an earlier entry with :correct, the
// current status's start with a PATCH of legal_status_since) keeps who
// recorded it first and when, and says which organisation corrected it and
// when; an entry never corrected says nothing of a correction, and the
// audit log has the correction. Before, a corrected entry read as if first
// recorded with the corrected values (r16 left-alone item, assigned r17).
func TestCorrectedHistoryEntrySaysWhoCorrected(t *testing.T) {
	c := startAll(t)
	org := ids.New()
	ctx := servicetest.As(t, org)
	amir := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Amir", BirthDate: "2010-05-01",
		LegalStatus: pb.LegalStatus_LEGAL_STATUS_MIGRANT, LegalStatusSince: "2014-02-01"})
	mustPatch(t, c, ctx, &amir, &pb.Beneficiary{LegalStatus: pb.LegalStatus_LEGAL_STATUS_ASYLUM_SEEKER, LegalStatusSince: "2015-06-01"},
		"legal_status", "legal_status_since")
	mustPatch(t, c, ctx, &amir, &pb.Beneficiary{LegalStatus: pb.LegalStatus_LEGAL_STATUS_REFUGEE, LegalStatusSince: "2022-01-10"},
		"legal_status", "legal_status_since")
	before := amir.GetLegalStatusHistory()
	if len(before) != 3 {
		t.Fatalf("history: %v", before)
	}
	for _, e := range before {
		if e.GetCorrectedByOrganisationId() != "" || e.GetCorrectTime() != nil {
			t.Fatalf("an entry never corrected says it was: %v", e)
		}
	}
	r, err := c.CorrectLegalStatusChange(ctx, &pb.CorrectLegalStatusChangeRequest{BeneficiaryId: amir.GetId(), Id: before[1].GetId(),
		LegalStatus: pb.LegalStatus_LEGAL_STATUS_ASYLUM_SEEKER, Since: "2019-06-01", Etag: amir.GetEtag()})
	if err != nil {
		t.Fatal(err)
	}
	amir = r.GetBeneficiary()
	mustPatch(t, c, ctx, &amir, &pb.Beneficiary{LegalStatusSince: "2022-02-01"}, "legal_status_since")
	got, err := c.GetBeneficiary(ctx, &pb.GetBeneficiaryRequest{Id: amir.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	after := got.GetBeneficiary().GetLegalStatusHistory()
	if len(after) != 3 || after[1].GetSince() != "2019-06-01" || after[2].GetSince() != "2022-02-01" {
		t.Fatalf("history after the corrections: %v", after)
	}
	for i, e := range after {
		was := before[i]
		if e.GetId() != was.GetId() || e.GetOrganisationId() != org || !e.GetRecordTime().AsTime().Equal(was.GetRecordTime().AsTime()) {
			t.Errorf("entry %d lost who recorded it first, or when: %v, was %v", i, e, was)
		}
		corrected := i > 0
		if got := e.GetCorrectedByOrganisationId() != "" || e.GetCorrectTime() != nil; got != corrected {
			t.Errorf("entry %d (%s): corrected_by_organisation_id %q, correct_time %v, want corrected %v", i, e.GetSince(),
				e.GetCorrectedByOrganisationId(), e.GetCorrectTime(), corrected)
			continue
		}
		if corrected && (e.GetCorrectedByOrganisationId() != org || !e.GetCorrectTime().AsTime().After(e.GetRecordTime().AsTime())) {
			t.Errorf("entry %d: corrected by %q at %v, want %s after its record time %v", i, e.GetCorrectedByOrganisationId(),
				e.GetCorrectTime().AsTime(), org, e.GetRecordTime().AsTime())
		}
	}
	ev, err := c.ListAuditEvents(ctx, &pb.ListAuditEventsRequest{BeneficiaryId: amir.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range ev.GetAuditEvents() {
		actions = append(actions, e.GetAction())
	}
	if !slices.Contains(actions, "legal_status_history.correct") {
		t.Errorf("audit log without the correction: %v", actions)
	}
}

// TestEtagCoversDocumentsAndHousehold: the beneficiary's etag stands for
// everything its read answers, the legal status history, documents and
// household membership included: each change of them moves it, so a
// change sent with the etag read before (a PATCH, a history correction)
// is refused as stale, and a read with If-None-Match (the edge compares
// the etag) is not answered 304 with the documents or household of
// before. Before, adding or deleting a document and joining or leaving a
// household left the etag as it was (found auditing r17 item 2).
func TestEtagCoversDocumentsAndHousehold(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	mina := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Mina", BirthYear: 2012,
		LegalStatus: pb.LegalStatus_LEGAL_STATUS_MIGRANT, LegalStatusSince: "2024-01-01"})
	mustPatch(t, c, ctx, &mina, &pb.Beneficiary{LegalStatus: pb.LegalStatus_LEGAL_STATUS_ASYLUM_SEEKER}, "legal_status")
	mother := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Sara", BirthYear: 1985})
	read := func() *pb.Beneficiary {
		t.Helper()
		r, err := c.GetBeneficiary(ctx, &pb.GetBeneficiaryRequest{Id: mina.GetId()})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetBeneficiary()
	}
	var docID, householdID string
	for _, step := range []struct {
		what   string
		change func() error
	}{
		{"a document added", func() error {
			r, err := c.CreateDocument(ctx, &pb.CreateDocumentRequest{BeneficiaryId: mina.GetId(),
				Document: &pb.IdentityDocument{Type: pb.DocumentType_DOCUMENT_TYPE_PASSPORT, Number: "P1234567", IssuingCountry: "AF"}})
			docID = r.GetDocument().GetId()
			return err
		}},
		{"a document deleted", func() error {
			_, err := c.DeleteDocument(ctx, &pb.DeleteDocumentRequest{BeneficiaryId: mina.GetId(), Id: docID})
			return err
		}},
		{"joined a household", func() error {
			r, err := c.CreateHousehold(ctx, &pb.CreateHouseholdRequest{Household: &pb.Household{Members: []*pb.HouseholdMember{
				{BeneficiaryId: mother.GetId(), Relationship: pb.Relationship_RELATIONSHIP_HEAD},
				{BeneficiaryId: mina.GetId(), Relationship: pb.Relationship_RELATIONSHIP_CHILD}}}})
			householdID = r.GetHousehold().GetId()
			return err
		}},
		{"left the household", func() error {
			_, err := c.RemoveHouseholdMember(ctx, &pb.RemoveHouseholdMemberRequest{HouseholdId: householdID, BeneficiaryId: mina.GetId()})
			return err
		}},
		{"joined it again", func() error {
			_, err := c.AddHouseholdMember(ctx, &pb.AddHouseholdMemberRequest{HouseholdId: householdID,
				Member: &pb.HouseholdMember{BeneficiaryId: mina.GetId(), Relationship: pb.Relationship_RELATIONSHIP_CHILD}})
			return err
		}},
	} {
		before := read()
		if err := step.change(); err != nil {
			t.Fatalf("%s: %v", step.what, err)
		}
		after := read()
		if after.GetEtag() == before.GetEtag() {
			t.Errorf("%s: the etag stayed %s while the read changed (documents %d -> %d, household %q -> %q)", step.what,
				after.GetEtag(), len(before.GetDocuments()), len(after.GetDocuments()), before.GetHouseholdId(), after.GetHouseholdId())
			continue
		}
		// The etag read before is stale now, for a PATCH and for a
		// correction of the history alike.
		stale := &pb.Beneficiary{Id: mina.GetId(), Etag: before.GetEtag(), Phone: "+381601234567"}
		_, err := c.UpdateBeneficiary(ctx, &pb.UpdateBeneficiaryRequest{Beneficiary: stale, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"phone"}}})
		if statustest.Code(err) != codes.Aborted {
			t.Errorf("%s: PATCH with the etag read before: %v, want ABORTED", step.what, err)
		}
		_, err = c.CorrectLegalStatusChange(ctx, &pb.CorrectLegalStatusChangeRequest{BeneficiaryId: mina.GetId(),
			Id: before.GetLegalStatusHistory()[0].GetId(), LegalStatus: pb.LegalStatus_LEGAL_STATUS_MIGRANT, Since: "2024-02-01", Etag: before.GetEtag()})
		if statustest.Code(err) != codes.Aborted {
			t.Errorf("%s: history correction with the etag read before: %v, want ABORTED", step.what, err)
		}
	}
}
