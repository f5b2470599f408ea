package keys

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spona/spona/pkg/auth"
)

// memStore is a Store in memory whose notifications the test sends.
type change struct {
	lookup string
	done   chan struct{}
}

type memStore struct {
	mu      sync.Mutex
	keys    map[string]*Key
	calls   int
	changes chan change
	used    map[string]time.Time
}

func newMemStore() *memStore {
	return &memStore{keys: map[string]*Key{}, changes: make(chan change), used: map[string]time.Time{}}
}

func (m *memStore) KeyByLookupID(_ context.Context, id string) (*Key, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	if k, ok := m.keys[id]; ok {
		c := *k
		return &c, nil
	}
	return nil, nil
}

func (m *memStore) RecordUse(_ context.Context, used map[string]time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, v := range used {
		m.used[k] = v
	}
	return nil
}

func (m *memStore) Listen(ctx context.Context, ready func(), changed func(string)) error {
	ready()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case c := <-m.changes:
			changed(c.lookup)
			close(c.done)
		}
	}
}

func (m *memStore) queries() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls
}

func (m *memStore) edit(lookup string, f func(*Key)) {
	m.mu.Lock()
	f(m.keys[lookup])
	m.mu.Unlock()
	m.notify(lookup)
}

// notify delivers the trigger's NOTIFY and waits until it is handled.
func (m *memStore) notify(lookup string) {
	c := change{lookup: lookup, done: make(chan struct{})}
	m.changes <- c
	<-c.done
}

func listening(t *testing.T, v *Verifier) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { v.Run(ctx, slog.New(slog.DiscardHandler)); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	for !v.Listening() {
		time.Sleep(time.Millisecond)
	}
}

func TestVerify(t *testing.T) {
	store := newMemStore()
	key, lookup, hash := Generate()
	store.keys[lookup] = &Key{ID: "k1", ClientID: "c1", OrganisationID: "org", Scopes: []string{auth.ScopeReferralsRead, auth.ScopePlatformAdmin}, LookupID: lookup, SecretHash: hash}
	v := NewVerifier(store, time.Hour, time.Hour)
	// Not listening yet: every request reads the store.
	for range 2 {
		if _, err := v.Verify(context.Background(), key); err != nil {
			t.Fatal(err)
		}
	}
	if store.queries() != 2 {
		t.Fatalf("%d queries before listening, want 2 (no cache without notifications)", store.queries())
	}
	listening(t, v)
	p, err := v.Verify(context.Background(), key)
	if err != nil || p.OrganisationID != "org" || p.ClientID != "c1" || !p.Has(auth.ScopeReferralsRead) {
		t.Fatalf("Verify = %+v, %v", p, err)
	}
	if p.Has(auth.ScopePlatformAdmin) {
		t.Fatal("a partner's key carried an administrator scope")
	}
	calls := store.queries()
	if _, err := v.Verify(context.Background(), key); err != nil || store.queries() != calls {
		t.Fatalf("second verify should be cached: %v, %d store calls", err, store.queries()-calls)
	}
	other, _, _ := Generate()
	forged := key[:len(key)-52] + other[len(other)-52:]
	for name, k := range map[string]string{"wrong secret": forged, "unknown": other, "garbage": "Bearer x", "empty": ""} {
		if _, err := v.Verify(context.Background(), k); !errors.Is(err, auth.ErrInvalidCredential) {
			t.Errorf("%s: %v, want invalid credential", name, err)
		}
	}
	// A made-up id is looked up once, then known to be unknown.
	calls = store.queries()
	for range 5 {
		if _, err := v.Verify(context.Background(), other); !errors.Is(err, auth.ErrInvalidCredential) {
			t.Fatal(err)
		}
	}
	if store.queries() != calls {
		t.Errorf("unknown key looked up %d more times, want 0 (negative cache)", store.queries()-calls)
	}
	// A revocation reaches the cache by notification, long before its TTL.
	store.edit(lookup, func(k *Key) { now := time.Now(); k.RevokeTime = &now })
	if _, err := v.Verify(context.Background(), key); !errors.Is(err, auth.ErrInvalidCredential) {
		t.Fatalf("revoked key accepted: %v", err)
	}
	// Expiry is checked on every use, cached or not.
	key2, lookup2, hash2 := Generate()
	soon := time.Now().Add(time.Hour)
	store.mu.Lock()
	store.keys[lookup2] = &Key{ID: "k2", ClientID: "c2", OrganisationID: "org", LookupID: lookup2, SecretHash: hash2, ExpireTime: &soon}
	store.mu.Unlock()
	store.notify(lookup2)
	if _, err := v.Verify(context.Background(), key2); err != nil {
		t.Fatal(err)
	}
	v.now = func() time.Time { return soon.Add(time.Second) }
	if _, err := v.Verify(context.Background(), key2); !errors.Is(err, auth.ErrInvalidCredential) {
		t.Fatalf("expired key accepted: %v", err)
	}
}

// heldStore answers a look-up with the key as it was when the query
// began (its snapshot), once release is closed: a query in flight while a
// revocation commits.
type heldStore struct {
	*memStore
	started chan struct{}
	release chan struct{}
	once    sync.Once
}

func (s *heldStore) KeyByLookupID(ctx context.Context, id string) (*Key, error) {
	k, err := s.memStore.KeyByLookupID(ctx, id)
	s.once.Do(func() { close(s.started) })
	<-s.release
	return k, err
}

// waiting waits until n goroutines wait for a look-up of a key (running
// it, or waiting for a shared one).
func waiting(t *testing.T, n int) {
	t.Helper()
	buf := make([]byte, 1<<20)
	for range 10000 {
		waiters := 0
		for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
			if strings.Contains(g, "keys.(*Verifier).lookup(") &&
				(strings.Contains(g, " [select") || strings.Contains(g, "singleflight.(*Group).Do(")) {
				waiters++
			}
		}
		if waiters >= n {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("%d look-ups never shared a query", n)
}

// TestJoinedQueryBeforeRevocationIsNotCached: request A's look-up reads
// the key before its revocation commits; the revocation's notification is
// handled; request B joins A's query (singleflight) and gets A's answer.
// Neither may cache it: the next request reads the store again and is
// refused.
func TestJoinedQueryBeforeRevocationIsNotCached(t *testing.T) {
	mem := newMemStore()
	key, lookup, hash := Generate()
	mem.keys[lookup] = &Key{ID: "k1", ClientID: "c1", OrganisationID: "org", Scopes: []string{auth.ScopeReferralsRead}, LookupID: lookup, SecretHash: hash}
	store := &heldStore{memStore: mem, started: make(chan struct{}), release: make(chan struct{})}
	v := NewVerifier(store, time.Hour, time.Hour)
	listening(t, v)
	verify := func(out chan<- error) { _, err := v.Verify(context.Background(), key); out <- err }
	a, b := make(chan error, 1), make(chan error, 1)
	go verify(a)
	<-store.started // A has read the key
	mem.edit(lookup, func(k *Key) { now := time.Now(); k.RevokeTime = &now })
	go verify(b)
	waiting(t, 2) // B has joined A's query
	close(store.release)
	if errA, errB := <-a, <-b; errA != nil || errB != nil {
		t.Fatalf("the query begun before the revocation: A %v, B %v", errA, errB)
	}
	if _, err := v.Verify(context.Background(), key); !errors.Is(err, auth.ErrInvalidCredential) {
		t.Fatalf("revoked key accepted after its notification (cached from a query begun before it): %v", err)
	}
	if mem.queries() != 2 {
		t.Errorf("%d queries, want 2 (A and B's shared one, then the store read again)", mem.queries())
	}
}

func TestLastUseIsRecorded(t *testing.T) {
	store := newMemStore()
	key, lookup, hash := Generate()
	store.keys[lookup] = &Key{ID: "k1", ClientID: "c1", OrganisationID: "org", LookupID: lookup, SecretHash: hash}
	v := NewVerifier(store, time.Hour, time.Hour)
	if _, err := v.Verify(context.Background(), key); err != nil {
		t.Fatal(err)
	}
	if err := v.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	store.mu.Lock()
	defer store.mu.Unlock()
	if _, ok := store.used["k1"]; !ok {
		t.Fatalf("last use not written: %v", store.used)
	}
}

// BenchmarkVerify is a busy partner's request: its key found in the cache
// (while change notifications are heard), its secret, expiry and revocation
// checked.
func BenchmarkVerify(b *testing.B) {
	store := newMemStore()
	key, lookup, hash := Generate()
	store.keys[lookup] = &Key{ID: "k1", ClientID: "c1", OrganisationID: "org", LookupID: lookup, SecretHash: hash,
		Scopes: []string{auth.ScopeBeneficiariesRead, auth.ScopeBeneficiariesWrite, auth.ScopeReferralsRead, auth.ScopeReferralsWrite,
			auth.ScopeDirectoryRead, auth.ScopeTrainingsRead, auth.ScopeTrainingsWrite, auth.ScopeReportingRead}}
	v := NewVerifier(store, time.Hour, time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go v.Run(ctx, slog.New(slog.DiscardHandler))
	for !v.Listening() {
		time.Sleep(time.Millisecond)
	}
	for b.Loop() {
		if _, err := v.Verify(ctx, key); err != nil {
			b.Fatal(err)
		}
	}
}

func TestParse(t *testing.T) {
	key, lookup, _ := Generate()
	secret := key[len(key)-52:]
	if l, s, err := Parse(key); err != nil || l != lookup || s != secret {
		t.Fatalf("Parse(%q) = %q, %q, %v", key, l, s, err)
	}
	for _, bad := range []string{"", "spona", "spona_" + lookup, "spona_" + lookup + "_", "x_" + lookup + "_" + secret,
		"spona_" + lookup + "_" + secret + "_", "spona_" + lookup + "_" + secret[:51] + "_", "spona__" + lookup + "_" + secret,
		"spona_" + lookup + "x_" + secret, "spona_" + lookup + "_" + secret + "x"} {
		if _, _, err := Parse(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}
