package service_test

import (
	"strconv"
	"testing"

	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/oidctest"
	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
	"github.com/spona/spona/services/edge/service"
)

// BenchmarkEdge measures what the edge's features cost per request, through
// the real edge, services and PostgreSQL. Compare the sub-benchmarks of one
// run: create without a key is the baseline for Idempotency-Key, list with
// an API key the baseline for OIDC and the rate limiter.
func BenchmarkEdge(b *testing.B) {
	iss, s := startWithOIDC(b)
	k := s.CreateKey(b, "bench", "Bench NGO")
	limited := edgetest.Start(b, func(c *service.Config) { c.RateLimitRPS, c.RateLimitBurst = 1e9, 1e9 })
	lk := limited.CreateKey(b, "bench", "Bench NGO")
	c := resttest.New(s.URL, k.Key)
	tok := iss.Token(b, "", oidctest.Claims{Organisation: k.Organisation, Scope: "beneficiaries.read beneficiaries.write"})
	body := `{"given_name": "Bench"}`

	b.Run("create", func(b *testing.B) {
		for b.Loop() {
			c.Do(b, "POST", "/v1/beneficiaries", body).Must(b, 200)
		}
	})
	b.Run("create+Idempotency-Key", func(b *testing.B) {
		prefix, i := ids.New(), 0 // unique across -count runs: never a replay
		for b.Loop() {
			i++
			c.Do(b, "POST", "/v1/beneficiaries", body, "Idempotency-Key", prefix+"-"+strconv.Itoa(i)).Must(b, 200)
		}
	})
	b.Run("replay", func(b *testing.B) {
		c.Do(b, "POST", "/v1/beneficiaries", body, "Idempotency-Key", "bench-replay").Must(b, 200)
		for b.Loop() {
			c.Do(b, "POST", "/v1/beneficiaries", body, "Idempotency-Key", "bench-replay").Must(b, 200)
		}
	})
	b.Run("get/api-key", func(b *testing.B) {
		for b.Loop() {
			c.Do(b, "GET", "/v1/beneficiaries?page_size=1", nil).Must(b, 200)
		}
	})
	b.Run("get/oidc-RS256", func(b *testing.B) {
		oc := c.As(tok)
		for b.Loop() {
			oc.Do(b, "GET", "/v1/beneficiaries?page_size=1", nil).Must(b, 200)
		}
	})
	b.Run("get/api-key+rate-limiter", func(b *testing.B) {
		lc := resttest.New(limited.URL, lk.Key)
		for b.Loop() {
			lc.Do(b, "GET", "/v1/beneficiaries?page_size=1", nil).Must(b, 200)
		}
	})
}
