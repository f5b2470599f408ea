package e2e

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestRevocationReachesEveryEdge: two edge processes share the database,
// both with the key cached (KEY_CACHE_TTL ten minutes, so only the
// PostgreSQL notification can explain a quick refusal). A key revoked
// through one edge's REST API, one revoked with the `edge keys revoke`
// command and one revoked by hand in SQL are refused by both edges; the
// time from the revocation to each edge's first refusal is measured.
func TestRevocationReachesEveryEdge(t *testing.T) {
	s := startSystem(t, "KEY_CACHE_TTL=10m")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	replica, err := s.stack.StartReplica(ctx, "edge")
	if err != nil {
		t.Fatalf("second edge: %v\n%s", err, s.logs.String())
	}
	edges := map[string]string{"edge": s.stack.URL(), replica: s.stack.URLOf(replica)}
	adminKey, err := s.stack.CreateAdminKey(ctx, "ops")
	if err != nil {
		t.Fatal(err)
	}
	keyID := func(key string) string {
		t.Helper()
		l := s.call(t, "GET", "/v1/apiKeys?page_size=500", adminKey, nil).must(t, 200)
		for _, k := range l.Body["api_keys"].([]any) {
			m := k.(map[string]any)
			if strings.HasPrefix(key, m["prefix"].(string)+"_") {
				return m["id"].(string)
			}
		}
		t.Fatalf("key not listed: %s", l.Raw)
		return ""
	}
	orgOf := func(key string) string {
		l := s.call(t, "GET", "/v1/apiKeys/"+keyID(key), adminKey, nil).must(t, 200)
		return l.str("organisation_id")
	}
	newKey := func() string {
		r := s.call(t, "POST", "/v1/apiKeys", adminKey, map[string]any{"reason": "test",
			"api_key": map[string]any{"display_name": "revocable", "organisation_id": orgOf(s.keyA)}}).must(t, 200)
		return r.str("secret")
	}

	client := &http.Client{Timeout: 5 * time.Second}
	get := func(base, key string) int {
		req, _ := http.NewRequest("GET", base+"/v1/beneficiaries?page_size=1", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := client.Do(req)
		if err != nil {
			t.Errorf("GET %s: %v", base, err)
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// revokeAndWatch revokes key with revoke once both edges answer it from
	// their caches, and returns how long each edge took to refuse it.
	var (
		latMu sync.Mutex
		lat   []time.Duration
	)
	revokeAndWatch := func(how string, key string, revoke func()) {
		t.Helper()
		for name, base := range edges {
			for range 3 {
				if st := get(base, key); st != 200 {
					t.Fatalf("%s: key refused before revocation by %s: %d", how, name, st)
				}
			}
		}
		var wg sync.WaitGroup
		start := make(chan time.Time)
		for name, base := range edges {
			wg.Add(1)
			go func() {
				defer wg.Done()
				t0 := <-start
				for time.Since(t0) < 30*time.Second {
					if get(base, key) == 401 {
						d := time.Since(t0)
						t.Logf("%-28s refused by %-7s %6.1f ms after the revocation committed", how, name, float64(d.Microseconds())/1000)
						latMu.Lock()
						lat = append(lat, d)
						latMu.Unlock()
						return
					}
					time.Sleep(2 * time.Millisecond)
				}
				t.Errorf("%s: %s still accepts the key 30 s after the revocation (cache TTL 10 min)", how, name)
			}()
		}
		revoke()
		now := time.Now()
		for range edges {
			start <- now
		}
		wg.Wait()
	}

	k1 := newKey()
	revokeAndWatch("REST on the first edge", k1, func() {
		s.call(t, "POST", "/v1/apiKeys/"+keyID(k1)+":revoke", adminKey, map[string]any{"reason": "test"}).must(t, 200)
	})
	k2 := newKey()
	id2 := keyID(k2)
	revokeAndWatch("edge keys revoke (command)", k2, func() {
		if _, err := s.stack.Edge(ctx, "keys", "revoke", "-id", id2, "-reason", "test"); err != nil {
			t.Fatal(err)
		}
	})
	k3 := newKey()
	id3 := keyID(k3)
	revokeAndWatch("UPDATE by hand in SQL", k3, func() {
		s.sql(t, `UPDATE edge.api_keys SET revoke_time = now() WHERE id = $1`, id3)
	})
	k4 := newKey()
	revokeAndWatch("rotation without overlap", k4, func() {
		s.call(t, "POST", "/v1/apiKeys/"+keyID(k4)+":rotate", adminKey, map[string]any{"overlap": "0s"}).must(t, 200)
	})
	if len(lat) == 8 {
		slices.Sort(lat)
		t.Logf("revocation to refusal over %d observations: median %s, max %s", len(lat), lat[len(lat)/2].Round(100*time.Microsecond), lat[len(lat)-1].Round(100*time.Microsecond))
	}
	// The other keys are untouched on both edges.
	for _, base := range edges {
		if st := get(base, s.keyA); st != 200 {
			t.Errorf("an unrelated key is refused: %d", st)
		}
	}
}
