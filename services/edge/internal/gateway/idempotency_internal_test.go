package gateway

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spona/spona/pkg/auth"
)

// memRecords is an IdempotencyStore in memory (no lock expiry).
type memRecords struct {
	mu   sync.Mutex
	recs map[[2]string]*IdempotencyRecord
}

func (m *memRecords) Acquire(_ context.Context, rec *IdempotencyRecord, _ time.Duration) (*IdempotencyRecord, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if held := m.recs[[2]string{rec.ClientID, rec.Key}]; held != nil {
		return held, false, nil
	}
	m.recs[[2]string{rec.ClientID, rec.Key}] = rec
	return nil, true, nil
}

func (m *memRecords) Complete(_ context.Context, rec *IdempotencyRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	done := *rec
	m.recs[[2]string{rec.ClientID, rec.Key}] = &done
	return nil
}

func (m *memRecords) Release(_ context.Context, clientID, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.recs, [2]string{clientID, key})
	return nil
}

func (m *memRecords) Extend(context.Context, string, string, time.Duration) error { return nil }

// TestAnswersToRetryAreNotKept: an answer that asks the client to retry
// (Retry-After: a 409 for an upload still being read, a 429) or that a
// cancelled call got (499) is not what the retry must get: the key is
// released and the retry runs again.
func TestAnswersToRetryAreNotKept(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		header string
	}{
		{"in progress", http.StatusConflict, "1"},
		{"too many requests", http.StatusTooManyRequests, "2"},
		{"cancelled", 499, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			i := &idempotency{store: &memRecords{recs: map[[2]string]*IdempotencyRecord{}}, log: slog.New(slog.DiscardHandler), lock: time.Minute}
			runs := 0
			next := func(w http.ResponseWriter, r *http.Request) {
				runs++
				if runs == 1 {
					if tc.header != "" {
						w.Header().Set("Retry-After", tc.header)
					}
					w.WriteHeader(tc.status)
					return
				}
				w.WriteHeader(http.StatusOK)
			}
			for attempt := 1; attempt <= 2; attempt++ {
				r := httptest.NewRequest("POST", "/v1/beneficiaries", strings.NewReader(`{"given_name": "Amina"}`))
				r.Header.Set(IdempotencyKeyHeader, "k-1")
				r = actingAs(r, auth.Principal{OrganisationID: "org", ClientID: "client"})
				w := httptest.NewRecorder()
				i.serve(w, r, func([]byte) bool { return false }, next)
				if attempt == 2 && (runs != 2 || w.Code != http.StatusOK || w.Header().Get(ReplayedHeader) != "") {
					t.Errorf("retry after HTTP %d: ran %d times, answered %d %v", tc.status, runs, w.Code, w.Header())
				}
			}
		})
	}
}
