package service_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/benchenv"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	benservice "github.com/spona/spona/services/beneficiaries/service"
	"github.com/spona/spona/services/trainings/service"
)

// BenchmarkCountTrainedProfessionals compares the aggregate RPC (gRPC,
// principal check, GROUPING SETS query) with the same count written as
// plain SQL against the same data: 400 events, 20,000 professionals and
// 100,000 registrations of one project.
func BenchmarkCountTrainedProfessionals(b *testing.B) {
	url := pgtest.NewDatabase(b)
	conn := servicetest.Start(b, service.New(service.Config{Config: servicetest.Platform(b, url), ReferralsAddr: "127.0.0.1:1",
		BeneficiariesAddr: "127.0.0.1:1", ReportingAddr: "127.0.0.1:1"}))
	c := pb.NewTrainingServiceClient(conn)
	ctx := context.Background()
	db, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close(ctx)
	project, organiser := ids.New(), ids.New()
	for _, st := range []struct {
		sql  string
		args []any
	}{
		{`SET search_path = trainings`, nil},
		{`INSERT INTO training_events (id, organiser_organisation_id, project_id, type, title, start_date)
			SELECT gen_random_uuid(), $1, $2, (ARRAY['seminar','workshop','training'])[1 + i % 3], 'E' || i, DATE '2017-01-01' + (i % 365)
			FROM generate_series(1, 400) i`, []any{organiser, project}},
		// Person keys as domain.PersonKeys gives them (each person alone).
		{`INSERT INTO professionals (id, organiser_organisation_id, given_name, family_name, email, sector, sex, given_key, family_key, organisation_key, person_key)
			SELECT gen_random_uuid(), $1, 'G' || i, 'F' || i, CASE WHEN i % 2 = 0 THEN 'p' || i || '@example.org' END,
				(ARRAY['justice','police','social_welfare','education','health','labour','ngo'])[1 + i % 7],
				(ARRAY['female','male'])[1 + i % 2], 'g' || i, 'f' || i, 'name:',
				CASE WHEN i % 2 = 0 THEN 'e:p' || i || '@example.org' ELSE 'n:f' || i || E'\tg' || i || E'\tname:' END
			FROM generate_series(1, 20000) i`, []any{organiser}},
		{`INSERT INTO participants (id, event_id, professional_id, sector, organisation_kind)
			SELECT gen_random_uuid(), e.id, p.id, p.sector, (ARRAY['ngo','police','health'])[1 + (e.n + p.n) % 3]
			FROM (SELECT id, row_number() OVER (ORDER BY id) n FROM training_events) e
			JOIN (SELECT id, sector, row_number() OVER (ORDER BY id) n FROM professionals) p ON p.n % 80 = e.n % 80
			LIMIT 100000`, nil},
		{`ANALYZE`, nil},
	} {
		if _, err := db.Exec(ctx, st.sql, st.args...); err != nil {
			b.Fatalf("%s: %v", st.sql, err)
		}
	}
	var rows int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM trainings.participants`).Scan(&rows); err != nil || rows != 100000 {
		b.Fatalf("seeded %d registrations (%v)", rows, err)
	}
	rctx := servicetest.As(b, ids.New())
	req := &pb.CountTrainedProfessionalsRequest{ProjectId: project, GroupBy: []string{"sector", "sex"},
		Period: &commonv1.DateRange{StartDate: "2017-01-01", EndDate: "2017-12-31"}}
	want, err := c.CountTrainedProfessionals(rctx, req)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("rpc", func(b *testing.B) {
		for b.Loop() {
			r, err := c.CountTrainedProfessionals(rctx, req)
			if err != nil || r.GetAggregate().GetTotal() != want.GetAggregate().GetTotal() {
				b.Fatalf("%v (%v)", r, err)
			}
		}
	})
	b.Run("raw_sql", func(b *testing.B) {
		for b.Loop() {
			rs, err := db.Query(ctx, `SELECT pa.sector, pr.sex, count(DISTINCT pr.person_key)
				FROM participants pa JOIN professionals pr ON pr.id = pa.professional_id JOIN training_events e ON e.id = pa.event_id
				WHERE e.project_id = $1 AND e.start_date BETWEEN '2017-01-01' AND '2017-12-31'
				GROUP BY GROUPING SETS ((pa.sector, pr.sex), ())`, project)
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for rs.Next() {
				n++
			}
			rs.Close()
			if n != len(want.GetAggregate().GetGroups())+1 {
				b.Fatalf("raw SQL returned %d rows, want %d", n, len(want.GetAggregate().GetGroups())+1)
			}
		}
	})
}

// BenchmarkCountBeneficiaryParticipants measures what counting beneficiary
// participants by the person's data costs: the trainings service finds
// the participants (20,000 persons, 50,000 registrations at 400 events of
// two organisers) and sends their ids to the real beneficiaries service,
// which counts them by sex, age band (each person's age year sent too) or
// legal status (each person's status day sent too, the status of that day
// looked up in their history: two entries each, one change in the middle
// of the events' year; by sex, the count reads only the person's row, as
// by legal status did when it counted the current status). In the same interleaved rounds (one round of all the ways
// per iteration, each in turn first) it times the count by event type,
// which the trainings service answers alone, and the person's dimensions
// alone and with event type (a cohort per event type), and prints their
// medians and their ratios to the count by event type and by sex.
func BenchmarkCountBeneficiaryParticipants(b *testing.B) {
	url := pgtest.NewDatabase(b)
	ben := servicetest.Start(b, benservice.New(benservice.Config{Config: servicetest.Platform(b, url),
		ReportingAddr: "127.0.0.1:1", ReferralsAddr: "127.0.0.1:1"}))
	conn := servicetest.Start(b, service.New(service.Config{Config: servicetest.Platform(b, url), ReferralsAddr: "127.0.0.1:1",
		BeneficiariesAddr: ben.Target(), ReportingAddr: "127.0.0.1:1"}))
	c := pb.NewTrainingServiceClient(conn)
	ctx := context.Background()
	db, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close(ctx)
	project, orgA, orgB := ids.New(), ids.New(), ids.New()
	for _, st := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO beneficiaries.beneficiaries (id, organisation_id, given_name, sex, birth_year, legal_status)
			SELECT gen_random_uuid(), CASE WHEN i % 4 = 0 THEN $2::uuid ELSE $1::uuid END, 'P' || i, (ARRAY['female','male','other','unknown'])[1 + i % 4],
				CASE WHEN i % 10 <> 0 THEN 1940 + i % 80 END, (ARRAY['asylum_seeker','refugee','migrant','returnee','subsidiary_protection',''])[1 + i % 6]
			FROM generate_series(1, 20000) i`, []any{orgA, orgB}},
		// Each person's legal status history: another status from 2015,
		// the current one from mid-2017 (the events run through 2017:
		// some members' status of then is the earlier one).
		{`INSERT INTO beneficiaries.legal_status_history (id, beneficiary_id, legal_status, since, organisation_id)
			SELECT gen_random_uuid(), id, CASE WHEN legal_status = 'asylum_seeker' THEN 'migrant' ELSE 'asylum_seeker' END, DATE '2015-01-01', organisation_id
			FROM beneficiaries.beneficiaries WHERE legal_status <> ''
			UNION ALL
			SELECT gen_random_uuid(), id, legal_status, DATE '2017-07-01', organisation_id FROM beneficiaries.beneficiaries WHERE legal_status <> ''`, nil},
		// The days each entry is valid on, as the service sets them when it
		// writes a second entry.
		{`SELECT beneficiaries.legal_status_validity(ARRAY(SELECT id FROM beneficiaries.beneficiaries WHERE legal_status <> ''))`, nil},
		{`INSERT INTO trainings.training_events (id, organiser_organisation_id, project_id, type, title, start_date)
			SELECT gen_random_uuid(), CASE WHEN i % 4 = 0 THEN $2::uuid ELSE $1::uuid END, $3,
				(ARRAY['community_event','info_session','workshop'])[1 + i % 3], 'E' || i, DATE '2017-01-01' + (i % 365)
			FROM generate_series(1, 400) i`, []any{orgA, orgB, project}},
		// Each person at events of the organisation that registered them.
		{`INSERT INTO trainings.participants (id, event_id, beneficiary_id)
			SELECT gen_random_uuid(), e.id, p.id
			FROM (SELECT id, organiser_organisation_id org, row_number() OVER (ORDER BY id) n FROM trainings.training_events) e
			JOIN (SELECT id, organisation_id org, row_number() OVER (ORDER BY id) n FROM beneficiaries.beneficiaries) p
				ON p.org = e.org AND p.n % 80 = e.n % 80
			LIMIT 50000`, nil},
		{`VACUUM ANALYZE trainings.participants`, nil},
		{`VACUUM ANALYZE trainings.training_events`, nil},
		{`VACUUM ANALYZE beneficiaries.beneficiaries`, nil},
		{`VACUUM ANALYZE beneficiaries.legal_status_history`, nil},
	} {
		if _, err := db.Exec(ctx, st.sql, st.args...); err != nil {
			b.Fatalf("%s: %v", st.sql, err)
		}
	}
	var regs, persons int
	if err := db.QueryRow(ctx, `SELECT count(*), count(DISTINCT beneficiary_id) FROM trainings.participants`).Scan(&regs, &persons); err != nil || regs != 50000 {
		b.Fatalf("seeded %d registrations (%v)", regs, err)
	}
	count := func(groupBy ...string) (*commonv1.Aggregate, error) {
		r, err := c.CountParticipants(servicetest.As(b, ids.New()), &pb.CountParticipantsRequest{ProjectId: project, GroupBy: groupBy,
			Kind: pb.ParticipantKind_PARTICIPANT_KIND_BENEFICIARY, Stage: pb.ParticipationStage_PARTICIPATION_STAGE_REGISTERED,
			Period: &commonv1.DateRange{StartDate: "2017-01-01", EndDate: "2017-12-31"}})
		return r.GetAggregate(), err
	}
	paths := []struct {
		name    string
		groupBy []string
	}{{"event_type", []string{"event_type"}}, {"sex", []string{"sex"}}, {"sex_and_event_type", []string{"sex", "event_type"}},
		{"age_band", []string{"age_band"}}, {"legal_status", []string{"legal_status"}},
		{"age_band_and_event_type", []string{"age_band", "event_type"}}}
	for _, p := range paths {
		agg, err := count(p.groupBy...)
		if err != nil {
			b.Fatal(err)
		}
		sum := int64(0)
		for _, g := range agg.GetGroups() {
			sum += g.GetCount()
		}
		if agg.GetTotal() != int64(persons) || (len(p.groupBy) == 1 && p.name != "event_type" && sum != int64(persons)) {
			b.Fatalf("%s: total %d (groups %d), want %d: %v", p.name, agg.GetTotal(), sum, persons, agg)
		}
	}
	b.Run("rounds", func(b *testing.B) {
		ways := make([]benchenv.Way, len(paths))
		for i, p := range paths {
			ways[i] = benchenv.Way{Name: p.name, Run: func() error { _, err := count(p.groupBy...); return err }}
		}
		byName, round := benchenv.Interleaved(b, ways)
		med := make([]time.Duration, len(paths))
		for i, p := range paths {
			med[i] = byName[p.name]
		}
		b.ReportMetric(float64(med[1])/float64(med[0]), "sex/event_type")
		b.ReportMetric(float64(med[3])/float64(med[1]), "age_band/sex")
		b.ReportMetric(float64(med[4])/float64(med[1]), "legal_status/sex")
		b.ReportMetric(float64(med[5])/float64(med[2]), "age_band_and_event_type/sex_and_event_type")
		// Printed rather than logged: a benchmark's log is shown only on failure.
		fmt.Printf("BenchmarkCountBeneficiaryParticipants: %d persons, %d registrations, medians of %d interleaved rounds:\n", persons, regs, round)
		for i, p := range paths {
			fmt.Printf("  by %-24s %9s  %.2fx event_type", p.name, med[i].Round(100*time.Microsecond), float64(med[i])/float64(med[0]))
			if i > 2 {
				base := 1 // the person's dimension alone against sex, with event type against sex with it
				if len(p.groupBy) > 1 {
					base = 2
				}
				fmt.Printf("  %.2fx %s", float64(med[i])/float64(med[base]), paths[base].name)
			}
			fmt.Println()
		}
	})
}

// BenchmarkCreateParticipant registers professionals through the RPC, one
// new person per call (every other one with an e-mail) at one of 20 events
// of one organiser, after 2,000 others: what finding, updating and keying
// the professional costs a registration.
func BenchmarkCreateParticipant(b *testing.B) {
	url := pgtest.NewDatabase(b)
	c := pb.NewTrainingServiceClient(servicetest.Start(b, service.New(service.Config{Config: servicetest.Platform(b, url),
		ReferralsAddr: "127.0.0.1:1", BeneficiariesAddr: "127.0.0.1:1", ReportingAddr: "127.0.0.1:1"})))
	ctx := servicetest.As(b, ids.New())
	var events []string
	for i := range 20 {
		r, err := c.CreateTrainingEvent(ctx, &pb.CreateTrainingEventRequest{TrainingEvent: &pb.TrainingEvent{
			Type: pb.EventType_EVENT_TYPE_SEMINAR, Title: "S", StartDate: fmt.Sprintf("2019-03-%02d", i+1)}})
		if err != nil {
			b.Fatal(err)
		}
		events = append(events, r.GetTrainingEvent().GetId())
	}
	n := 0
	next := func() error {
		n++
		email := ""
		if n%2 == 0 {
			email = fmt.Sprintf("p%d@example.org", n)
		}
		_, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{EventId: events[n%len(events)],
			Participant: professional(fmt.Sprintf("G%d", n), "Petrović", email, "CSR Subotica", pb.Sector_SECTOR_SOCIAL_WELFARE, 0)})
		return err
	}
	for range 2000 {
		if err := next(); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if err := next(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecordAttendance marks 200 professionals at one of 10 sessions
// of an event (threshold 80) per call, every call changing each mark
// (present, then absent, at the same session), so every call writes 200
// marks and, at the last session, moves everyone over or under the
// threshold: what recording marks costs with who completed the event read
// after the change (and its events written).
func BenchmarkRecordAttendance(b *testing.B) {
	url := pgtest.NewDatabase(b)
	c := pb.NewTrainingServiceClient(servicetest.Start(b, service.New(service.Config{Config: servicetest.Platform(b, url),
		ReferralsAddr: "127.0.0.1:1", BeneficiariesAddr: "127.0.0.1:1", ReportingAddr: "127.0.0.1:1"})))
	ctx := servicetest.As(b, ids.New())
	r, err := c.CreateTrainingEvent(ctx, &pb.CreateTrainingEventRequest{TrainingEvent: &pb.TrainingEvent{
		Type: pb.EventType_EVENT_TYPE_TRAINING, Title: "T", StartDate: "2019-03-01", EndDate: "2019-03-10"}})
	if err != nil {
		b.Fatal(err)
	}
	e := r.GetTrainingEvent().GetId()
	var sessions []string
	for d := 1; d <= 10; d++ {
		s, err := c.CreateSession(ctx, &pb.CreateSessionRequest{EventId: e, Session: &pb.Session{Date: fmt.Sprintf("2019-03-%02d", d)}})
		if err != nil {
			b.Fatal(err)
		}
		sessions = append(sessions, s.GetSession().GetId())
	}
	marks := make([]*pb.AttendanceMark, 200)
	for i := range marks {
		p := register(b, c, ctx, e, professional(fmt.Sprintf("G%d", i), "Petrović", "", "", pb.Sector_SECTOR_SOCIAL_WELFARE, 0))
		marks[i] = &pb.AttendanceMark{ParticipantId: p.GetId()}
	}
	mark := func(s string, present bool) {
		for _, m := range marks {
			m.Present = present
		}
		if _, err := c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{EventId: e, SessionId: s, Marks: marks}); err != nil {
			b.Fatal(err)
		}
	}
	for _, s := range sessions[:7] { // 7 of 10: the eighth completes
		mark(s, true)
	}
	n := 0
	for b.Loop() {
		n++
		mark(sessions[7], n%2 == 1)
	}
}
