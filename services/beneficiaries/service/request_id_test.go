package service_test

import (
	"testing"
	"time"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
)

// TestBeneficiaryRequestIDReused: a registration retried with its request
// id (an Idempotency-Key the edge no longer keeps, after its 24 h) answers
// the record it made, also once that record was erased; the same request
// id sent with another person (or other data of the same one) is refused
// REQUEST_ID_REUSED. It answered the first person, as if the second were
// registered, and the second never was.
func TestBeneficiaryRequestIDReused(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	asked := func() *pb.Beneficiary {
		b := amina()
		b.Documents = []*pb.IdentityDocument{{Type: pb.DocumentType_DOCUMENT_TYPE_PASSPORT, Number: "n 0123 456", IssuingCountry: "sy"}}
		return b
	}
	twin := func() *pb.Beneficiary { // registered twice by mistake
		b := asked()
		b.ExternalId = "CASE-001-B"
		b.Documents = []*pb.IdentityDocument{{Type: pb.DocumentType_DOCUMENT_TYPE_ASYLUM_SEEKER_ID, Number: "RS-77-1234", IssuingCountry: "RS"}}
		return b
	}
	create := func(b *pb.Beneficiary) (*pb.Beneficiary, error) {
		r, err := c.CreateBeneficiary(ctx, &pb.CreateBeneficiaryRequest{Beneficiary: b, RequestId: "bb-1"})
		return r.GetBeneficiary(), err
	}
	first, err := create(asked())
	if err != nil {
		t.Fatal(err)
	}
	if again, err := create(asked()); err != nil || again.GetId() != first.GetId() {
		t.Fatalf("retry: %v %v, want beneficiary %s", again, err, first.GetId())
	}
	reused := func(when string, cases map[string]func(*pb.Beneficiary)) {
		t.Helper()
		for name, change := range cases {
			in := asked()
			change(in)
			got, err := create(in)
			statustest.WantReason(t, err, codes.InvalidArgument, errs.ReasonRequestIDReused, when+name)
			if got != nil {
				t.Errorf("%s%s: answered %v", when, name, got)
			}
		}
	}
	reused("", map[string]func(*pb.Beneficiary){
		"another person": func(b *pb.Beneficiary) {
			b.ExternalId, b.GivenName, b.FamilyName, b.OriginalScriptName, b.BirthDate = "CASE-002", "Lejla", "Hodžić", "", "2001-09-30"
			b.Documents = nil
		},
		"another birth date": func(b *pb.Beneficiary) { b.BirthDate = "1990-04-13" },
		"another document":   func(b *pb.Beneficiary) { b.Documents[0].Number = "N0123457" },
		"another sex":        func(b *pb.Beneficiary) { b.Sex = commonv1.Sex_SEX_UNKNOWN },
	})
	list, err := c.ListBeneficiaries(ctx, &pb.ListBeneficiariesRequest{})
	if err != nil || len(list.GetBeneficiaries()) != 1 {
		t.Fatalf("registered: %v %v, want Amina alone", list, err)
	}

	// Merged since into another record (which took its documents): the
	// retry answers the merged record.
	dup, err := c.CreateBeneficiary(ctx, &pb.CreateBeneficiaryRequest{Beneficiary: twin(), RequestId: "bb-2"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.MergeBeneficiaries(ctx, &pb.MergeBeneficiariesRequest{Id: first.GetId(), DuplicateId: dup.GetBeneficiary().GetId()}); err != nil {
		t.Fatal(err)
	}
	if again, err := c.CreateBeneficiary(ctx, &pb.CreateBeneficiaryRequest{Beneficiary: twin(), RequestId: "bb-2"}); err != nil ||
		again.GetBeneficiary().GetId() != dup.GetBeneficiary().GetId() {
		t.Fatalf("retry after a merge: %v %v, want merged beneficiary %s", again, err, dup.GetBeneficiary().GetId())
	}

	// Erased since: the retry answers the erased record; another person is
	// still refused.
	if _, err := c.EraseBeneficiary(ctx, &pb.EraseBeneficiaryRequest{Id: first.GetId()}); err != nil {
		t.Fatal(err)
	}
	if again, err := create(asked()); err != nil || again.GetId() != first.GetId() || again.GetEraseTime() == nil {
		t.Fatalf("retry after the erasure: %v %v, want erased beneficiary %s", again, err, first.GetId())
	}
	reused("after the erasure: ", map[string]func(*pb.Beneficiary){
		"another birth year": func(b *pb.Beneficiary) { b.BirthDate = "1991-04-12" },
		"another sex":        func(b *pb.Beneficiary) { b.Sex = commonv1.Sex_SEX_MALE },
	})
}

// TestAssistanceRequestIDReused: an assistance record's create retried
// with its request id answers the record it made; the same request id
// sent for another person, or with another type, date or notes, is
// refused REQUEST_ID_REUSED. It answered the first person's record, and
// the second assistance was never recorded.
func TestAssistanceRequestIDReused(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	amina := mustCreate(t, c, ctx, amina())
	lejla := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Lejla", ExternalId: "CASE-002"})
	today := time.Now().Format(time.DateOnly)
	asked := func() *pb.Assistance {
		return &pb.Assistance{Type: pb.AssistanceType_ASSISTANCE_TYPE_LEGAL_COUNSELLING, Date: today, Notes: "asylum interview"}
	}
	create := func(person string, in *pb.Assistance) (*pb.Assistance, error) {
		r, err := c.CreateAssistance(ctx, &pb.CreateAssistanceRequest{BeneficiaryId: person, Assistance: in, RequestId: "rq-a"})
		return r.GetAssistance(), err
	}
	first, err := create(amina.GetId(), asked())
	if err != nil {
		t.Fatal(err)
	}
	if again, err := create(amina.GetId(), asked()); err != nil || again.GetId() != first.GetId() {
		t.Fatalf("retry: %v %v, want assistance %s", again, err, first.GetId())
	}
	for name, tc := range map[string]struct {
		person string
		change func(*pb.Assistance)
	}{
		"another person": {lejla.GetId(), func(*pb.Assistance) {}},
		"another type":   {amina.GetId(), func(a *pb.Assistance) { a.Type = pb.AssistanceType_ASSISTANCE_TYPE_INFORMATION }},
		"another date":   {amina.GetId(), func(a *pb.Assistance) { a.Date = "2024-01-02" }},
		"other notes":    {amina.GetId(), func(a *pb.Assistance) { a.Notes = "" }},
	} {
		in := asked()
		tc.change(in)
		got, err := create(tc.person, in)
		statustest.WantReason(t, err, codes.InvalidArgument, errs.ReasonRequestIDReused, name)
		if got != nil {
			t.Errorf("%s: answered %v", name, got)
		}
	}
	for person, want := range map[string]int{amina.GetId(): 1, lejla.GetId(): 0} {
		l, err := c.ListAssistances(ctx, &pb.ListAssistancesRequest{BeneficiaryId: person})
		if err != nil || len(l.GetAssistances()) != want {
			t.Fatalf("assistance of %s: %v %v, want %d", person, l, err, want)
		}
	}
}
