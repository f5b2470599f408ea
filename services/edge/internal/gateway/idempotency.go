package gateway

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/etag"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/logging"
	"github.com/spona/spona/pkg/validate"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// IdempotencyKeyHeader is the header partners send with a write so that a
// retry returns the first response instead of acting twice.
const IdempotencyKeyHeader = "Idempotency-Key"

// ReplayedHeader marks a response replayed from the idempotency store.
const ReplayedHeader = "Idempotent-Replayed"

// IdempotencyRecord is a write and, once it finished, its response.
type IdempotencyRecord struct {
	ClientID, Key string
	// OrganisationID is the caller's organisation. A client is usually one
	// organisation's, but an OIDC client may act for several (its token
	// names the organisation): its key used for another organisation is
	// another request.
	OrganisationID string
	Method, Path   string
	BodyHash       []byte
	Done           bool // the response below is final
	Status         int
	Header         http.Header
	Body           []byte
}

// Same reports whether r and o are the same request, for the same
// organisation (a record from before organisations were recorded has
// none).
func (r *IdempotencyRecord) Same(o *IdempotencyRecord) bool {
	return r.Method == o.Method && r.Path == o.Path && bytes.Equal(r.BodyHash, o.BodyHash) &&
		(r.OrganisationID == "" || o.OrganisationID == "" || strings.EqualFold(r.OrganisationID, o.OrganisationID))
}

// IdempotencyStore keeps idempotency records.
type IdempotencyStore interface {
	// Acquire records rec as in flight, held for lock. It returns
	// acquired=true when this attempt owns the key (new, expired, or a
	// stale in-flight attempt of the same request); otherwise the record
	// that holds it.
	Acquire(ctx context.Context, rec *IdempotencyRecord, lock time.Duration) (existing *IdempotencyRecord, acquired bool, err error)
	// Complete stores the final response of an acquired record.
	Complete(ctx context.Context, rec *IdempotencyRecord) error
	// Release forgets an in-flight attempt, so a retry runs again.
	Release(ctx context.Context, clientID, key string) error
	// Extend holds an in-flight attempt for lock more.
	Extend(ctx context.Context, clientID, key string, lock time.Duration) error
}

// maxReplayBody bounds the responses kept for replay; larger ones (exports)
// are not stored, and a retry runs again (creates still dedupe by request
// id in the services).
const maxReplayBody = 1 << 20

var replayHeaders = []string{"Content-Type", "Content-Disposition", "Etag", "Location"}

type idempotency struct {
	store IdempotencyStore
	log   *slog.Logger
	lock  time.Duration
	// unreleased holds keys whose release failed (the store was down);
	// they are released again before anyone is told the key is in use.
	mu         sync.Mutex
	unreleased map[[2]string]bool
}

// AcceptsIdempotencyKey reports whether requests with method may carry an
// Idempotency-Key: every write, on every route (the OpenAPI documents
// declare the header on each; tools/openapi/convert.mjs).
func AcceptsIdempotencyKey(method string) bool {
	return method != http.MethodGet && method != http.MethodHead
}

// applies reports whether r is a write with an Idempotency-Key that i
// answers (a nil i answers none). An empty key is one (serve refuses it):
// a client that sends the header means its write to be safe to retry, and
// a write taken without a key would be made again by its retry.
func (i *idempotency) applies(r *http.Request) bool {
	return i != nil && AcceptsIdempotencyKey(r.Method) && len(r.Header.Values(IdempotencyKeyHeader)) > 0
}

// serve runs next for a write with an Idempotency-Key (applies), or answers
// it from the first attempt's record. An answer notKept says so (one that
// carries a secret, which must not sit in the edge's tables in the clear;
// an upload's, which quotes cells an erasure could not find here: see
// Route.NotKept) is not kept: the key is held only while next runs and
// then released, as after a 5xx, so a retry runs again and the service
// answers it from the request id the key became (grpcx.RequestID).
func (i *idempotency) serve(w http.ResponseWriter, r *http.Request, notKept func(answer []byte) bool, next http.HandlerFunc) {
	key := r.Header.Get(IdempotencyKeyHeader)
	if !validate.IsRequestID(key) {
		// A field violation naming the header, as a bad purpose header
		// names its own.
		writeStatus(w, r, status.Convert(grpcx.ToStatus(r.Context(), i.log, &errs.Error{Kind: errs.KindInvalidArgument,
			Message:    "Idempotency-Key must be 1 to 255 printable ASCII characters",
			Violations: []errs.FieldViolation{{Field: IdempotencyKeyHeader, Description: "must be 1 to 255 printable ASCII characters"}}})))
		return
	}
	body, err := readBody(r)
	if err != nil {
		if tooSlow(w, r) {
			return
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeStatusCode(w, r, http.StatusRequestEntityTooLarge, bodyTooLarge(mbe.Limit))
			return
		}
		writeStatus(w, r, status.New(codes.InvalidArgument, "could not read the request body"))
		return
	}
	// Handed on as read (an upload's decoder takes the bytes as they are).
	buffered := &bufferedBody{Reader: bytes.NewReader(body), data: body}
	if u, ok := r.Body.(*uploadBody); ok {
		r.Body = &uploadBody{ReadCloser: buffered, contentType: u.contentType, size: int64(len(body)), query: u.query}
	} else {
		r.Body = buffered
	}
	p, _ := principalFrom(r)
	rec := &IdempotencyRecord{ClientID: p.ClientID, OrganisationID: p.OrganisationID, Key: key, Method: r.Method, Path: r.URL.RequestURI(),
		BodyHash: requestHash(body, r.Header.Values(IfMatchHeader))}

	existing, acquired, err := i.acquire(r.Context(), rec)
	if err != nil {
		i.log.WarnContext(r.Context(), "idempotency store", logging.Err(err))
		writeStatus(w, r, edgeStatus(codes.Unavailable, grpcx.ReasonUnavailable, "idempotency store unavailable; retry with the same key"))
		return
	}
	if !acquired {
		i.answerExisting(w, r, rec, existing)
		return
	}
	rw := &recorder{ResponseWriter: w, status: http.StatusOK}
	completed := false
	defer func() {
		if !completed {
			i.release(r.Context(), rec)
		}
	}()
	held := i.hold(r.Context(), rec)
	// A client that gives up (its own timeout, a dropped connection) does
	// not cancel the write: it goes on to its end, within the request's
	// deadline, so that the retry the key is for gets its answer (in
	// progress until then), instead of a cancellation.
	run, stop := detached(r.Context())
	next.ServeHTTP(rw, r.WithContext(run))
	stop()
	held()
	if !final(rw.status, rw.Header()) || rw.overflow || notKept(rw.buf.Bytes()) {
		return
	}
	rec.Done, rec.Status, rec.Body = true, rw.status, rw.buf.Bytes()
	rec.Header = http.Header{}
	for _, h := range replayHeaders {
		if v := w.Header().Values(h); len(v) > 0 {
			rec.Header[h] = v
		}
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
	defer cancel()
	if err := i.store.Complete(ctx, rec); err != nil {
		i.log.WarnContext(r.Context(), "idempotency store: response not kept", logging.Err(err))
		return // released by the deferred call
	}
	completed = true
}

// requestHash is the identity of a write's body and If-Match under an
// Idempotency-Key. The etag of If-Match is part of the request, as the
// body's is: a retry under the same key against another version is another
// request (422), not the first one's answer. Both are taken by the version
// they name, as they are checked (etag.Match): a retry that sends the etag
// of the same version as read at another moment (W/"7", then W/"7-overdue"
// once the referral read overdue, or "7") is the same request and gets the
// first answer. The tags of one version are written as etag.Of writes
// them, so the identity of a request sending those is the one stored
// before this normalisation.
func requestHash(body []byte, ifMatch []string) []byte {
	h := sha256.New()
	h.Write(versionedBodyEtag(body))
	if len(ifMatch) > 0 {
		var tags []string
		for _, t := range headerTags(http.Header{IfMatchHeader: ifMatch}, IfMatchHeader) {
			if n, ok := etag.Version(t); ok {
				t = etag.Of(n)
			}
			tags = append(tags, t)
		}
		h.Write([]byte("\x00" + IfMatchHeader + ": " + strings.Join(tags, ", ")))
	}
	return h.Sum(nil)
}

// versionedBodyEtag returns body with its etag (the top-level "etag" of a
// JSON object: an action's, or the resource an update sends) written as
// the etag of the version it names, when it names one in a derived state
// (etag.OfState); otherwise body as it is.
func versionedBodyEtag(body []byte) []byte {
	if !bytes.Contains(body, []byte(`"etag"`)) {
		return body
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		return body
	}
	raw, ok := fields["etag"]
	var tag string
	if !ok || json.Unmarshal(raw, &tag) != nil || !etag.WellFormed(tag) {
		return body
	}
	n, _ := etag.Version(tag)
	if tag == etag.Of(n) {
		return body
	}
	plain, err := json.Marshal(etag.Of(n))
	if err != nil {
		return body
	}
	return bytes.Replace(body, raw, plain, 1)
}

// detached is ctx without its cancellation (the client leaving), keeping
// its deadline and values.
func detached(ctx context.Context) (context.Context, context.CancelFunc) {
	d := context.WithoutCancel(ctx)
	if deadline, ok := ctx.Deadline(); ok {
		return context.WithDeadline(d, deadline)
	}
	return context.WithCancel(d)
}

// final reports whether an answer is the one every retry of the request
// must get: a success or a refusal of the request itself (2xx, 4xx). Not a
// 5xx (a service or PostgreSQL down), an answer that asks to be retried
// later (Retry-After: an upload in progress, a rate limit), or a call
// cancelled (499).
func final(status int, header http.Header) bool {
	switch {
	case status == 499, header.Get("Retry-After") != "":
		return false
	}
	return (status >= 200 && status < 300) || (status >= 400 && status < 500)
}

// readBody reads a request body into one buffer, sized by Content-Length
// when it is given (a 20 MiB upload is not grown by doubling).
func readBody(r *http.Request) ([]byte, error) { return readSized(r.Body, r.ContentLength) }

// readSized reads r to its end into one buffer of size bytes (and room to
// see the end) when size is known, growing it only if r is longer.
func readSized(r io.Reader, size int64) ([]byte, error) {
	var buf bytes.Buffer
	if size > 0 && size < 1<<30 {
		buf.Grow(int(size) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(r)
	return buf.Bytes(), err
}

func (i *idempotency) acquire(ctx context.Context, rec *IdempotencyRecord) (*IdempotencyRecord, bool, error) {
	id := [2]string{rec.ClientID, rec.Key}
	i.mu.Lock()
	stale := i.unreleased[id]
	i.mu.Unlock()
	if stale {
		if err := i.store.Release(ctx, rec.ClientID, rec.Key); err != nil {
			return nil, false, err
		}
		i.forgetUnreleased(id)
	}
	return i.store.Acquire(ctx, rec, i.lock)
}

// hold keeps rec's key held while its attempt runs, however long that is
// (an upload, a write waiting for a row or a connection): every third of
// the lock it is extended, so the lock runs out only when the edge holding
// it stopped (crashed, or cut off from the database). A retry meanwhile,
// at this edge or another, is told the attempt is in progress instead of
// running the write beside it. The returned func stops holding.
func (i *idempotency) hold(ctx context.Context, rec *IdempotencyRecord) func() {
	if i.lock <= 0 {
		return func() {}
	}
	ctx = context.WithoutCancel(ctx)
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(i.lock / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			c, cancel := context.WithTimeout(ctx, i.lock/3)
			if err := i.store.Extend(c, rec.ClientID, rec.Key, i.lock); err != nil {
				i.log.WarnContext(c, "idempotency store: key not held longer", logging.Err(err))
			}
			cancel()
		}
	}()
	return func() { close(stop); <-done }
}

func (i *idempotency) forgetUnreleased(id [2]string) {
	i.mu.Lock()
	delete(i.unreleased, id)
	i.mu.Unlock()
}

// release forgets an attempt that did not finish with a final response
// (5xx, UNAVAILABLE, a panic), so the client's retry runs. When the store
// is down too, it keeps trying in the background until the lock expires.
func (i *idempotency) release(ctx context.Context, rec *IdempotencyRecord) {
	ctx = context.WithoutCancel(ctx)
	try := func() bool {
		c, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		return i.store.Release(c, rec.ClientID, rec.Key) == nil
	}
	if try() {
		return
	}
	id := [2]string{rec.ClientID, rec.Key}
	i.mu.Lock()
	if i.unreleased == nil {
		i.unreleased = map[[2]string]bool{}
	}
	i.unreleased[id] = true
	i.mu.Unlock()
	go func() {
		deadline := time.Now().Add(i.lock)
		for time.Now().Before(deadline) {
			time.Sleep(250 * time.Millisecond)
			if try() {
				break
			}
		}
		i.forgetUnreleased(id)
	}()
}

func (i *idempotency) answerExisting(w http.ResponseWriter, r *http.Request, rec, existing *IdempotencyRecord) {
	switch {
	case !existing.Same(rec):
		// As a service says it of a request id reused for another
		// create: the same reason, so that a client tells the two apart
		// from other 422s alike, and said in the caller's language.
		reused := errs.RequestIDReused("send a different request (another method, path, body or If-Match)")
		writeStatusCode(w, r, http.StatusUnprocessableEntity, status.Convert(grpcx.ToStatus(r.Context(), i.log, reused)))
	case !existing.Done:
		w.Header().Set("Retry-After", "1")
		inProgress := &errs.Error{Kind: errs.KindAborted, Reason: errs.ReasonRequestInProgress,
			Message: "a request with this Idempotency-Key is in progress; retry later"}
		writeStatus(w, r, status.Convert(grpcx.ToStatus(r.Context(), i.log, inProgress)))
	default:
		for k, v := range existing.Header {
			w.Header()[k] = v
		}
		w.Header().Set(ReplayedHeader, "true")
		if st, ok := keptRefusal(existing); ok {
			// Said again in the retry's language.
			writeStatusCode(w, r, existing.Status, st)
			return
		}
		w.WriteHeader(existing.Status)
		_, _ = w.Write(existing.Body)
	}
}

// keptRefusal is the refusal a kept 4xx answer holds (a google.rpc.Status
// JSON body, as writeStatusCode wrote it for the first attempt), so that
// writeStatusCode says it again with its localized messages, the status's
// and its field violations', in the language the retry asks for, as a
// first answer to the retry would say them; its code, English message,
// reason and fields stay as kept. ok is false for any other answer.
func keptRefusal(rec *IdempotencyRecord) (*status.Status, bool) {
	if rec.Status < 400 {
		return nil, false
	}
	var p spb.Status
	if err := marshaler.Unmarshal(rec.Body, &p); err != nil {
		return nil, false
	}
	return status.FromProto(&p), true
}

// recorder passes a response through and keeps a copy for replay.
type recorder struct {
	http.ResponseWriter
	status   int
	wrote    bool
	buf      bytes.Buffer
	overflow bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	if !r.overflow {
		if r.buf.Len()+len(b) > maxReplayBody {
			r.overflow = true
			r.buf = bytes.Buffer{}
		} else {
			r.buf.Write(b)
		}
	}
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
