package service_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/platform"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
	"github.com/spona/spona/services/edge/migrations"
)

// TestKeySecretsNotKeptForReplay: an API key's secret is shown once, in
// the answer of POST /v1/apiKeys or :rotate, and only a hash of it is
// stored. Sent with an Idempotency-Key (the README asks for one on every
// write), that answer must not be kept by the edge with the secret in the
// clear; a retry with the same key makes no second key and rotates no
// more, and is answered with the key the first attempt made, without its
// secret. The same key with another request is 422.
func TestKeySecretsNotKeptForReplay(t *testing.T) {
	s := edgetest.Start(t, nil)
	admin := resttest.New(s.URL, s.CreateAdminKey(t).Key)
	partner := s.CreateKey(t, "partner", "Key Replay NGO")
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	holding := keptAnswersHolding(t, s)
	kept := func(secret string) int {
		t.Helper()
		return holding(secret[strings.LastIndex(secret, "_")+1:]) // after the public prefix
	}
	keysOf := func() int {
		t.Helper()
		l := admin.Do(t, "GET", "/v1/apiKeys?show_revoked=true&organisation_id="+partner.Organisation, nil).Must(t, 200)
		list, _ := l.Body["api_keys"].([]any)
		return len(list)
	}

	body := map[string]any{"reason": "onboarding", "api_key": map[string]any{"display_name": "second system",
		"organisation_id": partner.Organisation, "expire_time": time.Now().Add(90 * 24 * time.Hour).UTC().Format(time.RFC3339Nano)}}
	first := admin.Do(t, "POST", "/v1/apiKeys", body, "Idempotency-Key", "create-1").Must(t, 200)
	secret, keyID := first.Str("secret"), sub(first, "api_key")["id"]
	if secret == "" || keyID == nil {
		t.Fatalf("create: %s", first.Raw)
	}
	if n := kept(secret); n != 0 {
		t.Errorf("the new key's secret is in %d edge.idempotency_records rows in the clear", n)
	}
	again := admin.Do(t, "POST", "/v1/apiKeys", body, "Idempotency-Key", "create-1").Must(t, 200)
	if strings.Contains(string(again.Raw), secret[strings.LastIndex(secret, "_")+1:]) {
		t.Errorf("the retry shows the secret again: %s", again.Raw)
	}
	if sub(again, "api_key")["id"] != keyID {
		t.Errorf("retry of the create: %s, want key %v", again.Raw, keyID)
	}
	if n := keysOf(); n != 2 {
		t.Errorf("%d keys after a retried create, want 2 (the partner's and the new one)", n)
	}
	other := map[string]any{"api_key": map[string]any{"display_name": "third system", "organisation_id": partner.Organisation}}
	admin.Do(t, "POST", "/v1/apiKeys", other, "Idempotency-Key", "create-1").Must(t, 422)
	resttest.New(s.URL, secret).Do(t, "GET", "/v1/beneficiaries", nil).Must(t, 200)

	rot := map[string]any{"overlap": "0s", "reason": "yearly"}
	rotated := admin.Do(t, "POST", "/v1/apiKeys/"+keyID.(string)+":rotate", rot, "Idempotency-Key", "rotate-1").Must(t, 200)
	newSecret := rotated.Str("secret")
	if newSecret == "" {
		t.Fatalf("rotation: %s", rotated.Raw)
	}
	if n := kept(newSecret); n != 0 {
		t.Errorf("the rotated key's secret is in %d edge.idempotency_records rows in the clear", n)
	}
	retried := admin.Do(t, "POST", "/v1/apiKeys/"+keyID.(string)+":rotate", rot, "Idempotency-Key", "rotate-1").Must(t, 200)
	if strings.Contains(string(retried.Raw), newSecret[strings.LastIndex(newSecret, "_")+1:]) {
		t.Errorf("the retry shows the rotated secret again: %s", retried.Raw)
	}
	if sub(retried, "api_key")["id"] != sub(rotated, "api_key")["id"] || sub(retried, "previous")["id"] != keyID {
		t.Errorf("retry of the rotation: %s, want %s", retried.Raw, rotated.Raw)
	}
	if n := keysOf(); n != 3 {
		t.Errorf("%d keys after a retried rotation, want 3", n)
	}
	resttest.New(s.URL, newSecret).Do(t, "GET", "/v1/beneficiaries", nil).Must(t, 200)
	// The key reused for another key's rotation.
	admin.Do(t, "POST", "/v1/apiKeys/"+sub(rotated, "api_key")["id"].(string)+":rotate", rot, "Idempotency-Key", "rotate-1").Must(t, 422)

	// Answers an older edge kept with their secrets lose them when the edge
	// migrates (00007), and are replayed without.
	old := `{"api_key":{"id":"` + keyID.(string) + `"},"secret":"` + secret + `"}`
	if _, err := conn.Exec(ctx, `INSERT INTO edge.idempotency_records (client_id, key, method, path, body_hash, status, header, body, lock_until, expire_time)
		VALUES ('old-client', 'old-1', 'POST', '/v1/apiKeys', '\x00', 200, '{}', convert_to($1, 'UTF8'), now(), now() + interval '1 hour')`, old); err != nil {
		t.Fatal(err)
	}
	pgtest.Undo(t, conn, "edge", migrations.FS, 8) // the later migrations first
	if _, err := conn.Exec(ctx, `ALTER TABLE edge.api_keys DROP COLUMN request_id`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `DELETE FROM edge.goose_db_version WHERE version_id = 7`); err != nil {
		t.Fatal(err)
	}
	if err := platform.Migrate(ctx, "edge", platform.MigrateConfig{DatabaseURL: s.Config.DatabaseURL, MigrateDatabaseURL: s.Config.MigrateDatabaseURL,
		StartupTimeout: 10 * time.Second, LogLevel: "warn"}, migrations.FS); err != nil {
		t.Fatal(err)
	}
	if n := kept(secret); n != 0 {
		t.Errorf("the secret an older edge kept is still there after the migration")
	}
	var left string
	if err := conn.QueryRow(ctx, `SELECT convert_from(body, 'UTF8') FROM edge.idempotency_records WHERE key = 'old-1'`).Scan(&left); err != nil || !strings.Contains(left, keyID.(string)) {
		t.Errorf("the older answer after the migration: %q, %v; want it without its secret", left, err)
	}
}

// TestRotateOnce: a rotation replaces a key by one new key; the old one
// only works on for the overlap. Rotating the old key again during its
// overlap is refused (rotate its replacement instead): it made one more
// live key for the client each time and overwrote replaced_by, so the
// first replacement's lineage was lost (and the retry of the first
// rotation was no longer recognised).
func TestRotateOnce(t *testing.T) {
	s := edgetest.Start(t, nil)
	admin := resttest.New(s.URL, s.CreateAdminKey(t).Key)
	partner := s.CreateKey(t, "partner", "Rotate Once NGO")
	l := admin.Do(t, "GET", "/v1/apiKeys?organisation_id="+partner.Organisation, nil).Must(t, 200)
	keyID := l.Body["api_keys"].([]any)[0].(map[string]any)["id"].(string)

	first := admin.Do(t, "POST", "/v1/apiKeys/"+keyID+":rotate", map[string]any{"overlap": "3600s", "reason": "yearly"}, "Idempotency-Key", "rot-a").Must(t, 200)
	next := sub(first, "api_key")["id"].(string)
	again := admin.Do(t, "POST", "/v1/apiKeys/"+keyID+":rotate", map[string]any{"overlap": "3600s", "reason": "again"})
	if again.Status != 400 || !strings.Contains(string(again.Raw), "KEY_REPLACED") || !strings.Contains(string(again.Raw), next) {
		t.Errorf("second rotation of a rotated key: HTTP %d %s; want 400 KEY_REPLACED naming %s", again.Status, again.Raw, next)
	}
	if l := admin.Do(t, "GET", "/v1/apiKeys?organisation_id="+partner.Organisation, nil).Must(t, 200); len(l.Body["api_keys"].([]any)) != 2 {
		t.Errorf("live keys after a second rotation of the same key: %s; want the old one (overlap) and its one replacement", l.Raw)
	}
	if k := admin.Do(t, "GET", "/v1/apiKeys/"+keyID, nil).Must(t, 200); k.Str("replaced_by") != next {
		t.Errorf("the old key: %s; want replaced_by %s", k.Raw, next)
	}
	// The retry of the first rotation is still answered with its key, and
	// the replacement can be rotated.
	retry := admin.Do(t, "POST", "/v1/apiKeys/"+keyID+":rotate", map[string]any{"overlap": "3600s", "reason": "yearly"}, "Idempotency-Key", "rot-a").Must(t, 200)
	if sub(retry, "api_key")["id"] != next {
		t.Errorf("retry of the first rotation: %s", retry.Raw)
	}
	admin.Do(t, "POST", "/v1/apiKeys/"+next+":rotate", map[string]any{"overlap": "0s", "reason": "next"}).Must(t, 200)
	// Revoking the old key during its overlap stays possible.
	admin.Do(t, "POST", "/v1/apiKeys/"+keyID+":revoke", map[string]any{"reason": "leaked"}).Must(t, 200)
}
