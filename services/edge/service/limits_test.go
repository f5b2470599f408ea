package service_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
	"github.com/spona/spona/services/edge/service"
)

// hideKeys renames the edge's key table for the rest of the test (or until
// showKeys): from then on, any key lookup that reaches PostgreSQL fails
// (503), so an answer of 401 or 429 proves no query was made.
func hideKeys(t *testing.T, dbURL string) {
	t.Helper()
	renameKeys(t, dbURL, "api_keys", "api_keys_hidden")
}

func showKeys(t *testing.T, dbURL string) {
	t.Helper()
	renameKeys(t, dbURL, "api_keys_hidden", "api_keys")
}

func renameKeys(t *testing.T, dbURL, from, to string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `ALTER TABLE edge.`+from+` RENAME TO `+to); err != nil {
		t.Fatal(err)
	}
}

// cacheKey asks with c's key until the edge answers it from its cache
// (proved with the key table hidden): a key's first answer may come from a
// look-up the key's creation notice overtook, which is not cached.
func cacheKey(t *testing.T, c *resttest.Client, dbURL string) {
	t.Helper()
	for range 10 {
		c.Do(t, "GET", "/v1/beneficiaries", nil).Must(t, 200)
		hideKeys(t, dbURL)
		st := c.Do(t, "GET", "/v1/beneficiaries", nil).Status
		showKeys(t, dbURL)
		if st == 200 {
			return
		}
	}
	t.Fatal("the edge never caches the key")
}

const madeUpKey = "spona_aaaaaaaa_" + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

func TestUnknownKeysAreRemembered(t *testing.T) {
	s := edgetest.Start(t, nil)
	c := resttest.New(s.URL, madeUpKey)
	c.Do(t, "GET", "/v1/beneficiaries", nil).Must(t, 401)
	hideKeys(t, s.DatabaseURL)
	for range 20 {
		if r := c.Do(t, "GET", "/v1/beneficiaries", nil); r.Status != 401 {
			t.Fatalf("repeated unknown key: %d %s (a 503 means it was looked up again)", r.Status, r.Raw)
		}
	}
	// Another made-up id is looked up (and now fails, the table being gone).
	other := "spona_bbbbbbbb_" + madeUpKey[15:]
	c.As(other).Do(t, "GET", "/v1/beneficiaries", nil).Must(t, 503)
}

func TestFailedAuthenticationsPerAddress(t *testing.T) {
	const burst = 5
	s := edgetest.Start(t, func(c *service.Config) {
		c.AuthFailureRate = 0.01 // practically no refill during the test
		c.AuthFailureBurst = burst
	})
	good := s.CreateKey(t, "partner", "Auth Limit NGO")
	c := resttest.New(s.URL, "")
	c.As(good.Key).Do(t, "GET", "/v1/beneficiaries", nil).Must(t, 200)
	for i := range burst {
		key := "spona_cccccc" + strconv.Itoa(10+i) + "_" + madeUpKey[15:]
		c.As(key).Do(t, "GET", "/v1/beneficiaries", nil).Must(t, 401)
	}
	hideKeys(t, s.DatabaseURL)
	for _, key := range []string{"spona_dddddddd_" + madeUpKey[15:], good.Key, "notakey"} {
		r := c.As(key).Do(t, "POST", "/v1/beneficiaries", `{"given_name":"X"}`).Must(t, 429)
		if r.Header.Get("Retry-After") == "" || !r.IsStatus() {
			t.Errorf("429 without Retry-After or Status body: %v %s", r.Header, r.Raw)
		}
	}
	// No credential at all is still told what is missing.
	c.As("").Do(t, "GET", "/v1/beneficiaries", nil).Must(t, 401)
}

// TestFailedAuthenticationsFromManyAddresses: an attacker failing from
// more addresses than the limiter keeps (10,000) does not lock anybody
// else out: an address that never failed is never refused before its key
// is looked at. IPv6 addresses count by their /64.
func TestFailedAuthenticationsFromManyAddresses(t *testing.T) {
	const burst = 20
	s := edgetest.Start(t, func(c *service.Config) {
		c.AuthFailureRate = 0.01 // practically no refill during the test
		c.AuthFailureBurst = burst
		c.HTTP.TrustedProxies = []string{"127.0.0.1"} // clients told by X-Forwarded-For
	})
	good := s.CreateKey(t, "partner", "Many Addresses NGO")
	c := resttest.New(s.URL, "")
	from := func(addr, key string) resttest.Response {
		return c.As(key).Do(t, "GET", "/v1/beneficiaries", nil, "X-Forwarded-For", addr)
	}
	// One made-up key (no database query) from each of 10,030 addresses.
	answers := map[int]int{}
	for i := range 10030 {
		answers[from("10."+strconv.Itoa(i>>16)+"."+strconv.Itoa(i>>8&255)+"."+strconv.Itoa(i&255), "garbage").Status]++
	}
	if answers[401] != 10030 {
		t.Errorf("one made-up key from each of 10,030 addresses: %v, want 401 to each", answers)
	}
	for _, addr := range []string{"203.0.113.5", "203.0.113.6", "2001:db8:ffff::1"} {
		if r := from(addr, good.Key); r.Status != 200 {
			t.Errorf("valid key from %s, which never failed: %d %s", addr, r.Status, r.Raw)
		}
	}
	// Failures from one /64, each from another address, share its bucket.
	for i := range burst {
		from("2001:db8:1:2::"+strconv.FormatInt(int64(i+1), 16), "garbage").Must(t, 401)
	}
	from("2001:db8:1:2:ffff::1", good.Key).Must(t, 429)
	from("2001:db8:1:3::1", good.Key).Must(t, 200)
}
