package service_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// TestErasureRacingMergedRecords: erasures and merges of one person and of
// the records merged into it, at once, take the rows in one order
// (survivor, then the merged records in id order), so they wait for each
// other instead of deadlocking (audit finding: the erasure of a merged
// record locked it, then its survivor, while the erasure or the merge of
// the survivor locked the survivor, then the merged records; PostgreSQL
// ended one of them, and the client got ABORTED for nothing it did).
// The first party is held (pgtest.Hold) while it holds the survivor; the
// second runs until it waits; then the first goes on.
func TestErasureRacingMergedRecords(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	conn := holdConn(t, c)
	person := func(family string) string {
		return mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Amina", FamilyName: family, BirthDate: "1994-03-02"}).GetId()
	}
	merge := func(id, dup string) {
		t.Helper()
		if _, err := c.MergeBeneficiaries(ctx, &pb.MergeBeneficiariesRequest{Id: id, DuplicateId: dup}); err != nil {
			t.Fatal(err)
		}
	}
	erase := func(id string) func() error {
		return func() error {
			_, err := c.EraseBeneficiary(ctx, &pb.EraseBeneficiaryRequest{Id: id, Reason: "person asked"})
			return err
		}
	}
	tests := []struct {
		name string
		// setup returns the first and the second party, where the first
		// is held at hold, and the persons that end erased.
		setup func() (first, second func() error, hold string, erased []string)
	}{
		{"erasure of the survivor, then of a record merged into it", func() (func() error, func() error, string, []string) {
			p, d := person("Hasić"), person("Hasic")
			merge(p, d)
			return erase(p), erase(d), "INSERT ON beneficiaries.audit_events", []string{p, d}
		}},
		{"erasure of a merged record, then of the survivor", func() (func() error, func() error, string, []string) {
			p, d := person("Hasić"), person("Hasic")
			merge(p, d)
			return erase(d), erase(p), "INSERT ON beneficiaries.audit_events", []string{p, d}
		}},
		{"erasures of two records merged into one", func() (func() error, func() error, string, []string) {
			p, d1, d2 := person("Hasić"), person("Hasic"), person("Hasich")
			merge(p, d1)
			merge(p, d2)
			return erase(d1), erase(d2), "INSERT ON beneficiaries.audit_events", []string{p, d1, d2}
		}},
		{"merge of the survivor into another, then erasure of a record merged into it", func() (func() error, func() error, string, []string) {
			p, d, x := person("Hasić"), person("Hasic"), person("Hasich")
			merge(p, d)
			if _, err := c.CreateAssistance(ctx, &pb.CreateAssistanceRequest{BeneficiaryId: p, Assistance: &pb.Assistance{
				Type: pb.AssistanceType_ASSISTANCE_TYPE_INFORMATION, Date: "2024-01-02"}}); err != nil {
				t.Fatal(err)
			}
			return func() error {
				_, err := c.MergeBeneficiaries(ctx, &pb.MergeBeneficiariesRequest{Id: x, DuplicateId: p})
				return err
			}, erase(d), "UPDATE ON beneficiaries.assistances", []string{x, p, d}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first, second, hold, erased := tt.setup()
			var e1, e2 error
			pgtest.NewHold(t, conn, hold).Race(func() { e1 = first() }, func() { e2 = second() })
			if e1 != nil || e2 != nil {
				t.Fatalf("first: %v, second: %v; want both to commit, one after the other", status.Convert(e1), status.Convert(e2))
			}
			var left int
			if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM beneficiaries.beneficiaries
				WHERE id = ANY ($1::uuid[]) AND (erase_time IS NULL OR given_name <> '')`, erased).Scan(&left); err != nil {
				t.Fatal(err)
			}
			if left > 0 {
				t.Errorf("%d of the person's records not erased", left)
			}
		})
	}
	if n := deadlocks(t, conn); n > 0 {
		t.Errorf("pg_stat_database.deadlocks = %d, want 0", n)
	}
}

// TestErasureRacingConsentExpiry: the consent-expiry sweep and an erasure
// of the person whose consent expires, at once (audit finding: the sweep
// claimed the consent, then revoked its grants, without the person's lock;
// the erasure, holding the person, locked the grants before the consents;
// PostgreSQL ended one of them). The sweep now locks the person (FOR SHARE
// ... SKIP LOCKED) with the consent, as every write does first.
func TestErasureRacingConsentExpiry(t *testing.T) {
	c := startAll(t)
	orgA, orgB := ids.New(), ids.New()
	ctxA := servicetest.As(t, orgA)
	conn := holdConn(t, c)
	bg := context.Background()
	// expiring gives person id a referral-sharing consent that expires at
	// at, and a grant under it; it returns the consent's id.
	expiring := func(id string, at time.Time) string {
		t.Helper()
		in := consent(pb.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING)
		in.ExpireTime = timestamppb.New(at)
		cs, err := c.CreateConsent(ctxA, &pb.CreateConsentRequest{BeneficiaryId: id, Consent: in})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.access.GrantAccess(ctxA, &pb.GrantAccessRequest{BeneficiaryId: id, GranteeOrganisationId: orgB,
			SourceId: "ref-" + id}); err != nil {
			t.Fatal(err)
		}
		return cs.GetConsent().GetId()
	}
	applied := func(consentID string) bool {
		t.Helper()
		var ok bool
		if err := conn.QueryRow(bg, `SELECT expiry_apply_time IS NOT NULL FROM beneficiaries.consents WHERE id = $1`, consentID).Scan(&ok); err != nil {
			t.Fatal(err)
		}
		return ok
	}
	erase := func(id string) *pgtest.Started {
		return pgtest.Go(func() error {
			_, err := c.EraseBeneficiary(ctxA, &pb.EraseBeneficiaryRequest{Id: id, Reason: "person asked"})
			return err
		})
	}

	t.Run("sweep first", func(t *testing.T) {
		p := mustCreate(t, c, ctxA, &pb.Beneficiary{GivenName: "Amina", FamilyName: "Hasić"}).GetId()
		cp := expiring(p, time.Now().Add(time.Second))
		h := pgtest.NewHold(t, conn, "UPDATE ON beneficiaries.consents WHEN (OLD.expiry_apply_time IS NULL AND NEW.expiry_apply_time IS NOT NULL)")
		h.Held()
		done := erase(p)
		pgtest.Until(t, conn, "the erasure waiting for a lock", pgtest.LockWaits)
		h.Release()
		if err := done.Wait(); err != nil {
			t.Fatalf("erasure while the sweep applied the person's consent's expiry: %v", status.Convert(err))
		}
		if !applied(cp) {
			t.Errorf("the expiry the sweep claimed first was not applied")
		}
	})

	t.Run("erasure first", func(t *testing.T) {
		p := mustCreate(t, c, ctxA, &pb.Beneficiary{GivenName: "Amina", FamilyName: "Hasić"}).GetId()
		q := mustCreate(t, c, ctxA, &pb.Beneficiary{GivenName: "Goran", FamilyName: "Babić"}).GetId()
		at := time.Now().Add(time.Second)
		cp := expiring(p, at)
		// Q's consent expires after P's: a sweep that applied it saw P's
		// expired too.
		cq := expiring(q, at.Add(100*time.Millisecond))
		h := pgtest.NewHold(t, conn, "UPDATE ON beneficiaries.access_grants WHEN (OLD.beneficiary_id = '"+p+"'::uuid)")
		done := erase(p)
		h.Held()
		// Either a sweep passed over both consents, or it waits for a lock
		// the held erasure has.
		pgtest.Until(t, conn, "a sweep after both expiries", `SELECT (`+pgtest.LockWaits+`)
			OR (SELECT expiry_apply_time IS NOT NULL FROM beneficiaries.consents WHERE id = $1)`, cq)
		var waits bool
		if err := conn.QueryRow(bg, pgtest.LockWaits).Scan(&waits); err != nil {
			t.Fatal(err)
		}
		if waits || applied(cp) {
			t.Errorf("the sweep took the consent of a person being erased (waits for a lock: %v)", waits)
		}
		h.Release()
		if err := done.Wait(); err != nil {
			t.Fatalf("erasure: %v", status.Convert(err))
		}
		servicetest.Eventually(t, "the erased person's consent expiry applied by a later sweep", func() error {
			if !applied(cp) {
				return errors.New("not applied yet")
			}
			return nil
		})
	})
	if n := deadlocks(t, conn); n > 0 {
		t.Errorf("pg_stat_database.deadlocks = %d, want 0", n)
	}
}

// deadlocks is how many deadlocks PostgreSQL has counted in the test's
// database (its statistics may lag: a count above 0 is a deadlock, 0 may
// be one not counted yet; the parties' errors are the test).
func deadlocks(t *testing.T, conn *pgx.Conn) int64 {
	t.Helper()
	var n int64
	if err := conn.QueryRow(context.Background(), `SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
