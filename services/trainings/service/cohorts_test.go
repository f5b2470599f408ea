package service_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	benservice "github.com/spona/spona/services/beneficiaries/service"
	"github.com/spona/spona/services/trainings/service"
)

// TestCountBeneficiaryParticipantsManyOrganisers counts beneficiary
// participants by sex when a person took part in the events of more
// organisers than one entry of a cohort may name (100): the person is
// counted once, by their data when one of the organisers sees them, even
// when that organiser is past the first hundred. Seeded in SQL: a woman
// registered by the organisation whose id sorts last, at events of it and
// of 149 others; a man registered by an organisation that organised none
// of his 120 events (counted as unknown).
func TestCountBeneficiaryParticipantsManyOrganisers(t *testing.T) {
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
	project, last, stranger := ids.New(), "ffffffff-ffff-4fff-bfff-ffffffffffff", ids.New()
	woman, man := ids.New(), ids.New()
	for _, st := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO beneficiaries.beneficiaries (id, organisation_id, given_name, sex, birth_year)
			VALUES ($1, $2, 'A', 'female', 1990), ($3, $4, 'B', 'male', 1985)`, []any{woman, last, man, stranger}},
		{`INSERT INTO trainings.training_events (id, organiser_organisation_id, project_id, type, title, start_date)
			SELECT gen_random_uuid(), CASE WHEN i = 150 THEN $1::uuid ELSE gen_random_uuid() END, $2, 'workshop', 'E' || i, DATE '2017-01-01' + i
			FROM generate_series(1, 150) i`, []any{last, project}},
		{`INSERT INTO trainings.participants (id, event_id, beneficiary_id)
			SELECT gen_random_uuid(), id, $1 FROM trainings.training_events`, []any{woman}},
		{`INSERT INTO trainings.participants (id, event_id, beneficiary_id)
			SELECT gen_random_uuid(), id, $1 FROM trainings.training_events WHERE organiser_organisation_id <> $2 LIMIT 120`, []any{man, last}},
	} {
		if _, err := db.Exec(ctx, st.sql, st.args...); err != nil {
			t.Fatalf("%s: %v", st.sql, err)
		}
	}
	r, err := c.CountParticipants(servicetest.As(t, ids.New()), &pb.CountParticipantsRequest{ProjectId: project, GroupBy: []string{"sex"},
		Kind: pb.ParticipantKind_PARTICIPANT_KIND_BENEFICIARY, Stage: pb.ParticipationStage_PARTICIPATION_STAGE_REGISTERED})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{"total": r.GetAggregate().GetTotal()}
	for _, g := range r.GetAggregate().GetGroups() {
		got[g.GetLabels()["sex"]] += g.GetCount()
	}
	if diff := cmp.Diff(map[string]int64{"total": 2, "female": 1, "unknown": 1}, got); diff != "" {
		t.Fatalf("beneficiary participants by sex (-want +got):\n%s", diff)
	}
}
