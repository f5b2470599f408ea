package keys

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/spona/spona/pkg/auth"
)

type memStore struct {
	clients map[string]*Client
	calls   int
}

func (m *memStore) ClientByLookupID(_ context.Context, id string) (*Client, error) {
	m.calls++
	return m.clients[id], nil
}

func TestVerify(t *testing.T) {
	key, lookup, hash := Generate()
	store := &memStore{clients: map[string]*Client{lookup: {ID: "c1", OrganisationID: "org", Scopes: []string{"a"}, LookupID: lookup, SecretHash: hash}}}
	v := NewVerifier(store, time.Minute, time.Minute)
	p, err := v.Verify(context.Background(), key)
	if err != nil || p.OrganisationID != "org" || p.ClientID != "c1" || !p.Has("a") {
		t.Fatalf("Verify = %+v, %v", p, err)
	}
	if _, err := v.Verify(context.Background(), key); err != nil || store.calls != 1 {
		t.Fatalf("second verify should be cached: %v, %d store calls", err, store.calls)
	}
	other, _, _ := Generate()
	forged := key[:len(key)-52] + other[len(other)-52:]
	for name, k := range map[string]string{"wrong secret": forged, "unknown": other, "garbage": "Bearer x", "empty": ""} {
		if _, err := v.Verify(context.Background(), k); !errors.Is(err, auth.ErrInvalidCredential) {
			t.Errorf("%s: %v, want invalid credential", name, err)
		}
	}
	// A made-up id is looked up once, then known to be unknown.
	calls := store.calls
	for range 5 {
		if _, err := v.Verify(context.Background(), other); !errors.Is(err, auth.ErrInvalidCredential) {
			t.Fatal(err)
		}
	}
	if store.calls != calls {
		t.Errorf("unknown key looked up %d more times, want 0 (negative cache)", store.calls-calls)
	}
	now := time.Now()
	store.clients[lookup].RevokeTime = &now
	v.now = func() time.Time { return now.Add(2 * time.Minute) } // cache expired
	if _, err := v.Verify(context.Background(), key); !errors.Is(err, auth.ErrInvalidCredential) {
		t.Fatalf("revoked key accepted: %v", err)
	}
}
