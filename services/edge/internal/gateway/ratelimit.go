package gateway

import (
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/spona/spona/pkg/httpserver"
	"golang.org/x/time/rate"
	"google.golang.org/grpc/codes"
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
	key        string
	lim        *rate.Limiter
	seen       time.Time
	prev, next *bucket // in the order of last use
}

// buckets keeps one token bucket per key, in bounded memory: the table is
// ordered by last use, buckets idle for IdleTTL are dropped, and when the
// table is full a newcomer takes the place of the idlest key (which starts
// again with a full bucket if it comes back). No key ever shares a bucket
// with another.
type buckets struct {
	cfg   RateLimit
	now   func() time.Time
	mu    sync.Mutex
	table map[string]*bucket
	order bucket // ring of the table's buckets: next the last used, prev the idlest
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
	l := &buckets{cfg: cfg, now: time.Now, table: map[string]*bucket{}}
	l.order.prev, l.order.next = &l.order, &l.order
	return l
}

// get returns key's bucket; a key without one gets one when create is
// set, else nil.
func (l *buckets) get(key string, now time.Time, create bool) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	for b := l.order.prev; b != &l.order && now.Sub(b.seen) > l.cfg.IdleTTL; b = l.order.prev {
		l.drop(b)
	}
	b := l.table[key]
	switch {
	case b != nil:
		b.unlink()
	case !create:
		return nil
	default:
		if len(l.table) >= l.cfg.MaxClients {
			l.drop(l.order.prev)
		}
		b = &bucket{key: key, lim: rate.NewLimiter(rate.Limit(l.cfg.RPS), l.cfg.Burst)}
		l.table[key] = b
	}
	b.prev, b.next = &l.order, l.order.next
	b.next.prev, l.order.next = b, b
	b.seen = now
	return b.lim
}

func (b *bucket) unlink() { b.prev.next, b.next.prev = b.next, b.prev }

func (l *buckets) drop(b *bucket) {
	b.unlink()
	delete(l.table, b.key)
}

// reserve takes a token for key; it returns 0 when the request may go
// ahead, or how long the caller has to wait.
func (l *buckets) reserve(key string) time.Duration {
	now := l.now()
	r := l.get(key, now, true).ReserveN(now, 1)
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
// (0: a token is there). A key without a bucket has a full one: none is
// made for it.
func (l *buckets) exhausted(key string) time.Duration {
	now := l.now()
	lim := l.get(key, now, false)
	if lim == nil {
		return 0
	}
	missing := 1 - lim.TokensAt(now)
	if missing <= 0 {
		return 0
	}
	return time.Duration(missing / float64(lim.Limit()) * float64(time.Second))
}

// tooMany answers 429 with Retry-After (whole seconds, at least 1).
func tooMany(w http.ResponseWriter, r *http.Request, wait time.Duration, reason, msg string) {
	secs := max(1, int(math.Ceil(wait.Seconds())))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeStatusCode(w, r, http.StatusTooManyRequests, edgeStatus(codes.ResourceExhausted, reason, fmt.Sprintf("%s; retry after %d s", msg, secs)))
}

// TooManyConnections answers a request on a connection over its client
// address's limit (pkg/httpserver's OverLimit): 429 with a Status body,
// localized as every other error, and the security headers.
func TooManyConnections(hstsMaxAge time.Duration) func(w http.ResponseWriter, r *http.Request, message string) {
	headers := securityHeaders(hstsMaxAge)
	return func(w http.ResponseWriter, r *http.Request, message string) {
		headers(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeStatusCode(w, r, http.StatusTooManyRequests, edgeStatus(codes.ResourceExhausted, ReasonTooManyConnections, message))
		})).ServeHTTP(w, r)
	}
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
				tooMany(w, r, wait, ReasonRateLimited, "rate limit of "+strconv.FormatFloat(l.cfg.RPS, 'g', -1, 64)+" requests per second exceeded")
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// failures limits failed authentications per client address: each failure
// takes a token, and an address without tokens is refused (429) before its
// credential is looked at, so guessing keys costs no database query. Only
// failures make buckets: an address that never failed is never refused,
// however many other addresses fail.
type failures struct{ b *buckets }

func newFailures(cfg RateLimit) *failures {
	if b := newBuckets(cfg); b != nil {
		return &failures{b: b}
	}
	return nil
}

// clientAddr is what r's client is counted by (httpserver.ClientBlock):
// its IPv4 address, or the /64 of its IPv6 address.
func clientAddr(r *http.Request) string {
	ip := httpserver.ClientIP(r) // set by the server; else the peer's
	if ip == "" {
		ip = r.RemoteAddr
		if ap, err := netip.ParseAddrPort(ip); err == nil {
			ip = ap.Addr().String()
		}
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	if b := httpserver.ClientBlock(a); b.Bits() != 32 {
		return b.String()
	}
	return a.Unmap().String()
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
