package service_test

import (
	"context"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/services/edge/edgetest"
)

// lookups counts the requests of this process waiting for a look-up of
// an API key in the edge's store (running it, or waiting for a shared one).
func lookups() int {
	buf := make([]byte, 8<<20)
	n := 0
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		if strings.Contains(g, "keys.(*Verifier).lookup(") &&
			(strings.Contains(g, " [select") || strings.Contains(g, "singleflight.(*Group).Do(")) {
			n++
		}
	}
	return n
}

// TestKeyLookupSharedWithACallerWhoLeaves: two requests with one key (a
// partner's workers sharing it) arrive while the key is not cached, so the
// second joins the first one's look-up; the first client goes away. The
// second request is still answered: the look-up is not the first
// request's to cancel.
func TestKeyLookupSharedWithACallerWhoLeaves(t *testing.T) {
	s := edgetest.Start(t, nil)
	k := s.CreateKey(t, "partner", "Shared Key NGO")
	bg := context.Background()
	conn, err := pgx.Connect(bg, s.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(bg)
	// The look-ups wait while the keys' table is locked.
	tx, err := conn.Begin(bg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(bg) }()
	if _, err := tx.Exec(bg, `LOCK TABLE edge.api_keys IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	get := func(ctx context.Context, out chan<- int) {
		req, _ := http.NewRequestWithContext(ctx, "GET", s.URL+"/v1/beneficiaries", nil)
		req.Header.Set("Authorization", "Bearer "+k.Key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			out <- 0
			return
		}
		resp.Body.Close()
		out <- resp.StatusCode
	}
	await := func(what string, ok func(int) bool) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); !ok(lookups()); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d look-ups", what, lookups())
			}
		}
	}
	actx, leave := context.WithCancel(bg)
	a, b := make(chan int, 1), make(chan int, 1)
	go get(actx, a)
	await("the first request's look-up", func(n int) bool { return n == 1 })
	go get(bg, b)
	await("the second request joining it", func(n int) bool { return n == 2 })
	leave()
	<-a
	await("the first request's end", func(n int) bool { return n < 2 })
	if err := tx.Rollback(bg); err != nil {
		t.Fatal(err)
	}
	if code := <-b; code != http.StatusOK {
		t.Errorf("the request sharing the look-up of a client who left: %d, want 200", code)
	}
}
