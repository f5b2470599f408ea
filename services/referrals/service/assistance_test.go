package service_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// team publishes a psychosocial team of org at the given municipalities and
// returns it with its location ids.
func (s *stack) team(t testing.TB, ctx context.Context, org, name string, municipalities ...string) *pb.Service {
	t.Helper()
	svc := &pb.Service{Name: name, Category: pb.ReferralCategory_REFERRAL_CATEGORY_PSYCHOSOCIAL, AcceptingReferrals: true,
		Contacts: []*pb.Contact{{Title: "counsellor", Phone: "+381 11 111 1111"}, {Title: "counsellor", Phone: "+381 11 111 1112"},
			{Title: "interpreter (Arabic, Farsi)", Phone: "+381 11 111 1113"}}}
	for _, m := range municipalities {
		svc.Locations = append(svc.Locations, &pb.Location{Name: name + " " + m, Municipality: m, Country: "RS"})
	}
	r, err := s.dir.CreateService(ctx, &pb.CreateServiceRequest{OrganisationId: org, Service: svc})
	if err != nil {
		t.Fatal(err)
	}
	return r.GetService()
}

// TestLocationIDs: every location of a directory service has an id of its
// own, kept across updates when sent back, and the HSDS location id.
func TestLocationIDs(t *testing.T) {
	s := start(t)
	org := s.org(t, "Centar za zaštitu")
	ctx := partner(t, org)
	svc := s.team(t, ctx, org, "Team", "Obrenovac", "Šid")
	first, second := svc.GetLocations()[0].GetId(), svc.GetLocations()[1].GetId()
	if !ids.Valid(first) || !ids.Valid(second) || first == second {
		t.Fatalf("location ids %q %q", first, second)
	}
	// Keep the second (renamed), drop the first, add one.
	upd, err := s.dir.UpdateService(ctx, &pb.UpdateServiceRequest{Service: &pb.Service{Id: svc.GetId(), Etag: svc.GetEtag(),
		Locations: []*pb.Location{{Id: second, Name: "Team Šid (new office)", Municipality: "Šid"}, {Name: "Team Sjenica", Municipality: "Sjenica"}}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"locations"}}})
	if err != nil {
		t.Fatal(err)
	}
	got := upd.GetService().GetLocations()
	if got[0].GetId() != second || got[0].GetName() != "Team Šid (new office)" || !ids.Valid(got[1].GetId()) ||
		got[1].GetId() == first || got[1].GetId() == second {
		t.Fatalf("locations after update: %v", got)
	}
	// An id that is not one of the service's locations is refused.
	for name, locs := range map[string][]*pb.Location{
		"removed location": {{Id: first, Municipality: "Obrenovac"}},
		"unknown":          {{Id: ids.New(), Municipality: "Obrenovac"}},
		"not a uuid":       {{Id: "north", Municipality: "Obrenovac"}},
		"twice":            {{Id: second, Municipality: "Šid"}, {Id: second, Municipality: "Šid"}},
	} {
		_, err := s.dir.UpdateService(ctx, &pb.UpdateServiceRequest{Service: &pb.Service{Id: svc.GetId(), Etag: upd.GetService().GetEtag(), Locations: locs},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"locations"}}})
		statustest.Want(t, err, codes.InvalidArgument, name)
		if f := statustest.Violations(err); !slices.Contains(f, "service.locations[0].id") && !slices.Contains(f, "service.locations[1].id") {
			t.Fatalf("%s: violations %v", name, f)
		}
	}
}

// TestAssistanceNamesDirectoryServices: an assistance record names the
// service that delivered it and where; the service must be the recording
// organisation's or one of an organisation that may see the person.
func TestAssistanceNamesDirectoryServices(t *testing.T) {
	s := start(t)
	a, b, c := s.org(t, "A"), s.org(t, "B"), s.org(t, "C")
	ctxA, ctxB := partner(t, a), partner(t, b)
	teamA, teamB, teamC := s.team(t, ctxA, a, "Team A", "Obrenovac"), s.team(t, ctxB, b, "Team B", "Šid"), s.team(t, partner(t, c), c, "Team C", "Sjenica")
	person := s.beneficiary(t, ctxA)
	record := func(ctx context.Context, as *benv1.Assistance) (*benv1.Assistance, error) {
		as.Type, as.Date = benv1.AssistanceType_ASSISTANCE_TYPE_PSYCHOSOCIAL_COUNSELLING, time.Now().Format("2006-01-02")
		r, err := s.ben.CreateAssistance(ctx, &benv1.CreateAssistanceRequest{BeneficiaryId: person, Assistance: as})
		return r.GetAssistance(), err
	}
	got, err := record(ctxA, &benv1.Assistance{ServiceId: teamA.GetId(), LocationId: teamA.GetLocations()[0].GetId()})
	if err != nil || got.GetServiceId() != teamA.GetId() || got.GetLocationId() != teamA.GetLocations()[0].GetId() {
		t.Fatalf("own team: %v (%v)", got, err)
	}

	for name, tc := range map[string]struct {
		as    *benv1.Assistance
		code  codes.Code
		field string
	}{
		"unknown service":           {&benv1.Assistance{ServiceId: ids.New()}, codes.InvalidArgument, "assistance.service_id"},
		"service not a uuid":        {&benv1.Assistance{ServiceId: "team-a"}, codes.InvalidArgument, "assistance.service_id"},
		"another service's place":   {&benv1.Assistance{ServiceId: teamA.GetId(), LocationId: teamB.GetLocations()[0].GetId()}, codes.InvalidArgument, "assistance.location_id"},
		"location without service":  {&benv1.Assistance{LocationId: teamA.GetLocations()[0].GetId()}, codes.InvalidArgument, "assistance.location_id"},
		"B's team, B has no access": {&benv1.Assistance{ServiceId: teamB.GetId()}, codes.PermissionDenied, ""},
	} {
		_, err := record(ctxA, tc.as)
		statustest.Want(t, err, tc.code, name)
		if tc.field != "" && !slices.Contains(statustest.Violations(err), tc.field) {
			t.Fatalf("%s: violations %v, want %s", name, statustest.Violations(err), tc.field)
		}
	}

	// Once the person is referred to B (with consent), B may see them:
	// either organisation may name B's team, and B A's; C's stays refused.
	s.consent(t, ctxA, person, time.Time{})
	r := s.draft(t, ctxA, person, b, pb.Urgency_URGENCY_NORMAL)
	s.must(t, ctxA, "send", r.GetId())
	if _, err := record(ctxA, &benv1.Assistance{ServiceId: teamB.GetId()}); err != nil {
		t.Fatalf("A names B's team after the referral: %v", err)
	}
	if _, err := record(ctxB, &benv1.Assistance{ServiceId: teamB.GetId(), LocationId: teamB.GetLocations()[0].GetId()}); err != nil {
		t.Fatalf("B names its own team: %v", err)
	}
	if _, err := record(ctxB, &benv1.Assistance{ServiceId: teamA.GetId()}); err != nil {
		t.Fatalf("B names A's team: %v", err)
	}
	_, err = record(ctxB, &benv1.Assistance{ServiceId: teamC.GetId()})
	statustest.Want(t, err, codes.PermissionDenied, "B names C's team")
}

// TestCompleteReferralRecordsAssistance: completing a referral with an
// outcome records the assistance for the receiving organisation in the same
// call, once, even when the completion is retried after a failure.
func TestCompleteReferralRecordsAssistance(t *testing.T) {
	s := start(t)
	a, b := s.org(t, "A"), s.org(t, "B")
	ctxA, ctxB := partner(t, a), partner(t, b)
	teamB := s.team(t, ctxB, b, "Team B", "Šid", "Sjenica")
	person := s.beneficiary(t, ctxA)
	s.consent(t, ctxA, person, time.Time{})
	id := s.teamReferral(t, ctxA, person, b, teamB, "sleeps badly since the journey")
	s.started(t, ctxA, ctxB, id)
	today := reportToday(t).String()
	note := "six sessions"
	complete := func(code pb.OutcomeCode, as *benv1.Assistance) (*pb.Referral, error) {
		r, err := s.ref.CompleteReferral(ctxB, &pb.CompleteReferralRequest{Id: id,
			Outcome: &pb.ReferralOutcome{Code: code, Note: note}, Assistance: as})
		return r.GetReferral(), err
	}
	delivered := &benv1.Assistance{Type: benv1.AssistanceType_ASSISTANCE_TYPE_PSYCHOSOCIAL_COUNSELLING, Date: today,
		LocationId: teamB.GetLocations()[1].GetId()}
	assistances := func() []*benv1.Assistance {
		t.Helper()
		r, err := s.ben.ListAssistances(ctxA, &benv1.ListAssistancesRequest{BeneficiaryId: person})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetAssistances()
	}

	// Bad input is refused before anything is recorded.
	for name, tc := range map[string]struct {
		code  pb.OutcomeCode
		as    *benv1.Assistance
		field string
		desc  string // what the violation says, when it matters
	}{
		"not delivered": {pb.OutcomeCode_OUTCOME_CODE_NOT_ELIGIBLE, delivered, "assistance", ""},
		"no type":       {pb.OutcomeCode_OUTCOME_CODE_SERVICE_PROVIDED, &benv1.Assistance{Date: today}, "assistance.type", "is required"},
		// A number the schema does not know (JSON "type": 999) is named as
		// given, as CreateAssistance names it, not as missing.
		"unknown type": {pb.OutcomeCode_OUTCOME_CODE_SERVICE_PROVIDED, &benv1.Assistance{Type: 999, Date: today}, "assistance.type", `unknown value "999"`},
		"bad location": {pb.OutcomeCode_OUTCOME_CODE_SERVICE_PROVIDED, &benv1.Assistance{Type: delivered.GetType(), Date: today, LocationId: ids.New()}, "assistance.location_id", ""},
		"other ref":    {pb.OutcomeCode_OUTCOME_CODE_SERVICE_PROVIDED, &benv1.Assistance{Type: delivered.GetType(), Date: today, ReferralId: ids.New()}, "assistance.referral_id", ""},
	} {
		_, err := complete(tc.code, tc.as)
		statustest.Want(t, err, codes.InvalidArgument, name)
		if !slices.Contains(statustest.Violations(err), tc.field) {
			t.Fatalf("%s: violations %v, want %s", name, statustest.Violations(err), tc.field)
		}
		if got := statustest.Descriptions(err)[tc.field]; tc.desc != "" && got != tc.desc {
			t.Errorf("%s: %s %q, want %q", name, tc.field, got, tc.desc)
		}
	}
	if got := assistances(); len(got) != 0 {
		t.Fatalf("refused completions recorded %v", got)
	}

	// The first completion fails after the assistance is recorded (the
	// commit is refused once, as under a serialization failure): the
	// record is voided (its request id freed), and the retry, sent with
	// another outcome note and other details of the assistance, records
	// the assistance as the retry gives it.
	s.failCompletionOnce(t)
	_, err := complete(pb.OutcomeCode_OUTCOME_CODE_SERVICE_PROVIDED, delivered)
	statustest.Want(t, err, codes.Aborted, "completion whose commit fails")
	if got := assistances(); len(got) != 0 {
		t.Fatalf("after the failed completion: %v counted, want none (voided)", got)
	}
	voided := s.voidedAssistances(t, ctxA, person)
	if len(voided) != 1 || voided[0].GetVoidReason() != benv1.AssistanceVoidReason_ASSISTANCE_VOID_REASON_COMPLETION_FAILED {
		t.Fatalf("after the failed completion: %v, want the record it made, voided", voided)
	}
	note = "six sessions; the last one online"
	done, err := complete(pb.OutcomeCode_OUTCOME_CODE_SERVICE_PROVIDED, &benv1.Assistance{
		Type: benv1.AssistanceType_ASSISTANCE_TYPE_INFORMATION, Date: today, Notes: "retried"})
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	got := assistances()
	if len(got) != 1 {
		t.Fatalf("after the retry: %d assistance records, want 1: %v", len(got), got)
	}
	rec := got[0]
	if rec.GetId() == voided[0].GetId() {
		t.Fatalf("the retry answered with the voided record %v", rec)
	}
	if done.GetStatus() != pb.ReferralStatus_REFERRAL_STATUS_COMPLETED || done.GetOutcome().GetAssistanceId() != rec.GetId() ||
		rec.GetOrganisationId() != b || rec.GetReferralId() != id || rec.GetServiceId() != teamB.GetId() ||
		rec.GetLocationId() != "" || rec.GetDate() != today ||
		rec.GetType() != benv1.AssistanceType_ASSISTANCE_TYPE_INFORMATION || rec.GetNotes() != "retried" {
		t.Fatalf("completed %v with assistance %v", done, rec)
	}
	// The same completion sent again (its answer lost) is answered as
	// done, with the record made; another is an illegal transition.
	// Neither records anything.
	if again, err := complete(pb.OutcomeCode_OUTCOME_CODE_SERVICE_PROVIDED, delivered); err != nil || again.GetOutcome().GetAssistanceId() != rec.GetId() {
		t.Fatalf("the completion sent again: %v %v", again, err)
	}
	_, err = complete(pb.OutcomeCode_OUTCOME_CODE_PARTIALLY_PROVIDED, delivered)
	statustest.Want(t, err, codes.FailedPrecondition, "second completion")
	if got := assistances(); len(got) != 1 {
		t.Fatalf("after a second completion: %d records", len(got))
	}
	// The sender sees which record answered; the receiver's access ended
	// with the referral.
	seen, err := s.ref.GetReferral(ctxA, &pb.GetReferralRequest{Id: id})
	if err != nil || seen.GetReferral().GetOutcome().GetAssistanceId() != rec.GetId() {
		t.Fatalf("sender's view: %v (%v)", seen.GetReferral(), err)
	}
	eventually(t, "receiver's access ends", func() error {
		_, err := s.ben.ListAssistances(ctxB, &benv1.ListAssistancesRequest{BeneficiaryId: person})
		if err == nil {
			return errStill
		}
		return nil
	})
}

// failCompletionOnce makes the referrals database refuse the next
// completion's commit once, as under a serialization failure.
func (s *stack) failCompletionOnce(t *testing.T) {
	t.Helper()
	s.sql(t, `CREATE SEQUENCE referrals.fail_completion_seq`)
	s.sql(t, `CREATE FUNCTION referrals.fail_completion_once() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
		BEGIN
			IF NEW.status = 'completed' AND nextval('referrals.fail_completion_seq') = 1 THEN
				RAISE EXCEPTION 'injected failure' USING ERRCODE = '40001';
			END IF;
			RETURN NEW;
		END $$`)
	s.sql(t, `CREATE TRIGGER fail_completion_once BEFORE UPDATE ON referrals.referrals FOR EACH ROW EXECUTE FUNCTION referrals.fail_completion_once()`)
}

// voidedAssistances lists the voided assistance records of person.
func (s *stack) voidedAssistances(t *testing.T, ctx context.Context, person string) []*benv1.Assistance {
	t.Helper()
	r, err := s.ben.ListAssistances(ctx, &benv1.ListAssistancesRequest{BeneficiaryId: person, ShowVoided: true})
	if err != nil {
		t.Fatal(err)
	}
	var out []*benv1.Assistance
	for _, a := range r.GetAssistances() {
		if a.GetVoidTime() != nil {
			out = append(out, a)
		}
	}
	return out
}

// TestFailedCompletionThenCancelCountsNothing: a completion that recorded
// its assistance and then failed to commit voids the record, so that the
// sender's cancel that follows leaves no assistance counted for a
// referral that was never completed (before, the record stayed and
// reports counted the person as assisted under the project).
func TestFailedCompletionThenCancelCountsNothing(t *testing.T) {
	s := start(t)
	a, b := s.org(t, "A"), s.org(t, "B")
	ctxA, ctxB := partner(t, a), partner(t, b)
	person := s.beneficiary(t, ctxA)
	s.consent(t, ctxA, person, time.Time{})
	id := s.draft(t, ctxA, person, b, pb.Urgency_URGENCY_NORMAL).GetId()
	s.started(t, ctxA, ctxB, id)
	s.failCompletionOnce(t)
	_, err := s.ref.CompleteReferral(ctxB, &pb.CompleteReferralRequest{Id: id,
		Outcome:    &pb.ReferralOutcome{Code: pb.OutcomeCode_OUTCOME_CODE_SERVICE_PROVIDED},
		Assistance: &benv1.Assistance{Type: benv1.AssistanceType_ASSISTANCE_TYPE_PSYCHOSOCIAL_COUNSELLING, Date: reportToday(t).String()}})
	statustest.Want(t, err, codes.Aborted, "completion whose commit fails")
	s.must(t, ctxA, "cancel", id)
	l, err := s.ben.ListAssistances(ctxA, &benv1.ListAssistancesRequest{BeneficiaryId: person})
	if err != nil || len(l.GetAssistances()) != 0 {
		t.Fatalf("after the failed completion and the cancel: %v counted (%v), want none", l.GetAssistances(), err)
	}
	if v := s.voidedAssistances(t, ctxA, person); len(v) != 1 || v[0].GetOrganisationId() != b || v[0].GetReferralId() != id {
		t.Fatalf("voided %v, want B's record of the referral", v)
	}
}

// failVoids makes every void of an assistance fail in the beneficiaries
// service (as when it cannot be reached) until the returned func is
// called.
func (s *stack) failVoids(t *testing.T) (allow func()) {
	t.Helper()
	s.sql(t, `CREATE TABLE referrals.fail_voids (x int)`)
	s.sql(t, `INSERT INTO referrals.fail_voids VALUES (1)`)
	s.sql(t, `CREATE FUNCTION referrals.fail_voids() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
		BEGIN
			IF NEW.void_time IS NOT NULL AND OLD.void_time IS NULL AND EXISTS (SELECT 1 FROM referrals.fail_voids) THEN
				RAISE EXCEPTION 'injected void failure';
			END IF;
			RETURN NEW;
		END $$`)
	s.sql(t, `CREATE TRIGGER fail_voids BEFORE UPDATE ON beneficiaries.assistances FOR EACH ROW EXECUTE FUNCTION referrals.fail_voids()`)
	return func() { s.sql(t, `DELETE FROM referrals.fail_voids`) }
}

// uncommitted is the assistance referral id keeps as recorded by a
// completion not committed ("" when none).
func (s *stack) uncommitted(t *testing.T, id string) string {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), s.url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var out string
	if err := conn.QueryRow(context.Background(), `SELECT COALESCE(uncommitted_assistance_id::text, '')
		FROM referrals.referrals WHERE id = $1`, id).Scan(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestFailedCompletionVoidRetried: a completion whose commit fails and
// whose void of its assistance fails too (the beneficiaries service
// unreachable) leaves the record counted for a while, but the referrals
// service voids it once it can: after the sender's cancel no assistance
// counts for the referral (before, the failed void was only logged and the
// record stayed counted for good). A completion retried while the void is
// pending completes naming the record, which then stays.
func TestFailedCompletionVoidRetried(t *testing.T) {
	s := start(t)
	a, b := s.org(t, "A"), s.org(t, "B")
	ctxA, ctxB := partner(t, a), partner(t, b)
	live := func(person string) []*benv1.Assistance {
		t.Helper()
		l, err := s.ben.ListAssistances(ctxA, &benv1.ListAssistancesRequest{BeneficiaryId: person})
		if err != nil {
			t.Fatal(err)
		}
		return l.GetAssistances()
	}
	started := func() (person, id string) {
		person = s.beneficiary(t, ctxA)
		s.consent(t, ctxA, person, time.Time{})
		id = s.draft(t, ctxA, person, b, pb.Urgency_URGENCY_NORMAL).GetId()
		s.started(t, ctxA, ctxB, id)
		return person, id
	}
	complete := func(id string) (*pb.Referral, error) {
		r, err := s.ref.CompleteReferral(ctxB, &pb.CompleteReferralRequest{Id: id,
			Outcome:    &pb.ReferralOutcome{Code: pb.OutcomeCode_OUTCOME_CODE_SERVICE_PROVIDED},
			Assistance: &benv1.Assistance{Type: benv1.AssistanceType_ASSISTANCE_TYPE_PSYCHOSOCIAL_COUNSELLING, Date: reportToday(t).String()}})
		return r.GetReferral(), err
	}
	// The void retried claims the referral for a moment, as a completion
	// does: a change meeting the claim is 409 CONCURRENT_UPDATE, and
	// retried, as a partner would.
	retry := func(do func() error) error {
		var err error
		for range 100 {
			if err = do(); status.Code(err) != codes.Aborted {
				return err
			}
			time.Sleep(20 * time.Millisecond)
		}
		return err
	}
	cancelled, cid := started()
	retried, rid := started()
	allow := s.failVoids(t)

	s.failCompletionOnce(t)
	_, err := complete(cid)
	statustest.Want(t, err, codes.Aborted, "completion whose commit fails")
	kept := live(cancelled)
	if len(kept) != 1 || s.uncommitted(t, cid) != kept[0].GetId() {
		t.Fatalf("after the failed completion and void: %v live, %q kept on the referral", kept, s.uncommitted(t, cid))
	}
	if err := retry(func() error { _, err := s.do(ctxA, "cancel", cid); return err }); err != nil {
		t.Fatalf("cancel: %v", err)
	}

	// Retried while its first attempt's record waits for the void: the
	// retry finds that record and the referral names it.
	s.sql(t, `ALTER SEQUENCE referrals.fail_completion_seq RESTART`)
	_, err = complete(rid)
	statustest.Want(t, err, codes.Aborted, "retried referral's completion whose commit fails")
	var r *pb.Referral
	if err := retry(func() error { r, err = complete(rid); return err }); err != nil {
		t.Fatal(err)
	}
	first := live(retried)
	if len(first) != 1 || r.GetOutcome().GetAssistanceId() != first[0].GetId() || s.uncommitted(t, rid) != "" {
		t.Fatalf("retried completion: names %q, live %v, kept %q", r.GetOutcome().GetAssistanceId(), first, s.uncommitted(t, rid))
	}

	allow()
	deadline := time.Now().Add(30 * time.Second)
	for len(live(cancelled)) != 0 || s.uncommitted(t, cid) != "" {
		if time.Now().After(deadline) {
			t.Fatalf("the cancelled referral's assistance is still counted: %v", live(cancelled))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if v := s.voidedAssistances(t, ctxA, cancelled); len(v) != 1 || v[0].GetId() != kept[0].GetId() || v[0].GetVoidReason() != benv1.AssistanceVoidReason_ASSISTANCE_VOID_REASON_COMPLETION_FAILED {
		t.Fatalf("voided %v, want the failed completion's record", v)
	}
	if l := live(retried); len(l) != 1 || l[0].GetId() != first[0].GetId() {
		t.Fatalf("the retried completion's record: %v, want %s live", l, first[0].GetId())
	}
}

// reportToday is today in the report time zone (Europe/Belgrade by
// default), the calendar assistance dates and referral sends are on.
func reportToday(t testing.TB) date.Date {
	t.Helper()
	zone, err := aggregate.LoadZone("")
	if err != nil {
		t.Fatal(err)
	}
	return aggregate.Today(zone, time.Now())
}

// TestAssistanceAnswersReceivedReferral: an assistance naming a referral
// (POST /v1/beneficiaries/{id}/assistances with referral_id, or a
// completion's) must name one sent to the recording organisation for the
// same person, and must not be dated before it was sent. Before, any
// referral_id was stored: another organisation's referral, a draft, one
// of another person, an id of nothing, and a date before the referral
// existed.
func TestAssistanceAnswersReceivedReferral(t *testing.T) {
	s := start(t)
	a, b, c := s.org(t, "A"), s.org(t, "B"), s.org(t, "C")
	ctxA, ctxB := partner(t, a), partner(t, b)
	person, other := s.beneficiary(t, ctxA), s.beneficiary(t, ctxA)
	s.consent(t, ctxA, person, time.Time{})
	s.consent(t, ctxA, other, time.Time{})
	toB := s.draft(t, ctxA, person, b, pb.Urgency_URGENCY_NORMAL).GetId()
	s.must(t, ctxA, "send", toB)
	toC := s.draft(t, ctxA, person, c, pb.Urgency_URGENCY_NORMAL).GetId()
	s.must(t, ctxA, "send", toC)
	draftToB := s.draft(t, ctxA, person, b, pb.Urgency_URGENCY_NORMAL).GetId()
	otherToB := s.draft(t, ctxA, other, b, pb.Urgency_URGENCY_NORMAL).GetId()
	s.must(t, ctxA, "send", otherToB)

	day := reportToday(t)
	today, yesterday := day.String(), day.AddDays(-1)
	record := func(ctx context.Context, ref, day string) (*benv1.Assistance, error) {
		r, err := s.ben.CreateAssistance(ctx, &benv1.CreateAssistanceRequest{BeneficiaryId: person, Assistance: &benv1.Assistance{
			Type: benv1.AssistanceType_ASSISTANCE_TYPE_LEGAL_COUNSELLING, Date: day, ReferralId: ref}})
		return r.GetAssistance(), err
	}
	for name, tc := range map[string]struct {
		ctx        context.Context
		ref, day   string
		field, say string
	}{
		"another organisation's referral": {ctxB, toC, today, "assistance.referral_id", "must be a referral sent to your organisation"},
		"a draft to the recorder":         {ctxB, draftToB, today, "assistance.referral_id", "must be a referral sent to your organisation"},
		"another person's referral":       {ctxB, otherToB, today, "assistance.referral_id", "must be a referral sent to your organisation"},
		"no referral":                     {ctxB, ids.New(), today, "assistance.referral_id", "must be a referral sent to your organisation"},
		"the sender's own referral":       {ctxA, toB, today, "assistance.referral_id", "must be a referral sent to your organisation"},
		"before it was sent":              {ctxB, toB, yesterday.String(), "assistance.date", "must not be before the referral it answers was sent (" + today + ")"},
	} {
		_, err := record(tc.ctx, tc.ref, tc.day)
		statustest.Want(t, err, codes.InvalidArgument, name)
		if got := statustest.Descriptions(err)[tc.field]; len(got) < len(tc.say) || got[:len(tc.say)] != tc.say {
			t.Errorf("%s: %s says %q, want %q…", name, tc.field, got, tc.say)
		}
	}
	got, err := record(ctxB, toB, today)
	if err != nil || got.GetReferralId() != toB || got.GetOrganisationId() != b {
		t.Fatalf("the receiver's assistance answering its referral: %v (%v)", got, err)
	}

	// A completion is held to the same: dated before the referral was
	// sent, it is refused and records nothing.
	for _, step := range []string{"accept", "start"} {
		s.must(t, ctxB, step, toB)
	}
	_, err = s.ref.CompleteReferral(ctxB, &pb.CompleteReferralRequest{Id: toB,
		Outcome:    &pb.ReferralOutcome{Code: pb.OutcomeCode_OUTCOME_CODE_SERVICE_PROVIDED},
		Assistance: &benv1.Assistance{Type: benv1.AssistanceType_ASSISTANCE_TYPE_LEGAL_COUNSELLING, Date: yesterday.String()}})
	statustest.Want(t, err, codes.InvalidArgument, "completion dated before the send")
	if f := statustest.Violations(err); !slices.Contains(f, "assistance.date") {
		t.Fatalf("completion dated before the send: violations %v", f)
	}
	l, err := s.ben.ListAssistances(ctxA, &benv1.ListAssistancesRequest{BeneficiaryId: person})
	if err != nil || len(l.GetAssistances()) != 1 {
		t.Fatalf("after the refused completion: %v (%v), want the one record", l.GetAssistances(), err)
	}
	done, err := s.ref.CompleteReferral(ctxB, &pb.CompleteReferralRequest{Id: toB,
		Outcome:    &pb.ReferralOutcome{Code: pb.OutcomeCode_OUTCOME_CODE_SERVICE_PROVIDED},
		Assistance: &benv1.Assistance{Type: benv1.AssistanceType_ASSISTANCE_TYPE_LEGAL_COUNSELLING, Date: today}})
	if err != nil || done.GetReferral().GetOutcome().GetAssistanceId() == "" {
		t.Fatalf("completion dated the day it was sent: %v (%v)", done.GetReferral(), err)
	}
}
