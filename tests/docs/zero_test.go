package docs

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/spona/spona/pkg/config"
	whsvc "github.com/spona/spona/services/webhooks/service"
)

// TestZeroRetentionRefused: EVENT_RETENTION=0 and IMPORT_RETENTION=0 are
// refused by name at start, in every process that has them. Before, a
// zero silently stood for the default (the feed kept its events 7 days,
// finished imports and their reports, which quote the rows' values, 30
// days): an operator who set 0 to keep as little as possible kept a month.
func TestZeroRetentionRefused(t *testing.T) {
	seen := map[string]int{}
	for _, p := range processes {
		for _, c := range p.configs {
			for _, v := range config.Describe(c) {
				if v.Name != "EVENT_RETENTION" && v.Name != "IMPORT_RETENTION" {
					continue
				}
				seen[v.Name]++
				cfg := reflect.New(reflect.TypeOf(c)).Interface()
				err := config.LoadFrom(cfg, func(name string) (string, bool) {
					if name == v.Name {
						return "0s", true
					}
					return "", false
				})
				if err == nil || !strings.Contains(err.Error(), v.Name+": must be at least") {
					t.Errorf("%s with %s=0s: %v; want it refused by name", p.name, v.Name, err)
				}
			}
		}
	}
	if seen["EVENT_RETENTION"] < 4 || seen["IMPORT_RETENTION"] < 2 {
		t.Errorf("processes with the retentions: %v", seen)
	}
}

// TestZeroEdgeTimeoutsAndFeedRetentionRefused: a 0 for one of the edge's
// HTTP timeouts, or for the change feed's FEED_RETENTION, is refused by
// name at start. Before, it was taken: a 0 timeout is no deadline at all in
// Go's HTTP server (HTTP_READ_HEADER_TIMEOUT=0 with HTTP_READ_TIMEOUT=0 let
// a client hold a connection forever sending a header a byte at a time;
// HTTP_WRITE_TIMEOUT=0 took the deadline off every request and its wait for
// a database connection; HTTP_IDLE_TIMEOUT=0 silently stood for
// HTTP_READ_TIMEOUT), none of it said by the documentation, which says
// "0 = no limit" only where that is meant; and FEED_RETENTION=0 deleted
// every event of GET /v1/events at the next prune, before a partner could
// read it.
func TestZeroEdgeTimeoutsAndFeedRetentionRefused(t *testing.T) {
	want := []string{"HTTP_READ_HEADER_TIMEOUT", "HTTP_BODY_TIMEOUT", "HTTP_READ_TIMEOUT", "HTTP_WRITE_TIMEOUT",
		"HTTP_IDLE_TIMEOUT", "FEED_RETENTION"}
	seen := map[string]int{}
	for _, p := range processes {
		for _, c := range p.configs {
			for _, v := range config.Describe(c) {
				if !slices.Contains(want, v.Name) {
					continue
				}
				seen[v.Name]++
				for _, zero := range []string{"0s", "0"} {
					cfg := reflect.New(reflect.TypeOf(c)).Interface()
					err := config.LoadFrom(cfg, func(name string) (string, bool) {
						if name == v.Name {
							return zero, true
						}
						return "", false
					})
					if err == nil || !strings.Contains(err.Error(), v.Name+": must be at least") {
						t.Errorf("%s with %s=%s: %v; want it refused by name", p.name, v.Name, zero, err)
					}
				}
			}
		}
	}
	for _, name := range want {
		if seen[name] == 0 {
			t.Errorf("no process has %s", name)
		}
	}
}

// TestZeroStartupTimeoutRefused: STARTUP_TIMEOUT=0 is refused by name at
// start, by every process and the migrate command. Before, it was taken,
// and the process, given no time at all to reach PostgreSQL, stopped with
// "context deadline exceeded", naming neither the variable nor the
// database: it could never start, with a working database too.
func TestZeroStartupTimeoutRefused(t *testing.T) {
	seen := 0
	for _, p := range processes {
		for _, c := range p.configs {
			for _, v := range config.Describe(c) {
				if v.Name != "STARTUP_TIMEOUT" {
					continue
				}
				seen++
				cfg := reflect.New(reflect.TypeOf(c)).Interface()
				err := config.LoadFrom(cfg, func(name string) (string, bool) {
					if name == v.Name {
						return "0s", true
					}
					return "", false
				})
				if err == nil || !strings.Contains(err.Error(), "STARTUP_TIMEOUT: must be at least 1s") {
					t.Errorf("%s with STARTUP_TIMEOUT=0s: %v; want it refused by name", p.name, err)
				}
			}
		}
	}
	if seen < 7 {
		t.Errorf("%d configurations have STARTUP_TIMEOUT, want the six processes' and migrate's", seen)
	}
}

// TestZeroWebhookRetryAndRetentionRefused: WEBHOOK_RETRY_FOR,
// WEBHOOK_DISABLE_AFTER and DELIVERY_RETENTION must be at least 1m (0 and
// negatives refused by name at start), and WEBHOOK_RETRY_FOR at least
// WEBHOOK_RETRY_BASE. Before, 0 was taken: WEBHOOK_RETRY_FOR=0
// dead-lettered every delivery at its first failure (never retried),
// WEBHOOK_DISABLE_AFTER=0 disabled a subscription at its first failed
// attempt (a single timeout turned a partner's webhook off and
// dead-lettered its queue), and DELIVERY_RETENTION=0 emptied the delivery
// log each hour, so nothing dead-lettered could be redelivered.
func TestZeroWebhookRetryAndRetentionRefused(t *testing.T) {
	load := func(vars map[string]string) error {
		var cfg whsvc.Config
		return config.LoadFrom(&cfg, func(name string) (string, bool) {
			v, ok := vars[name]
			return v, ok
		})
	}
	for _, name := range []string{"WEBHOOK_RETRY_FOR", "WEBHOOK_DISABLE_AFTER", "DELIVERY_RETENTION"} {
		for _, bad := range []string{"0s", "0", "30s", "-1h"} {
			err := load(map[string]string{name: bad})
			if err == nil || !strings.Contains(err.Error(), name+": must be") {
				t.Errorf("%s=%s: %v; want it refused by name", name, bad, err)
			}
		}
		if err := load(map[string]string{name: "1m", "WEBHOOK_RETRY_BASE": "5s"}); err != nil && strings.Contains(err.Error(), name) {
			t.Errorf("%s=1m: %v; want it taken", name, err)
		}
	}
	err := load(map[string]string{"WEBHOOK_RETRY_FOR": "1h", "WEBHOOK_RETRY_BASE": "2h", "WEBHOOK_RETRY_MAX": "4h"})
	if err == nil || !strings.Contains(err.Error(), "WEBHOOK_RETRY_FOR: must be at least WEBHOOK_RETRY_BASE (2h0m0s)") {
		t.Errorf("WEBHOOK_RETRY_FOR=1h under WEBHOOK_RETRY_BASE=2h: %v; want it refused", err)
	}
	// WEBHOOK_RETRY_MAX under WEBHOOK_RETRY_BASE: every wait was the
	// maximum, the base ignored without a word.
	err = load(map[string]string{"WEBHOOK_RETRY_BASE": "1m", "WEBHOOK_RETRY_MAX": "10s"})
	if err == nil || !strings.Contains(err.Error(), "WEBHOOK_RETRY_MAX: must be at least WEBHOOK_RETRY_BASE (1m0s)") {
		t.Errorf("WEBHOOK_RETRY_MAX=10s under WEBHOOK_RETRY_BASE=1m: %v; want it refused", err)
	}
	if err := load(map[string]string{"WEBHOOK_RETRY_BASE": "10s", "WEBHOOK_RETRY_MAX": "10s"}); err != nil && strings.Contains(err.Error(), "WEBHOOK_RETRY") {
		t.Errorf("WEBHOOK_RETRY_MAX equal to WEBHOOK_RETRY_BASE: %v; want it taken", err)
	}
}
