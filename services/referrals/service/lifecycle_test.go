package service_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	eventsv1 "github.com/spona/spona/gen/go/spona/events/v1"
	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"google.golang.org/protobuf/encoding/protojson"
)

// feedEvents lists the referrals feed after cursor.
func (s *stack) feedEvents(t *testing.T, after string) ([]*eventsv1.Event, string) {
	t.Helper()
	return servicetest.Events(t, s.conn, after)
}

// count counts the project's referrals that reached each stage (sent:
// unspecified, accepted, completed) by category, urgency and the
// beneficiary dimensions.
func (s *stack) count(t *testing.T, ctx context.Context, project string) string {
	t.Helper()
	var out []string
	for _, stage := range []pb.ReferralStage{pb.ReferralStage_REFERRAL_STAGE_UNSPECIFIED, pb.ReferralStage_REFERRAL_STAGE_ACCEPTED,
		pb.ReferralStage_REFERRAL_STAGE_COMPLETED} {
		r, err := s.ref.CountReferrals(ctx, &pb.CountReferralsRequest{ProjectId: project, Stage: stage,
			GroupBy: []string{"category", "urgency", "sex", "age_band", "legal_status", "municipality"}})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, stage.String()+": "+protojson.Format(r.GetAggregate()))
	}
	return strings.Join(out, "\n")
}

// TestErasureAndMergeReachReferrals: a merge moves the duplicate's
// referrals to the survivor; an erasure, applied from the beneficiaries
// feed even when it happens while referrals cannot reach beneficiaries,
// wipes every free text naming the person and cancels the open referral
// (BENEFICIARY_ERASED); the counts of each stage, the closed referrals'
// status, dates and codes stay; every transition and the redaction are
// events with ids and codes.
func TestErasureAndMergeReachReferrals(t *testing.T) {
	s := start(t)
	a, b := s.org(t, "Sender"), s.org(t, "Receiver")
	ctxA, ctxB := partner(t, a), partner(t, b)
	project := s.project(t, ctxA, nil, nil)
	person := func() string {
		r, err := s.ben.CreateBeneficiary(ctxA, &benv1.CreateBeneficiaryRequest{Beneficiary: &benv1.Beneficiary{
			GivenName: "Zerina", FamilyName: "Kurtagić", Sex: commonv1.Sex_SEX_FEMALE, BirthYear: 1994,
			LegalStatus: benv1.LegalStatus_LEGAL_STATUS_ASYLUM_SEEKER, Municipality: "Obrenovac", Country: "RS"}})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetBeneficiary().GetId()
	}
	primary, dup := person(), person()
	refer := func(ben string) *pb.Referral {
		s.consent(t, ctxA, ben, zeroTime)
		r, err := s.ref.CreateReferral(ctxA, &pb.CreateReferralRequest{Referral: &pb.Referral{
			BeneficiaryId: ben, ToOrganisationId: b, ProjectId: project, Category: pb.ReferralCategory_REFERRAL_CATEGORY_HEALTH,
			Urgency: pb.Urgency_URGENCY_HIGH, Reason: "Zerina Kurtagić, passport KX4471, phone +381 60 1234567",
			Notes: "Zerina's brother waits in Subotica"}})
		if err != nil {
			t.Fatal(err)
		}
		return s.must(t, ctxA, "send", r.GetReferral().GetId())
	}
	done, declined, open := refer(primary), refer(primary), refer(dup)
	s.must(t, ctxB, "accept", done.GetId())
	s.must(t, ctxB, "start", done.GetId())
	if _, err := s.ref.CompleteReferral(ctxB, &pb.CompleteReferralRequest{Id: done.GetId(), Outcome: &pb.ReferralOutcome{
		Code: pb.OutcomeCode_OUTCOME_CODE_SERVICE_PROVIDED, Note: "Zerina Kurtagić was examined"}}); err != nil {
		t.Fatal(err)
	}
	// A reason that looks like a code is still free text: it neither
	// travels in events nor survives the erasure.
	if _, err := s.ref.DeclineReferral(ctxB, &pb.DeclineReferralRequest{Id: declined.GetId(), Reason: "KURTAGIC_NOT_FROM_OUR_AREA"}); err != nil {
		t.Fatal(err)
	}
	before := s.count(t, ctxA, project)

	// Merge: the duplicate's referral follows the person.
	if _, err := s.ben.MergeBeneficiaries(ctxA, &benv1.MergeBeneficiariesRequest{Id: primary, DuplicateId: dup}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "merged referral points at the survivor", func() error {
		r, err := s.ref.GetReferral(ctxA, &pb.GetReferralRequest{Id: open.GetId()})
		if err != nil {
			return err
		}
		if r.GetReferral().GetBeneficiaryId() != primary {
			return fmt.Errorf("still %s: %w", r.GetReferral().GetBeneficiaryId(), errStill)
		}
		return nil
	})

	// Erase while referrals cannot reach beneficiaries: it catches up.
	s.proxy.cut()
	if _, err := s.ben.EraseBeneficiary(ctxA, &benv1.EraseBeneficiaryRequest{Id: primary}); err != nil {
		t.Fatal(err)
	}
	s.proxy.restore()
	for _, id := range []string{done.GetId(), declined.GetId(), open.GetId()} {
		eventually(t, "referral "+id+" redacted", func() error {
			r, err := s.ref.GetReferral(ctxB, &pb.GetReferralRequest{Id: id})
			if err != nil {
				return err
			}
			x := r.GetReferral()
			if x.GetReason() != "" || x.GetNotes() != "" || x.GetOutcome().GetNote() != "" ||
				x.GetCloseReason() != map[bool]string{true: "BENEFICIARY_ERASED"}[id == open.GetId()] {
				return fmt.Errorf("%v: %w", x, errStill)
			}
			return nil
		})
	}
	// What stays: status, dates, codes, organisations, counts.
	r, err := s.ref.GetReferral(ctxB, &pb.GetReferralRequest{Id: done.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	if x := r.GetReferral(); x.GetStatus() != pb.ReferralStatus_REFERRAL_STATUS_COMPLETED || x.GetOutcome().GetCode() != pb.OutcomeCode_OUTCOME_CODE_SERVICE_PROVIDED ||
		x.GetUrgency() != pb.Urgency_URGENCY_HIGH || x.GetSendTime() == nil || x.GetFromOrganisationId() != a {
		t.Fatalf("redaction lost what stays: %v", x)
	}
	if after := s.count(t, ctxA, project); after != before {
		t.Fatalf("counts changed:\nbefore %s\nafter  %s", before, after)
	}
	conn, err := pgx.Connect(context.Background(), s.url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var left int
	if err := conn.QueryRow(context.Background(), `SELECT
			(SELECT count(*) FROM referrals.referrals r WHERE r::text ~* 'zerina|kurtagi|KX4471|1234567|brother')
			+ (SELECT count(*) FROM referrals.referral_events e WHERE e::text ~* 'zerina|kurtagi|examined|area|Monday')
			+ (SELECT count(*) FROM referrals.outbox o WHERE o::text ~* 'zerina|kurtagi')`).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Fatalf("%d rows still hold the erased person's texts", left)
	}

	evs, _ := s.feedEvents(t, "")
	var got []string
	for _, ev := range evs {
		if ev.GetAggregateId() == done.GetId() {
			got = append(got, ev.GetType())
		}
	}
	want := []string{"referral.created", "referral.sent", "referral.accepted", "referral.started", "referral.completed", "referral.redacted"}
	if !slices.Equal(got, want) {
		t.Fatalf("events of the completed referral: %v\nwant %v", got, want)
	}
	for _, ev := range evs {
		if ev.GetType() == "referral.completed" {
			d := ev.GetData().GetFields()
			if d["outcome_code"].GetStringValue() != "service_provided" || d["status"].GetStringValue() != "completed" ||
				d["from_status"].GetStringValue() != "in_progress" || d["to_organisation_id"].GetStringValue() != b ||
				d["due_time"].GetStringValue() == "" || !slices.Equal(ev.GetOrganisationIds(), []string{a, b}) {
				t.Fatalf("completed event: %v", ev)
			}
		}
		if ev.GetType() == "referral.created" && !slices.Equal(ev.GetOrganisationIds(), []string{a}) {
			t.Fatalf("a draft concerns its sender only: %v", ev)
		}
		if raw, _ := protojson.Marshal(ev); strings.Contains(strings.ToLower(string(raw)), "zerina") {
			t.Fatalf("event carries personal data: %s", raw)
		}
	}
}
