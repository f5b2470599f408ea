// Package httpserver serves HTTP to clients Spona does not trust: the
// partners' REST calls at the edge. It bounds what a slow or abusive client
// can hold:
//
//   - time: a header deadline, a whole-request deadline, a body deadline
//     counted from the end of the headers, a write deadline and an idle
//     deadline between keep-alive requests; an upload (Uploads) may take
//     longer, as long as it keeps a minimum rate (UploadMinRate), and a
//     body that came too slowly is told apart (BodyTooSlow), so the
//     handler can answer 408;
//   - connections: at most MaxConnsPerIP open connections per client
//     address (an IPv6 client by its /64: ClientBlock); the surplus is answered 429 as soon as its request line and
//     headers are in, and closed, before anything else runs;
//   - a response written before the body was read (a 401, 413 or 429
//     refusal) closes the connection instead of waiting for the rest of
//     the body.
//
// Behind a load balancer the peer is the proxy: TrustedProxies names those
// (CIDRs), their connections are not counted, and ClientIP takes the client
// from X-Forwarded-For.
package httpserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spona/spona/pkg/config"
)

// Config is the part of a process's configuration that shapes its public
// HTTP server.
type Config struct {
	ReadHeaderTimeout time.Duration `env:"HTTP_READ_HEADER_TIMEOUT" default:"5s" min:"100ms" help:"time a client has to send the request line and headers"`
	BodyTimeout       time.Duration `env:"HTTP_BODY_TIMEOUT" default:"10s" min:"100ms" help:"time a client has to send the request body, from the end of its headers"`
	ReadTimeout       time.Duration `env:"HTTP_READ_TIMEOUT" default:"30s" min:"100ms" help:"no bound of its own: a request's headers are bounded by HTTP_READ_HEADER_TIMEOUT and its body by HTTP_BODY_TIMEOUT (an upload's by HTTP_UPLOAD_MIN_RATE too), which replace Go's whole-request deadline this sets; kept so configurations setting it still load"`
	WriteTimeout      time.Duration `env:"HTTP_WRITE_TIMEOUT" default:"2m" min:"100ms" help:"time to write a response (exports included)"`
	IdleTimeout       time.Duration `env:"HTTP_IDLE_TIMEOUT" default:"60s" min:"100ms" help:"how long an idle keep-alive connection is kept"`
	UploadMinRate     int           `env:"HTTP_UPLOAD_MIN_RATE" default:"65536" help:"slowest an upload (import) may arrive, in bytes per second after the first HTTP_BODY_TIMEOUT: its deadline moves on by a second for each such many bytes received (0 = uploads keep HTTP_BODY_TIMEOUT)"`
	MaxConnsPerIP     int           `env:"MAX_CONNS_PER_IP" default:"64" help:"open connections per client address (an IPv6 client: per /64); more are answered 429 and closed (0 = no limit)"`
	TrustedProxies    []string      `env:"TRUSTED_PROXIES" cidr:"true" help:"comma-separated CIDRs of load balancers whose X-Forwarded-For is believed; their own connections are not limited"`
	ShutdownDelay     time.Duration `env:"HTTP_SHUTDOWN_DELAY" default:"0s" help:"on SIGTERM, how long the API goes on accepting requests (answering each with Connection: close) before it stops listening and drains: the time a load balancer takes to stop sending it new connections (Kubernetes: a few seconds)"`
}

// Server is an HTTP server applying Config.
type Server struct {
	cfg     Config
	srv     *http.Server
	proxies []netip.Prefix
	log     *slog.Logger

	uploads   func(*http.Request) bool
	uploadMax int64
	overLimit func(w http.ResponseWriter, r *http.Request, message string)
	refused   func(w http.ResponseWriter, r *http.Request, status int, message string)

	mu    sync.Mutex
	conns map[netip.Prefix]int
}

// Option adds to a Server what its Config cannot say.
type Option func(*Server)

// Uploads names the requests whose body is an upload (a file of at most
// maxBytes): the body deadline starts at BodyTimeout and moves on by a
// second for every UploadMinRate bytes received, and the write deadline
// (and the request's context) leaves room for the slowest such body.
func Uploads(match func(*http.Request) bool, maxBytes int64) Option {
	return func(s *Server) { s.uploads, s.uploadMax = match, maxBytes }
}

// OverLimit writes the answer to a request on a connection over its
// address's limit (429, Retry-After and Connection: close are set before):
// the handler's own error body, in the language the request asks for.
// Without it, a google.rpc.Status JSON of the server's own.
func OverLimit(write func(w http.ResponseWriter, r *http.Request, message string)) Option {
	return func(s *Server) { s.overLimit = write }
}

// New returns a server for h.
func New(h http.Handler, cfg Config, log *slog.Logger, opts ...Option) (*Server, error) {
	s := &Server{cfg: cfg, conns: map[netip.Prefix]int{}, log: log}
	for _, o := range opts {
		o(s)
	}
	for _, p := range cfg.TrustedProxies {
		prefix, err := config.Prefix(p)
		if err != nil {
			return nil, fmt.Errorf("TRUSTED_PROXIES: %w", err)
		}
		s.proxies = append(s.proxies, prefix)
	}
	s.srv = &http.Server{
		Handler:           s.guard(h),
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ConnContext:       s.connContext,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	return s, nil
}

// Serve serves on lis until ctx ends, then goes on serving for
// ShutdownDelay with keep-alives off (a load balancer that has not yet
// heard of the stop still reaches it, and clients open their next
// connection elsewhere), then stops listening and shuts down gracefully
// within timeout.
func (s *Server) Serve(ctx context.Context, lis net.Listener, timeout time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Serve(&limitListener{Listener: lis, s: s}) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	if s.cfg.ShutdownDelay > 0 {
		s.srv.SetKeepAlivesEnabled(false)
		s.log.Info("stopping: serving on while load balancers let go", slog.Duration("delay", s.cfg.ShutdownDelay))
		select {
		case err := <-errc:
			return err
		case <-time.After(s.cfg.ShutdownDelay):
		}
	}
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := s.srv.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		return s.srv.Close()
	}
	return err
}

// OpenConns is the number of connections counted against client addresses.
func (s *Server) OpenConns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.conns {
		n += c
	}
	return n
}

func (s *Server) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ClientBlock is what a client address is counted by, for connections here
// and for the edge's limits: an IPv4 address by itself, an IPv6 address by
// its /64 (the block one host or subscriber is given), so one host cannot
// pose as 2^64 clients.
func ClientBlock(a netip.Addr) netip.Prefix {
	if a = a.Unmap(); a.Is4() {
		return netip.PrefixFrom(a, 32)
	}
	return netip.PrefixFrom(a, 64).Masked()
}

// acquire counts a new connection from block a; it reports whether a is
// within its limit.
func (s *Server) acquire(a netip.Prefix) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conns[a]++
	return s.cfg.MaxConnsPerIP <= 0 || s.conns[a] <= s.cfg.MaxConnsPerIP
}

func (s *Server) release(a netip.Prefix) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns[a]--; s.conns[a] <= 0 {
		delete(s.conns, a)
	}
}

type limitListener struct {
	net.Listener
	s *Server
}

func (l *limitListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if a := peerAddr(c.RemoteAddr()); a.IsValid() && !l.s.trusted(a) {
		b := ClientBlock(a)
		c = &countedConn{Conn: c, s: l.s, block: b, over: !l.s.acquire(b)}
	}
	if l.s.refused != nil {
		c = &refusingConn{Conn: c, s: l.s, inHead: true}
	}
	return c, nil
}

// countedConn is a connection counted against its client's block.
type countedConn struct {
	net.Conn
	s     *Server
	block netip.Prefix
	over  bool
	once  sync.Once
}

// CloseWrite half-closes the connection (net/http does after a 431).
func (c *countedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.s.release(c.block) })
	return c.Conn.Close()
}

type overLimitKey struct{}

func (s *Server) connContext(ctx context.Context, c net.Conn) context.Context {
	if rc, ok := c.(*refusingConn); ok {
		c = rc.Conn
	}
	if cc, ok := c.(*countedConn); ok && cc.over {
		return context.WithValue(ctx, overLimitKey{}, true)
	}
	return ctx
}

func peerAddr(a net.Addr) netip.Addr {
	if t, ok := a.(*net.TCPAddr); ok {
		ip, _ := netip.AddrFromSlice(t.IP)
		return ip.Unmap()
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

type clientIPKey struct{}

// ClientIP is the address of the client that sent r: the peer, or, when the
// peer is a trusted proxy, the nearest untrusted address of
// X-Forwarded-For. It is "" outside a Server.
func ClientIP(r *http.Request) string {
	ip, _ := r.Context().Value(clientIPKey{}).(string)
	return ip
}

func (s *Server) clientIP(r *http.Request) string {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	a := ap.Addr().Unmap()
	if !s.trusted(a) {
		return a.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		h, ok := hopAddr(hops[i])
		if !ok {
			break
		}
		if h = h.Unmap(); !s.trusted(h) {
			return h.String()
		}
		a = h
	}
	return a.String()
}

// hopAddr reads one X-Forwarded-For entry: an address, or an address with
// its port as some proxies write it (Azure Application Gateway, IIS ARR:
// "198.51.100.7:49152", "[2001:db8::7]:49152"), or an IPv6 address in
// brackets.
func hopAddr(hop string) (netip.Addr, bool) {
	hop = strings.TrimSpace(hop)
	if a, err := netip.ParseAddr(hop); err == nil {
		return a, true
	}
	if ap, err := netip.ParseAddrPort(hop); err == nil {
		return ap.Addr(), true
	}
	if inner, ok := strings.CutPrefix(hop, "["); ok {
		if inner, ok = strings.CutSuffix(inner, "]"); ok {
			if a, err := netip.ParseAddr(inner); err == nil && a.Is6() {
				return a, true
			}
		}
	}
	return netip.Addr{}, false
}

// guard answers connections over their address's limit, sets the body
// deadline and closes connections whose request body a refusal left unread.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(context.WithValue(r.Context(), clientIPKey{}, s.clientIP(r)))
		if over, _ := r.Context().Value(overLimitKey{}).(bool); over {
			w.Header().Set("Connection", "close")
			w.Header().Set("Retry-After", "1")
			msg := "too many connections from " + ClientIP(r) + ": at most " + strconv.Itoa(s.cfg.MaxConnsPerIP) + " at once"
			if s.overLimit != nil {
				s.overLimit(w, r, msg)
			} else {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusTooManyRequests)
				_, _ = io.WriteString(w, `{"code":8,"message":"`+msg+`","details":[]}`)
			}
			_ = http.NewResponseController(w).SetReadDeadline(time.Now()) // no body drain
			return
		}
		// No answer can be written after the write deadline, so the work for
		// it (waiting for a database connection included) ends then.
		if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
			if s.cfg.WriteTimeout > 0 {
				ctx, cancel := context.WithTimeout(r.Context(), s.cfg.WriteTimeout)
				defer cancel()
				r = r.WithContext(ctx)
			}
			next.ServeHTTP(w, r)
			return
		}
		body := &trackedBody{ReadCloser: r.Body, start: time.Now(), grace: s.cfg.BodyTimeout}
		if s.cfg.BodyTimeout > 0 {
			body.rc = http.NewResponseController(w)
			_ = body.rc.SetReadDeadline(body.start.Add(s.cfg.BodyTimeout))
		}
		// slowest is the longest an upload's body may take at its minimum
		// rate beyond BodyTimeout: the write deadline leaves room for it.
		var slowest time.Duration
		if body.rc != nil && s.cfg.UploadMinRate > 0 && s.uploads != nil && s.uploads(r) {
			body.rate = int64(s.cfg.UploadMinRate)
			n := r.ContentLength
			if n < 0 || (s.uploadMax > 0 && n > s.uploadMax) {
				n = s.uploadMax
			}
			slowest = body.allowed(max(n, 0)) - body.grace
		}
		ctx := context.WithValue(r.Context(), bodyKey{}, body)
		if s.cfg.WriteTimeout > 0 {
			if slowest > 0 {
				_ = body.rc.SetWriteDeadline(body.start.Add(s.cfg.WriteTimeout + slowest))
			}
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, s.cfg.WriteTimeout+slowest)
			defer cancel()
		}
		r.Body = body
		r = r.WithContext(ctx)
		next.ServeHTTP(&closingWriter{ResponseWriter: w, body: body}, r)
		if !body.finished() {
			// net/http drains up to 256 KiB of an unread body after the
			// handler, even on a connection it closes; a deadline in the
			// past ends that at once.
			_ = http.NewResponseController(w).SetReadDeadline(time.Now())
		}
	})
}

// trackedBody notes whether the handler read the body to its end, and
// whether it stopped coming in time; an upload's (rate > 0) moves its
// deadline on as it arrives.
type trackedBody struct {
	io.ReadCloser
	rc    *http.ResponseController // nil: no deadline
	start time.Time                // the end of the headers
	grace time.Duration            // BodyTimeout
	rate  int64                    // bytes per second an upload must keep; 0 for other bodies
	read  int64

	mu   sync.Mutex
	done bool
	slow *SlowBodyError
}

// allowed is how long after start a body may take to bring n bytes.
func (b *trackedBody) allowed(n int64) time.Duration {
	if b.rate <= 0 {
		return b.grace
	}
	return b.grace + time.Duration(float64(n)/float64(b.rate)*float64(time.Second))
}

func (b *trackedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.read += int64(n)
	if n > 0 && b.rate > 0 && b.rc != nil && err == nil {
		_ = b.rc.SetReadDeadline(b.start.Add(b.allowed(b.read)))
	}
	if err != nil {
		b.mu.Lock()
		b.done = true // EOF, or an error (deadline): nothing more to wait for
		if errors.Is(err, os.ErrDeadlineExceeded) && b.rc != nil {
			b.slow = &SlowBodyError{Timeout: b.grace, MinRate: b.rate, Read: b.read, err: err}
			err = b.slow
		}
		b.mu.Unlock()
	}
	return n, err
}

func (b *trackedBody) finished() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.done
}

func (b *trackedBody) tooSlow() *SlowBodyError {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.slow
}

// SlowBodyError is the error of a body read that ran into its deadline:
// the client sent too slowly.
type SlowBodyError struct {
	Timeout time.Duration // HTTP_BODY_TIMEOUT
	MinRate int64         // bytes per second an upload had to keep after Timeout; 0 for other bodies
	Read    int64         // bytes received
	err     error
}

func (e *SlowBodyError) Error() string {
	if e.MinRate > 0 {
		return fmt.Sprintf("the request body came too slowly: an upload must arrive at %s per second or faster after its first %s (%d bytes received)",
			bytesText(e.MinRate), e.Timeout, e.Read)
	}
	return fmt.Sprintf("the request body did not arrive within %s (%d bytes received)", e.Timeout, e.Read)
}

func (e *SlowBodyError) Unwrap() error { return e.err }

func bytesText(n int64) string {
	switch {
	case n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

type bodyKey struct{}

// BodyTooSlow returns the error of r's body when reading it ran into its
// deadline (the client sent too slowly; answer 408), else nil.
func BodyTooSlow(r *http.Request) *SlowBodyError {
	if b, ok := r.Context().Value(bodyKey{}).(*trackedBody); ok {
		return b.tooSlow()
	}
	return nil
}

// closingWriter marks the connection to be closed when a response starts
// while the request body is still unread: net/http would otherwise read up
// to 256 KiB of it, at the client's pace, before reusing the connection.
type closingWriter struct {
	http.ResponseWriter
	body    *trackedBody
	started bool
}

func (w *closingWriter) WriteHeader(code int) {
	if !w.started {
		w.started = true
		if !w.body.finished() || w.body.tooSlow() != nil {
			w.ResponseWriter.Header().Set("Connection", "close")
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *closingWriter) Write(p []byte) (int, error) {
	if !w.started {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(p)
}

func (w *closingWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (w *closingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
