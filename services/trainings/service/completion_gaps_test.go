package service_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	beneficiaries "github.com/spona/spona/services/beneficiaries/service"
	"github.com/spona/spona/services/trainings/service"
)

// TestDeletedParticipantCompletionWithdrawn: deleting a participant who
// completed the event is told by participant.deleted and by
// participant.completion_withdrawn (cause participant.deleted), in the
// deletion's transaction, so a consumer counting the trained by the
// completion events counts one fewer; deleting one who had not completed
// is told by participant.deleted alone. Before, the completed
// participant's deletion emitted participant.deleted only, and such a
// consumer stayed one too high.
func TestDeletedParticipantCompletionWithdrawn(t *testing.T) {
	c := start(t)
	org := ids.New()
	ctx := servicetest.As(t, org)
	conn := servicetest.Dial(t, c.self, "trainings")
	e := event(t, c, ctx, &pb.TrainingEvent{Type: pb.EventType_EVENT_TYPE_WORKSHOP, Title: "W", StartDate: "2024-05-06"}) // threshold 80
	s := sessionsOn(t, c, ctx, e.GetId(), "2024-05-06")[0]
	ana := register(t, c, ctx, e.GetId(), professional("Ana", "Ilić", "", "CSR Šid", pb.Sector_SECTOR_SOCIAL_WELFARE, 0))
	marko := register(t, c, ctx, e.GetId(), professional("Marko", "Perić", "", "PU Šid", pb.Sector_SECTOR_POLICE, 0))
	if _, err := c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{EventId: e.GetId(), SessionId: s, Marks: []*pb.AttendanceMark{
		{ParticipantId: ana.GetId(), Present: true}, {ParticipantId: marko.GetId(), Present: false}}}); err != nil {
		t.Fatal(err)
	}
	_, cursor := servicetest.Events(t, conn, "")
	for _, p := range []*pb.Participant{ana, marko} {
		if _, err := c.DeleteParticipant(ctx, &pb.DeleteParticipantRequest{EventId: e.GetId(), Id: p.GetId()}); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := feed(t, conn, cursor, org, "Ilić", "Perić")
	deleted := func(p *pb.Participant) told {
		return told{Type: events.ParticipantDeleted, ID: p.GetId(), Count: -1,
			Data: kv("participant_id", p.GetId(), "event_id", e.GetId(), "professional_id", p.GetProfessionalId())}
	}
	want := []told{deleted(ana), {Type: events.ParticipantCompletionWithdrawn, ID: ana.GetId(), Count: -1,
		Data: kv("participant_id", ana.GetId(), "event_id", e.GetId(), "professional_id", ana.GetProfessionalId(), "cause", events.ParticipantDeleted)},
		deleted(marko)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("deletions' events (-want +got):\n%s", diff)
	}
}

// TestMergeCompletionEvents: a beneficiary merge (the real beneficiaries
// service's beneficiary.merged, consumed by the trainings service)
// combines the two records' participations at an event where both took
// part: the survivor's takes the marks of either. Where that makes the
// survivor complete the event, participant.completed (cause
// beneficiary.merged) tells it; where the merged record's participation
// had completed, it goes with participant.completion_withdrawn; a
// participation moved alone keeps its completion and is not told. Before,
// the merge emitted no event: a consumer counting the trained by the
// completion events missed the survivor's completion and kept the merged
// record's.
func TestMergeCompletionEvents(t *testing.T) {
	url := pgtest.NewDatabase(t)
	rep := servicetest.Defer(t)
	benConn := servicetest.Start(t, beneficiaries.New(beneficiaries.Config{Config: servicetest.Platform(t, url), ReportingAddr: rep.Addr,
		ReferralsAddr: "127.0.0.1:1"}))
	conn := servicetest.Start(t, service.New(service.Config{Config: servicetest.Platform(t, url),
		ReferralsAddr: "127.0.0.1:1", BeneficiariesAddr: benConn.Target(), ReportingAddr: rep.Addr}))
	c, ben := pb.NewTrainingServiceClient(conn), benv1.NewBeneficiaryServiceClient(benConn)
	org := ids.New()
	ctx := servicetest.As(t, org)
	survivor, merged := nadira(t, ctx, ben, "N-1"), nadira(t, ctx, ben, "N-2")
	// An event of two sessions (threshold 80: both needed) and the
	// participations of each record, present at the sessions named.
	type part struct {
		benID   string
		present []int
	}
	eventOf := func(parts ...part) (string, []string) {
		e := event(t, c, ctx, &pb.TrainingEvent{Type: pb.EventType_EVENT_TYPE_TRAINING, Title: "T", StartDate: "2024-05-06", EndDate: "2024-05-07"})
		sessions := sessionsOn(t, c, ctx, e.GetId(), "2024-05-06", "2024-05-07")
		var pids []string
		for _, p := range parts {
			x := register(t, c, ctx, e.GetId(), beneficiary(p.benID))
			pids = append(pids, x.GetId())
			for i, s := range sessions {
				if _, err := c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{EventId: e.GetId(), SessionId: s,
					Marks: []*pb.AttendanceMark{{ParticipantId: x.GetId(), Present: slices.Contains(p.present, i)}}}); err != nil {
					t.Fatal(err)
				}
			}
		}
		return e.GetId(), pids
	}
	joined, joinedParts := eventOf(part{survivor, []int{0}}, part{merged, []int{1}})   // each at one: neither completes
	both, bothParts := eventOf(part{survivor, []int{0, 1}}, part{merged, []int{0, 1}}) // both complete
	alone, _ := eventOf(part{merged, []int{0, 1}})                                     // the merged record alone, completed
	_, cursor := servicetest.Events(t, conn, "")

	if _, err := ben.MergeBeneficiaries(ctx, &benv1.MergeBeneficiariesRequest{Id: survivor, DuplicateId: merged}); err != nil {
		t.Fatal(err)
	}
	servicetest.Eventually(t, "merge reaches participations", func() error {
		r, err := c.ListParticipants(ctx, &pb.ListParticipantsRequest{EventId: alone})
		if err != nil {
			return err
		}
		if p := r.GetParticipants(); len(p) != 1 || p[0].GetBeneficiaryId() != survivor {
			return fmt.Errorf("participants of the merged record's event: %v", p)
		}
		return nil
	})
	got, _ := feed(t, conn, cursor, org, "Nadira", "Begović")
	flip := func(typ, eventID, p, benID string) told {
		return told{Type: typ, ID: p, Count: -1, Data: kv("participant_id", p, "event_id", eventID, "beneficiary_id", benID, "cause", events.BeneficiaryMerged)}
	}
	want := []told{
		flip(events.ParticipantCompleted, joined, joinedParts[0], survivor),
		flip(events.ParticipantCompletionWithdrawn, both, bothParts[1], merged),
	}
	less := func(x, y told) bool { return x.ID < y.ID }
	if diff := cmp.Diff(want, got, cmpopts.SortSlices(less)); diff != "" {
		t.Errorf("the merge's events (-want +got):\n%s", diff)
	}
	for _, e := range []string{joined, both} {
		r, err := c.ListParticipants(ctx, &pb.ListParticipantsRequest{EventId: e})
		if err != nil {
			t.Fatal(err)
		}
		if p := r.GetParticipants(); len(p) != 1 || p[0].GetAttendancePercent() != 100 {
			t.Errorf("event %s after the merge: %v, want the survivor alone at 100 %%", e, p)
		}
	}
}
