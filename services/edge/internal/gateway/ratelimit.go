package gateway

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/spona/spona/pkg/httpserver"
	"golang.org/x/time/rate"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// RateLimit configures a table of token buckets (per client, or per
// address).
type RateLimit struct {
	// RPS is the sustained rate per key; 0 turns limiting off.
	RPS float64
	// Burst is how many requests a key may make at once.
	Burst int
	// MaxClients bounds the number of buckets kept; keys idle for IdleTTL
	// lose theirs (a fresh bucket is full, so that is harmless).
	MaxClients int
	IdleTTL    time.Duration
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// buckets keeps one token bucket per key, in bounded memory: idle buckets
// are evicted, and when the table is full of active keys the newcomers share
// one overflow bucket instead of growing it.
type buckets struct {
	cfg       RateLimit
	now       func() time.Time
	mu        sync.Mutex
	table     map[string]*bucket
	overflow  *rate.Limiter
	lastSweep time.Time
}

func newBuckets(cfg RateLimit) *buckets {
	if cfg.RPS <= 0 {
		return nil
	}
	if cfg.Burst <= 0 {
		cfg.Burst = max(1, int(math.Ceil(cfg.RPS)))
	}
	if cfg.MaxClients <= 0 {
		cfg.MaxClients = 10000
	}
	if cfg.IdleTTL <= 0 {
		cfg.IdleTTL = 10 * time.Minute
	}
	return &buckets{
		cfg: cfg, now: time.Now, table: map[string]*bucket{},
		overflow: rate.NewLimiter(rate.Limit(cfg.RPS), cfg.Burst),
	}
}

// get returns key's bucket, creating it.
func (l *buckets) get(key string, now time.Time) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.table[key]
	if b == nil {
		if now.Sub(l.lastSweep) > l.cfg.IdleTTL/4 || len(l.table) >= l.cfg.MaxClients {
			l.sweep(now)
		}
		if len(l.table) >= l.cfg.MaxClients {
			return l.overflow
		}
		b = &bucket{lim: rate.NewLimiter(rate.Limit(l.cfg.RPS), l.cfg.Burst)}
		l.table[key] = b
	}
	b.seen = now
	return b.lim
}

// reserve takes a token for key; it returns 0 when the request may go
// ahead, or how long the caller has to wait.
func (l *buckets) reserve(key string) time.Duration {
	now := l.now()
	r := l.get(key, now).ReserveN(now, 1)
	if !r.OK() {
		return time.Second
	}
	d := r.DelayFrom(now)
	if d > 0 {
		r.CancelAt(now)
	}
	return d
}

// exhausted reports how long key must wait for a token, without taking one
// (0: a token is there).
func (l *buckets) exhausted(key string) time.Duration {
	now := l.now()
	lim := l.get(key, now)
	missing := 1 - lim.TokensAt(now)
	if missing <= 0 {
		return 0
	}
	return time.Duration(missing / float64(lim.Limit()) * float64(time.Second))
}

func (l *buckets) sweep(now time.Time) {
	l.lastSweep = now
	for k, b := range l.table {
		if now.Sub(b.seen) > l.cfg.IdleTTL {
			delete(l.table, k)
		}
	}
}

// tooMany answers 429 with Retry-After (whole seconds, at least 1).
func tooMany(w http.ResponseWriter, r *http.Request, wait time.Duration, msg string) {
	secs := max(1, int(math.Ceil(wait.Seconds())))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeStatusCode(w, r, http.StatusTooManyRequests, status.Newf(codes.ResourceExhausted, "%s; retry after %d s", msg, secs))
}

// rateLimit answers 429 when the authenticated client's bucket is empty.
func rateLimit(l *buckets) Middleware {
	return func(next http.Handler) http.Handler {
		if l == nil {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, _ := principalFrom(r)
			if wait := l.reserve(p.ClientID); wait > 0 {
				tooMany(w, r, wait, "rate limit of "+strconv.FormatFloat(l.cfg.RPS, 'g', -1, 64)+" requests per second exceeded")
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// failures limits failed authentications per client address: each failure
// takes a token, and an address without tokens is refused (429) before its
// credential is looked at, so guessing keys costs no database query.
type failures struct{ b *buckets }

func newFailures(cfg RateLimit) *failures {
	if b := newBuckets(cfg); b != nil {
		return &failures{b: b}
	}
	return nil
}

func clientAddr(r *http.Request) string {
	if ip := httpserver.ClientIP(r); ip != "" {
		return ip
	}
	return r.RemoteAddr
}

// refused reports how long r's address must wait; 0 when it may try.
func (f *failures) refused(r *http.Request) time.Duration {
	if f == nil {
		return 0
	}
	return f.b.exhausted(clientAddr(r))
}

// failed records a failed authentication from r's address.
func (f *failures) failed(r *http.Request) {
	if f != nil {
		f.b.reserve(clientAddr(r))
	}
}
