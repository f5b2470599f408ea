package keys

import (
	"context"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/logging"
	"golang.org/x/sync/singleflight"
)

// Store is what the verifier reads and writes.
type Store interface {
	// KeyByLookupID returns the key with lookupID, or nil when none exists.
	KeyByLookupID(ctx context.Context, lookupID string) (*Key, error)
	// RecordUse sets the last use of keys (id → time), never moving it back.
	RecordUse(ctx context.Context, used map[string]time.Time) error
	// Listen calls changed with the lookup id of every key that changes,
	// once ready has been called (the subscription is in place), until ctx
	// ends or the subscription breaks (the error).
	Listen(ctx context.Context, ready func(), changed func(lookupID string)) error
}

// Verifier authenticates keys against a store.
//
// It caches the keys it has looked up, so a busy partner does not cost a
// query per request, and remembers lookup ids that do not exist (the
// negative cache), so a client repeating a made-up key does not cost one
// either. The two caches are apart and bounded: a flood of made-up ids
// cannot push the real keys out. Concurrent first uses of one id share one
// query.
//
// The caches are only used while the verifier listens to the store's
// change notifications (Run): a change to a key (revocation, expiry) drops
// it from the cache on every replica as soon as PostgreSQL delivers the
// notification. While the subscription is down, every request reads the
// store, so a revocation is never missed; TTLs bound the caches anyway.
type Verifier struct {
	store      Store
	ttl        time.Duration
	unknownTTL time.Duration
	now        func() time.Time
	group      singleflight.Group

	started   chan struct{} // closed when listening first begins
	startOnce sync.Once

	mu        sync.Mutex
	listening bool
	gen       uint64 // bumped by every change: a lookup older than it is not cached
	known     map[string]cached
	unknown   map[string]time.Time
	used      map[string]time.Time
}

// cached is a key looked up (k nil: none has the lookup id) with its
// principal, made once (Key.Principal).
type cached struct {
	k       *Key
	p       auth.Principal
	expires time.Time
}

func entry(k *Key) cached {
	if k == nil {
		return cached{}
	}
	p := k.Principal()
	p.Scopes = slices.Clip(p.Scopes) // shared by the requests: an append copies
	return cached{k: k, p: p}
}

// read is a store's answer (k nil: no key has the lookup id) and the
// verifier's generation when the query started.
type read struct {
	k   *Key
	gen uint64
}

// maxCached bounds each cache; a full cache is emptied and refilled.
const maxCached = 10000

// lookupTimeout bounds a look-up of a key in the store, which the requests
// waiting for it share.
const lookupTimeout = 10 * time.Second

// NewVerifier returns a verifier over store; keys are cached for ttl,
// unknown lookup ids for unknownTTL, while Run listens.
func NewVerifier(store Store, ttl, unknownTTL time.Duration) *Verifier {
	return &Verifier{store: store, ttl: ttl, unknownTTL: unknownTTL, now: time.Now, started: make(chan struct{}),
		known: map[string]cached{}, unknown: map[string]time.Time{}, used: map[string]time.Time{}}
}

// Run listens for key changes until ctx ends. The last-use times of keys
// are written by Flush, which the process runs periodically and at its
// stop.
func (v *Verifier) Run(ctx context.Context, log *slog.Logger) {
	delay := 100 * time.Millisecond
	for {
		err := v.store.Listen(ctx, func() {
			v.mu.Lock()
			v.resetLocked()
			v.listening = true
			v.mu.Unlock()
			v.startOnce.Do(func() { close(v.started) })
			delay = 100 * time.Millisecond
		}, v.changed)
		v.mu.Lock()
		v.listening = false
		v.resetLocked()
		v.mu.Unlock()
		if ctx.Err() != nil {
			return
		}
		log.Warn("key change notifications interrupted; keys are read from the database until they resume", logging.Err(err))
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Second)
	}
}

func (v *Verifier) resetLocked() {
	v.gen++
	clear(v.known)
	clear(v.unknown)
}

// Forget drops a key from the caches (the same as its change notification).
func (v *Verifier) Forget(lookupID string) { v.changed(lookupID) }

func (v *Verifier) changed(lookupID string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.gen++
	delete(v.known, lookupID)
	delete(v.unknown, lookupID)
}

// Started is closed once the verifier first listens to key changes.
func (v *Verifier) Started() <-chan struct{} { return v.started }

// Listening reports whether change notifications are being received.
func (v *Verifier) Listening() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.listening
}

// Flush writes the last-use times of the keys used since the last flush
// (within 10 s). Times it fails to write are dropped: the next use of the
// key records one again.
func (v *Verifier) Flush(ctx context.Context) error {
	v.mu.Lock()
	used := v.used
	v.used = map[string]time.Time{}
	v.mu.Unlock()
	if len(used) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return v.store.RecordUse(ctx, used)
}

// lookup returns the key of lookupID (nil when none exists) with its
// principal, from the caches or the store.
func (v *Verifier) lookup(ctx context.Context, lookupID string) (cached, error) {
	now := v.now()
	v.mu.Lock()
	listening := v.listening
	e, hit := v.known[lookupID]
	until, miss := v.unknown[lookupID]
	v.mu.Unlock()
	switch {
	case listening && hit && now.Before(e.expires):
		return e, nil
	case listening && miss && now.Before(until):
		return cached{}, nil
	}
	// The generation is the one the query starts under, taken inside the
	// shared function: a caller joining a query begun before a change
	// (whose notification it has seen) gets that query's generation, not
	// its own, and so does not cache the older answer.
	//
	// The query is shared, so it is nobody's to cancel: it runs for at most
	// lookupTimeout whoever is waiting, and each caller stops waiting when
	// its own request ends. (With the first caller's context, a client that
	// went away failed every request that had joined its query.)
	shared := v.group.DoChan(lookupID, func() (any, error) {
		v.mu.Lock()
		gen := v.gen
		v.mu.Unlock()
		qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lookupTimeout)
		defer cancel()
		k, err := v.store.KeyByLookupID(qctx, lookupID)
		return read{k: k, gen: gen}, err
	})
	var res singleflight.Result
	select {
	case res = <-shared:
	case <-ctx.Done():
		return cached{}, ctx.Err()
	}
	if res.Err != nil {
		return cached{}, res.Err
	}
	r, ok := res.Val.(read)
	if !ok {
		return cached{}, fmt.Errorf("keys: lookup of %s answered %T", lookupID, res.Val)
	}
	k := r.k
	e = entry(k)
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.listening || v.gen != r.gen {
		return e, nil // something changed meanwhile: do not cache what was read before
	}
	if k == nil {
		if len(v.unknown) >= maxCached {
			clear(v.unknown)
		}
		v.unknown[lookupID] = now.Add(v.unknownTTL)
		return e, nil
	}
	if len(v.known) >= maxCached {
		clear(v.known)
	}
	e.expires = now.Add(v.ttl)
	v.known[lookupID] = e
	return e, nil
}

// Verify returns the principal of key, or ErrInvalid.
func (v *Verifier) Verify(ctx context.Context, key string) (auth.Principal, error) {
	lookupID, secret, err := Parse(key)
	if err != nil {
		return auth.Principal{}, err
	}
	e, err := v.lookup(ctx, lookupID)
	if err != nil {
		return auth.Principal{}, err
	}
	// The secret, expiry and revocation are checked on every use, cached
	// or not.
	now := v.now()
	sum := digest(secret)
	if e.k == nil || subtle.ConstantTimeCompare(e.k.SecretHash, sum[:]) != 1 || !e.k.Active(now) {
		return auth.Principal{}, ErrInvalid
	}
	v.mu.Lock()
	if len(v.used) < maxCached {
		v.used[e.k.ID] = now
	}
	v.mu.Unlock()
	return e.p, nil
}
