package idempotency_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/services/edge/internal/gateway"
	"github.com/spona/spona/services/edge/internal/idempotency"
	"github.com/spona/spona/services/edge/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// store returns a store on a fresh edge schema.
func store(t *testing.T) (*idempotency.Postgres, *pgxpool.Pool) {
	t.Helper()
	ctx := t.Context()
	pool, err := db.Open(ctx, pgtest.NewDatabase(t), "edge", 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := db.Migrate(ctx, pool, "edge", migrations.FS, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	return idempotency.NewPostgres(pool, 24*time.Hour), pool
}

// certified is an :issueCertificates answer of an event listing n
// certified beneficiary participants (ids made up, in the answer's order),
// and the beneficiaries' ids.
func certified(event string, n int) (string, []string) {
	var parts, beneficiaries []string
	for i := range n {
		ben := fmt.Sprintf("01a2427b-0000-7000-8000-%012d", i)
		beneficiaries = append(beneficiaries, ben)
		parts = append(parts, fmt.Sprintf(`{"id":"01a2427b-1111-7000-8000-%012d","event_id":%q,"beneficiary_id":%q,`+
			`"certificate_number":"TR-2026-%06d"}`, i, event, ben, i+1))
	}
	return `{"participants":[` + strings.Join(parts, ",") + fmt.Sprintf(`],"issued_count":%d}`, n), beneficiaries
}

// stored answers whether the store holds a final answer for key.
func stored(t *testing.T, pool *pgxpool.Pool, key string) bool {
	t.Helper()
	var n int
	if err := pool.QueryRow(t.Context(), `SELECT count(*) FROM idempotency_records WHERE key = $1 AND status IS NOT NULL`, key).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

func complete(t *testing.T, s *idempotency.Postgres, key, path, body string) {
	t.Helper()
	rec := &gateway.IdempotencyRecord{ClientID: "client", OrganisationID: "01a2427b-aaaa-7000-8000-000000000001", Key: key,
		Method: "POST", Path: path, BodyHash: []byte(key)}
	if _, ok, err := s.Acquire(t.Context(), rec, time.Minute); err != nil || !ok {
		t.Fatalf("acquire %s: %v %v", key, ok, err)
	}
	rec.Done, rec.Status, rec.Body = true, 200, []byte(body)
	if err := s.Complete(t.Context(), rec); err != nil {
		t.Fatal(err)
	}
}

// TestErasureFindsLargeAnswers: the :issueCertificates answer of an event
// with more certified beneficiaries than the store records ids of (over
// 500: a participant id and a beneficiary id each) must not outlive the
// erasure of any of them. Before, only the first 1000 ids of an answer
// were recorded: erasing a person listed later left their participation
// and certificate number in the stored answer for its 24 h. A small
// answer is kept, and erasing one of its people deletes it.
func TestErasureFindsLargeAnswers(t *testing.T) {
	s, pool := store(t)
	ctx := context.Background()
	const event = "01a2427b-2222-7000-8000-000000000001"
	path := "/v1/trainingEvents/" + event + ":issueCertificates"

	small, few := certified(event, 3)
	complete(t, s, "small", path, small)
	if !stored(t, pool, "small") {
		t.Fatal("a small answer was not kept")
	}
	large, many := certified(event, 600)
	complete(t, s, "large", path, large)

	// The person listed last, and one in the middle.
	for _, ben := range []string{many[len(many)-1], many[550]} {
		err := db.InTx(ctx, pool, func(tx pgx.Tx) error { return s.ForgetBeneficiary(db.WithTx(ctx, tx), []string{ben}) })
		if err != nil {
			t.Fatal(err)
		}
		if stored(t, pool, "large") {
			t.Fatalf("the answer naming %s survived their erasure", ben)
		}
	}
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error { return s.ForgetBeneficiary(db.WithTx(ctx, tx), few[2:]) })
	if err != nil {
		t.Fatal(err)
	}
	if stored(t, pool, "small") {
		t.Fatalf("the small answer survived the erasure of %s", few[2])
	}
}

// TestConsentEndReachesAnswersInFlight: a grantee's write that was under
// way when a consent of the person ended (its answer, e.g. the receiver's
// :accept with the referral's reason and notes, produced while its grant
// still held) completes after the edge applied the consent's end. Before,
// ForgetShared deleted only the answers already stored, so this one was
// stored and replayed to the receiver for its 24 h. The person's own
// organisation's answer in flight is kept, as is a grantee's write begun
// after the end (the services answered it without the person's data).
func TestConsentEndReachesAnswersInFlight(t *testing.T) {
	s, pool := store(t)
	ctx := context.Background()
	const (
		owner    = "01a2427b-aaaa-7000-8000-000000000001"
		receiver = "01a2427b-bbbb-7000-8000-000000000002"
		ben      = "01a2427b-0000-7000-8000-000000000009"
		referral = "01a2427b-3333-7000-8000-000000000001"
	)
	body := fmt.Sprintf(`{"id":%q,"beneficiary_id":%q,"reason":"she is afraid of hospitals"}`, referral, ben)
	acquire := func(key, org string) *gateway.IdempotencyRecord {
		rec := &gateway.IdempotencyRecord{ClientID: "client-" + org, OrganisationID: org, Key: key,
			Method: "POST", Path: "/v1/referrals/" + referral + ":accept", BodyHash: []byte(key)}
		if _, ok, err := s.Acquire(ctx, rec, time.Minute); err != nil || !ok {
			t.Fatalf("acquire %s: %v %v", key, ok, err)
		}
		rec.Done, rec.Status, rec.Body = true, 200, []byte(body)
		return rec
	}
	inFlight, ownInFlight := acquire("accept", receiver), acquire("own", owner)
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error { return s.ForgetShared(db.WithTx(ctx, tx), ben, owner) })
	if err != nil {
		t.Fatal(err)
	}
	later := acquire("later", receiver)
	for _, rec := range []*gateway.IdempotencyRecord{inFlight, ownInFlight, later} {
		if err := s.Complete(ctx, rec); err != nil {
			t.Fatal(err)
		}
	}
	if stored(t, pool, "accept") {
		t.Fatal("the receiver's answer under way when the consent ended was stored")
	}
	if !stored(t, pool, "own") {
		t.Fatal("the owner's answer under way when the consent ended was not stored")
	}
	if !stored(t, pool, "later") {
		t.Fatal("the receiver's write begun after the consent ended was not stored")
	}
}
