package service_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	refv1 "github.com/spona/spona/gen/go/spona/referrals/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	referrals "github.com/spona/spona/services/referrals/service"
	"github.com/spona/spona/services/trainings/service"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/testing/protocmp"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func start(t *testing.T) *client {
	c, _ := startWithDirectory(t)
	return c
}

// startWithDirectory runs the trainings service (its configuration
// changed by configure, if any) and the real referrals service (the
// organisation directory) on one fresh database, with the reporting and
// beneficiaries services started when a test needs them (see client).
// Referrals' own calls are not needed by the directory.
func startWithDirectory(t *testing.T, configure ...func(*service.Config)) (*client, refv1.DirectoryServiceClient) {
	url := pgtest.NewDatabase(t)
	rep, ben := servicetest.Defer(t), servicetest.Defer(t)
	refConn := servicetest.Start(t, referrals.New(referrals.Config{Config: servicetest.Platform(t, url),
		BeneficiariesAddr: ben.Addr, ReportingAddr: rep.Addr}))
	cfg := service.Config{Config: servicetest.Platform(t, url), ReferralsAddr: refConn.Target(),
		BeneficiariesAddr: ben.Addr, ReportingAddr: rep.Addr}
	for _, f := range configure {
		f(&cfg)
	}
	conn := servicetest.Start(t, service.New(cfg))
	return &client{TrainingServiceClient: pb.NewTrainingServiceClient(conn), dbURL: url, referralsAddr: refConn.Target(),
		self: conn.Target(), reporting: rep, beneficiaries: ben}, refv1.NewDirectoryServiceClient(refConn)
}

// organisation registers an organisation of kind in the directory.
func organisation(t *testing.T, dir refv1.DirectoryServiceClient, name string, kind refv1.OrganisationKind) string {
	t.Helper()
	r, err := dir.CreateOrganisation(servicetest.As(t, ids.New()), &refv1.CreateOrganisationRequest{
		Organisation: &refv1.Organisation{Name: name, Kind: kind, Country: "RS"}})
	if err != nil {
		t.Fatal(err)
	}
	return r.GetOrganisation().GetId()
}

func seminar(project string) *pb.TrainingEvent {
	return &pb.TrainingEvent{
		ProjectId:    project,
		Type:         pb.EventType_EVENT_TYPE_SEMINAR,
		Title:        "  Rad sa maloljetnicima bez pratnje ",
		StartDate:    "2017-03-01",
		EndDate:      "2017-03-02",
		Municipality: "Subotica",
		Country:      "rs",
		Audience:     "Centri za socijalni rad",
		Location:     " Gradska kuća, Trg slobode 1 ",
		Topics:       []string{" unaccompanied children", "guardianship", "", "guardianship "},
		Language:     "sr-Latn",
	}
}

func event(t *testing.T, c pb.TrainingServiceClient, ctx context.Context, e *pb.TrainingEvent) *pb.TrainingEvent {
	t.Helper()
	r, err := c.CreateTrainingEvent(ctx, &pb.CreateTrainingEventRequest{TrainingEvent: e})
	if err != nil {
		t.Fatal(err)
	}
	return r.GetTrainingEvent()
}

func professional(given, family, email, orgName string, sector pb.Sector, sex commonv1.Sex) *pb.Participant {
	return &pb.Participant{Person: &pb.Participant_Professional{Professional: &pb.Professional{
		GivenName: given, FamilyName: family, Email: email, OrganisationName: orgName, Sector: sector, Sex: sex}}}
}

func register(t testing.TB, c pb.TrainingServiceClient, ctx context.Context, eventID string, p *pb.Participant) *pb.Participant {
	t.Helper()
	r, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{EventId: eventID, Participant: p})
	if err != nil {
		t.Fatal(err)
	}
	return r.GetParticipant()
}

func TestCreateGetList(t *testing.T) {
	c := start(t)
	org := ids.New()
	ctx := servicetest.As(t, org)
	project := c.project(t, ctx)

	e := event(t, c, ctx, seminar(strings.ToUpper(project)))
	want := &pb.TrainingEvent{
		Id:                      e.GetId(),
		OrganiserOrganisationId: org,
		ProjectId:               project,
		Type:                    pb.EventType_EVENT_TYPE_SEMINAR,
		Title:                   "Rad sa maloljetnicima bez pratnje",
		StartDate:               "2017-03-01",
		EndDate:                 "2017-03-02",
		Municipality:            "Subotica",
		Country:                 "RS",
		Audience:                "Centri za socijalni rad",
		Location:                "Gradska kuća, Trg slobode 1",
		Topics:                  []string{"unaccompanied children", "guardianship"},
		Language:                "sr-Latn",
		// The default completion threshold.
		CompletionThresholdPercent: 80,
		Etag:                       e.GetEtag(), // version 1's, as read with its counts (checked below)
		CreateTime:                 e.GetCreateTime(),
		UpdateTime:                 e.GetUpdateTime(),
	}
	if !ids.Valid(e.GetId()) || e.GetCreateTime().AsTime().IsZero() || !strings.HasPrefix(e.GetEtag(), `W/"1-`) {
		t.Fatalf("created event lacks id or create_time: %v", e)
	}
	if diff := cmp.Diff(want, e, protocmp.Transform()); diff != "" {
		t.Fatalf("created event (-want +got):\n%s", diff)
	}
	got, err := c.GetTrainingEvent(ctx, &pb.GetTrainingEventRequest{Id: strings.ToUpper(e.GetId())})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(e, got.GetTrainingEvent(), protocmp.Transform()); diff != "" {
		t.Fatalf("get differs from create (-create +get):\n%s", diff)
	}

	// participant_count is computed.
	register(t, c, ctx, e.GetId(), professional("Ana", "Petrović", "", "CSR Subotica", pb.Sector_SECTOR_SOCIAL_WELFARE, commonv1.Sex_SEX_FEMALE))
	register(t, c, ctx, e.GetId(), &pb.Participant{Person: &pb.Participant_BeneficiaryId{BeneficiaryId: c.beneficiary(t, ctx)}})
	got, err = c.GetTrainingEvent(ctx, &pb.GetTrainingEventRequest{Id: e.GetId()})
	if err != nil || got.GetTrainingEvent().GetParticipantCount() != 2 {
		t.Fatalf("participant_count = %d (%v), want 2", got.GetTrainingEvent().GetParticipantCount(), err)
	}

	// Page through 7 more with page size 3: every row exactly once, newest first.
	wantIDs := []string{e.GetId()}
	for i := 0; i < 7; i++ {
		in := &pb.TrainingEvent{Type: pb.EventType_EVENT_TYPE_WORKSHOP, Title: fmt.Sprintf("Radionica %d", i), StartDate: "2018-01-10"}
		if i%2 == 0 {
			in.ProjectId = project
		}
		wantIDs = append([]string{event(t, c, ctx, in).GetId()}, wantIDs...)
	}
	var seen []string
	tok := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		r, err := c.ListTrainingEvents(ctx, &pb.ListTrainingEventsRequest{PageSize: 3, PageToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.GetTrainingEvents()) > 3 {
			t.Fatalf("page of %d rows, want at most 3", len(r.GetTrainingEvents()))
		}
		for _, x := range r.GetTrainingEvents() {
			seen = append(seen, x.GetId())
		}
		if tok = r.GetNextPageToken(); tok == "" {
			break
		}
	}
	if diff := cmp.Diff(wantIDs, seen); diff != "" {
		t.Fatalf("paged list (-want +got):\n%s", diff)
	}

	// Filters.
	r, err := c.ListTrainingEvents(ctx, &pb.ListTrainingEventsRequest{ProjectId: project})
	if err != nil || len(r.GetTrainingEvents()) != 5 {
		t.Fatalf("by project: %d rows (%v), want 5", len(r.GetTrainingEvents()), err)
	}
	r, err = c.ListTrainingEvents(ctx, &pb.ListTrainingEventsRequest{ProjectId: project, Type: pb.EventType_EVENT_TYPE_SEMINAR})
	if err != nil || len(r.GetTrainingEvents()) != 1 || r.GetTrainingEvents()[0].GetId() != e.GetId() {
		t.Fatalf("by project and type: %v (%v)", r.GetTrainingEvents(), err)
	}
	if diff := cmp.Diff(got.GetTrainingEvent(), r.GetTrainingEvents()[0], protocmp.Transform()); diff != "" {
		t.Fatalf("listed event differs from get (-get +list):\n%s", diff)
	}
	r, err = c.ListTrainingEvents(ctx, &pb.ListTrainingEventsRequest{Type: pb.EventType_EVENT_TYPE_MENTORING})
	if err != nil || len(r.GetTrainingEvents()) != 0 {
		t.Fatalf("by absent type: %d rows (%v)", len(r.GetTrainingEvents()), err)
	}

	// A token is bound to its filters.
	first, err := c.ListTrainingEvents(ctx, &pb.ListTrainingEventsRequest{PageSize: 2, ProjectId: project})
	if err != nil || first.GetNextPageToken() == "" {
		t.Fatalf("first page: %v", err)
	}
	_, err = c.ListTrainingEvents(ctx, &pb.ListTrainingEventsRequest{PageSize: 2, PageToken: first.GetNextPageToken()})
	if statustest.Code(err) != codes.InvalidArgument || !slices.Contains(statustest.Violations(err), "page_token") {
		t.Fatalf("token with other filters: %v", err)
	}
}

func TestEnumsRoundTrip(t *testing.T) {
	c := start(t)
	ctx := servicetest.As(t, ids.New())
	for n := range pb.EventType_name {
		if n == 0 {
			continue
		}
		typ := pb.EventType(n)
		e := event(t, c, ctx, &pb.TrainingEvent{Type: typ, Title: typ.String(), StartDate: "2020-01-01"})
		if e.GetType() != typ {
			t.Errorf("type %v came back as %v", typ, e.GetType())
		}
	}
	e := event(t, c, ctx, seminar(""))
	for n := range pb.Sector_name {
		if n == 0 {
			continue
		}
		sector := pb.Sector(n)
		p := register(t, c, ctx, e.GetId(), professional("P", sector.String(), "", "", sector, commonv1.Sex_SEX_OTHER))
		if got := p.GetProfessional().GetSector(); got != sector {
			t.Errorf("sector %v came back as %v", sector, got)
		}
	}
}

func TestValidation(t *testing.T) {
	c := start(t)
	ctx := servicetest.As(t, ids.New())
	eventCases := map[string]struct {
		mutate func(*pb.TrainingEvent)
		field  string
	}{
		"no type":        {func(e *pb.TrainingEvent) { e.Type = 0 }, "training_event.type"},
		"unknown type":   {func(e *pb.TrainingEvent) { e.Type = 42 }, "training_event.type"},
		"blank title":    {func(e *pb.TrainingEvent) { e.Title = "   " }, "training_event.title"},
		"long title":     {func(e *pb.TrainingEvent) { e.Title = strings.Repeat("ž", 201) }, "training_event.title"},
		"no start":       {func(e *pb.TrainingEvent) { e.StartDate = "" }, "training_event.start_date"},
		"bad start":      {func(e *pb.TrainingEvent) { e.StartDate = "2017-02-30" }, "training_event.start_date"},
		"start in 1899":  {func(e *pb.TrainingEvent) { e.StartDate = "1899-06-01" }, "training_event.start_date"},
		"start in 0000":  {func(e *pb.TrainingEvent) { e.StartDate = "0000-06-15" }, "training_event.start_date"},
		"bad end":        {func(e *pb.TrainingEvent) { e.EndDate = "02.03.2017" }, "training_event.end_date"},
		"end before":     {func(e *pb.TrainingEvent) { e.EndDate = "2017-02-28" }, "training_event.end_date"},
		"bad project id": {func(e *pb.TrainingEvent) { e.ProjectId = "P-1" }, "training_event.project_id"},
		"bad country":    {func(e *pb.TrainingEvent) { e.Country = "Serbia" }, "training_event.country"},
	}
	for name, tc := range eventCases {
		t.Run("event/"+name, func(t *testing.T) {
			e := seminar("")
			tc.mutate(e)
			_, err := c.CreateTrainingEvent(ctx, &pb.CreateTrainingEventRequest{TrainingEvent: e})
			if statustest.Code(err) != codes.InvalidArgument {
				t.Fatalf("code = %v (%v), want InvalidArgument", statustest.Code(err), err)
			}
			if f := statustest.Violations(err); !slices.Contains(f, tc.field) {
				t.Fatalf("violations %v do not name %s", f, tc.field)
			}
		})
	}
	_, err := c.CreateTrainingEvent(ctx, &pb.CreateTrainingEventRequest{})
	if !slices.Contains(statustest.Violations(err), "training_event") {
		t.Fatalf("missing body: %v", err)
	}
	list, err := c.ListTrainingEvents(ctx, &pb.ListTrainingEventsRequest{})
	if err != nil || len(list.GetTrainingEvents()) != 0 {
		t.Fatalf("invalid requests stored %d events (%v)", len(list.GetTrainingEvents()), err)
	}

	e := event(t, c, ctx, seminar(""))
	valid := func() *pb.Professional {
		return &pb.Professional{GivenName: "Ana", FamilyName: "Petrović", Email: "ana@example.org",
			OrganisationId: ids.New(), Sector: pb.Sector_SECTOR_HEALTH, Sex: commonv1.Sex_SEX_FEMALE}
	}
	participantCases := map[string]struct {
		participant *pb.Participant
		field       string
	}{
		"no person":       {&pb.Participant{}, "participant.professional"},
		"bad beneficiary": {&pb.Participant{Person: &pb.Participant_BeneficiaryId{BeneficiaryId: "B-7"}}, "participant.beneficiary_id"},
	}
	profCases := map[string]struct {
		mutate func(*pb.Professional)
		field  string
	}{
		"no given name":  {func(p *pb.Professional) { p.GivenName = " " }, "participant.professional.given_name"},
		"no family name": {func(p *pb.Professional) { p.FamilyName = "" }, "participant.professional.family_name"},
		"no sector":      {func(p *pb.Professional) { p.Sector = 0 }, "participant.professional.sector"},
		"unknown sector": {func(p *pb.Professional) { p.Sector = 99 }, "participant.professional.sector"},
		"unknown sex":    {func(p *pb.Professional) { p.Sex = 99 }, "participant.professional.sex"},
		"bad email":      {func(p *pb.Professional) { p.Email = "ana at example.org" }, "participant.professional.email"},
		"named email":    {func(p *pb.Professional) { p.Email = "Ana <ana@example.org>" }, "participant.professional.email"},
		"bad org id":     {func(p *pb.Professional) { p.OrganisationId = "CSR" }, "participant.professional.organisation_id"},
		"long org name":  {func(p *pb.Professional) { p.OrganisationName = strings.Repeat("x", 201) }, "participant.professional.organisation_name"},
		// A directory id is given as organisation_id, never as a name.
		"org id as name":  {func(p *pb.Professional) { p.OrganisationId, p.OrganisationName = "", strings.ToUpper(ids.New()) }, "participant.professional.organisation_name"},
		"nul family name": {func(p *pb.Professional) { p.FamilyName = "a\x00b" }, "participant.professional.family_name"},
	}
	for name, tc := range profCases {
		p := valid()
		tc.mutate(p)
		participantCases[name] = struct {
			participant *pb.Participant
			field       string
		}{&pb.Participant{Person: &pb.Participant_Professional{Professional: p}}, tc.field}
	}
	for name, tc := range participantCases {
		t.Run("participant/"+name, func(t *testing.T) {
			_, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{EventId: e.GetId(), Participant: tc.participant})
			if statustest.Code(err) != codes.InvalidArgument {
				t.Fatalf("code = %v (%v), want InvalidArgument", statustest.Code(err), err)
			}
			if f := statustest.Violations(err); !slices.Contains(f, tc.field) {
				t.Fatalf("violations %v do not name %s", f, tc.field)
			}
		})
	}
	ok := &pb.Participant{Person: &pb.Participant_Professional{Professional: valid()}}
	for name, tc := range map[string]struct {
		req   *pb.CreateParticipantRequest
		field string
	}{
		"no participant": {&pb.CreateParticipantRequest{EventId: e.GetId()}, "participant"},
		"no event id":    {&pb.CreateParticipantRequest{Participant: ok}, "event_id"},
		"bad event id":   {&pb.CreateParticipantRequest{EventId: "E-1", Participant: ok}, "event_id"},
	} {
		_, err := c.CreateParticipant(ctx, tc.req)
		if statustest.Code(err) != codes.InvalidArgument || !slices.Contains(statustest.Violations(err), tc.field) {
			t.Errorf("%s: %v, want InvalidArgument naming %s", name, err, tc.field)
		}
	}
	if _, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{EventId: ids.New(), Participant: ok}); statustest.Code(err) != codes.NotFound {
		t.Errorf("unknown event: %v", err)
	}
	parts, err := c.ListParticipants(ctx, &pb.ListParticipantsRequest{EventId: e.GetId()})
	if err != nil || len(parts.GetParticipants()) != 0 {
		t.Fatalf("invalid participants stored: %d (%v)", len(parts.GetParticipants()), err)
	}

	for name, tc := range map[string]struct {
		err   error
		field string
	}{
		"get bad id":           {second(c.GetTrainingEvent(ctx, &pb.GetTrainingEventRequest{Id: "nope"})), "id"},
		"list bad project":     {second(c.ListTrainingEvents(ctx, &pb.ListTrainingEventsRequest{ProjectId: "nope"})), "project_id"},
		"list unknown type":    {second(c.ListTrainingEvents(ctx, &pb.ListTrainingEventsRequest{Type: 77})), "type"},
		"list negative size":   {second(c.ListTrainingEvents(ctx, &pb.ListTrainingEventsRequest{PageSize: -1})), "page_size"},
		"participants bad id":  {second(c.ListParticipants(ctx, &pb.ListParticipantsRequest{EventId: "nope"})), "event_id"},
		"count no project":     {second(c.CountTrainedProfessionals(ctx, &pb.CountTrainedProfessionalsRequest{})), "project_id"},
		"count bad project":    {second(c.CountTrainedProfessionals(ctx, &pb.CountTrainedProfessionalsRequest{ProjectId: "x"})), "project_id"},
		"count bad start":      {second(c.CountTrainedProfessionals(ctx, &pb.CountTrainedProfessionalsRequest{ProjectId: ids.New(), Period: &commonv1.DateRange{StartDate: "2017"}})), "period.start_date"},
		"count reversed range": {second(c.CountTrainedProfessionals(ctx, &pb.CountTrainedProfessionalsRequest{ProjectId: ids.New(), Period: &commonv1.DateRange{StartDate: "2017-02-01", EndDate: "2017-01-31"}})), "period.end_date"},
	} {
		if statustest.Code(tc.err) != codes.InvalidArgument || !slices.Contains(statustest.Violations(tc.err), tc.field) {
			t.Errorf("%s: %v, want InvalidArgument naming %s", name, tc.err, tc.field)
		}
	}
	if _, err := c.GetTrainingEvent(ctx, &pb.GetTrainingEventRequest{Id: ids.New()}); statustest.Code(err) != codes.NotFound {
		t.Errorf("unknown id: %v", err)
	}
}

func second[T any](_ T, err error) error { return err }

func TestOtherOrganisationSeesNothing(t *testing.T) {
	c := start(t)
	ctxA := servicetest.As(t, ids.New())
	ctxB := servicetest.As(t, ids.New())
	project := c.project(t, ctxA)
	e := event(t, c, ctxA, seminar(project))
	register(t, c, ctxA, e.GetId(), professional("Ana", "Petrović", "ana@example.org", "", pb.Sector_SECTOR_HEALTH, commonv1.Sex_SEX_FEMALE))

	if _, err := c.GetTrainingEvent(ctxB, &pb.GetTrainingEventRequest{Id: e.GetId()}); statustest.Code(err) != codes.NotFound {
		t.Fatalf("B got A's event: %v", err)
	}
	for _, req := range []*pb.ListTrainingEventsRequest{{}, {ProjectId: project}} {
		list, err := c.ListTrainingEvents(ctxB, req)
		if err != nil || len(list.GetTrainingEvents()) != 0 {
			t.Fatalf("B listed %d of A's events (%v)", len(list.GetTrainingEvents()), err)
		}
	}
	if _, err := c.ListParticipants(ctxB, &pb.ListParticipantsRequest{EventId: e.GetId()}); statustest.Code(err) != codes.NotFound {
		t.Fatalf("B listed A's participants: %v", err)
	}
	_, err := c.CreateParticipant(ctxB, &pb.CreateParticipantRequest{EventId: e.GetId(),
		Participant: professional("Ivo", "Ivić", "", "", pb.Sector_SECTOR_POLICE, commonv1.Sex_SEX_MALE)})
	if statustest.Code(err) != codes.NotFound {
		t.Fatalf("B registered at A's event: %v", err)
	}
	// A still sees its event with its one participant.
	got, err := c.GetTrainingEvent(ctxA, &pb.GetTrainingEventRequest{Id: e.GetId()})
	if err != nil || got.GetTrainingEvent().GetParticipantCount() != 1 {
		t.Fatalf("A's event: %v (%v)", got.GetTrainingEvent(), err)
	}
}

func TestIdempotentCreate(t *testing.T) {
	c := start(t)
	ctx := servicetest.As(t, ids.New())
	first, err := c.CreateTrainingEvent(ctx, &pb.CreateTrainingEventRequest{TrainingEvent: seminar(""), RequestId: "req-1"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.CreateTrainingEvent(ctx, &pb.CreateTrainingEventRequest{TrainingEvent: seminar(""), RequestId: "req-1"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first.GetTrainingEvent(), again.GetTrainingEvent(), protocmp.Transform()); diff != "" {
		t.Fatalf("retry differs from first create (-first +retry):\n%s", diff)
	}
	// The Idempotency-Key the edge forwards works the same way.
	keyed := metadata.AppendToOutgoingContext(ctx, grpcx.IdempotencyKeyMetadata, "key-2")
	k1 := event(t, c, keyed, seminar(""))
	k2 := event(t, c, keyed, seminar(""))
	if k1.GetId() != k2.GetId() || k1.GetId() == first.GetTrainingEvent().GetId() {
		t.Fatalf("idempotency key: %s, %s (first %s)", k1.GetId(), k2.GetId(), first.GetTrainingEvent().GetId())
	}
	// Another organisation's request id is its own.
	other, err := c.CreateTrainingEvent(servicetest.As(t, ids.New()), &pb.CreateTrainingEventRequest{TrainingEvent: seminar(""), RequestId: "req-1"})
	if err != nil || other.GetTrainingEvent().GetId() == first.GetTrainingEvent().GetId() {
		t.Fatalf("other organisation's request: %v (%v)", other.GetTrainingEvent(), err)
	}
	list, err := c.ListTrainingEvents(ctx, &pb.ListTrainingEventsRequest{})
	if err != nil || len(list.GetTrainingEvents()) != 2 {
		t.Fatalf("%d events stored (%v), want 2", len(list.GetTrainingEvents()), err)
	}

	// Participants: a retry returns the first registration; the request
	// id sent with another person is refused (TestRequestIDReused) and
	// registers nobody else.
	eid := first.GetTrainingEvent().GetId()
	ana := func() *pb.Participant {
		return professional("Ana", "Petrović", "", "CSR", pb.Sector_SECTOR_HEALTH, commonv1.Sex_SEX_FEMALE)
	}
	p1, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{EventId: eid, RequestId: "p-1", Participant: ana()})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{EventId: eid, RequestId: "p-1", Participant: ana()})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p1.GetParticipant(), p2.GetParticipant(), protocmp.Transform()); diff != "" {
		t.Fatalf("participant retry (-first +retry):\n%s", diff)
	}
	_, err = c.CreateParticipant(ctx, &pb.CreateParticipantRequest{EventId: eid, RequestId: "p-1",
		Participant: professional("Ivo", "Ivić", "", "", pb.Sector_SECTOR_POLICE, commonv1.Sex_SEX_MALE)})
	statustest.WantReason(t, err, codes.InvalidArgument, errs.ReasonRequestIDReused, "the request id with another person")
	parts, err := c.ListParticipants(ctx, &pb.ListParticipantsRequest{EventId: eid})
	if err != nil || len(parts.GetParticipants()) != 1 {
		t.Fatalf("%d participants stored (%v), want 1", len(parts.GetParticipants()), err)
	}
}

func TestParticipants(t *testing.T) {
	c, dir := startWithDirectory(t)
	ctx := servicetest.As(t, ids.New())
	e := event(t, c, ctx, seminar(""))
	csr := organisation(t, dir, "PU Subotica", refv1.OrganisationKind_ORGANISATION_KIND_POLICE)
	in := []*pb.Participant{
		professional("Ana", "Petrović", " Ana.Petrovic@Example.ORG ", "CSR Subotica", pb.Sector_SECTOR_SOCIAL_WELFARE, commonv1.Sex_SEX_FEMALE),
		{Person: &pb.Participant_Professional{Professional: &pb.Professional{GivenName: "Marko", FamilyName: "Marković",
			OrganisationId: csr, Sector: pb.Sector_SECTOR_POLICE}}},
		{Person: &pb.Participant_BeneficiaryId{BeneficiaryId: strings.ToUpper(c.beneficiary(t, ctx))}},
		professional("Jelena", "Jovanović", "", "", pb.Sector_SECTOR_EDUCATION, commonv1.Sex_SEX_FEMALE),
		professional("Milan", "Milić", "", "Dom zdravlja", pb.Sector_SECTOR_HEALTH, commonv1.Sex_SEX_MALE),
	}
	var created []*pb.Participant
	for _, p := range in {
		created = append(created, register(t, c, ctx, e.GetId(), p))
	}
	for i, p := range created {
		if !ids.Valid(p.GetId()) || p.GetEventId() != e.GetId() || p.GetCreateTime().AsTime().IsZero() {
			t.Fatalf("participant %d: %v", i, p)
		}
		if isProf := p.GetProfessional() != nil; isProf != ids.Valid(p.GetProfessionalId()) {
			t.Fatalf("participant %d: professional_id %q for %v", i, p.GetProfessionalId(), p)
		}
	}
	wantAna := &pb.Professional{GivenName: "Ana", FamilyName: "Petrović", Email: "ana.petrovic@example.org",
		OrganisationName: "CSR Subotica", Sector: pb.Sector_SECTOR_SOCIAL_WELFARE, Sex: commonv1.Sex_SEX_FEMALE}
	if diff := cmp.Diff(wantAna, created[0].GetProfessional(), protocmp.Transform()); diff != "" {
		t.Fatalf("stored professional (-want +got):\n%s", diff)
	}
	wantMarko := &pb.Professional{GivenName: "Marko", FamilyName: "Marković", OrganisationId: csr,
		Sector: pb.Sector_SECTOR_POLICE, Sex: commonv1.Sex_SEX_UNKNOWN}
	if diff := cmp.Diff(wantMarko, created[1].GetProfessional(), protocmp.Transform()); diff != "" {
		t.Fatalf("stored professional (-want +got):\n%s", diff)
	}
	// The organisation's kind was read from the directory; without an
	// organisation id there is none.
	if k := created[1].GetOrganisationKind(); k != refv1.OrganisationKind_ORGANISATION_KIND_POLICE {
		t.Fatalf("organisation_kind = %v, want police", k)
	}
	if k := created[0].GetOrganisationKind(); k != refv1.OrganisationKind_ORGANISATION_KIND_UNSPECIFIED {
		t.Fatalf("organisation_kind without organisation_id = %v", k)
	}
	if got := created[2].GetBeneficiaryId(); got != strings.ToLower(in[2].GetBeneficiaryId()) || created[2].GetProfessionalId() != "" {
		t.Fatalf("beneficiary participant: %v", created[2])
	}

	// Paged list: every participant once, newest first, as created.
	var seen []*pb.Participant
	tok := ""
	for {
		r, err := c.ListParticipants(ctx, &pb.ListParticipantsRequest{EventId: e.GetId(), PageSize: 2, PageToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, r.GetParticipants()...)
		if tok = r.GetNextPageToken(); tok == "" {
			break
		}
	}
	want := slices.Clone(created)
	slices.Reverse(want)
	if diff := cmp.Diff(want, seen, protocmp.Transform()); diff != "" {
		t.Fatalf("paged participants (-want +got):\n%s", diff)
	}

	// The same person again at the same event, however spelled, is refused.
	for name, p := range map[string]*pb.Participant{
		"same email":         professional("A.", "Petrović-Horvat", "ANA.PETROVIC@example.org", "", pb.Sector_SECTOR_HEALTH, 0),
		"same name, org id":  {Person: &pb.Participant_Professional{Professional: &pb.Professional{GivenName: " marko ", FamilyName: "MARKOVIĆ", OrganisationId: strings.ToUpper(csr), Sector: pb.Sector_SECTOR_POLICE}}},
		"same name, no org":  professional("JELENA", "jovanović ", "", "", pb.Sector_SECTOR_EDUCATION, 0),
		"same name, org txt": professional("Milan", "Milić", "", "  dom   ZDRAVLJA", pb.Sector_SECTOR_HEALTH, 0),
		"same beneficiary":   {Person: &pb.Participant_BeneficiaryId{BeneficiaryId: created[2].GetBeneficiaryId()}},
	} {
		_, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{EventId: e.GetId(), Participant: p})
		if statustest.Code(err) != codes.AlreadyExists {
			t.Errorf("%s: %v, want AlreadyExists", name, err)
		}
	}
	// A namesake at another organisation is another person.
	other := register(t, c, ctx, e.GetId(), professional("Milan", "Milić", "", "Policijska uprava", pb.Sector_SECTOR_POLICE, commonv1.Sex_SEX_MALE))
	if other.GetProfessionalId() == created[4].GetProfessionalId() {
		t.Fatal("namesake at another organisation matched")
	}
	got, err := c.GetTrainingEvent(ctx, &pb.GetTrainingEventRequest{Id: e.GetId()})
	if err != nil || got.GetTrainingEvent().GetParticipantCount() != 6 {
		t.Fatalf("participant_count = %d (%v), want 6", got.GetTrainingEvent().GetParticipantCount(), err)
	}
}

func TestCountTrainedProfessionals(t *testing.T) {
	c := start(t)
	a, b := ids.New(), ids.New()
	orgA, orgB := servicetest.As(t, a), servicetest.As(t, b)
	project, otherProject := c.project(t, orgA, b), c.project(t, orgA)
	mk := func(ctx context.Context, proj string, typ pb.EventType, day string) string {
		return event(t, c, ctx, &pb.TrainingEvent{ProjectId: proj, Type: typ, Title: "E", StartDate: day}).GetId()
	}
	e1 := mk(orgA, project, pb.EventType_EVENT_TYPE_SEMINAR, "2017-03-01")
	e2 := mk(orgA, project, pb.EventType_EVENT_TYPE_WORKSHOP, "2017-06-01")
	e3 := mk(orgA, otherProject, pb.EventType_EVENT_TYPE_SEMINAR, "2017-04-01")
	e4 := mk(orgA, project, pb.EventType_EVENT_TYPE_SEMINAR, "2018-05-01") // outside the period
	e5 := mk(orgB, project, pb.EventType_EVENT_TYPE_TRAINING, "2017-09-30")

	// Ana: same e-mail (other case) at e1 and e2 -> once.
	a1 := register(t, c, orgA, e1, professional("Ana", "Petrović", "ana@example.org", "CSR Subotica", pb.Sector_SECTOR_SOCIAL_WELFARE, commonv1.Sex_SEX_FEMALE))
	a2 := register(t, c, orgA, e2, professional("Ana", "Petrović Kovač", "ANA@Example.org", "CSR Subotica", pb.Sector_SECTOR_SOCIAL_WELFARE, 0))
	// Marko: no e-mail, same name and organisation name spelled differently -> once.
	m1 := register(t, c, orgA, e1, professional("Marko", "Marković", "", "PU Subotica", pb.Sector_SECTOR_POLICE, commonv1.Sex_SEX_MALE))
	m2 := register(t, c, orgA, e2, professional("  MARKO ", "marković", "", "pu   subotica", pb.Sector_SECTOR_POLICE, commonv1.Sex_SEX_MALE))
	// Jelena at e2 only.
	register(t, c, orgA, e2, professional("Jelena", "Jovanović", "jelena@example.org", "", pb.Sector_SECTOR_HEALTH, commonv1.Sex_SEX_FEMALE))
	// Ivan only at another project's event, Petar only outside the period.
	register(t, c, orgA, e3, professional("Ivan", "Ivić", "", "", pb.Sector_SECTOR_JUSTICE, commonv1.Sex_SEX_MALE))
	register(t, c, orgA, e4, professional("Petar", "Perić", "", "", pb.Sector_SECTOR_EDUCATION, commonv1.Sex_SEX_MALE))
	// Ana also at the other project: she is still counted once for project.
	register(t, c, orgA, e3, professional("Ana", "Petrović", "ana@example.org", "CSR Subotica", pb.Sector_SECTOR_SOCIAL_WELFARE, 0))
	// Another organiser's event of the same project counts too.
	register(t, c, orgB, e5, professional("Milan", "Milić", "", "NSZ", pb.Sector_SECTOR_LABOUR, commonv1.Sex_SEX_MALE))
	// Beneficiaries are not professionals.
	register(t, c, orgA, e1, &pb.Participant{Person: &pb.Participant_BeneficiaryId{BeneficiaryId: c.beneficiary(t, orgA)}})

	if a1.GetProfessionalId() != a2.GetProfessionalId() || m1.GetProfessionalId() != m2.GetProfessionalId() {
		t.Fatalf("not deduplicated: ana %s/%s, marko %s/%s", a1.GetProfessionalId(), a2.GetProfessionalId(), m1.GetProfessionalId(), m2.GetProfessionalId())
	}
	if a1.GetProfessionalId() == m1.GetProfessionalId() {
		t.Fatal("different people share a professional id")
	}
	// The latest registration updates the person; a missing sex keeps the known one.
	if got := a2.GetProfessional(); got.GetFamilyName() != "Petrović Kovač" || got.GetSex() != commonv1.Sex_SEX_FEMALE || got.GetEmail() != "ana@example.org" {
		t.Fatalf("updated professional: %v", got)
	}

	period := &commonv1.DateRange{StartDate: "2017-01-01", EndDate: "2017-12-31"}
	count := func(ctx context.Context, p *commonv1.DateRange, groupBy ...string) *commonv1.Aggregate {
		t.Helper()
		r, err := c.CountTrainedProfessionals(ctx, &pb.CountTrainedProfessionalsRequest{ProjectId: project, Period: p, GroupBy: groupBy})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetAggregate()
	}
	group := func(n int64, kv ...string) *commonv1.Group {
		g := &commonv1.Group{Labels: map[string]string{}, Count: n}
		for i := 0; i < len(kv); i += 2 {
			g.Labels[kv[i]] = kv[i+1]
		}
		return g
	}
	for _, tc := range []struct {
		name    string
		ctx     context.Context
		period  *commonv1.DateRange
		groupBy []string
		want    *commonv1.Aggregate
	}{
		{"total", orgA, period, nil, &commonv1.Aggregate{Total: 4}},
		{"any caller", servicetest.As(t, ids.New(), auth.ScopeAggregates), period, nil, &commonv1.Aggregate{Total: 4}},
		{"open period", orgA, nil, nil, &commonv1.Aggregate{Total: 5}},
		{"open end", orgA, &commonv1.DateRange{StartDate: "2017-06-01"}, nil, &commonv1.Aggregate{Total: 5}},
		{"open start", orgA, &commonv1.DateRange{EndDate: "2017-03-01"}, nil, &commonv1.Aggregate{Total: 2}},
		{"by sector", orgA, period, []string{"sector"}, &commonv1.Aggregate{Total: 4, Groups: []*commonv1.Group{
			group(1, "sector", "health"), group(1, "sector", "labour"), group(1, "sector", "police"), group(1, "sector", "social_welfare")}}},
		{"by sex", orgA, period, []string{"sex"}, &commonv1.Aggregate{Total: 4, Groups: []*commonv1.Group{
			group(2, "sex", "female"), group(2, "sex", "male")}}},
		{"by sex and sector", orgA, nil, []string{"sex", "sector"}, &commonv1.Aggregate{Total: 5, Groups: []*commonv1.Group{
			group(1, "sector", "education", "sex", "male"), group(1, "sector", "health", "sex", "female"),
			group(1, "sector", "labour", "sex", "male"), group(1, "sector", "police", "sex", "male"),
			group(1, "sector", "social_welfare", "sex", "female")}}},
		// Ana and Marko were at a seminar and a workshop: in both groups,
		// but once in the total.
		{"by event type", orgA, period, []string{"event_type"}, &commonv1.Aggregate{Total: 4, Groups: []*commonv1.Group{
			group(2, "event_type", "seminar"), group(1, "event_type", "training"), group(3, "event_type", "workshop")}}},
	} {
		got := count(tc.ctx, tc.period, tc.groupBy...)
		if diff := cmp.Diff(tc.want, got, protocmp.Transform()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
	r, err := c.CountTrainedProfessionals(orgA, &pb.CountTrainedProfessionalsRequest{ProjectId: ids.New()})
	if err != nil || r.GetAggregate().GetTotal() != 0 || len(r.GetAggregate().GetGroups()) != 0 {
		t.Errorf("unknown project: %v (%v)", r.GetAggregate(), err)
	}
	for _, bad := range [][]string{{"name; DROP TABLE professionals"}, {"sex", "municipality"}, {"sex", "sex"}} {
		_, err := c.CountTrainedProfessionals(orgA, &pb.CountTrainedProfessionalsRequest{ProjectId: project, GroupBy: bad})
		if statustest.Code(err) != codes.InvalidArgument || len(statustest.Violations(err)) != 1 || !strings.HasPrefix(statustest.Violations(err)[0], "group_by[") {
			t.Errorf("group_by %q: %v (violations %v)", bad, err, statustest.Violations(err))
		}
	}
}

// TestConcurrentRegistrations registers one person at many events at once:
// find-or-create must end on a single professional.
func TestConcurrentRegistrations(t *testing.T) {
	c := start(t)
	ctx := servicetest.As(t, ids.New())
	project := c.project(t, ctx)
	const n = 8
	events := make([]string, n)
	for i := range events {
		events[i] = event(t, c, ctx, &pb.TrainingEvent{ProjectId: project, Type: pb.EventType_EVENT_TYPE_TRAINING, Title: "T", StartDate: "2020-02-02"}).GetId()
	}
	people := []func(i int) *pb.Participant{
		func(i int) *pb.Participant {
			return professional("Ana", "Petrović", []string{"ana@example.org", "ANA@example.org"}[i%2], "", pb.Sector_SECTOR_HEALTH, 0)
		},
		func(i int) *pb.Participant {
			return professional([]string{"Marko", "marko"}[i%2], "Marković", "", "PU Subotica", pb.Sector_SECTOR_POLICE, 0)
		},
	}
	for _, person := range people {
		var wg sync.WaitGroup
		got := make([]string, n)
		errc := make(chan error, n)
		for i := range events {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{EventId: events[i], Participant: person(i)})
				if err != nil {
					errc <- err
					return
				}
				got[i] = r.GetParticipant().GetProfessionalId()
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Fatal(err)
		}
		if len(slices.Compact(slices.Clone(got))) != 1 || !ids.Valid(got[0]) {
			t.Fatalf("concurrent registrations made several professionals: %v", got)
		}
	}
	r, err := c.CountTrainedProfessionals(ctx, &pb.CountTrainedProfessionalsRequest{ProjectId: project})
	if err != nil || r.GetAggregate().GetTotal() != 2 {
		t.Fatalf("count = %v (%v), want 2", r.GetAggregate(), err)
	}
}

func TestAuthAndScopes(t *testing.T) {
	c := start(t)
	org := ids.New()
	if _, err := c.ListTrainingEvents(context.Background(), &pb.ListTrainingEventsRequest{}); statustest.Code(err) != codes.Unauthenticated {
		t.Fatalf("no principal: %v", err)
	}
	bad := metadata.AppendToOutgoingContext(context.Background(), auth.MetadataKey, "forged.token")
	if _, err := c.ListTrainingEvents(bad, &pb.ListTrainingEventsRequest{}); statustest.Code(err) != codes.Unauthenticated {
		t.Fatalf("forged principal: %v", err)
	}
	e := event(t, c, servicetest.As(t, org, auth.ScopeTrainingsWrite), seminar(""))

	readOnly := servicetest.As(t, org, auth.ScopeTrainingsRead)
	writeOnly := servicetest.As(t, org, auth.ScopeTrainingsWrite)
	aggOnly := servicetest.As(t, org, auth.ScopeAggregates)
	p := professional("Ana", "Petrović", "", "", pb.Sector_SECTOR_HEALTH, 0)
	for name, err := range map[string]error{
		"read-only create event":        second(c.CreateTrainingEvent(readOnly, &pb.CreateTrainingEventRequest{TrainingEvent: seminar("")})),
		"read-only create participant":  second(c.CreateParticipant(readOnly, &pb.CreateParticipantRequest{EventId: e.GetId(), Participant: p})),
		"write-only get":                second(c.GetTrainingEvent(writeOnly, &pb.GetTrainingEventRequest{Id: e.GetId()})),
		"write-only list":               second(c.ListTrainingEvents(writeOnly, &pb.ListTrainingEventsRequest{})),
		"write-only list participants":  second(c.ListParticipants(writeOnly, &pb.ListParticipantsRequest{EventId: e.GetId()})),
		"read-only aggregate":           second(c.CountTrainedProfessionals(readOnly, &pb.CountTrainedProfessionalsRequest{ProjectId: ids.New()})),
		"aggregates-only list":          second(c.ListTrainingEvents(aggOnly, &pb.ListTrainingEventsRequest{})),
		"read-only update":              second(c.UpdateTrainingEvent(readOnly, &pb.UpdateTrainingEventRequest{TrainingEvent: &pb.TrainingEvent{Id: e.GetId()}})),
		"read-only create session":      second(c.CreateSession(readOnly, &pb.CreateSessionRequest{EventId: e.GetId()})),
		"read-only delete session":      second(c.DeleteSession(readOnly, &pb.DeleteSessionRequest{EventId: e.GetId()})),
		"read-only attendance":          second(c.RecordAttendance(readOnly, &pb.RecordAttendanceRequest{EventId: e.GetId()})),
		"read-only scores":              second(c.RecordTestScores(readOnly, &pb.RecordTestScoresRequest{EventId: e.GetId()})),
		"read-only certificates":        second(c.IssueCertificates(readOnly, &pb.IssueCertificatesRequest{EventId: e.GetId()})),
		"write-only list sessions":      second(c.ListSessions(writeOnly, &pb.ListSessionsRequest{EventId: e.GetId()})),
		"write-only get participant":    second(c.GetParticipant(writeOnly, &pb.GetParticipantRequest{EventId: e.GetId()})),
		"read-only count events":        second(c.CountTrainingEvents(readOnly, &pb.CountTrainingEventsRequest{ProjectId: ids.New()})),
		"read-only count beneficiaries": second(c.CountCommunityBeneficiaries(readOnly, &pb.CountCommunityBeneficiariesRequest{ProjectId: ids.New()})),
		"aggregates-only create":        second(c.CreateTrainingEvent(aggOnly, &pb.CreateTrainingEventRequest{TrainingEvent: seminar("")})),
	} {
		if statustest.Code(err) != codes.PermissionDenied {
			t.Errorf("%s: %v, want PermissionDenied", name, err)
		}
	}
	if _, err := c.GetTrainingEvent(readOnly, &pb.GetTrainingEventRequest{Id: e.GetId()}); err != nil {
		t.Errorf("read scope get: %v", err)
	}
	if _, err := c.CountTrainedProfessionals(aggOnly, &pb.CountTrainedProfessionalsRequest{ProjectId: ids.New()}); err != nil {
		t.Errorf("aggregates scope count: %v", err)
	}
}
