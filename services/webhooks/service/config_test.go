package service_test

import (
	"strings"
	"testing"

	"github.com/spona/spona/pkg/config"
	"github.com/spona/spona/services/webhooks/service"
)

// TestLeaseShorterThanAnAttemptIsRefused: WEBHOOK_LEASE under
// WEBHOOK_TIMEOUT + 5 s is refused when the configuration is loaded, as
// the other WEBHOOK_* settings that would silently mean something else,
// naming the least it may be. Before, such a lease was raised to that
// (with a warning in the log) and 0 stood for a minute without a word.
func TestLeaseShorterThanAnAttemptIsRefused(t *testing.T) {
	env := map[string]string{
		"ADMIN_ADDR": "127.0.0.1:9206", "GRPC_ADDR": "127.0.0.1:9106", "DATABASE_URL": "postgres://spona_webhooks@127.0.0.1/spona",
		"PRINCIPAL_KEY_FILE": "/keys/webhooks.pem", "PRINCIPAL_PUBLIC_KEYS_DIR": "/keys",
		"BENEFICIARIES_ADDR": "127.0.0.1:9101", "REFERRALS_ADDR": "127.0.0.1:9102", "TRAININGS_ADDR": "127.0.0.1:9103",
		"REPORTING_ADDR": "127.0.0.1:9104", "WEBHOOK_SECRETS_KEY": secretsKey,
	}
	load := func(vars ...string) error {
		lookup := func(name string) (string, bool) {
			for i := 0; i+1 < len(vars); i += 2 {
				if vars[i] == name {
					return vars[i+1], true
				}
			}
			v, ok := env[name]
			return v, ok
		}
		var cfg service.Config
		return config.LoadFrom(&cfg, lookup)
	}
	for _, c := range []struct {
		vars []string
		want string // "" when accepted
	}{
		{nil, ""}, // 1m against 10s
		{[]string{"WEBHOOK_LEASE", "15s"}, ""},
		{[]string{"WEBHOOK_LEASE", "14s"}, "WEBHOOK_LEASE: must be at least WEBHOOK_TIMEOUT + 5s (15s)"},
		{[]string{"WEBHOOK_LEASE", "0s"}, "(got 0s)"},
		{[]string{"WEBHOOK_TIMEOUT", "2m"}, "WEBHOOK_TIMEOUT + 5s (2m5s)"}, // the default lease, 1m
		{[]string{"WEBHOOK_TIMEOUT", "2m", "WEBHOOK_LEASE", "3m"}, ""},
	} {
		err := load(c.vars...)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%v: refused: %v", c.vars, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%v: got %v, want a problem saying %q", c.vars, err, c.want)
		}
	}
}
