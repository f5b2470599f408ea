package db

import (
	"context"
	"runtime"
	"testing"
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
