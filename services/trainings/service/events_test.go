package service_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	refv1 "github.com/spona/spona/gen/go/spona/referrals/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

func atOrg(given, family, email, orgID string, sector pb.Sector, sex commonv1.Sex) *pb.Participant {
	return &pb.Participant{Person: &pb.Participant_Professional{Professional: &pb.Professional{
		GivenName: given, FamilyName: family, Email: email, OrganisationId: orgID, Sector: sector, Sex: sex}}}
}

func beneficiary(id string) *pb.Participant {
	return &pb.Participant{Person: &pb.Participant_BeneficiaryId{BeneficiaryId: id}}
}

func group(n int64, kv ...string) *commonv1.Group {
	g := &commonv1.Group{Labels: map[string]string{}, Count: n}
	for i := 0; i < len(kv); i += 2 {
		g.Labels[kv[i]] = kv[i+1]
	}
	return g
}

// TestOrganisationKindAggregates registers professionals of directory
// organisations and checks every aggregate reporting uses.
func TestOrganisationKindAggregates(t *testing.T) {
	c, dir := startWithDirectory(t)
	police := organisation(t, dir, "PU Subotica", refv1.OrganisationKind_ORGANISATION_KIND_POLICE)
	csr := organisation(t, dir, "CSR Subotica", refv1.OrganisationKind_ORGANISATION_KIND_SOCIAL_WELFARE_CENTRE)
	ngo := organisation(t, dir, "Atina", refv1.OrganisationKind_ORGANISATION_KIND_NGO)
	a, b := ids.New(), ids.New()
	orgA, orgB := servicetest.As(t, a), servicetest.As(t, b)
	project := c.project(t, orgA, b)
	mk := func(ctx context.Context, typ pb.EventType, day, municipality string) string {
		return event(t, c, ctx, &pb.TrainingEvent{ProjectId: project, Type: typ, Title: "E", StartDate: day, Municipality: municipality}).GetId()
	}
	seminarID := mk(orgA, pb.EventType_EVENT_TYPE_SEMINAR, "2017-03-15", "Subotica")
	workshopID := mk(orgA, pb.EventType_EVENT_TYPE_WORKSHOP, "2017-05-10", "Subotica")
	community := mk(orgA, pb.EventType_EVENT_TYPE_COMMUNITY_EVENT, "2017-06-20", "Kanjiža")
	infoB := mk(orgB, pb.EventType_EVENT_TYPE_INFO_SESSION, "2017-07-01", "")
	mk(orgB, pb.EventType_EVENT_TYPE_SEMINAR, "2018-01-10", "Novi Sad") // after the period

	// Unknown organisation: a field violation, nothing stored.
	_, err := c.CreateParticipant(orgA, &pb.CreateParticipantRequest{EventId: seminarID,
		Participant: atOrg("Ana", "Anić", "", ids.New(), pb.Sector_SECTOR_HEALTH, 0)})
	if statustest.Code(err) != codes.InvalidArgument || !slices.Contains(statustest.Violations(err), "participant.professional.organisation_id") {
		t.Fatalf("unknown organisation: %v", err)
	}

	// Ana (police) attends the seminar and the workshop: one person.
	a1 := register(t, c, orgA, seminarID, atOrg("Ana", "Petrović", "ana@pu.rs", police, pb.Sector_SECTOR_POLICE, commonv1.Sex_SEX_FEMALE))
	a2 := register(t, c, orgA, workshopID, atOrg("Ana", "Petrović", "ana@pu.rs", police, pb.Sector_SECTOR_POLICE, commonv1.Sex_SEX_FEMALE))
	if a1.GetProfessionalId() != a2.GetProfessionalId() {
		t.Fatalf("one person, two professionals: %s, %s", a1.GetProfessionalId(), a2.GetProfessionalId())
	}
	register(t, c, orgA, seminarID, atOrg("Marko", "Marković", "", csr, pb.Sector_SECTOR_SOCIAL_WELFARE, commonv1.Sex_SEX_MALE))
	register(t, c, orgA, workshopID, atOrg("Jelena", "Jović", "", ngo, pb.Sector_SECTOR_NGO, commonv1.Sex_SEX_FEMALE))
	// No directory organisation: kind unknown.
	register(t, c, orgA, workshopID, professional("Ivo", "Ivić", "", "Sud Subotica", pb.Sector_SECTOR_JUSTICE, commonv1.Sex_SEX_MALE))
	// Ana again, at another organiser's event of the project: still one person.
	register(t, c, orgB, infoB, atOrg("Ana", "Petrović", "ANA@pu.rs", police, pb.Sector_SECTOR_POLICE, commonv1.Sex_SEX_FEMALE))

	// b1 is A's and was referred to B; b3 is B's.
	b1, b2, b3 := c.beneficiary(t, orgA, b), c.beneficiary(t, orgA), c.beneficiary(t, orgB)
	register(t, c, orgA, community, beneficiary(b1))
	register(t, c, orgA, community, beneficiary(b2))
	register(t, c, orgB, infoB, beneficiary(b1)) // b1 at two events: once
	register(t, c, orgB, infoB, beneficiary(b3))

	period := &commonv1.DateRange{StartDate: "2017-01-01", EndDate: "2017-12-31"}
	trained := func(groupBy ...string) *commonv1.Aggregate {
		t.Helper()
		r, err := c.CountTrainedProfessionals(orgB, &pb.CountTrainedProfessionalsRequest{ProjectId: project, Period: period, GroupBy: groupBy})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetAggregate()
	}
	for _, tc := range []struct {
		name string
		got  *commonv1.Aggregate
		want *commonv1.Aggregate
	}{
		{"total", trained(), &commonv1.Aggregate{Total: 4}},
		{"by organisation kind", trained("organisation_kind"), &commonv1.Aggregate{Total: 4, Groups: []*commonv1.Group{
			group(1, "organisation_kind", "ngo"), group(1, "organisation_kind", "police"),
			group(1, "organisation_kind", "social_welfare_centre"), group(1, "organisation_kind", "unknown")}}},
		{"by organisation", trained("organisation"), &commonv1.Aggregate{Total: 4, Groups: sortedGroups(
			group(1, "organisation", police), group(1, "organisation", csr), group(1, "organisation", ngo),
			group(1, "organisation", "Sud Subotica"))}},
		{"by sector and sex", trained("sector", "sex"), &commonv1.Aggregate{Total: 4, Groups: []*commonv1.Group{
			group(1, "sector", "justice", "sex", "male"), group(1, "sector", "ngo", "sex", "female"),
			group(1, "sector", "police", "sex", "female"), group(1, "sector", "social_welfare", "sex", "male")}}},
	} {
		if diff := cmp.Diff(tc.want, tc.got, protocmp.Transform()); diff != "" {
			t.Errorf("trained %s (-want +got):\n%s", tc.name, diff)
		}
	}

	events, err := c.CountTrainingEvents(orgA, &pb.CountTrainingEventsRequest{ProjectId: project, Period: period, GroupBy: []string{"event_type"}})
	if err != nil {
		t.Fatal(err)
	}
	wantEvents := &commonv1.Aggregate{Total: 4, Groups: []*commonv1.Group{
		group(1, "event_type", "community_event"), group(1, "event_type", "info_session"),
		group(1, "event_type", "seminar"), group(1, "event_type", "workshop")}}
	if diff := cmp.Diff(wantEvents, events.GetAggregate(), protocmp.Transform()); diff != "" {
		t.Errorf("events by type (-want +got):\n%s", diff)
	}
	all, err := c.CountTrainingEvents(orgA, &pb.CountTrainingEventsRequest{ProjectId: project, GroupBy: []string{"municipality"}})
	if err != nil {
		t.Fatal(err)
	}
	wantAll := &commonv1.Aggregate{Total: 5, Groups: []*commonv1.Group{
		group(1, "municipality", "Kanjiža"), group(1, "municipality", "Novi Sad"),
		group(2, "municipality", "Subotica"), group(1, "municipality", "unknown")}}
	if diff := cmp.Diff(wantAll, all.GetAggregate(), protocmp.Transform()); diff != "" {
		t.Errorf("events by municipality, open period (-want +got):\n%s", diff)
	}

	ben, err := c.CountCommunityBeneficiaries(orgA, &pb.CountCommunityBeneficiariesRequest{ProjectId: project, Period: period, GroupBy: []string{"event_type"}})
	if err != nil {
		t.Fatal(err)
	}
	wantBen := &commonv1.Aggregate{Total: 3, Groups: []*commonv1.Group{
		group(2, "event_type", "community_event"), group(2, "event_type", "info_session")}}
	if diff := cmp.Diff(wantBen, ben.GetAggregate(), protocmp.Transform()); diff != "" {
		t.Errorf("community beneficiaries (-want +got):\n%s", diff)
	}

	for name, err := range map[string]error{
		"events bad dimension": second(c.CountTrainingEvents(orgA, &pb.CountTrainingEventsRequest{ProjectId: project, GroupBy: []string{"sector"}})),
		"events no project":    second(c.CountTrainingEvents(orgA, &pb.CountTrainingEventsRequest{})),
		"ben bad dimension":    second(c.CountCommunityBeneficiaries(orgA, &pb.CountCommunityBeneficiariesRequest{ProjectId: project, GroupBy: []string{"sector"}})),
		"ben bad period":       second(c.CountCommunityBeneficiaries(orgA, &pb.CountCommunityBeneficiariesRequest{ProjectId: project, Period: &commonv1.DateRange{EndDate: "x"}})),
	} {
		if statustest.Code(err) != codes.InvalidArgument || len(statustest.Violations(err)) == 0 {
			t.Errorf("%s: %v, want InvalidArgument with violations", name, err)
		}
	}
}

func sortedGroups(gs ...*commonv1.Group) []*commonv1.Group {
	slices.SortFunc(gs, func(a, b *commonv1.Group) int {
		return strings.Compare(a.Labels["organisation"], b.Labels["organisation"])
	})
	return gs
}

// TestSessionsAttendanceCertificates follows an event from its programme to
// certificates.
func TestSessionsAttendanceCertificates(t *testing.T) {
	c := start(t)
	org := ids.New()
	ctx := servicetest.As(t, org)
	project := c.project(t, ctx)
	e := event(t, c, ctx, &pb.TrainingEvent{ProjectId: project, Type: pb.EventType_EVENT_TYPE_TRAINING, Title: "Five-day training",
		StartDate: "2017-03-06", EndDate: "2017-03-10", CompletionThresholdPercent: 80})

	// Sessions, created out of order, come back in programme order.
	var sessions []*pb.Session
	for _, in := range []*pb.Session{
		{Date: "2017-03-08", StartTime: "09:00", EndTime: "12:30", Topic: "Guardianship", Trainer: "M. Kovač"},
		{Date: "2017-03-06", StartTime: "13:00", EndTime: "16:00", Topic: "Asylum procedure"},
		{Date: "2017-03-06", StartTime: "09:00", EndTime: "12:00", Topic: "Introduction"},
		{Date: "2017-03-10", Topic: "Evaluation"},
		{Date: "2017-03-09", StartTime: "09:00", Topic: "Case studies"},
	} {
		r, err := c.CreateSession(ctx, &pb.CreateSessionRequest{EventId: e.GetId(), Session: in})
		if err != nil {
			t.Fatal(err)
		}
		got := r.GetSession()
		if !ids.Valid(got.GetId()) || got.GetEventId() != e.GetId() || got.GetDate() != in.GetDate() ||
			got.GetStartTime() != in.GetStartTime() || got.GetEndTime() != in.GetEndTime() || got.GetTopic() != in.GetTopic() {
			t.Fatalf("session %v stored as %v", in, got)
		}
		sessions = append(sessions, got)
	}
	var listed []string
	tok := ""
	for {
		r, err := c.ListSessions(ctx, &pb.ListSessionsRequest{EventId: e.GetId(), PageSize: 2, PageToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range r.GetSessions() {
			listed = append(listed, s.GetDate()+" "+s.GetStartTime()+" "+s.GetTopic())
		}
		if tok = r.GetNextPageToken(); tok == "" {
			break
		}
	}
	wantOrder := []string{"2017-03-06 09:00 Introduction", "2017-03-06 13:00 Asylum procedure",
		"2017-03-08 09:00 Guardianship", "2017-03-09 09:00 Case studies", "2017-03-10  Evaluation"}
	if diff := cmp.Diff(wantOrder, listed); diff != "" {
		t.Fatalf("sessions in programme order (-want +got):\n%s", diff)
	}
	for name, tc := range map[string]struct {
		s     *pb.Session
		field string
	}{
		"before event":  {&pb.Session{Date: "2017-03-05"}, "session.date"},
		"after event":   {&pb.Session{Date: "2017-03-11"}, "session.date"},
		"no date":       {&pb.Session{Topic: "x"}, "session.date"},
		"bad date":      {&pb.Session{Date: "6.3.2017"}, "session.date"},
		"bad time":      {&pb.Session{Date: "2017-03-07", StartTime: "9h"}, "session.start_time"},
		"end not after": {&pb.Session{Date: "2017-03-07", StartTime: "10:00", EndTime: "10:00"}, "session.end_time"},
		"long trainer":  {&pb.Session{Date: "2017-03-07", Trainer: strings.Repeat("t", 201)}, "session.trainer"},
	} {
		_, err := c.CreateSession(ctx, &pb.CreateSessionRequest{EventId: e.GetId(), Session: tc.s})
		if statustest.Code(err) != codes.InvalidArgument || !slices.Contains(statustest.Violations(err), tc.field) {
			t.Errorf("session %s: %v, want InvalidArgument naming %s", name, err, tc.field)
		}
	}
	// A retried create with its request id makes one session.
	r1, err := c.CreateSession(ctx, &pb.CreateSessionRequest{EventId: e.GetId(), RequestId: "s-6", Session: &pb.Session{Date: "2017-03-07"}})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := c.CreateSession(ctx, &pb.CreateSessionRequest{EventId: e.GetId(), RequestId: "s-6", Session: &pb.Session{Date: "2017-03-07"}})
	if err != nil || r1.GetSession().GetId() != r2.GetSession().GetId() {
		t.Fatalf("session retry: %v (%v)", r2.GetSession(), err)
	}
	sessions = append(sessions, r1.GetSession()) // six sessions now
	got, err := c.GetTrainingEvent(ctx, &pb.GetTrainingEventRequest{Id: e.GetId()})
	if err != nil || got.GetTrainingEvent().GetSessionCount() != 6 {
		t.Fatalf("session_count = %d (%v), want 6", got.GetTrainingEvent().GetSessionCount(), err)
	}

	full := register(t, c, ctx, e.GetId(), professional("Ana", "Petrović", "ana@example.org", "CSR", pb.Sector_SECTOR_SOCIAL_WELFARE, commonv1.Sex_SEX_FEMALE))
	five := register(t, c, ctx, e.GetId(), professional("Marko", "Marković", "", "PU", pb.Sector_SECTOR_POLICE, commonv1.Sex_SEX_MALE))
	four := register(t, c, ctx, e.GetId(), professional("Jelena", "Jović", "", "DZ", pb.Sector_SECTOR_HEALTH, commonv1.Sex_SEX_FEMALE))
	none := register(t, c, ctx, e.GetId(), beneficiary(c.beneficiary(t, ctx)))

	mark := func(session string, marks ...*pb.AttendanceMark) []*pb.AttendanceMark {
		t.Helper()
		r, err := c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{EventId: e.GetId(), SessionId: session, Marks: marks})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetMarks()
	}
	present := func(p *pb.Participant, yes bool) *pb.AttendanceMark {
		return &pb.AttendanceMark{ParticipantId: p.GetId(), Present: yes}
	}
	for i, s := range sessions {
		mark(s.GetId(), present(full, true), present(five, i < 5), present(four, i < 4), present(none, false))
	}
	// Marking again is idempotent; a changed mark replaces the old one.
	again := mark(sessions[0].GetId(), present(full, true), present(five, true), present(four, true), present(none, false))
	if len(again) != 4 {
		t.Fatalf("marks after a repeat: %v", again)
	}
	mark(sessions[5].GetId(), present(four, true)) // Jelena was there after all: 5 of 6
	mark(sessions[5].GetId(), present(four, false))
	mark(sessions[5].GetId(), present(four, false)) // and not, finally: 4 of 6

	participant := func(p *pb.Participant) *pb.Participant {
		t.Helper()
		r, err := c.GetParticipant(ctx, &pb.GetParticipantRequest{EventId: e.GetId(), Id: p.GetId()})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetParticipant()
	}
	for _, tc := range []struct {
		p         *pb.Participant
		attended  int32
		percent   int32
		completed bool
	}{{full, 6, 100, true}, {five, 5, 83, true}, {four, 4, 66, false}, {none, 0, 0, false}} {
		got := participant(tc.p)
		if got.GetSessionsAttended() != tc.attended || got.GetAttendancePercent() != tc.percent || got.GetCompleted() != tc.completed {
			t.Errorf("participant %s: attended %d (%d%%) completed %v, want %d (%d%%) %v", tc.p.GetId(),
				got.GetSessionsAttended(), got.GetAttendancePercent(), got.GetCompleted(), tc.attended, tc.percent, tc.completed)
		}
	}

	// Attendance errors.
	for name, tc := range map[string]struct {
		req   *pb.RecordAttendanceRequest
		code  codes.Code
		field string
	}{
		"no marks":          {&pb.RecordAttendanceRequest{EventId: e.GetId(), SessionId: sessions[0].GetId()}, codes.InvalidArgument, "marks"},
		"bad participant":   {&pb.RecordAttendanceRequest{EventId: e.GetId(), SessionId: sessions[0].GetId(), Marks: []*pb.AttendanceMark{{ParticipantId: "x"}}}, codes.InvalidArgument, "marks[0].participant_id"},
		"twice":             {&pb.RecordAttendanceRequest{EventId: e.GetId(), SessionId: sessions[0].GetId(), Marks: []*pb.AttendanceMark{present(full, true), present(full, false)}}, codes.InvalidArgument, "marks[1].participant_id"},
		"not a participant": {&pb.RecordAttendanceRequest{EventId: e.GetId(), SessionId: sessions[0].GetId(), Marks: []*pb.AttendanceMark{present(full, true), {ParticipantId: ids.New()}}}, codes.InvalidArgument, "marks[1].participant_id"},
		"unknown session":   {&pb.RecordAttendanceRequest{EventId: e.GetId(), SessionId: ids.New(), Marks: []*pb.AttendanceMark{present(full, true)}}, codes.NotFound, ""},
		"bad session":       {&pb.RecordAttendanceRequest{EventId: e.GetId(), SessionId: "s", Marks: []*pb.AttendanceMark{present(full, true)}}, codes.InvalidArgument, "session_id"},
	} {
		_, err := c.RecordAttendance(ctx, tc.req)
		if statustest.Code(err) != tc.code || (tc.field != "" && !slices.Contains(statustest.Violations(err), tc.field)) {
			t.Errorf("attendance %s: %v, want %v naming %q", name, err, tc.code, tc.field)
		}
	}
	if p := participant(full); p.GetSessionsAttended() != 6 {
		t.Fatalf("a refused attendance request changed marks: %v", p)
	}

	// Test scores: validated, partial updates keep the other score.
	scores := func(p *pb.Participant, pre, post *int32) (*pb.Participant, error) {
		r, err := c.RecordTestScores(ctx, &pb.RecordTestScoresRequest{EventId: e.GetId(), ParticipantId: p.GetId(), PreTestScore: pre, PostTestScore: post})
		return r.GetParticipant(), err
	}
	if _, err := scores(full, proto.Int32(45), nil); err != nil {
		t.Fatal(err)
	}
	p, err := scores(full, nil, proto.Int32(90))
	if err != nil || p.GetPreTestScore() != 45 || p.GetPostTestScore() != 90 || p.PreTestScore == nil {
		t.Fatalf("scores: %v (%v)", p, err)
	}
	if p, _ := scores(five, proto.Int32(0), nil); p.PreTestScore == nil || p.GetPreTestScore() != 0 || p.PostTestScore != nil {
		t.Fatalf("zero score: %v", p)
	}
	for name, tc := range map[string]struct {
		pre, post *int32
		field     string
	}{
		"negative":  {proto.Int32(-1), nil, "pre_test_score"},
		"above 100": {nil, proto.Int32(101), "post_test_score"},
		"neither":   {nil, nil, "pre_test_score"},
	} {
		_, err := scores(full, tc.pre, tc.post)
		if statustest.Code(err) != codes.InvalidArgument || !slices.Contains(statustest.Violations(err), tc.field) {
			t.Errorf("scores %s: %v", name, err)
		}
	}
	if p := participant(full); p.GetPreTestScore() != 45 || p.GetPostTestScore() != 90 {
		t.Fatalf("a refused score changed the stored ones: %v", p)
	}
	if _, err := c.RecordTestScores(ctx, &pb.RecordTestScoresRequest{EventId: e.GetId(), ParticipantId: ids.New(), PreTestScore: proto.Int32(1)}); statustest.Code(err) != codes.NotFound {
		t.Fatalf("scores of an unknown participant: %v", err)
	}

	// Certificates: to those at or above 80%, once.
	cert, err := c.IssueCertificates(ctx, &pb.IssueCertificatesRequest{EventId: e.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	if cert.GetIssuedCount() != 2 || len(cert.GetParticipants()) != 2 {
		t.Fatalf("certificates: %v", cert)
	}
	numbers := map[string]string{}
	for _, p := range cert.GetParticipants() {
		if !strings.HasPrefix(p.GetCertificateNumber(), "TR-2017-") || p.GetCertificateIssueTime() == nil {
			t.Fatalf("certificate of %v", p)
		}
		numbers[p.GetId()] = p.GetCertificateNumber()
	}
	if len(numbers) != 2 || numbers[full.GetId()] == "" || numbers[five.GetId()] == "" || numbers[full.GetId()] == numbers[five.GetId()] {
		t.Fatalf("certified %v, want Ana and Marko with distinct numbers", numbers)
	}
	again2, err := c.IssueCertificates(ctx, &pb.IssueCertificatesRequest{EventId: e.GetId()})
	if err != nil || again2.GetIssuedCount() != 0 || len(again2.GetParticipants()) != 2 {
		t.Fatalf("second issue: %v (%v)", again2, err)
	}
	for _, p := range again2.GetParticipants() {
		if numbers[p.GetId()] != p.GetCertificateNumber() {
			t.Fatalf("certificate number changed: %s -> %s", numbers[p.GetId()], p.GetCertificateNumber())
		}
	}
	// Lowering the threshold certifies Jelena (4 of 6 = 66%) with a new number.
	upd, err := c.UpdateTrainingEvent(ctx, &pb.UpdateTrainingEventRequest{
		TrainingEvent: &pb.TrainingEvent{Id: e.GetId(), Etag: etagOf(t, c, ctx, e.GetId()), CompletionThresholdPercent: 60},
		UpdateMask:    &fieldmaskpb.FieldMask{Paths: []string{"completion_threshold_percent"}}})
	if err != nil || upd.GetTrainingEvent().GetCompletionThresholdPercent() != 60 {
		t.Fatalf("threshold update: %v (%v)", upd, err)
	}
	third, err := c.IssueCertificates(ctx, &pb.IssueCertificatesRequest{EventId: e.GetId()})
	if err != nil || third.GetIssuedCount() != 1 || len(third.GetParticipants()) != 3 {
		t.Fatalf("third issue: %v (%v)", third, err)
	}
	if n := participant(four).GetCertificateNumber(); n == "" || n == numbers[full.GetId()] || n == numbers[five.GetId()] {
		t.Fatalf("Jelena's certificate number %q", n)
	}

	// completed_only counts those reaching the threshold: all three now.
	count := func(completed bool) int64 {
		r, err := c.CountTrainedProfessionals(ctx, &pb.CountTrainedProfessionalsRequest{ProjectId: project, CompletedOnly: completed})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetAggregate().GetTotal()
	}
	if got := count(true); got != 3 {
		t.Fatalf("completed at 60%%: %d, want 3", got)
	}
	if _, err := c.UpdateTrainingEvent(ctx, &pb.UpdateTrainingEventRequest{
		TrainingEvent: &pb.TrainingEvent{Id: e.GetId(), Etag: etagOf(t, c, ctx, e.GetId()), CompletionThresholdPercent: 100},
		UpdateMask:    &fieldmaskpb.FieldMask{Paths: []string{"completion_threshold_percent"}}}); err != nil {
		t.Fatal(err)
	}
	if got, all := count(true), count(false); got != 1 || all != 3 {
		t.Fatalf("completed at 100%%: %d of %d, want 1 of 3", got, all)
	}

	// A beneficiary who came to every session completes the event at 100%
	// and is certified by the next issue; the first one never came.
	keen := register(t, c, ctx, e.GetId(), beneficiary(c.beneficiary(t, ctx)))
	for _, s := range sessions {
		mark(s.GetId(), present(keen, true))
	}
	if r, err := c.IssueCertificates(ctx, &pb.IssueCertificatesRequest{EventId: e.GetId()}); err != nil || r.GetIssuedCount() != 1 {
		t.Fatalf("certifying the beneficiary: %v (%v)", r, err)
	}
	// CountParticipants names how far people got. At 100% only Ana of the
	// professionals completed: the three certified at lower thresholds keep
	// their certificates, but only Ana counts as certified, as certified
	// counts among those who completed (never more than trained).
	const (
		prof = pb.ParticipantKind_PARTICIPANT_KIND_PROFESSIONAL
		ben  = pb.ParticipantKind_PARTICIPANT_KIND_BENEFICIARY
	)
	stage := func(kind pb.ParticipantKind, st pb.ParticipationStage, groupBy ...string) *commonv1.Aggregate {
		t.Helper()
		r, err := c.CountParticipants(ctx, &pb.CountParticipantsRequest{ProjectId: project, Kind: kind, Stage: st, GroupBy: groupBy})
		if err != nil {
			t.Fatalf("%v %v: %v", kind, st, err)
		}
		return r.GetAggregate()
	}
	counts := map[string]int64{}
	for _, kind := range []pb.ParticipantKind{prof, ben} {
		for _, st := range []pb.ParticipationStage{pb.ParticipationStage_PARTICIPATION_STAGE_REGISTERED,
			pb.ParticipationStage_PARTICIPATION_STAGE_TRAINED, pb.ParticipationStage_PARTICIPATION_STAGE_CERTIFIED} {
			counts[kind.String()+" "+st.String()] = stage(kind, st).GetTotal()
		}
	}
	want := map[string]int64{
		"PARTICIPANT_KIND_PROFESSIONAL PARTICIPATION_STAGE_REGISTERED": 3,
		"PARTICIPANT_KIND_PROFESSIONAL PARTICIPATION_STAGE_TRAINED":    1,
		"PARTICIPANT_KIND_PROFESSIONAL PARTICIPATION_STAGE_CERTIFIED":  1,
		"PARTICIPANT_KIND_BENEFICIARY PARTICIPATION_STAGE_REGISTERED":  2,
		"PARTICIPANT_KIND_BENEFICIARY PARTICIPATION_STAGE_TRAINED":     1,
		"PARTICIPANT_KIND_BENEFICIARY PARTICIPATION_STAGE_CERTIFIED":   1,
	}
	if diff := cmp.Diff(want, counts); diff != "" {
		t.Fatalf("participants by stage (-want +got):\n%s", diff)
	}
	// The stages of one kind share its dimensions.
	bySector := stage(prof, pb.ParticipationStage_PARTICIPATION_STAGE_TRAINED, "sector")
	if diff := cmp.Diff([]*commonv1.Group{group(1, "sector", "social_welfare")}, bySector.GetGroups(), protocmp.Transform()); diff != "" {
		t.Fatalf("trained by sector (-want +got):\n%s", diff)
	}
	byOrganiser := stage(ben, pb.ParticipationStage_PARTICIPATION_STAGE_CERTIFIED, "organisation", "event_type")
	if diff := cmp.Diff([]*commonv1.Group{group(1, "organisation", org, "event_type", "training")},
		byOrganiser.GetGroups(), protocmp.Transform()); diff != "" {
		t.Fatalf("certified beneficiaries by organiser (-want +got):\n%s", diff)
	}
	// The person's age band and legal status, counted by the beneficiaries
	// service, combine with this service's dimensions as sex does: both
	// were born in 1990, 27 in the event's year; no legal status recorded.
	byAge := stage(ben, pb.ParticipationStage_PARTICIPATION_STAGE_REGISTERED, "age_band", "event_type")
	if diff := cmp.Diff(&commonv1.Aggregate{Total: 2, Groups: []*commonv1.Group{group(2, "age_band", "18-59", "event_type", "training")}},
		byAge, protocmp.Transform()); diff != "" {
		t.Fatalf("registered beneficiaries by age band and event type (-want +got):\n%s", diff)
	}
	byStatus := stage(ben, pb.ParticipationStage_PARTICIPATION_STAGE_CERTIFIED, "legal_status", "organisation", "sex")
	if diff := cmp.Diff(&commonv1.Aggregate{Total: 1, Groups: []*commonv1.Group{
		group(1, "legal_status", "unknown", "organisation", org, "sex", "unknown")}}, byStatus, protocmp.Transform()); diff != "" {
		t.Fatalf("certified beneficiaries by legal status, organiser and sex (-want +got):\n%s", diff)
	}
	for _, p := range []*pb.Participant{five, four} {
		if participant(p).GetCertificateNumber() == "" {
			t.Errorf("participant %s lost the certificate issued at a lower threshold", p.GetId())
		}
	}
	// The certified beneficiary's attendance corrected: absent at one
	// session, she did not complete the event at 100%, and is no longer
	// counted as trained or certified (her certificate stays on record).
	mark(sessions[5].GetId(), present(keen, false))
	for _, st := range []pb.ParticipationStage{pb.ParticipationStage_PARTICIPATION_STAGE_TRAINED, pb.ParticipationStage_PARTICIPATION_STAGE_CERTIFIED} {
		if n := stage(ben, st).GetTotal(); n != 0 {
			t.Errorf("beneficiaries %v after her attendance was corrected: %d, want 0", st, n)
		}
	}
	if participant(keen).GetCertificateNumber() == "" {
		t.Errorf("the corrected beneficiary's certificate is gone from her record")
	}
	// Bad input names the field.
	for name, tc := range map[string]struct {
		req   *pb.CountParticipantsRequest
		field string
	}{
		"no kind":            {&pb.CountParticipantsRequest{ProjectId: project, Stage: pb.ParticipationStage_PARTICIPATION_STAGE_TRAINED}, "kind"},
		"no stage":           {&pb.CountParticipantsRequest{ProjectId: project, Kind: prof}, "stage"},
		"unknown stage":      {&pb.CountParticipantsRequest{ProjectId: project, Kind: prof, Stage: 99}, "stage"},
		"no sector for them": {&pb.CountParticipantsRequest{ProjectId: project, Kind: ben, Stage: pb.ParticipationStage_PARTICIPATION_STAGE_REGISTERED, GroupBy: []string{"sector"}}, "group_by[0]"},
		"no project":         {&pb.CountParticipantsRequest{Kind: prof, Stage: pb.ParticipationStage_PARTICIPATION_STAGE_REGISTERED}, "project_id"},
	} {
		_, err := c.CountParticipants(ctx, tc.req)
		if statustest.Code(err) != codes.InvalidArgument || !slices.Contains(statustest.Violations(err), tc.field) {
			t.Errorf("%s: %v, want InvalidArgument naming %s", name, err, tc.field)
		}
	}
}

func TestUpdateTrainingEvent(t *testing.T) {
	c := start(t)
	ctx := servicetest.As(t, ids.New())
	e := event(t, c, ctx, seminar(""))
	mask := func(paths ...string) *fieldmaskpb.FieldMask { return &fieldmaskpb.FieldMask{Paths: paths} }

	// Only the masked fields change; the etag moves on.
	r, err := c.UpdateTrainingEvent(ctx, &pb.UpdateTrainingEventRequest{
		TrainingEvent: &pb.TrainingEvent{Id: e.GetId(), Etag: e.GetEtag(), Title: " Novi naslov ", Municipality: "Ignored", EndDate: "2017-03-03",
			Topics: []string{"asylum"}},
		UpdateMask: mask("title", "end_date", "topics")})
	if err != nil {
		t.Fatal(err)
	}
	want := proto.Clone(e).(*pb.TrainingEvent)
	if !strings.HasPrefix(r.GetTrainingEvent().GetEtag(), `W/"2-`) {
		t.Fatalf("updated event's etag %s, want version 2's", r.GetTrainingEvent().GetEtag())
	}
	want.Title, want.EndDate, want.Topics, want.Etag, want.UpdateTime = "Novi naslov", "2017-03-03", []string{"asylum"}, r.GetTrainingEvent().GetEtag(), r.GetTrainingEvent().GetUpdateTime()
	if diff := cmp.Diff(want, r.GetTrainingEvent(), protocmp.Transform()); diff != "" {
		t.Fatalf("updated event (-want +got):\n%s", diff)
	}
	if !r.GetTrainingEvent().GetUpdateTime().AsTime().After(e.GetUpdateTime().AsTime()) {
		t.Fatal("update_time did not move")
	}
	// A stale etag is refused with ABORTED and changes nothing.
	_, err = c.UpdateTrainingEvent(ctx, &pb.UpdateTrainingEventRequest{
		TrainingEvent: &pb.TrainingEvent{Id: e.GetId(), Etag: e.GetEtag(), Title: "Lost update"}, UpdateMask: mask("title")})
	statustest.WantReason(t, err, codes.Aborted, "ETAG_MISMATCH", "stale etag")
	// No etag: refused, nothing changes.
	_, err = c.UpdateTrainingEvent(ctx, &pb.UpdateTrainingEventRequest{
		TrainingEvent: &pb.TrainingEvent{Id: e.GetId(), Title: "Lost update"}, UpdateMask: mask("title")})
	statustest.WantReason(t, err, codes.Aborted, "ETAG_REQUIRED", "no etag")
	if got := statustest.Violations(err); !slices.Equal(got, []string{"training_event.etag"}) {
		t.Fatalf("no etag names %v", got)
	}
	// "*" replaces every updatable field.
	r, err = c.UpdateTrainingEvent(ctx, &pb.UpdateTrainingEventRequest{
		TrainingEvent: &pb.TrainingEvent{Id: e.GetId(), Etag: `W/"2"`, Type: pb.EventType_EVENT_TYPE_ROUNDTABLE, Title: "Okrugli sto", StartDate: "2017-04-01"},
		UpdateMask:    mask("*")})
	if err != nil {
		t.Fatal(err)
	}
	if g := r.GetTrainingEvent(); g.GetType() != pb.EventType_EVENT_TYPE_ROUNDTABLE || g.GetProjectId() != "" || g.GetMunicipality() != "" ||
		g.GetEndDate() != "" || g.GetCompletionThresholdPercent() != 80 || !strings.HasPrefix(g.GetEtag(), `W/"3-`) || len(g.GetTopics()) != 0 {
		t.Fatalf("full replace: %v", g)
	}
	// No mask: the fields given change (AIP-134), the others stay.
	r, err = c.UpdateTrainingEvent(ctx, &pb.UpdateTrainingEventRequest{
		TrainingEvent: &pb.TrainingEvent{Id: e.GetId(), Etag: `W/"3"`, Municipality: "Kikinda"}})
	if g := r.GetTrainingEvent(); err != nil || g.GetMunicipality() != "Kikinda" || g.GetTitle() != "Okrugli sto" || !strings.HasPrefix(g.GetEtag(), `W/"4-`) {
		t.Fatalf("update without a mask: %v (%v)", g, err)
	}
	cur := r.GetTrainingEvent().GetEtag()
	for name, tc := range map[string]struct {
		req   *pb.UpdateTrainingEventRequest
		code  codes.Code
		field string
	}{
		"nothing given":  {&pb.UpdateTrainingEventRequest{TrainingEvent: &pb.TrainingEvent{Id: e.GetId(), Etag: cur}}, codes.InvalidArgument, "update_mask"},
		"unknown path":   {&pb.UpdateTrainingEventRequest{TrainingEvent: &pb.TrainingEvent{Id: e.GetId(), Etag: cur}, UpdateMask: mask("organiser_organisation_id")}, codes.InvalidArgument, "update_mask.paths[0]"},
		"blank title":    {&pb.UpdateTrainingEventRequest{TrainingEvent: &pb.TrainingEvent{Id: e.GetId(), Etag: cur}, UpdateMask: mask("title")}, codes.InvalidArgument, "training_event.title"},
		"end before":     {&pb.UpdateTrainingEventRequest{TrainingEvent: &pb.TrainingEvent{Id: e.GetId(), Etag: cur, EndDate: "2017-01-01"}, UpdateMask: mask("end_date")}, codes.InvalidArgument, "training_event.end_date"},
		"zero threshold": {&pb.UpdateTrainingEventRequest{TrainingEvent: &pb.TrainingEvent{Id: e.GetId(), Etag: cur}, UpdateMask: mask("completion_threshold_percent")}, codes.InvalidArgument, "training_event.completion_threshold_percent"},
		"bad threshold":  {&pb.UpdateTrainingEventRequest{TrainingEvent: &pb.TrainingEvent{Id: e.GetId(), Etag: cur, CompletionThresholdPercent: 101}, UpdateMask: mask("completion_threshold_percent")}, codes.InvalidArgument, "training_event.completion_threshold_percent"},
		"bad id":         {&pb.UpdateTrainingEventRequest{TrainingEvent: &pb.TrainingEvent{Id: "e", Etag: cur}, UpdateMask: mask("title")}, codes.InvalidArgument, "training_event.id"},
		"no event":       {&pb.UpdateTrainingEventRequest{UpdateMask: mask("title")}, codes.InvalidArgument, "training_event"},
		"unknown id":     {&pb.UpdateTrainingEventRequest{TrainingEvent: &pb.TrainingEvent{Id: ids.New(), Etag: cur, Title: "x"}, UpdateMask: mask("title")}, codes.NotFound, ""},
	} {
		_, err := c.UpdateTrainingEvent(ctx, tc.req)
		if statustest.Code(err) != tc.code || (tc.field != "" && !slices.Contains(statustest.Violations(err), tc.field)) {
			t.Errorf("%s: %v, want %v naming %q", name, err, tc.code, tc.field)
		}
	}
	g, err := c.GetTrainingEvent(ctx, &pb.GetTrainingEventRequest{Id: e.GetId()})
	if err != nil || g.GetTrainingEvent().GetEtag() != cur || g.GetTrainingEvent().GetTitle() != "Okrugli sto" {
		t.Fatalf("refused updates changed the event: %v (%v)", g.GetTrainingEvent(), err)
	}
}

// etagOf returns the etag of the stored event.
func etagOf(t testing.TB, c pb.TrainingServiceClient, ctx context.Context, id string) string {
	t.Helper()
	r, err := c.GetTrainingEvent(ctx, &pb.GetTrainingEventRequest{Id: id})
	if err != nil {
		t.Fatal(err)
	}
	return r.GetTrainingEvent().GetEtag()
}

// TestOtherOrganisationCannotTouch: every RPC under another organisation's
// event answers NotFound and changes nothing.
func TestOtherOrganisationCannotTouch(t *testing.T) {
	c := start(t)
	ctxA, ctxB := servicetest.As(t, ids.New()), servicetest.As(t, ids.New())
	e := event(t, c, ctxA, seminar(""))
	s, err := c.CreateSession(ctxA, &pb.CreateSessionRequest{EventId: e.GetId(), Session: &pb.Session{Date: "2017-03-01"}})
	if err != nil {
		t.Fatal(err)
	}
	p := register(t, c, ctxA, e.GetId(), professional("Ana", "Petrović", "", "", pb.Sector_SECTOR_HEALTH, 0))
	if _, err := c.RecordAttendance(ctxA, &pb.RecordAttendanceRequest{EventId: e.GetId(), SessionId: s.GetSession().GetId(),
		Marks: []*pb.AttendanceMark{{ParticipantId: p.GetId(), Present: true}}}); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"update":         second(c.UpdateTrainingEvent(ctxB, &pb.UpdateTrainingEventRequest{TrainingEvent: &pb.TrainingEvent{Id: e.GetId(), Title: "Mine"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}})),
		"create session": second(c.CreateSession(ctxB, &pb.CreateSessionRequest{EventId: e.GetId(), Session: &pb.Session{Date: "2017-03-01"}})),
		"list sessions":  second(c.ListSessions(ctxB, &pb.ListSessionsRequest{EventId: e.GetId()})),
		"update session": second(c.UpdateSession(ctxB, &pb.UpdateSessionRequest{Session: &pb.Session{EventId: e.GetId(), Id: s.GetSession().GetId(),
			Etag: s.GetSession().GetEtag(), Topic: "Mine"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"topic"}}})),
		"get participant": second(c.GetParticipant(ctxB, &pb.GetParticipantRequest{EventId: e.GetId(), Id: p.GetId()})),
		"attendance":      second(c.RecordAttendance(ctxB, &pb.RecordAttendanceRequest{EventId: e.GetId(), SessionId: s.GetSession().GetId(), Marks: []*pb.AttendanceMark{{ParticipantId: p.GetId()}}})),
		"scores":          second(c.RecordTestScores(ctxB, &pb.RecordTestScoresRequest{EventId: e.GetId(), ParticipantId: p.GetId(), PreTestScore: proto.Int32(1)})),
		"certificates":    second(c.IssueCertificates(ctxB, &pb.IssueCertificatesRequest{EventId: e.GetId()})),
	} {
		if statustest.Code(err) != codes.NotFound {
			t.Errorf("B %s on A's event: %v, want NotFound", name, err)
		}
	}
	// B's own event does not reach A's participant or session either.
	eb := event(t, c, ctxB, seminar(""))
	if _, err := c.GetParticipant(ctxB, &pb.GetParticipantRequest{EventId: eb.GetId(), Id: p.GetId()}); statustest.Code(err) != codes.NotFound {
		t.Errorf("A's participant through B's event: %v", err)
	}
	if _, err := c.RecordAttendance(ctxB, &pb.RecordAttendanceRequest{EventId: eb.GetId(), SessionId: s.GetSession().GetId(),
		Marks: []*pb.AttendanceMark{{ParticipantId: p.GetId()}}}); statustest.Code(err) != codes.NotFound {
		t.Errorf("A's session through B's event: %v", err)
	}
	got, err := c.GetParticipant(ctxA, &pb.GetParticipantRequest{EventId: e.GetId(), Id: p.GetId()})
	if err != nil || got.GetParticipant().GetSessionsAttended() != 1 || got.GetParticipant().PreTestScore != nil {
		t.Fatalf("A's participant changed: %v (%v)", got.GetParticipant(), err)
	}
	ev, err := c.GetTrainingEvent(ctxA, &pb.GetTrainingEventRequest{Id: e.GetId()})
	if err != nil || !strings.HasPrefix(ev.GetTrainingEvent().GetEtag(), `W/"1-`) || ev.GetTrainingEvent().GetSessionCount() != 1 {
		t.Fatalf("A's event changed: %v (%v)", ev.GetTrainingEvent(), err)
	}
}

// TestSessionsBoundEventDates: an event's dates cannot move away from its
// sessions; deleting a session (and its marks) frees them.
func TestSessionsBoundEventDates(t *testing.T) {
	c := start(t)
	ctx := servicetest.As(t, ids.New())
	e := event(t, c, ctx, seminar("")) // 2017-03-01..02
	s1, err := c.CreateSession(ctx, &pb.CreateSessionRequest{EventId: e.GetId(), Session: &pb.Session{Date: "2017-03-01"}})
	if err != nil {
		t.Fatal(err)
	}
	s2, err := c.CreateSession(ctx, &pb.CreateSessionRequest{EventId: e.GetId(), Session: &pb.Session{Date: "2017-03-02"}})
	if err != nil {
		t.Fatal(err)
	}
	p := register(t, c, ctx, e.GetId(), professional("Ana", "Petrović", "", "", pb.Sector_SECTOR_HEALTH, 0))
	for _, s := range []*pb.Session{s1.GetSession(), s2.GetSession()} {
		if _, err := c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{EventId: e.GetId(), SessionId: s.GetId(),
			Marks: []*pb.AttendanceMark{{ParticipantId: p.GetId(), Present: true}}}); err != nil {
			t.Fatal(err)
		}
	}
	oneDay := &pb.UpdateTrainingEventRequest{TrainingEvent: &pb.TrainingEvent{Id: e.GetId(), Etag: e.GetEtag(), EndDate: ""},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"end_date"}}}
	if _, err := c.UpdateTrainingEvent(ctx, oneDay); statustest.Code(err) != codes.InvalidArgument || !slices.Contains(statustest.Violations(err), "training_event.end_date") {
		t.Fatalf("end before the last session: %v", err)
	}
	later := &pb.UpdateTrainingEventRequest{TrainingEvent: &pb.TrainingEvent{Id: e.GetId(), Etag: e.GetEtag(), StartDate: "2017-03-02"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"start_date"}}}
	if _, err := c.UpdateTrainingEvent(ctx, later); statustest.Code(err) != codes.InvalidArgument || !slices.Contains(statustest.Violations(err), "training_event.start_date") {
		t.Fatalf("start after the first session: %v", err)
	}
	if _, err := c.DeleteSession(servicetest.As(t, ids.New()), &pb.DeleteSessionRequest{EventId: e.GetId(), Id: s2.GetSession().GetId()}); statustest.Code(err) != codes.NotFound {
		t.Fatalf("another organisation deleted a session: %v", err)
	}
	if _, err := c.DeleteSession(ctx, &pb.DeleteSessionRequest{EventId: e.GetId(), Id: s2.GetSession().GetId()}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteSession(ctx, &pb.DeleteSessionRequest{EventId: e.GetId(), Id: s2.GetSession().GetId()}); statustest.Code(err) != codes.NotFound {
		t.Fatalf("deleting twice: %v", err)
	}
	if _, err := c.UpdateTrainingEvent(ctx, oneDay); err != nil {
		t.Fatalf("one-day event after deleting the second session: %v", err)
	}
	got, err := c.GetParticipant(ctx, &pb.GetParticipantRequest{EventId: e.GetId(), Id: p.GetId()})
	if err != nil || got.GetParticipant().GetSessionsAttended() != 1 || got.GetParticipant().GetAttendancePercent() != 100 {
		t.Fatalf("attendance after deleting a session: %v (%v)", got.GetParticipant(), err)
	}
}

// TestTrainingsScopeSuffices: registering a professional of a directory
// organisation needs only trainings.write; the service reads the directory
// with a principal of its own.
func TestTrainingsScopeSuffices(t *testing.T) {
	c, dir := startWithDirectory(t)
	org := organisation(t, dir, "Dom zdravlja Tuzla", refv1.OrganisationKind_ORGANISATION_KIND_HEALTH)
	caller := ids.New()
	e := event(t, c, servicetest.As(t, caller, auth.ScopeTrainingsWrite), seminar(""))
	r, err := c.CreateParticipant(servicetest.As(t, caller, auth.ScopeTrainingsWrite), &pb.CreateParticipantRequest{EventId: e.GetId(),
		Participant: atOrg("Emina", "Begić", "", org, pb.Sector_SECTOR_HEALTH, commonv1.Sex_SEX_FEMALE)})
	if err != nil {
		t.Fatal(err)
	}
	if r.GetParticipant().GetOrganisationKind() != refv1.OrganisationKind_ORGANISATION_KIND_HEALTH {
		t.Fatalf("organisation kind: %v", r.GetParticipant())
	}
}

func TestDeleteParticipant(t *testing.T) {
	c := start(t)
	ctx := servicetest.As(t, ids.New())
	project := c.project(t, ctx)
	e := event(t, c, ctx, &pb.TrainingEvent{ProjectId: project, Type: pb.EventType_EVENT_TYPE_SEMINAR, Title: "S", StartDate: "2017-03-01"})
	s, err := c.CreateSession(ctx, &pb.CreateSessionRequest{EventId: e.GetId(), Session: &pb.Session{Date: "2017-03-01"}})
	if err != nil {
		t.Fatal(err)
	}
	kept := register(t, c, ctx, e.GetId(), professional("Ana", "Petrović", "", "", pb.Sector_SECTOR_HEALTH, 0))
	mistake := register(t, c, ctx, e.GetId(), professional("Ivo", "Ivić", "", "", pb.Sector_SECTOR_POLICE, 0))
	if _, err := c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{EventId: e.GetId(), SessionId: s.GetSession().GetId(),
		Marks: []*pb.AttendanceMark{{ParticipantId: kept.GetId(), Present: true}, {ParticipantId: mistake.GetId(), Present: true}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.IssueCertificates(ctx, &pb.IssueCertificatesRequest{EventId: e.GetId()}); err != nil {
		t.Fatal(err)
	}
	// Both are certified now; a certified participant cannot be deleted.
	_, err = c.DeleteParticipant(ctx, &pb.DeleteParticipantRequest{EventId: e.GetId(), Id: mistake.GetId()})
	if statustest.Code(err) != codes.FailedPrecondition || statustest.Reason(err) != "CERTIFICATE_ISSUED" {
		t.Fatalf("deleting a certified participant: %v", err)
	}
	late := register(t, c, ctx, e.GetId(), professional("Marko", "Marković", "", "", pb.Sector_SECTOR_NGO, 0))
	if _, err := c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{EventId: e.GetId(), SessionId: s.GetSession().GetId(),
		Marks: []*pb.AttendanceMark{{ParticipantId: late.GetId(), Present: true}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteParticipant(servicetest.As(t, ids.New()), &pb.DeleteParticipantRequest{EventId: e.GetId(), Id: late.GetId()}); statustest.Code(err) != codes.NotFound {
		t.Fatalf("another organisation deleted a participant: %v", err)
	}
	if _, err := c.DeleteParticipant(ctx, &pb.DeleteParticipantRequest{EventId: e.GetId(), Id: late.GetId()}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetParticipant(ctx, &pb.GetParticipantRequest{EventId: e.GetId(), Id: late.GetId()}); statustest.Code(err) != codes.NotFound {
		t.Fatalf("deleted participant: %v", err)
	}
	if _, err := c.DeleteParticipant(ctx, &pb.DeleteParticipantRequest{EventId: e.GetId(), Id: "x"}); statustest.Code(err) != codes.InvalidArgument {
		t.Fatalf("bad id: %v", err)
	}
	r, err := c.CountTrainedProfessionals(ctx, &pb.CountTrainedProfessionalsRequest{ProjectId: project})
	if err != nil || r.GetAggregate().GetTotal() != 2 {
		t.Fatalf("trained after a withdrawal: %v (%v), want 2", r.GetAggregate(), err)
	}
	// The same person can register again.
	register(t, c, ctx, e.GetId(), professional("Marko", "Marković", "", "", pb.Sector_SECTOR_NGO, 0))
}

func TestListByPeriod(t *testing.T) {
	c := start(t)
	ctx := servicetest.As(t, ids.New())
	var want []string
	for _, day := range []string{"2016-12-31", "2017-01-01", "2017-06-30", "2017-12-31", "2018-01-01"} {
		id := event(t, c, ctx, &pb.TrainingEvent{Type: pb.EventType_EVENT_TYPE_WORKSHOP, Title: day, StartDate: day}).GetId()
		if strings.HasPrefix(day, "2017") {
			want = append([]string{id}, want...)
		}
	}
	var got []string
	tok := ""
	for {
		r, err := c.ListTrainingEvents(ctx, &pb.ListTrainingEventsRequest{PageSize: 2, PageToken: tok,
			Period: &commonv1.DateRange{StartDate: "2017-01-01", EndDate: "2017-12-31"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range r.GetTrainingEvents() {
			got = append(got, e.GetId())
		}
		if tok = r.GetNextPageToken(); tok == "" {
			break
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("events of 2017 (-want +got):\n%s", diff)
	}
	for name, p := range map[string]*commonv1.DateRange{
		"bad start": {StartDate: "2017"},
		"reversed":  {StartDate: "2017-02-01", EndDate: "2017-01-01"},
	} {
		if _, err := c.ListTrainingEvents(ctx, &pb.ListTrainingEventsRequest{Period: p}); statustest.Code(err) != codes.InvalidArgument || len(statustest.Violations(err)) == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
}
