package docs

import (
	"reflect"
	"strings"
	"testing"

	"github.com/spona/spona/pkg/config"
)

// loadWith loads a configuration of c's type with vars set and every other
// variable unset (the required ones are refused alongside).
func loadWith(c any, vars map[string]string) error {
	cfg := reflect.New(reflect.TypeOf(c)).Interface()
	return config.LoadFrom(cfg, func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	})
}

// TestSettingsStandingForSomethingElseRefused: a value that would silently
// mean something else is refused at start, naming the variable. Before, it
// was taken: RATE_LIMIT_BURST=0 (or AUTH_FAILURE_BURST=0) with its limit on
// became a burst of the rate rounded up; HSTS_MAX_AGE under a second sent
// max-age=0, which tells browsers to forget HSTS; DATABASE_AUDIT_ROLE
// without MIGRATE_DATABASE_URL was ignored (no owner's migration gives the
// audit tables to it), in every process and the edge's key commands.
func TestSettingsStandingForSomethingElseRefused(t *testing.T) {
	edge := processes[5].configs[0]
	for _, c := range []struct {
		vars map[string]string
		want string // "" accepted
	}{
		{map[string]string{"RATE_LIMIT_BURST": "0"}, "RATE_LIMIT_BURST: must be at least 1 while RATE_LIMIT_RPS is above 0"},
		{map[string]string{"RATE_LIMIT_BURST": "0", "RATE_LIMIT_RPS": "0.5"}, "RATE_LIMIT_BURST: must be at least 1"},
		{map[string]string{"RATE_LIMIT_BURST": "0", "RATE_LIMIT_RPS": "0"}, ""},
		{map[string]string{"RATE_LIMIT_BURST": "1"}, ""},
		{map[string]string{"AUTH_FAILURE_BURST": "0"}, "AUTH_FAILURE_BURST: must be at least 1 while AUTH_FAILURE_RATE is above 0"},
		{map[string]string{"AUTH_FAILURE_BURST": "0", "AUTH_FAILURE_RATE": "0"}, ""},
		{map[string]string{"HSTS_MAX_AGE": "500ms"}, "HSTS_MAX_AGE: must be 0 (no Strict-Transport-Security header) or at least 1s"},
		{map[string]string{"HSTS_MAX_AGE": "999ms"}, "HSTS_MAX_AGE: must be 0"},
		{map[string]string{"HSTS_MAX_AGE": "0s"}, ""},
		{map[string]string{"HSTS_MAX_AGE": "1s"}, ""},
		{map[string]string{"HSTS_MAX_AGE": "8760h"}, ""},
	} {
		err := loadWith(edge, c.vars)
		if err == nil || !strings.Contains(err.Error(), "HTTP_ADDR is required") {
			t.Fatalf("edge with %v: %v; want the required variables refused alongside", c.vars, err)
		}
		got := strings.Contains(err.Error(), "BURST") || strings.Contains(err.Error(), "HSTS")
		if c.want == "" && got || c.want != "" && !strings.Contains(err.Error(), c.want) {
			t.Errorf("edge with %v: %v; want %q", c.vars, err, c.want)
		}
	}

	seen := 0
	for _, p := range processes {
		for _, c := range p.configs {
			names := map[string]bool{}
			for _, v := range config.Describe(c) {
				names[v.Name] = true
			}
			if !names["DATABASE_AUDIT_ROLE"] {
				continue
			}
			seen++
			// migrate requires MIGRATE_DATABASE_URL itself.
			err := loadWith(c, map[string]string{"DATABASE_AUDIT_ROLE": "audit_role"})
			const want = `DATABASE_AUDIT_ROLE: is used only with MIGRATE_DATABASE_URL`
			if err == nil || !strings.Contains(err.Error(), want) && !strings.Contains(err.Error(), "MIGRATE_DATABASE_URL is required") {
				t.Errorf("%s with DATABASE_AUDIT_ROLE alone: %v; want %q", p.name, err, want)
			}
			if strings.Count(err.Error(), "DATABASE_AUDIT_ROLE:") > 1 {
				t.Errorf("%s: %v; want the problem said once", p.name, err)
			}
			err = loadWith(c, map[string]string{"DATABASE_AUDIT_ROLE": "audit_role", "MIGRATE_DATABASE_URL": "postgres://owner@db/spona"})
			if err != nil && strings.Contains(err.Error(), "DATABASE_AUDIT_ROLE") {
				t.Errorf("%s with DATABASE_AUDIT_ROLE and MIGRATE_DATABASE_URL: %v", p.name, err)
			}
		}
	}
	if seen < 8 {
		t.Errorf("%d configurations have DATABASE_AUDIT_ROLE, want the six processes', the key commands' and migrate's", seen)
	}
}
