package adapters

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/services/webhooks/internal/domain"
)

// TestReplacedSecretsKeepTheirColumns: a subscription's replaced secrets
// are one list in the domain (newest first) and two places in the table:
// the newest in previous_secret and previous_secret_expire_time, which
// replicas from before webhooks migration 00007 read and write, the rest
// in earlier_secrets. Written and read back, the list is the same; a row
// an older replica rotated (earlier_secrets NULL) reads as its previous
// secret alone.
func TestReplacedSecretsKeepTheirColumns(t *testing.T) {
	ctx := context.Background()
	pool, repo := benchRepo(t)
	now := time.Now().UTC().Truncate(time.Microsecond)
	s := &domain.Subscription{ID: ids.New(), OrganisationID: ids.New(), URL: "https://partner.example/hook",
		EventTypes: []string{domain.TypeReferralReceived}, Secret: "whsec_0", State: domain.StateActive,
		CreateTime: now, UpdateTime: now}
	if _, err := repo.CreateSubscription(ctx, s, ""); err != nil {
		t.Fatal(err)
	}
	read := func() *domain.Subscription {
		t.Helper()
		got, err := repo.GetSubscription(ctx, s.OrganisationID, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := read(); got.Replaced != nil {
		t.Fatalf("never rotated: replaced %+v", got.Replaced)
	}
	var want []domain.ReplacedSecret
	for i, secret := range []string{"whsec_1", "whsec_2", "whsec_3"} {
		got := read()
		got.Rotate(secret, "", now.Add(time.Duration(i)*time.Minute))
		want = got.Replaced
		if _, err := repo.UpdateSubscription(ctx, got); err != nil {
			t.Fatal(err)
		}
	}
	if got := read(); !sameReplaced(got.Replaced, want) || len(want) != 3 {
		t.Fatalf("read back %+v, want %+v", got.Replaced, want)
	}

	var prev, earlier []byte
	var prevExp time.Time
	if err := pool.QueryRow(ctx, `SELECT previous_secret, previous_secret_expire_time, earlier_secrets
		FROM subscriptions WHERE id = $1`, s.ID).Scan(&prev, &prevExp, &earlier); err != nil {
		t.Fatal(err)
	}
	if secret, err := repo.sealer.Open(prev, s.ID); err != nil || secret != "whsec_2" || !prevExp.Equal(want[0].Expires) {
		t.Errorf("previous_secret %q (%v), expiring %v; want whsec_2 expiring %v", secret, err, prevExp, want[0].Expires)
	}
	raw, err := repo.sealer.Open(earlier, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	var list []earlierSecret
	if err := json.Unmarshal([]byte(raw), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Secret != "whsec_1" || list[1].Secret != "whsec_0" || !list[1].ExpireTime.Equal(want[2].Expires) {
		t.Errorf("earlier_secrets %+v, want whsec_1 and whsec_0", list)
	}

	// An older replica's rotation: previous_secret only.
	exp := now.Add(domain.SecretOverlap)
	if _, err := pool.Exec(ctx, `UPDATE subscriptions SET secret = $2, previous_secret = $3,
		previous_secret_expire_time = $4, earlier_secrets = NULL WHERE id = $1`,
		s.ID, repo.sealer.Seal("whsec_5", s.ID), repo.sealer.Seal("whsec_4", s.ID), exp); err != nil {
		t.Fatal(err)
	}
	got := read()
	if !sameReplaced(got.Replaced, []domain.ReplacedSecret{{Secret: "whsec_4", Expires: exp}}) ||
		!slices.Equal(got.Secrets(now), []string{"whsec_5", "whsec_4"}) {
		t.Errorf("rotated by an older replica: replaced %+v", got.Replaced)
	}
}

func sameReplaced(a, b []domain.ReplacedSecret) bool {
	return slices.EqualFunc(a, b, func(x, y domain.ReplacedSecret) bool { return x.Secret == y.Secret && x.Expires.Equal(y.Expires) })
}
