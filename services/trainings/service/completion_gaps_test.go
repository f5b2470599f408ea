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
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestDeletedParticipantCompletionWithdrawn: deleting a participant who
// completed the event is told by participant.deleted and by
// participant.completion_withdrawn (cause participant.deleted), in the
// deletion's transaction, so a consumer counting the trained by the
// completion events counts one fewer; deleting one who had not completed
// is told by participant.deleted alone. Before, the completed
// participant's deletion emitted participant.deleted only, and such a
// consumer stayed one too high. Each names the project the event is
// tagged with (project_id), as participant.registered does; before r24,
// participant.deleted named none, and a consumer counting by project
// could not tell which project's registrations it took away.
func TestDeletedParticipantCompletionWithdrawn(t *testing.T) {
	c := start(t)
	org := ids.New()
	ctx := servicetest.As(t, org)
	conn := servicetest.Dial(t, c.self, "trainings")
	project := c.project(t, ctx)
	e := event(t, c, ctx, &pb.TrainingEvent{ProjectId: project, Type: pb.EventType_EVENT_TYPE_WORKSHOP, Title: "W", StartDate: "2024-05-06"}) // threshold 80
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
			Data: kv("participant_id", p.GetId(), "event_id", e.GetId(), "professional_id", p.GetProfessionalId(), "project_id", project)}
	}
	want := []told{deleted(ana), {Type: events.ParticipantCompletionWithdrawn, ID: ana.GetId(), Count: -1,
		Data: kv("participant_id", ana.GetId(), "event_id", e.GetId(), "professional_id", ana.GetProfessionalId(), "project_id", project,
			"cause", events.ParticipantDeleted)},
		deleted(marko)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("deletions' events (-want +got):\n%s", diff)
	}
}

// withBeneficiaries starts the beneficiaries service and the trainings
// service, which consumes its feed, on one new database, and returns the
// database's URL, the trainings connection and both clients.
func withBeneficiaries(t *testing.T) (string, *grpc.ClientConn, pb.TrainingServiceClient, benv1.BeneficiaryServiceClient) {
	t.Helper()
	url := pgtest.NewDatabase(t)
	rep := servicetest.Defer(t)
	benConn := servicetest.Start(t, beneficiaries.New(beneficiaries.Config{Config: servicetest.Platform(t, url), ReportingAddr: rep.Addr,
		ReferralsAddr: "127.0.0.1:1"}))
	conn := servicetest.Start(t, service.New(service.Config{Config: servicetest.Platform(t, url),
		ReferralsAddr: "127.0.0.1:1", BeneficiariesAddr: benConn.Target(), ReportingAddr: rep.Addr}))
	c, ben := pb.NewTrainingServiceClient(conn), benv1.NewBeneficiaryServiceClient(benConn)
	return url, conn, c, ben
}

// TestMergeCompletionEvents: a beneficiary merge (the real beneficiaries
// service's beneficiary.merged, consumed by the trainings service)
// combines the two records' participations at an event where both took
// part: the survivor's takes the marks of either. Where that makes the
// survivor complete the event, participant.completed (cause
// beneficiary.merged) tells it; where the merged record's participation
// had completed, it goes with participant.completion_withdrawn; a
// participation moved alone keeps its completion and is not told. The
// merged record's participation at such an event is deleted, and
// participant.deleted (cause beneficiary.merged, survivor_participant_id
// the participation it went into) tells it, so the edge forgets what it
// kept of its registration and a consumer holding it drops it. Before,
// the merge emitted no event: a consumer counting the trained by the
// completion events missed the survivor's completion and kept the merged
// record's; and (until r21) no participant.deleted, so the participation
// stayed registered in every consumer's copy.
func TestMergeCompletionEvents(t *testing.T) {
	_, conn, c, ben := withBeneficiaries(t)
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
	gone := func(eventID string, parts []string) told {
		return told{Type: events.ParticipantDeleted, ID: parts[1], Count: -1, Data: kv("participant_id", parts[1], "event_id", eventID,
			"beneficiary_id", merged, "survivor_participant_id", parts[0], "cause", events.BeneficiaryMerged)}
	}
	want := []told{
		gone(joined, joinedParts),
		gone(both, bothParts),
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

// TestMergeSeesRegistrationsUnderWay: the survivor of a beneficiary merge
// is registered at an event where the merged record completed while the
// merge is under way: after it listed the events where both took part,
// waiting for the completion lock of one of them (a :recordAttendance
// there, held before its commit by pgtest.Hold). The registration waits
// for the merge (which locked both records' registrations before it read)
// and is refused as a repeat: the merged record's participation is the
// survivor's. The feed tells what happened: every participation that
// went has its participant.deleted, and the completion events (completed
// less withdrawn) name exactly those who complete each event. Before, the
// merge took no lock before it listed the shared events: the registration
// committed in between, the merge folded the merged record's completed
// participation into the new one at an event it had not listed, and told
// nothing of it (the feed kept the merged record's participation, completed,
// and never named the survivor's).
func TestMergeSeesRegistrationsUnderWay(t *testing.T) {
	url, conn, c, ben := withBeneficiaries(t)
	db := pgtest.Connect(t, url)
	org := ids.New()
	ctx := servicetest.As(t, org)
	survivor, merged := nadira(t, ctx, ben, "N-1"), nadira(t, ctx, ben, "N-2")
	newEvent := func() (string, string) {
		e := event(t, c, ctx, &pb.TrainingEvent{Type: pb.EventType_EVENT_TYPE_TRAINING, Title: "T", StartDate: "2024-05-06"})
		return e.GetId(), sessionsOn(t, c, ctx, e.GetId(), "2024-05-06")[0]
	}
	mark := func(eventID, session, p string) error {
		_, err := c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{EventId: eventID, SessionId: session,
			Marks: []*pb.AttendanceMark{{ParticipantId: p, Present: true}}})
		return err
	}
	shared, sharedSession := newEvent() // both records registered
	first := register(t, c, ctx, shared, beneficiary(survivor)).GetId()
	register(t, c, ctx, shared, beneficiary(merged))
	later, laterSession := newEvent() // the merged record alone, completed
	if err := mark(later, laterSession, register(t, c, ctx, later, beneficiary(merged)).GetId()); err != nil {
		t.Fatal(err)
	}

	hold := pgtest.NewHold(t, db, "INSERT ON trainings.outbox WHEN (NEW.type = 'attendance.recorded' AND NEW.aggregate_id = '"+sharedSession+"')")
	marked := pgtest.Go(func() error { return mark(shared, sharedSession, first) })
	hold.Held()
	if _, err := ben.MergeBeneficiaries(ctx, &benv1.MergeBeneficiariesRequest{Id: survivor, DuplicateId: merged}); err != nil {
		t.Fatal(err)
	}
	pgtest.Until(t, db, "the merge waiting for the shared event's completion", pgtest.LockWaits)
	registered := pgtest.Go(func() error {
		_, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{EventId: later, Participant: beneficiary(survivor)})
		return err
	})
	// The registration commits, or waits for a lock too (the merge's).
	pgtest.Until(t, db, "the registration committed or waiting", `SELECT EXISTS (SELECT 1 FROM trainings.participants
			WHERE event_id = $1 AND beneficiary_id = $2)
		OR (SELECT count(*) > 1 FROM pg_locks WHERE NOT granted AND NOT (locktype = 'advisory' AND objsubid = 1 AND classid = 0
			AND objid::bigint > 1578172416))`, later, survivor)
	hold.Release()
	if err := marked.Wait(); err != nil {
		t.Fatal(err)
	}
	// Started once the merge had read where both took part, the
	// registration waits for the merge's commit, and then finds the
	// merged record's participation the survivor's.
	if err := registered.Wait(); status.Code(err) != codes.AlreadyExists {
		t.Errorf("registering the survivor during the merge: %v, want AlreadyExists", err)
	}
	servicetest.Eventually(t, "merge reaches participations", func() error {
		for _, e := range []string{shared, later} {
			r, err := c.ListParticipants(ctx, &pb.ListParticipantsRequest{EventId: e})
			if err != nil {
				return err
			}
			if p := r.GetParticipants(); len(p) != 1 || p[0].GetBeneficiaryId() != survivor {
				return fmt.Errorf("participants of event %s: %v", e, p)
			}
		}
		return nil
	})

	// What the feed tells, by event: the participations registered and not
	// deleted, and those completed and not withdrawn.
	evs, _ := servicetest.Events(t, conn, "")
	told := map[string]map[string]bool{}
	trained := map[string]map[string]bool{}
	for _, ev := range evs {
		f := ev.GetData().GetFields()
		e, p := f["event_id"].GetStringValue(), f["participant_id"].GetStringValue()
		if told[e] == nil {
			told[e], trained[e] = map[string]bool{}, map[string]bool{}
		}
		switch ev.GetType() {
		case events.ParticipantRegistered:
			told[e][p] = true
		case events.ParticipantDeleted:
			delete(told[e], p)
		case events.ParticipantCompleted:
			trained[e][p] = true
		case events.ParticipantCompletionWithdrawn:
			delete(trained[e], p)
		}
	}
	for _, e := range []string{shared, later} {
		r, err := c.ListParticipants(ctx, &pb.ListParticipantsRequest{EventId: e})
		if err != nil {
			t.Fatal(err)
		}
		held, done := map[string]bool{}, map[string]bool{}
		for _, p := range r.GetParticipants() {
			held[p.GetId()] = true
			if p.GetAttendancePercent() == 100 {
				done[p.GetId()] = true
			}
		}
		if diff := cmp.Diff(held, told[e]); diff != "" {
			t.Errorf("event %s: participations the feed holds (-stored +told):\n%s", e, diff)
		}
		if diff := cmp.Diff(done, trained[e]); diff != "" {
			t.Errorf("event %s: participations that complete it (-stored +told):\n%s", e, diff)
		}
	}
}
