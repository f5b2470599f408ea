package service_test

import (
	"context"
	"fmt"
	"testing"

	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/ids"
	"google.golang.org/protobuf/proto"
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
		{"incoming-overdue", &pb.ListReferralsRequest{Direction: pb.Direction_DIRECTION_INCOMING, Overdue: proto.Bool(true), PageSize: 50}},
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

// BenchmarkHSDS measures a page (50) of the HSDS API against the /v1 list
// of the same services (the baseline), over 5,000 services of 500
// organisations loaded in SQL: one-to-one fields, fully nested, a search
// (folded LIKE over every service's key) and a late numbered page (OFFSET).
func BenchmarkHSDS(b *testing.B) {
	s := start(b)
	s.sql(b, `INSERT INTO referrals.organisations (id, name, kind, created_by, search_key)
		SELECT ('00000000-0000-7000-8000-' || lpad(g::text, 12, '0'))::uuid, 'Organisation ' || g, 'ngo', gen_random_uuid(),
			'organisation ' || g FROM generate_series(1, 500) g`)
	s.sql(b, `INSERT INTO referrals.services (id, organisation_id, name, localized_names, description, category, languages,
			locations, contacts, schedules, created_by, search_key)
		SELECT gen_random_uuid(), ('00000000-0000-7000-8000-' || lpad((1 + g % 500)::text, 12, '0'))::uuid, 'Usluga ' || g,
			'{"en": "Service", "sr-Cyrl": "Услуга"}', 'Opis usluge ' || g, (ARRAY['legal','health','education'])[1 + g % 3],
			'{sr-Latn,ar}', '[{"name": "Office", "address": "Ulica 1", "municipality": "Beograd", "country": "RS"}]',
			'[{"name": "Desk", "phone": "+381 11 123 456"}]', '[{"days": ["monday"], "opens_at": "09:00", "closes_at": "17:00"}]',
			gen_random_uuid(), 'usluga ' || g || ' opis usluge ' || g || ' service usluga pravna pomoc legal aid'
		FROM generate_series(1, 5000) g`)
	s.sql(b, `ANALYZE referrals.services`)
	c := pb.NewOpenReferralServiceClient(s.conn)
	reader := partner(b, ids.New())
	for _, tc := range []struct {
		name string
		call func() (int, error)
	}{
		{"v1-list-baseline", func() (int, error) {
			r, err := s.dir.ListServices(reader, &pb.ListServicesRequest{PageSize: 50})
			return len(r.GetServices()), err
		}},
		{"hsds-list", func() (int, error) {
			r, err := c.ListHsdsServices(reader, &pb.ListHsdsServicesRequest{PerPage: proto.Int32(50)})
			return len(r.GetData()), err
		}},
		{"hsds-list-full", func() (int, error) {
			r, err := c.ListHsdsServices(reader, &pb.ListHsdsServicesRequest{PerPage: proto.Int32(50), Full: true})
			return len(r.GetData()), err
		}},
		{"hsds-search", func() (int, error) {
			r, err := c.ListHsdsServices(reader, &pb.ListHsdsServicesRequest{PerPage: proto.Int32(50), Search: "usluga 4999"})
			return len(r.GetData()), err
		}},
		{"hsds-page-100", func() (int, error) {
			r, err := c.ListHsdsServices(reader, &pb.ListHsdsServicesRequest{PerPage: proto.Int32(50), Page: proto.Int32(100)})
			return len(r.GetData()), err
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				if n, err := tc.call(); err != nil || n == 0 {
					b.Fatalf("%d, %v", n, err)
				}
			}
		})
	}
}
