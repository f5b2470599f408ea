// Package webhooktest is a webhook receiver for tests: a real HTTP server
// that records every request it gets and answers as the test says, and a
// verifier of Standard Webhooks signatures that is independent of Spona's
// signing code (the `standardwebhooks` npm package, run with node).
package webhooktest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spona/spona/pkg/testkit/loopback"
)

// Request is one request the receiver got.
type Request struct {
	ID        string // webhook-id
	Timestamp string // webhook-timestamp
	Signature string // webhook-signature
	Body      []byte
	At        time.Time
	// Status is what the receiver answered.
	Status int
}

// Event is the decoded body of a webhook.
type Event struct {
	ID        string         `json:"id"` // the event's, as the change feed names it
	Type      string         `json:"type"`
	Timestamp string         `json:"timestamp"`
	Data      map[string]any `json:"data"`
}

// Decode returns the webhook body of r.
func (r Request) Decode(t testing.TB) Event {
	t.Helper()
	var e Event
	if err := json.Unmarshal(r.Body, &e); err != nil {
		t.Fatalf("webhook body is not JSON: %q", r.Body)
	}
	return e
}

// Responder decides the answer to the n-th request (from 1).
type Responder func(n int, r Request) int

// Receiver is a recording webhook endpoint.
type Receiver struct {
	mu       sync.Mutex
	srv      *httptest.Server
	addr     string
	requests []Request
	respond  Responder
	notify   chan struct{}
}

// Start runs a receiver until the test ends; respond (nil: always 204)
// chooses each answer (it runs before the request is recorded).
func Start(t testing.TB, respond Responder) *Receiver {
	t.Helper()
	r := &Receiver{respond: respond, notify: make(chan struct{}, 1)}
	// Its port is outside the ephemeral range, so that no outgoing
	// connection takes it between a Kill and a Restart.
	lis, err := loopback.Listen()
	if err != nil {
		t.Fatal(err)
	}
	r.srv = httptest.NewUnstartedServer(http.HandlerFunc(r.serve))
	r.srv.Listener.Close()
	r.srv.Listener = lis
	r.srv.Start()
	r.addr = lis.Addr().String()
	t.Cleanup(func() {
		r.mu.Lock()
		srv := r.srv
		r.mu.Unlock()
		if srv != nil {
			srv.Close()
		}
	})
	return r
}

// URL is the endpoint to subscribe.
func (r *Receiver) URL() string { return "http://" + r.addr + "/hooks/spona" }

// Kill stops the receiver abruptly: open connections are cut, requests in
// flight get no answer, new ones are refused.
func (r *Receiver) Kill() {
	r.mu.Lock()
	srv := r.srv
	r.srv = nil
	r.mu.Unlock()
	if srv != nil {
		srv.CloseClientConnections()
		srv.Close()
	}
}

// Restart serves again on the same address after Kill.
func (r *Receiver) Restart(t testing.TB) {
	t.Helper()
	var lis net.Listener
	var err error
	for range 50 {
		if lis, err = net.Listen("tcp", r.addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("receiver restart on %s: %v", r.addr, err)
	}
	srv := &httptest.Server{Listener: lis, Config: &http.Server{Handler: http.HandlerFunc(r.serve)}}
	srv.Start()
	r.mu.Lock()
	r.srv = srv
	r.mu.Unlock()
}

// SetResponder replaces the responder.
func (r *Receiver) SetResponder(respond Responder) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.respond = respond
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	rec := Request{ID: req.Header.Get("webhook-id"), Timestamp: req.Header.Get("webhook-timestamp"),
		Signature: req.Header.Get("webhook-signature"), Body: body, At: time.Now()}
	r.mu.Lock()
	n := len(r.requests) + 1
	respond := r.respond
	r.mu.Unlock()
	rec.Status = http.StatusNoContent
	if respond != nil {
		rec.Status = respond(n, rec)
	}
	r.mu.Lock()
	r.requests = append(r.requests, rec)
	r.mu.Unlock()
	select {
	case r.notify <- struct{}{}:
	default:
	}
	w.WriteHeader(rec.Status)
}

// Requests returns what the receiver got so far, in arrival order.
func (r *Receiver) Requests() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Request(nil), r.requests...)
}

// Succeeded returns the requests answered with 2xx, in arrival order.
func (r *Receiver) Succeeded() []Request {
	var out []Request
	for _, q := range r.Requests() {
		if q.Status >= 200 && q.Status < 300 {
			out = append(out, q)
		}
	}
	return out
}

// WaitFor waits until done holds for the requests received (checked after
// each request), failing the test after timeout.
func (r *Receiver) WaitFor(t testing.TB, timeout time.Duration, what string, done func([]Request) bool) []Request {
	t.Helper()
	deadline := time.After(timeout)
	for {
		reqs := r.Requests()
		if done(reqs) {
			return reqs
		}
		select {
		case <-r.notify:
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			t.Fatalf("waiting %s for %s: got %d requests", timeout, what, len(reqs))
		}
	}
}

// standardwebhooks is the pinned version of the npm package the verifier uses.
const standardwebhooks = "standardwebhooks@1.3.0"

const verifyScript = `
const { Webhook } = require("standardwebhooks");
const rl = require("readline").createInterface({ input: process.stdin });
rl.on("line", (line) => {
  const m = JSON.parse(line);
  try {
    new Webhook(m.secret).verify(Buffer.from(m.body, "base64").toString("utf8"), {
      "webhook-id": m.id, "webhook-timestamp": m.timestamp, "webhook-signature": m.signature,
    });
    console.log("ok");
  } catch (e) {
    console.log("fail: " + e.message);
  }
});
`

// nodeDir installs the npm package once per machine (in the user's cache)
// and returns the directory to run the verifier in.
func nodeDir(t testing.TB) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("node is needed to verify webhook signatures independently (tools/setup.sh, run by make test, installs it): %v", err)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(cache, "spona", "node-"+strings.ReplaceAll(standardwebhooks, "@", "-"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "standardwebhooks", "package.json")); err != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, "npm", "install", "--no-audit", "--no-fund", "--prefix", dir, standardwebhooks).CombinedOutput()
		if err != nil {
			t.Fatalf("npm install %s: %v\n%s", standardwebhooks, err, out)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "verify.js"), []byte(verifyScript), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Verify checks the signature of every request with the standardwebhooks
// npm package (which also refuses a timestamp more than 5 minutes off),
// trying each of secrets; it fails the test for any request that does not
// verify with one of them.
func Verify(t testing.TB, secrets []string, reqs []Request) {
	t.Helper()
	if len(reqs) == 0 {
		t.Fatal("no requests to verify")
	}
	dir := nodeDir(t)
	var in bytes.Buffer
	for _, r := range reqs {
		for _, s := range secrets {
			line, _ := json.Marshal(map[string]string{"secret": s, "id": r.ID, "timestamp": r.Timestamp,
				"signature": r.Signature, "body": base64.StdEncoding.EncodeToString(r.Body)})
			in.Write(append(line, '\n'))
		}
	}
	cmd := exec.Command("node", "verify.js")
	cmd.Dir = dir
	cmd.Stdin = &in
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node verify.js: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for _, r := range reqs {
		var verdicts []string
		ok := false
		for range secrets {
			if !sc.Scan() {
				t.Fatalf("node verify.js answered %d lines for %d requests", strings.Count(string(out), "\n"), len(reqs))
			}
			verdicts = append(verdicts, sc.Text())
			ok = ok || sc.Text() == "ok"
		}
		if !ok {
			t.Errorf("webhook %s (timestamp %s, signature %q) does not verify: %v", r.ID, r.Timestamp, r.Signature, verdicts)
		}
	}
}

// VerifyEach is Verify with one secret per request (e.g. after a rotation).
func VerifyEach(t testing.TB, secret string, reqs ...Request) {
	t.Helper()
	Verify(t, []string{secret}, reqs)
}

// String describes a request for failure messages.
func (r Request) String() string {
	return fmt.Sprintf("%s %s %s", r.ID, r.Timestamp, r.Body)
}
