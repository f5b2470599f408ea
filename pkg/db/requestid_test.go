package db_test

import (
	"context"
	"strings"
	"testing"

	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/testkit/pgtest"
)

// TestRequestIDKeptAsDigest: the digest Go stores (RequestKey) is the one
// an erasure computes in SQL (ForgetRequestID), a second erasure leaves it
// as it is, and a lookup (RequestIDIs) finds a row by its request id
// whether the row keeps the digest or, written by an older process, the
// request id itself.
func TestRequestIDKeptAsDigest(t *testing.T) {
	ctx := context.Background()
	pool, err := db.Open(ctx, pgtest.NewDatabase(t), "app", 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	const id = "client-1/create-PX7Q4K9M2 Đ" // printable ASCII in practice; any text works
	if _, err := pool.Exec(ctx, `CREATE TABLE rows (n int, request_id text UNIQUE)`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO rows VALUES (1, $1), (2, $2), (3, NULL)`, db.RequestKey(id), "client-1/older"); err != nil {
		t.Fatal(err)
	}
	if k := db.RequestKey(id); strings.Contains(*k, "PX7Q4K9M2") || !strings.HasPrefix(*k, "\x01") || db.RequestKey("") != nil {
		t.Fatalf("RequestKey: %q", *k)
	}
	find := func(requestID string) int {
		t.Helper()
		var n int
		if err := pool.QueryRow(ctx, `SELECT n FROM rows WHERE `+db.RequestIDIs("request_id", "$1"), requestID).Scan(&n); err != nil {
			t.Fatalf("lookup of %q: %v", requestID, err)
		}
		return n
	}
	if find(id) != 1 || find("client-1/older") != 2 {
		t.Fatal("lookups before the erasure")
	}
	for range 2 {
		if _, err := pool.Exec(ctx, `UPDATE rows SET `+db.ForgetRequestID("request_id")); err != nil {
			t.Fatal(err)
		}
		var kept []*string
		if err := pool.QueryRow(ctx, `SELECT array_agg(request_id ORDER BY n) FROM rows`).Scan(&kept); err != nil {
			t.Fatal(err)
		}
		if *kept[0] != *db.RequestKey(id) || *kept[1] != *db.RequestKey("client-1/older") || kept[2] != nil {
			t.Fatalf("after the erasure: %q %q %v", *kept[0], *kept[1], kept[2])
		}
		if find(id) != 1 || find("client-1/older") != 2 {
			t.Fatal("lookups after the erasure")
		}
	}
}
