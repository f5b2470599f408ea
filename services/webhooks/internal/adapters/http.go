package adapters

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/services/webhooks/internal/app"
	"github.com/spona/spona/services/webhooks/internal/domain"
)

// MaxResponseBytes is how much of an answer's body is read.
const MaxResponseBytes = 64 << 10

// Guard refuses connections to addresses a webhook may not reach; with
// allowPrivate (development) it allows everything.
type Guard struct{ allowPrivate bool }

// NewGuard returns the address guard.
func NewGuard(allowPrivate bool) *Guard { return &Guard{allowPrivate: allowPrivate} }

// ErrForbiddenAddress is the cause of a connection the guard refused.
var ErrForbiddenAddress = errors.New("address not allowed for webhooks")

// control runs after DNS resolution, right before each connect: the
// address here is the one actually dialled, so a name that resolved to a
// public address when the webhook was created and to a private one now
// (DNS rebinding) is refused.
func (g *Guard) control(network, address string, _ syscall.RawConn) error {
	if g.allowPrivate {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
	}
	if why := domain.ForbiddenAddr(ap.Addr()); why != "" {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, why)
	}
	return nil
}

// HTTPSender makes delivery attempts: POST with the Standard Webhooks
// headers, a timeout, no redirects, no proxy, the answer's body read up to
// MaxResponseBytes, and only over https to addresses the guard allows.
type HTTPSender struct {
	client *http.Client
	guard  *Guard
	dialer *net.Dialer
}

// NewHTTPSender returns a sender; timeout bounds a whole attempt and
// perTarget caps the connections to one host.
func NewHTTPSender(g *Guard, timeout time.Duration, perTarget int) *HTTPSender {
	dialer := &net.Dialer{Timeout: min(timeout, 5*time.Second), KeepAlive: 30 * time.Second, Control: g.control}
	transport := &http.Transport{
		Proxy:                  nil, // a proxy would connect for us, past the guard
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           200,
		MaxIdleConnsPerHost:    perTarget,
		MaxConnsPerHost:        perTarget,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    min(timeout, 5*time.Second),
		ResponseHeaderTimeout:  timeout,
		MaxResponseHeaderBytes: 16 << 10,
	}
	return &HTTPSender{guard: g, dialer: dialer, client: &http.Client{
		Transport: transport,
		Timeout:   timeout,
		// A redirect is a failure: the answer is recorded, not followed.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

var _ app.Sender = (*HTTPSender)(nil)

// Send makes one attempt.
func (s *HTTPSender) Send(ctx context.Context, m app.Message) domain.Attempt {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.URL, bytes.NewReader(m.Body))
	if err != nil {
		return domain.Attempt{Err: "bad request: " + err.Error()}
	}
	// Subscribe and PATCH refuse http:// unless private targets are
	// allowed; a webhook stored while they were (development) is refused
	// here once they are not, rather than sent in the clear.
	if req.URL.Scheme != "https" && !s.guard.allowPrivate {
		return domain.Attempt{Err: "refused to connect: http is not allowed; webhooks go over https only"}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Spona-Webhooks/1")
	req.Header.Set("webhook-id", m.ID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(m.Timestamp, 10))
	req.Header.Set("webhook-signature", m.Signature)
	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		return domain.Attempt{Latency: time.Since(start), Err: describe(err)}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, MaxResponseBytes))
	_ = resp.Body.Close()
	return domain.Attempt{Code: resp.StatusCode, Latency: time.Since(start), RetryAfter: retryAfter(resp.Header.Get("Retry-After"), time.Now())}
}

// refusedAtConnect is the delivery log's error for an attempt whose host
// resolved to an address webhooks may not reach, or no longer resolves.
const refusedAtConnect = "refused to connect: the host does not resolve to public addresses only"

// describe names why an attempt got no answer, without the URL (it is in
// the subscription) and without internals. A host that resolved to an
// address webhooks may not reach, and one that does not resolve, read
// alike and name no address or range (as the subscribe-time refusal):
// the organisation reads this in its delivery log, and a name it controls
// can be pointed at an internal one after subscribing.
func describe(err error) string {
	var netErr net.Error
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, ErrForbiddenAddress), errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return refusedAtConnect
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	}
	if errors.As(err, &dnsErr) {
		return "DNS: " + dnsErr.Err
	}
	var uErr *url.Error
	if errors.As(err, &uErr) {
		return uErr.Err.Error()
	}
	return err.Error()
}

// retryAfter reads a Retry-After header received at now: seconds, or an
// HTTP date (RFC 9110 allows both). Past dates and nonsense give 0; the
// retry policy caps the wait.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if n, err := strconv.ParseInt(h, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		return time.Duration(min(n, int64(math.MaxInt64/time.Second))) * time.Second
	}
	if at, err := http.ParseTime(h); err == nil && at.After(now) {
		return at.Sub(now)
	}
	return 0
}

// TargetChecker checks an endpoint when it is subscribed: every address its
// host resolves to must be allowed (the guard checks again at connect).
type TargetChecker struct {
	guard    *Guard
	resolver *net.Resolver
}

// NewTargetChecker returns the checker.
func NewTargetChecker(g *Guard) *TargetChecker {
	return &TargetChecker{guard: g, resolver: net.DefaultResolver}
}

var _ app.TargetChecker = (*TargetChecker)(nil)

// Check refuses a URL whose host is or resolves to a forbidden address.
func (c *TargetChecker) Check(ctx context.Context, rawURL string) error {
	if c.guard.allowPrivate {
		return nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return refuse("is not a URL")
	}
	host := u.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		if why := domain.ForbiddenAddr(ip); why != "" {
			return refuse("points to a %s", why)
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := c.resolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && (dnsErr.IsTimeout || dnsErr.IsTemporary) {
			return errs.Wrap(errs.KindUnavailable, err, "could not resolve the webhook's host now; retry later")
		}
		return refuse(noPublicAddress, host)
	}
	// A name resolving to a forbidden address is refused in the words of
	// one that does not resolve, naming neither the address nor its
	// range: Spona's own resolver answers for internal names too (a
	// cluster's services, through the DNS search path), and a partner
	// must not learn which exist or where they are.
	for _, a := range addrs {
		if domain.ForbiddenAddr(a) != "" {
			return refuse(noPublicAddress, host)
		}
	}
	return nil
}

// noPublicAddress refuses a host name with no (or not only) public
// addresses.
const noPublicAddress = "host %q does not resolve to public addresses only"

func refuse(format string, args ...any) error {
	var v errs.Violations
	v.Add("webhook.url", format+"; webhooks only go to public addresses", args...)
	return v.Err()
}
