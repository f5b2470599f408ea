package service_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	repv1 "github.com/spona/spona/gen/go/spona/reporting/v1"
	trnv1 "github.com/spona/spona/gen/go/spona/trainings/v1"
	pb "github.com/spona/spona/gen/go/spona/webhooks/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/projecttest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"github.com/spona/spona/pkg/testkit/webhooktest"
	"google.golang.org/grpc/codes"
)

// TestTrainingsAndReportingFeeds: the trainings and reporting services'
// feeds, consumed for real. A participant's completion of a training event
// reaches the event's organiser only, by webhook and in the change feed,
// not the project's funder subscribed to the same type; a manual
// indicator's first value reaches the project's readers (the implementing
// organisation and the funder), not an organisation outside the project.
// The data is ids, codes and dates: no name, title, value or comment (the
// data compared whole).
// Before, the webhooks service did not consume these feeds and refused
// their types as unknown.
func TestTrainingsAndReportingFeeds(t *testing.T) {
	s := start(t, nil)
	trn, rep := s.trainingsAndReporting(t)
	organiser, funder, outsider := ids.New(), ids.New(), ids.New()
	types := []string{"participant.completed", "indicator.value_recorded"}
	rcv, secret := map[string]*webhooktest.Receiver{}, map[string]string{}
	for _, org := range []string{organiser, funder, outsider} {
		rcv[org] = webhooktest.Start(t, nil)
		secret[org] = s.subscribe(t, org, rcv[org].URL(), types...).GetSecret()
	}
	// A type of the trainings feed that is not a webhook type is refused
	// as the unknown ones are.
	_, err := s.wh.CreateWebhook(as(t, organiser), &pb.CreateWebhookRequest{Webhook: &pb.Webhook{
		Url: rcv[organiser].URL(), EventTypes: []string{"participant.completed", "participant.registered"}}})
	if _, ok := statustest.Descriptions(err)["webhook.event_types[1]"]; statustest.Code(err) != codes.InvalidArgument || !ok {
		t.Errorf("subscribing to participant.registered: %v; want a violation on webhook.event_types[1]", err)
	}

	ctx := servicetest.As(t, organiser)
	project := projecttest.Create(t, rep, ctx, nil, []string{funder})
	texts := []string{"Amina", "Zaštita djece", "Ivana Trener", "Djeca u udomiteljstvu", "smještena u porodice"}

	// A person registered by the organiser completes its one-session
	// training event, tagged with the project the funder funds.
	b, err := benv1.NewBeneficiaryServiceClient(s.ben).CreateBeneficiary(ctx, &benv1.CreateBeneficiaryRequest{Beneficiary: &benv1.Beneficiary{
		GivenName: "Amina", BirthYear: 1990, LegalStatus: benv1.LegalStatus_LEGAL_STATUS_ASYLUM_SEEKER}})
	if err != nil {
		t.Fatal(err)
	}
	person := b.GetBeneficiary().GetId()
	trainings := trnv1.NewTrainingServiceClient(trn)
	ev, err := trainings.CreateTrainingEvent(ctx, &trnv1.CreateTrainingEventRequest{TrainingEvent: &trnv1.TrainingEvent{ProjectId: project,
		Type: trnv1.EventType_EVENT_TYPE_TRAINING, Title: "Zaštita djece", StartDate: "2017-03-01", EndDate: "2017-03-01"}})
	if err != nil {
		t.Fatal(err)
	}
	event := ev.GetTrainingEvent().GetId()
	session, err := trainings.CreateSession(ctx, &trnv1.CreateSessionRequest{EventId: event,
		Session: &trnv1.Session{Date: "2017-03-01", Topic: "Zaštita djece", Trainer: "Ivana Trener"}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := trainings.CreateParticipant(ctx, &trnv1.CreateParticipantRequest{EventId: event,
		Participant: &trnv1.Participant{Person: &trnv1.Participant_BeneficiaryId{BeneficiaryId: person}}})
	if err != nil {
		t.Fatal(err)
	}
	participant := p.GetParticipant().GetId()
	if _, err := trainings.RecordAttendance(ctx, &trnv1.RecordAttendanceRequest{EventId: event, SessionId: session.GetSession().GetId(),
		Marks: []*trnv1.AttendanceMark{{ParticipantId: participant, Present: true}}}); err != nil {
		t.Fatal(err)
	}

	// The organiser records the first quarter's value of a manual
	// indicator of the project.
	reports := repv1.NewReportingServiceClient(rep)
	in, err := reports.CreateIndicator(ctx, &repv1.CreateIndicatorRequest{ProjectId: project, Indicator: &repv1.Indicator{Code: "FC",
		Titles: []*repv1.Narrative{{Lang: "en", Text: "Djeca u udomiteljstvu"}}, Unit: "children",
		Level: repv1.IndicatorLevel_INDICATOR_LEVEL_OUTPUT, Metric: repv1.Metric_METRIC_MANUAL}})
	if err != nil {
		t.Fatal(err)
	}
	indicator := in.GetIndicator().GetId()
	if _, err := reports.RecordIndicatorValue(ctx, &repv1.RecordIndicatorValueRequest{ProjectId: project, IndicatorId: indicator,
		Value: &repv1.IndicatorValue{Period: &commonv1.DateRange{StartDate: "2017-01-01", EndDate: "2017-03-31"},
			Value: "17", Comment: "smještena u porodice"}}); err != nil {
		t.Fatal(err)
	}

	completed := map[string]any{"participant_id": participant, "event_id": event, "beneficiary_id": person, "project_id": project,
		"cause": "attendance.recorded", "sequence": 1.0}
	recorded := map[string]any{"project_id": project, "indicator_id": indicator, "period_start": "2017-01-01", "period_end": "2017-03-31",
		"organisation_id": organiser, "sequence": 2.0} // the indicator's creation came first
	check := func(name, org string, want map[string]map[string]any) {
		t.Helper()
		reqs := rcv[org].WaitFor(t, 30*time.Second, name+"'s webhooks", func(r []webhooktest.Request) bool { return len(r) >= len(want) })
		webhooktest.Verify(t, []string{secret[org]}, reqs)
		got := map[string]string{} // event id by type
		for _, r := range reqs {
			for _, text := range texts {
				if strings.Contains(string(r.Body), text) {
					t.Errorf("%s's webhook carries %q: %s", name, text, r.Body)
				}
			}
			e := r.Decode(t)
			if d, ok := want[e.Type]; !ok || !reflect.DeepEqual(e.Data, d) || got[e.Type] != "" {
				t.Errorf("%s got %s; want one of each of %v", name, r.Body, want)
			}
			got[e.Type] = e.ID
		}
		feed, err := s.feed.ListChanges(as(t, org), &pb.ListChangesRequest{Types: types})
		if err != nil {
			t.Fatal(err)
		}
		if len(feed.GetEvents()) != len(want) {
			t.Errorf("%s's change feed: %v; want %d entries", name, feed.GetEvents(), len(want))
		}
		for _, c := range feed.GetEvents() {
			if d, ok := want[c.GetType()]; !ok || c.GetId() != got[c.GetType()] || !reflect.DeepEqual(c.GetData().AsMap(), d) {
				t.Errorf("%s's change feed has %v; want the entries the webhooks named", name, c)
			}
		}
	}
	check("the organiser", organiser, map[string]map[string]any{"participant.completed": completed, "indicator.value_recorded": recorded})
	check("the funder", funder, map[string]map[string]any{"indicator.value_recorded": recorded})
	// Both events were applied (the organiser got them): every entry and
	// delivery of each was written in that one transaction.
	for name, org := range map[string]string{"the funder": funder, "an organisation outside the project": outsider} {
		whs, err := s.wh.ListWebhooks(as(t, org), &pb.ListWebhooksRequest{})
		if err != nil || len(whs.GetWebhooks()) != 1 {
			t.Fatalf("%s's webhooks: %v", name, err)
		}
		for _, d := range s.deliveries(t, org, whs.GetWebhooks()[0].GetId()) {
			if d.GetEventType() == "participant.completed" || org == outsider {
				t.Errorf("%s was told %s", name, d.GetEventType())
			}
		}
	}
	feed, err := s.feed.ListChanges(as(t, outsider), &pb.ListChangesRequest{})
	if err != nil || len(feed.GetEvents()) != 0 {
		t.Errorf("an organisation outside the project's change feed: %v, %v; want nothing", feed.GetEvents(), err)
	}
}
