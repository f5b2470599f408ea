package platform

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// Go's profiles are on the admin port only when asked for.
func TestAdminPprof(t *testing.T) {
	t.Parallel()
	ready := func(context.Context) error { return nil }
	for _, c := range []struct {
		pprof bool
		want  int
	}{{false, http.StatusNotFound}, {true, http.StatusOK}} {
		h := AdminHandler(ready, c.pprof)
		for _, path := range []string{"/debug/pprof/", "/debug/pprof/goroutine?debug=1", "/debug/pprof/heap"} {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
			if rec.Code != c.want {
				t.Errorf("pprof %v: GET %s answered %d, want %d", c.pprof, path, rec.Code, c.want)
			}
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
		if rec.Code != http.StatusOK {
			t.Errorf("pprof %v: /healthz answered %d", c.pprof, rec.Code)
		}
	}
}
