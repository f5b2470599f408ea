package gateway

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// RateLimit configures the per-client token buckets.
type RateLimit struct {
	// RPS is the sustained rate per client; 0 turns limiting off.
	RPS float64
	// Burst is how many requests a client may make at once.
	Burst int
	// MaxClients bounds the number of buckets kept; clients idle for
	// IdleTTL lose theirs (a fresh bucket is full, so that is harmless).
	MaxClients int
	IdleTTL    time.Duration
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// rateLimiter keeps one token bucket per authenticated client, in bounded
// memory: idle buckets are evicted, and when the table is full of active
// clients the newcomers share one overflow bucket instead of growing it.
type rateLimiter struct {
	cfg       RateLimit
	now       func() time.Time
	mu        sync.Mutex
	buckets   map[string]*bucket
	overflow  *rate.Limiter
	lastSweep time.Time
}

func newRateLimiter(cfg RateLimit) *rateLimiter {
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
	return &rateLimiter{
		cfg: cfg, now: time.Now, buckets: map[string]*bucket{},
		overflow: rate.NewLimiter(rate.Limit(cfg.RPS), cfg.Burst),
	}
}

// reserve takes a token for client; it returns 0 when the request may go
// ahead, or how long the client has to wait.
func (l *rateLimiter) reserve(client string) time.Duration {
	now := l.now()
	l.mu.Lock()
	b := l.buckets[client]
	if b == nil {
		if now.Sub(l.lastSweep) > l.cfg.IdleTTL/4 || len(l.buckets) >= l.cfg.MaxClients {
			l.sweep(now)
		}
		if len(l.buckets) < l.cfg.MaxClients {
			b = &bucket{lim: rate.NewLimiter(rate.Limit(l.cfg.RPS), l.cfg.Burst)}
			l.buckets[client] = b
		}
	}
	lim := l.overflow
	if b != nil {
		b.seen = now
		lim = b.lim
	}
	l.mu.Unlock()
	r := lim.ReserveN(now, 1)
	if !r.OK() {
		return time.Second
	}
	d := r.DelayFrom(now)
	if d > 0 {
		r.CancelAt(now)
	}
	return d
}

func (l *rateLimiter) sweep(now time.Time) {
	l.lastSweep = now
	for k, b := range l.buckets {
		if now.Sub(b.seen) > l.cfg.IdleTTL {
			delete(l.buckets, k)
		}
	}
}

func (l *rateLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// middleware answers 429 with Retry-After when the caller's bucket is empty.
func (l *rateLimiter) middleware(next http.Handler) http.Handler {
	if l == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := principalFrom(r)
		if wait := l.reserve(p.ClientID); wait > 0 {
			secs := int(math.Ceil(wait.Seconds()))
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			writeStatusCode(w, r, http.StatusTooManyRequests,
				status.Newf(codes.ResourceExhausted, "rate limit of %g requests per second exceeded; retry after %d s", l.cfg.RPS, secs))
			return
		}
		next.ServeHTTP(w, r)
	})
}
