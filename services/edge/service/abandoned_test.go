package service_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
)

// TestIdempotencyKeyRetryAfterClientGaveUp: a partner's client gives up
// on a write with an Idempotency-Key (its own timeout, a dropped
// connection) while the write waits for a row, and retries with the same
// key, as the key is meant for. The write goes on to its end: while it
// runs the retry is told it is in progress (409), then it gets the write's
// own answer, and the change is made once. (It used to get "499 context
// canceled" replayed for 24 hours, and the change was never made.)
func TestIdempotencyKeyRetryAfterClientGaveUp(t *testing.T) {
	s := edgetest.Start(t, nil)
	c := resttest.New(s.URL, s.CreateKey(t, "partner", "Impatient NGO").Key)
	b := c.Do(t, "POST", "/v1/beneficiaries", `{"given_name": "Amina"}`).Must(t, 200)
	id := b.Str("id")
	patch := `{"family_name": "Hadžić", "etag": ` + quote(b.Str("etag")) + `}`

	// The row is locked: the PATCH waits for it.
	tx := pgtest.Locked(t, s.DatabaseURL, `SELECT 1 FROM beneficiaries.beneficiaries WHERE id = $1 FOR UPDATE`, id)
	conn := pgtest.Connect(t, s.DatabaseURL)
	ctx, giveUp := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "PATCH", s.URL+"/v1/beneficiaries/"+id, strings.NewReader(patch))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.Key)
	req.Header.Set("Idempotency-Key", "patch-1")
	first := pgtest.Go(func() error {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	})
	pgtest.Until(t, conn, "the PATCH to wait for the row", `SELECT `+pgtest.WaitingSessions+` > 0`)
	giveUp()
	if err := first.Wait(); err == nil {
		t.Fatal("the abandoned request got an answer")
	}

	// While the write still waits, a retry is told it is in progress,
	// with a reason of its own and, in the caller's language, to send it
	// again (before: no reason, and the text of a conflict, "read the
	// resource again and retry", which a client could not tell from a
	// stale etag's).
	for range 20 {
		r := c.Do(t, "PATCH", "/v1/beneficiaries/"+id, patch, "Idempotency-Key", "patch-1", "Accept-Language", "bs")
		if r.Status != http.StatusConflict || r.Header.Get("Retry-After") == "" {
			t.Fatalf("retry while the abandoned write waits: HTTP %d %s, want 409 with Retry-After", r.Status, r.Raw)
		}
		if _, msg, _ := localized(t, r); reasonOf(r) != "REQUEST_IN_PROGRESS" ||
			msg != "Zahtjev s ovim Idempotency-Key još se izvršava; pošaljite isti zahtjev ponovo za trenutak." {
			t.Fatalf("retry while the abandoned write waits: %s, want reason REQUEST_IN_PROGRESS saying so in bs", r.Raw)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := tx.Rollback(context.Background()); err != nil {
		t.Fatal(err)
	}
	var r resttest.Response
	for {
		r = c.Do(t, "PATCH", "/v1/beneficiaries/"+id, patch, "Idempotency-Key", "patch-1")
		if r.Status != http.StatusConflict || r.Str("message") != "a request with this Idempotency-Key is in progress; retry later" {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	r.Must(t, 200)
	if r.Str("family_name") != "Hadžić" || r.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("retry after the write finished: %v %s, want the write's own answer, replayed", r.Header, r.Raw)
	}
	if got := c.Do(t, "GET", "/v1/beneficiaries/"+id, nil).Must(t, 200); got.Str("family_name") != "Hadžić" || got.Str("etag") != r.Str("etag") {
		t.Errorf("after the retry: %s", got.Raw)
	}
}

// reasonOf returns the ErrorInfo reason of an error answer.
func reasonOf(r resttest.Response) string {
	reason, _ := errorInfo(r)["reason"].(string)
	return reason
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }
