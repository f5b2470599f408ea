package db

import (
	"context"
	"errors"
	"runtime"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/spona/spona/pkg/errs"
)

// A pool without a configured size gets four connections per usable core.
// (pgxpool connects lazily: no server is needed.)
func TestOpenPoolSize(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		configured, want int32
	}{{0, int32(4 * runtime.GOMAXPROCS(0))}, {-1, int32(4 * runtime.GOMAXPROCS(0))}, {3, 3}} {
		pool, err := Open(context.Background(), "postgres://nobody@127.0.0.1:1/none", "app", c.configured)
		if err != nil {
			t.Fatal(err)
		}
		if got := pool.Config().MaxConns; got != c.want {
			t.Errorf("DB_MAX_CONNS %d: pool of %d, want %d", c.configured, got, c.want)
		}
		pool.Close()
	}
}

// TestConcurrentUpdateMayBeRetried: a deadlock or serialization failure is
// the 409 a client may retry as it is (CONCURRENT_UPDATE: the edge adds
// Retry-After and keeps no copy for Idempotency-Key replay), not one every
// retry gets.
func TestConcurrentUpdateMayBeRetried(t *testing.T) {
	for _, code := range []string{"40001", "40P01"} {
		var e *errs.Error
		if err := Error(&pgconn.PgError{Code: code}); !errors.As(err, &e) || e.Kind != errs.KindAborted || e.Reason != errs.ReasonConcurrentUpdate {
			t.Errorf("SQLSTATE %s: %#v, want Aborted with reason %s", code, err, errs.ReasonConcurrentUpdate)
		}
	}
}
