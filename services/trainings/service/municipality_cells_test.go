package service_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	benservice "github.com/spona/spona/services/beneficiaries/service"
	"github.com/spona/spona/services/trainings/service"
	"google.golang.org/protobuf/testing/protocmp"
)

// TestMunicipalityCellsOfEvents: three events in Šid spelled Šid, SID and
// Шид and one in Beograd, a woman at all four and a man at the three in
// Šid. By municipality, events are Šid 3 and Beograd 1, and participants
// crossed with sex (counted with the beneficiaries service, in cohorts) are
// one woman and one man in Šid and the woman in Beograd: each person once
// in the cell of Šid, labelled with the spelling that sorts first of three
// given once each (not in capitals, Latin, with diacritics).
func TestMunicipalityCellsOfEvents(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ben := servicetest.Start(t, benservice.New(benservice.Config{Config: servicetest.Platform(t, url),
		ReportingAddr: "127.0.0.1:1", ReferralsAddr: "127.0.0.1:1"}))
	conn := servicetest.Start(t, service.New(service.Config{Config: servicetest.Platform(t, url), ReferralsAddr: "127.0.0.1:1",
		BeneficiariesAddr: ben.Target(), ReportingAddr: "127.0.0.1:1"}))
	c := pb.NewTrainingServiceClient(conn)
	ctx := context.Background()
	db, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	project, org, woman, man := ids.New(), ids.New(), ids.New(), ids.New()
	for _, st := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO beneficiaries.beneficiaries (id, organisation_id, given_name, sex, birth_year)
			VALUES ($1, $3, 'A', 'female', 1990), ($2, $3, 'B', 'male', 1985)`, []any{woman, man, org}},
		{`INSERT INTO trainings.training_events (id, organiser_organisation_id, project_id, type, title, start_date, municipality, country)
			SELECT gen_random_uuid(), $1, $2, 'workshop', 'E' || i, DATE '2017-01-01' + i::int, m, 'RS'
			FROM unnest(ARRAY['Šid', 'SID', 'Шид', 'Beograd']) WITH ORDINALITY AS x (m, i)`, []any{org, project}},
		{`INSERT INTO trainings.participants (id, event_id, beneficiary_id)
			SELECT gen_random_uuid(), id, $1 FROM trainings.training_events`, []any{woman}},
		{`INSERT INTO trainings.participants (id, event_id, beneficiary_id)
			SELECT gen_random_uuid(), id, $1 FROM trainings.training_events WHERE municipality <> 'Beograd'`, []any{man}},
	} {
		if _, err := db.Exec(ctx, st.sql, st.args...); err != nil {
			t.Fatalf("%s: %v", st.sql, err)
		}
	}
	as := servicetest.As(t, ids.New())
	events, err := c.CountTrainingEvents(as, &pb.CountTrainingEventsRequest{ProjectId: project, GroupBy: []string{"country", "municipality"}})
	if err != nil {
		t.Fatal(err)
	}
	want := &commonv1.Aggregate{Total: 4, Groups: []*commonv1.Group{
		{Labels: map[string]string{"country": "RS", "municipality": "Beograd"}, Count: 1},
		{Labels: map[string]string{"country": "RS", "municipality": "Šid"}, Count: 3}}}
	if diff := cmp.Diff(want, events.GetAggregate(), protocmp.Transform()); diff != "" {
		t.Errorf("events by country and municipality (-want +got):\n%s", diff)
	}
	for _, groupBy := range [][]string{{"municipality"}, {"municipality", "sex"}} {
		r, err := c.CountParticipants(as, &pb.CountParticipantsRequest{ProjectId: project, GroupBy: groupBy,
			Kind: pb.ParticipantKind_PARTICIPANT_KIND_BENEFICIARY, Stage: pb.ParticipationStage_PARTICIPATION_STAGE_REGISTERED})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{"total": r.GetAggregate().GetTotal()}
		for _, g := range r.GetAggregate().GetGroups() {
			got[g.GetLabels()["municipality"]+" "+g.GetLabels()["sex"]] += g.GetCount()
		}
		want := map[string]int64{"total": 2, "Šid female": 1, "Šid male": 1, "Beograd female": 1}
		if len(groupBy) == 1 {
			want = map[string]int64{"total": 2, "Šid ": 2, "Beograd ": 1}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("beneficiary participants by %v (-want +got):\n%s", groupBy, diff)
		}
	}
}
