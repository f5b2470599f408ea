package service_test

import (
	"context"
	"slices"
	"testing"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
)

// TestVoidAssistance: the organisation that recorded an assistance in
// error voids it with a reason code; the record is kept, marked, left out
// of the list unless asked for and of every count (total and breakdowns),
// audited in the person's log and emitted with ids and codes, as each
// record made is (assistance.recorded; a retry is no new event). Nobody
// else voids it. Before, nothing could take a record back, so a person recorded
// by mistake stayed counted in the donor's figure.
func TestVoidAssistance(t *testing.T) {
	c := start(t)
	a, b := ids.New(), ids.New()
	orgA, orgB := servicetest.As(t, a), servicetest.As(t, b)
	project := c.project(t, orgA)
	mk := func(name string) string {
		r, err := c.CreateBeneficiary(orgA, &pb.CreateBeneficiaryRequest{Beneficiary: &pb.Beneficiary{
			GivenName: name, Sex: commonv1.Sex_SEX_FEMALE, BirthDate: "1985-01-01"}})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetBeneficiary().GetId()
	}
	assist := func(id string, typ pb.AssistanceType, day string) *pb.Assistance {
		r, err := c.CreateAssistance(orgA, &pb.CreateAssistanceRequest{BeneficiaryId: id, RequestId: "as-" + id + day,
			Assistance: &pb.Assistance{ProjectId: project, Type: typ, Date: day}})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetAssistance()
	}
	count := func() map[string]int64 {
		t.Helper()
		r, err := c.CountAssistedBeneficiaries(orgA, &pb.CountAssistedBeneficiariesRequest{ProjectId: project,
			Period: &commonv1.DateRange{StartDate: "2024-01-01", EndDate: "2024-12-31"}, GroupBy: []string{"assistance_type"}})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int64{"total": r.GetAggregate().GetTotal()}
		for _, g := range r.GetAggregate().GetGroups() {
			out[g.GetLabels()["assistance_type"]] = g.GetCount()
		}
		return out
	}
	void := func(ctx context.Context, id string, reason pb.AssistanceVoidReason) (*pb.Assistance, error) {
		r, err := c.VoidAssistance(ctx, &pb.VoidAssistanceRequest{Id: id, Reason: reason})
		return r.GetAssistance(), err
	}
	w1, w2 := mk("Lejla"), mk("Amira")
	wrongDay := assist(w1, pb.AssistanceType_ASSISTANCE_TYPE_PSYCHOSOCIAL_COUNSELLING, "2024-03-01")
	legal := assist(w1, pb.AssistanceType_ASSISTANCE_TYPE_LEGAL_COUNSELLING, "2024-04-01")
	// A retry answers the record made, and tells nothing new.
	if retried := assist(w1, pb.AssistanceType_ASSISTANCE_TYPE_LEGAL_COUNSELLING, "2024-04-01"); retried.GetId() != legal.GetId() {
		t.Fatalf("retry recorded %s, want %s", retried.GetId(), legal.GetId())
	}
	wrongPerson := assist(w2, pb.AssistanceType_ASSISTANCE_TYPE_INFORMATION, "2024-05-01")
	if got := count(); got["total"] != 2 || got["information"] != 1 || got["psychosocial_counselling"] != 1 {
		t.Fatalf("before voids: %v", got)
	}

	// Refused: no reason, a bad id, another organisation's record (B does
	// not see the person: no such record for it), an unknown id.
	_, err := void(orgA, wrongPerson.GetId(), pb.AssistanceVoidReason_ASSISTANCE_VOID_REASON_UNSPECIFIED)
	statustest.Want(t, err, codes.InvalidArgument, "no reason")
	if !slices.Contains(statustest.Violations(err), "reason") {
		t.Fatalf("no reason: violations %v", statustest.Violations(err))
	}
	// The reason the referrals service gives a failed completion's record
	// is not a partner's to give.
	_, err = void(orgA, wrongPerson.GetId(), pb.AssistanceVoidReason_ASSISTANCE_VOID_REASON_COMPLETION_FAILED)
	statustest.Want(t, err, codes.InvalidArgument, "a partner's completion_failed")
	if !slices.Contains(statustest.Violations(err), "reason") {
		t.Fatalf("a partner's completion_failed: violations %v", statustest.Violations(err))
	}
	_, err = void(orgA, "abc", pb.AssistanceVoidReason_ASSISTANCE_VOID_REASON_DUPLICATE)
	statustest.Want(t, err, codes.InvalidArgument, "bad id")
	_, err = void(orgB, wrongPerson.GetId(), pb.AssistanceVoidReason_ASSISTANCE_VOID_REASON_DUPLICATE)
	statustest.Want(t, err, codes.NotFound, "another organisation's record")
	_, err = void(orgA, ids.New(), pb.AssistanceVoidReason_ASSISTANCE_VOID_REASON_DUPLICATE)
	statustest.Want(t, err, codes.NotFound, "unknown record")
	if got := count(); got["total"] != 2 {
		t.Fatalf("after refused voids: %v", got)
	}

	v, err := void(orgA, wrongPerson.GetId(), pb.AssistanceVoidReason_ASSISTANCE_VOID_REASON_WRONG_BENEFICIARY)
	if err != nil || v.GetVoidTime() == nil || v.GetVoidReason() != pb.AssistanceVoidReason_ASSISTANCE_VOID_REASON_WRONG_BENEFICIARY {
		t.Fatalf("void: %v (%v)", v, err)
	}
	// Voiding again answers the record as it is.
	again, err := void(orgA, wrongPerson.GetId(), pb.AssistanceVoidReason_ASSISTANCE_VOID_REASON_DUPLICATE)
	if err != nil || !again.GetVoidTime().AsTime().Equal(v.GetVoidTime().AsTime()) ||
		again.GetVoidReason() != pb.AssistanceVoidReason_ASSISTANCE_VOID_REASON_WRONG_BENEFICIARY {
		t.Fatalf("void again: %v (%v)", again, err)
	}
	if _, err := void(orgA, wrongDay.GetId(), pb.AssistanceVoidReason_ASSISTANCE_VOID_REASON_WRONG_DETAILS); err != nil {
		t.Fatal(err)
	}
	// w2 no longer counted; w1 still is, by the record that stands only.
	if got := count(); got["total"] != 1 || got["information"] != 0 || got["psychosocial_counselling"] != 0 || got["legal_counselling"] != 1 {
		t.Fatalf("after voids: %v, want w1 by legal counselling only", got)
	}
	list := func(id string, voided bool) []*pb.Assistance {
		t.Helper()
		r, err := c.ListAssistances(orgA, &pb.ListAssistancesRequest{BeneficiaryId: id, ShowVoided: voided})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetAssistances()
	}
	if l := list(w2, false); len(l) != 0 {
		t.Fatalf("list: %v, want the voided record left out", l)
	}
	if l := list(w2, true); len(l) != 1 || l[0].GetVoidTime() == nil {
		t.Fatalf("list with voided: %v", l)
	}
	if l := list(w1, false); len(l) != 1 || l[0].GetType() != pb.AssistanceType_ASSISTANCE_TYPE_LEGAL_COUNSELLING {
		t.Fatalf("w1's list: %v", l)
	}
	// The void freed the request id: the same request records anew.
	again2 := assist(w1, pb.AssistanceType_ASSISTANCE_TYPE_PSYCHOSOCIAL_COUNSELLING, "2024-03-01")
	if again2.GetId() == wrongDay.GetId() || again2.GetVoidTime() != nil {
		t.Fatalf("recorded again under the voided record's request id: %v", again2)
	}

	r, err := c.ListAuditEvents(orgA, &pb.ListAuditEventsRequest{BeneficiaryId: w2, PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	voids := 0
	for _, e := range r.GetAuditEvents() {
		if e.GetAction() == "assistance.void" {
			voids++
		}
	}
	if voids != 1 {
		t.Fatalf("audit log of w2: %d assistance.void, want 1", voids)
	}
	evs, _ := servicetest.Events(t, c.conn, "")
	var voided, recorded []string
	for _, ev := range evs {
		if ev.GetType() == "assistance.recorded" {
			// Each record made, in the transaction that made it: ids and
			// codes, to the recording (and registering) organisation.
			if str(ev, "beneficiary_id") == "" || str(ev, "organisation_id") != a || str(ev, "project_id") != project ||
				!slices.Equal(ev.GetOrganisationIds(), []string{a}) || len(ev.GetData().GetFields()) != 6 {
				t.Errorf("event %v", ev)
			}
			recorded = append(recorded, str(ev, "assistance_id")+"/"+str(ev, "assistance_type")+"/"+str(ev, "date"))
		}
		if ev.GetType() == "assistance.voided" {
			if str(ev, "beneficiary_id") == "" || str(ev, "organisation_id") != a || str(ev, "project_id") != project {
				t.Errorf("event %v", ev)
			}
			voided = append(voided, str(ev, "assistance_id")+"/"+str(ev, "reason_code"))
		}
	}
	if want := []string{wrongPerson.GetId() + "/wrong_beneficiary", wrongDay.GetId() + "/wrong_details"}; !slices.Equal(voided, want) {
		t.Fatalf("assistance.voided events %v, want %v", voided, want)
	}
	if want := []string{wrongDay.GetId() + "/psychosocial_counselling/2024-03-01", legal.GetId() + "/legal_counselling/2024-04-01",
		wrongPerson.GetId() + "/information/2024-05-01", again2.GetId() + "/psychosocial_counselling/2024-03-01"}; !slices.Equal(recorded, want) {
		t.Fatalf("assistance.recorded events %v, want %v", recorded, want)
	}
}
