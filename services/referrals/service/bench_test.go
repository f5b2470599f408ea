package service_test

import (
	"context"
	"fmt"
	"testing"

	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/ids"
)

// benchReferrals fills the referrals table with n referrals from org A to
// org B (a tenth past due), plus n for other organisation pairs, directly in
// SQL: the list queries are what is measured, not the inserts.
func benchReferrals(b *testing.B, s *stack, orgA, orgB string, n int) {
	b.Helper()
	s.sql(b, `INSERT INTO referrals.referrals (id, beneficiary_id, from_organisation_id, to_organisation_id, category, urgency, status, due_time, send_time, create_time)
		SELECT gen_random_uuid(), gen_random_uuid(),
			CASE WHEN g % 2 = 0 THEN $1::uuid ELSE gen_random_uuid() END, $2::uuid, 'legal', 'normal',
			(ARRAY['sent','accepted','in_progress','completed','declined'])[1 + g % 5],
			now() + CASE WHEN g % 10 = 0 THEN interval '-1 day' ELSE interval '5 days' END, now(), now()
		FROM generate_series(1, $3) g`, orgA, orgB, 2*n)
	s.sql(b, `ANALYZE referrals.referrals`)
}

// BenchmarkListReferrals measures one page (50) of the receiver's incoming
// list and of its overdue list over 200k referrals, through gRPC.
func BenchmarkListReferrals(b *testing.B) {
	s := start(b)
	orgA, orgB := s.org(b, "Sender"), s.org(b, "Receiver")
	// The receiver of every row must exist in the directory (foreign key).
	benchReferrals(b, s, orgA, orgB, 100_000)
	ctxB := partner(b, orgB)
	for _, c := range []struct {
		name string
		req  *pb.ListReferralsRequest
	}{
		{"incoming", &pb.ListReferralsRequest{Direction: pb.Direction_DIRECTION_INCOMING, PageSize: 50}},
		{"incoming-overdue", &pb.ListReferralsRequest{Direction: pb.Direction_DIRECTION_INCOMING, Overdue: true, PageSize: 50}},
		{"incoming-status", &pb.ListReferralsRequest{Direction: pb.Direction_DIRECTION_INCOMING, Status: pb.ReferralStatus_REFERRAL_STATUS_ACCEPTED, PageSize: 50}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				r, err := s.ref.ListReferrals(ctxB, c.req)
				if err != nil || len(r.GetReferrals()) != 50 {
					b.Fatalf("%d rows, %v", len(r.GetReferrals()), err)
				}
			}
		})
	}
}

// BenchmarkLifecycle measures a whole referral: create, send (consent check
// and grant over gRPC), accept, start, complete (revocation over gRPC).
func BenchmarkLifecycle(b *testing.B) {
	s := start(b)
	orgA, orgB := s.org(b, "Sender"), s.org(b, "Receiver")
	ctxA, ctxB := partner(b, orgA), partner(b, orgB)
	benID := s.beneficiary(b, ctxA)
	s.consent(b, ctxA, benID, zeroTime)
	ctx := map[string]context.Context{"A": ctxA, "B": ctxB}
	for b.Loop() {
		r, err := s.ref.CreateReferral(ctxA, &pb.CreateReferralRequest{RequestId: ids.New(), Referral: &pb.Referral{
			BeneficiaryId: benID, ToOrganisationId: orgB, Category: pb.ReferralCategory_REFERRAL_CATEGORY_LEGAL}})
		if err != nil {
			b.Fatal(err)
		}
		for _, step := range []string{"A:send", "B:accept", "B:start", "B:complete"} {
			if _, err := s.do(ctx[step[:1]], step[2:], r.GetReferral().GetId()); err != nil {
				b.Fatal(fmt.Errorf("%s: %w", step, err))
			}
		}
	}
}
