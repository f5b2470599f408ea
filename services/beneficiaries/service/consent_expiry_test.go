package service_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/services/beneficiaries/service"
)

// TestConsentExpirySweepAcrossReplicas: two replicas of the beneficiaries
// service sweep the same database while 250 consents with a grant each
// expire at once (more than one sweep's batch): every expiry is applied
// exactly once, one consent.expired and one access.revoked per consent.
func TestConsentExpirySweepAcrossReplicas(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	rep := servicetest.Defer(t)
	for range 2 {
		servicetest.Start(t, service.New(service.Config{Config: servicetest.Platform(t, dbURL), ReportingAddr: rep.Addr,
			ConsentExpiryInterval: 20 * time.Millisecond, ReferralsAddr: noDirectory}))
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	const n = 250
	owner, grantee := ids.New(), ids.New()
	if _, err := conn.Exec(ctx, `WITH p AS (
			INSERT INTO beneficiaries.beneficiaries (id, organisation_id, given_name)
			SELECT gen_random_uuid(), $1, 'P' || i FROM generate_series(1, $3::int) i RETURNING id),
		c AS (
			INSERT INTO beneficiaries.consents (id, beneficiary_id, organisation_id, purpose, given_by, given_time, expire_time)
			SELECT gen_random_uuid(), id, $1, 'referral_sharing', 'self', now() - interval '1 hour', now() - interval '1 second'
			FROM p RETURNING id, beneficiary_id)
		INSERT INTO beneficiaries.access_grants (id, beneficiary_id, organisation_id, granted_by, source_id, consent_id)
		SELECT gen_random_uuid(), beneficiary_id, $2, $1, 'referral-' || id, id FROM c`, owner, grantee, n); err != nil {
		t.Fatal(err)
	}
	count := func(sql string) int {
		t.Helper()
		var k int
		if err := conn.QueryRow(ctx, sql).Scan(&k); err != nil {
			t.Fatal(err)
		}
		return k
	}
	servicetest.Eventually(t, "every expiry applied", func() error {
		if left := count(`SELECT count(*) FROM beneficiaries.consents WHERE expiry_apply_time IS NULL`); left > 0 {
			return fmt.Errorf("%d expiries not applied", left)
		}
		return nil
	})
	time.Sleep(200 * time.Millisecond) // more sweeps by both replicas
	expired := count(`SELECT count(*) FROM beneficiaries.outbox WHERE type = 'consent.expired'`)
	distinct := count(`SELECT count(DISTINCT aggregate_id) FROM beneficiaries.outbox WHERE type = 'consent.expired'`)
	revoked := count(`SELECT count(*) FROM beneficiaries.outbox WHERE type = 'access.revoked'`)
	live := count(`SELECT count(*) FROM beneficiaries.access_grants WHERE revoke_time IS NULL`)
	if expired != n || distinct != n || revoked != n || live != 0 {
		t.Fatalf("consent.expired %d (%d consents), access.revoked %d, live grants %d; want %d, %d, %d, 0",
			expired, distinct, revoked, live, n, n, n)
	}
}
