package docs

import (
	"reflect"
	"strings"
	"testing"

	"github.com/spona/spona/pkg/config"
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
