package service_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
)

// TestSigningSecretsNotKeptByTheEdge: a webhook's signing secret is stored
// only encrypted (WEBHOOK_SECRETS_KEY), and the README asks for an
// Idempotency-Key on every write. The edge keeps no copy of an answer that
// carries a secret (proto fields marked debug_redact): a retry with the same
// key runs again, and the webhooks service answers it from its request id
// (the same webhook and secret; a rotation is not made twice). The same key
// with another body is still 422.
func TestSigningSecretsNotKeptByTheEdge(t *testing.T) {
	s := edgetest.Start(t, nil)
	c := resttest.New(s.URL, s.CreateKey(t, "p", "Secrets NGO").Key)
	inTheClear := keptAnswersHolding(t, s)

	body := map[string]any{"url": "http://127.0.0.1:9/hooks", "event_types": []string{"referral.received"}}
	first := c.Do(t, "POST", "/v1/webhooks", body, "Idempotency-Key", "create-1").Must(t, 200)
	id, secret := first.Str("id"), first.Str("secret")
	if secret == "" {
		t.Fatalf("create: no secret: %s", first.Raw)
	}
	if n := inTheClear(secret); n != 0 {
		t.Errorf("the new webhook's signing secret is in %d edge.idempotency_records rows in the clear", n)
	}
	again := c.Do(t, "POST", "/v1/webhooks", body, "Idempotency-Key", "create-1").Must(t, 200)
	if again.Str("id") != id || again.Str("secret") != secret {
		t.Fatalf("retry of the create: %s, want webhook %s with its secret", again.Raw, id)
	}
	other := map[string]any{"url": "http://127.0.0.1:10/hooks", "event_types": []string{"referral.received"}}
	c.Do(t, "POST", "/v1/webhooks", other, "Idempotency-Key", "create-1").Must(t, 422)

	rotated := c.Do(t, "POST", "/v1/webhooks/"+id+":rotateSecret", map[string]any{}, "Idempotency-Key", "rotate-1").Must(t, 200)
	newSecret := rotated.Str("secret")
	if newSecret == "" || newSecret == secret {
		t.Fatalf("rotation: %s", rotated.Raw)
	}
	if n := inTheClear(newSecret); n != 0 {
		t.Errorf("the rotated signing secret is in %d edge.idempotency_records rows in the clear", n)
	}
	retried := c.Do(t, "POST", "/v1/webhooks/"+id+":rotateSecret", map[string]any{}, "Idempotency-Key", "rotate-1").Must(t, 200)
	if retried.Str("secret") != newSecret || retried.Str("etag") != rotated.Str("etag") {
		t.Fatalf("retry of the rotation rotated again (the first secret would stop signing): %s, first %s", retried.Raw, rotated.Raw)
	}
	next := c.Do(t, "POST", "/v1/webhooks/"+id+":rotateSecret", map[string]any{}, "Idempotency-Key", "rotate-2").Must(t, 200)
	if next.Str("secret") == newSecret {
		t.Fatalf("another rotation kept the secret: %s", next.Raw)
	}

	// An answer without a secret is kept and replayed as before.
	patch := map[string]any{"description": "case system", "etag": next.Str("etag")}
	c.Do(t, "PATCH", "/v1/webhooks/"+id, patch, "Idempotency-Key", "patch-1").Must(t, 200)
	if r := c.Do(t, "PATCH", "/v1/webhooks/"+id, patch, "Idempotency-Key", "patch-1").Must(t, 200); r.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry of an update: %v %s, want the first answer replayed", r.Header, r.Raw)
	}
}

// keptAnswersHolding returns a count of the answers the edge of s keeps
// for Idempotency-Key replay that hold a text (a secret) in the clear.
func keptAnswersHolding(t *testing.T, s *edgetest.Stack) func(text string) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(ctx) })
	return func(text string) int {
		t.Helper()
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM edge.idempotency_records
			WHERE position(convert_to($1, 'UTF8') IN coalesce(body, ''::bytea)) > 0`, text).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
}
