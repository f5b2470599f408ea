package service_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	beneficiaries "github.com/spona/spona/services/beneficiaries/service"
	referrals "github.com/spona/spona/services/referrals/service"
	"github.com/spona/spona/services/trainings/service"
)

// TestMergeAndErasureReachParticipations: two records of one person both
// took part in one event (and one took part in another); after the merge
// the survivor takes part once in each, with the attendance and
// certificate of either, and counts count one person; after the erasure the
// certificate numbers link to nothing and counts stay. Registrations and
// certificates are events with ids only.
func TestMergeAndErasureReachParticipations(t *testing.T) {
	url := pgtest.NewDatabase(t)
	rep := servicetest.Defer(t)
	benConn := servicetest.Start(t, beneficiaries.New(beneficiaries.Config{Config: servicetest.Platform(t, url), ReportingAddr: rep.Addr,
		ReferralsAddr: "127.0.0.1:1"}))
	refConn := servicetest.Start(t, referrals.New(referrals.Config{Config: servicetest.Platform(t, url), BeneficiariesAddr: benConn.Target(),
		ReportingAddr: rep.Addr}))
	conn := servicetest.Start(t, service.New(service.Config{Config: servicetest.Platform(t, url),
		ReferralsAddr: refConn.Target(), BeneficiariesAddr: benConn.Target(), ReportingAddr: rep.Addr}))
	c, ben := pb.NewTrainingServiceClient(conn), benv1.NewBeneficiaryServiceClient(benConn)
	org := ids.New()
	ctx := servicetest.As(t, org)
	project := newProject(t, rep, url, benConn.Target(), refConn.Target(), conn.Target(), ctx)

	primary, dup := nadira(t, ctx, ben, "N-1"), nadira(t, ctx, ben, "N-2")
	event := func() (string, string) {
		e := seminar(project)
		e.Type = pb.EventType_EVENT_TYPE_INTERCULTURAL_DAY
		r, err := c.CreateTrainingEvent(ctx, &pb.CreateTrainingEventRequest{TrainingEvent: e})
		if err != nil {
			t.Fatal(err)
		}
		s, err := c.CreateSession(ctx, &pb.CreateSessionRequest{EventId: r.GetTrainingEvent().GetId(), Session: &pb.Session{Date: "2017-03-01"}})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetTrainingEvent().GetId(), s.GetSession().GetId()
	}
	register := func(eventID, session, benID string, present bool) *pb.Participant {
		r, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{EventId: eventID, Participant: &pb.Participant{Person: &pb.Participant_BeneficiaryId{BeneficiaryId: benID}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{EventId: eventID, SessionId: session,
			Marks: []*pb.AttendanceMark{{ParticipantId: r.GetParticipant().GetId(), Present: present}}}); err != nil {
			t.Fatal(err)
		}
		return r.GetParticipant()
	}
	both, bothSession := event()
	register(both, bothSession, primary, false)
	register(both, bothSession, dup, true) // only the duplicate attended, and is certified
	if _, err := c.IssueCertificates(ctx, &pb.IssueCertificatesRequest{EventId: both}); err != nil {
		t.Fatal(err)
	}
	other, otherSession := event()
	register(other, otherSession, dup, true)
	community := func() int64 {
		r, err := c.CountCommunityBeneficiaries(ctx, &pb.CountCommunityBeneficiariesRequest{ProjectId: project})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetAggregate().GetTotal()
	}
	if n := community(); n != 2 {
		t.Fatalf("before the merge: %d community beneficiaries, want 2", n)
	}

	if _, err := ben.MergeBeneficiaries(ctx, &benv1.MergeBeneficiariesRequest{Id: primary, DuplicateId: dup}); err != nil {
		t.Fatal(err)
	}
	servicetest.Eventually(t, "merge reaches participations", func() error {
		if n := community(); n != 1 {
			return fmt.Errorf("%d community beneficiaries", n)
		}
		return nil
	})
	parts := func(eventID string) []*pb.Participant {
		r, err := c.ListParticipants(ctx, &pb.ListParticipantsRequest{EventId: eventID})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetParticipants()
	}
	for _, e := range []string{both, other} {
		p := parts(e)
		if len(p) != 1 || p[0].GetBeneficiaryId() != primary || p[0].GetSessionsAttended() != 1 || !strings.HasPrefix(p[0].GetCertificateNumber(), "TR-") && e == both {
			t.Fatalf("event %s after the merge: %v", e, p)
		}
	}

	if _, err := ben.EraseBeneficiary(ctx, &benv1.EraseBeneficiaryRequest{Id: primary}); err != nil {
		t.Fatal(err)
	}
	servicetest.Eventually(t, "erasure reaches participations", func() error {
		if p := parts(both); !strings.HasPrefix(p[0].GetCertificateNumber(), "ERASED-") {
			return fmt.Errorf("certificate %q", p[0].GetCertificateNumber())
		}
		return nil
	})
	if n := community(); n != 1 {
		t.Fatalf("after the erasure: %d community beneficiaries, want 1", n)
	}
	// Issuing again does not certify the erased person anew; a certificate
	// issued since (they completed the other event too) links to nothing
	// either.
	if r, err := c.IssueCertificates(ctx, &pb.IssueCertificatesRequest{EventId: both}); err != nil || r.GetIssuedCount() != 0 {
		t.Fatalf("issuing again: %v %v", r, err)
	}
	if r, err := c.IssueCertificates(ctx, &pb.IssueCertificatesRequest{EventId: other}); err != nil || r.GetIssuedCount() != 1 {
		t.Fatalf("issuing the other event's certificates after the erasure: %v %v", r, err)
	}
	if p := parts(other); !strings.HasPrefix(p[0].GetCertificateNumber(), "ERASED-") {
		t.Fatalf("certificate issued after the erasure: %q", p[0].GetCertificateNumber())
	}

	evs, _ := servicetest.Events(t, conn, "")
	var types []string
	for _, ev := range evs {
		if !strings.HasPrefix(ev.GetType(), "participant.") || ev.GetType() == "participant.completed" ||
			ev.GetType() == "participant.completion_withdrawn" {
			continue // sessions, marks and completions (the merge's too): TestCompletionEvents, TestMergeCompletionEvents
		}
		types = append(types, ev.GetType())
		if ev.GetData().GetFields()["beneficiary_id"].GetStringValue() == "" || ev.GetOrganisationIds()[0] != org {
			t.Fatalf("participant event: %v", ev)
		}
	}
	// The merge deletes the duplicate's participation at both (its
	// certificate goes to the primary's, told by participant.certified).
	want := []string{"participant.registered", "participant.registered", "participant.certified", "participant.registered",
		"participant.deleted", "participant.certified", "participant.certified"}
	if !slices.Equal(types, want) {
		t.Fatalf("events %v, want %v", types, want)
	}
}

// nadira registers a record of one person (two calls: two records of her
// to merge), with external id ext, and returns its id.
func nadira(t *testing.T, ctx context.Context, ben benv1.BeneficiaryServiceClient, ext string) string {
	t.Helper()
	r, err := ben.CreateBeneficiary(ctx, &benv1.CreateBeneficiaryRequest{Beneficiary: &benv1.Beneficiary{
		ExternalId: ext, GivenName: "Nadira", FamilyName: "Begović", Sex: commonv1.Sex_SEX_FEMALE, BirthYear: 2001}})
	if err != nil {
		t.Fatal(err)
	}
	return r.GetBeneficiary().GetId()
}
