package docs

import (
	"reflect"
	"strings"
	"testing"

	"github.com/spona/spona/pkg/config"
)

// TestUnknownTimeZoneRefusedWithTheOtherProblems: a REPORT_TIME_ZONE that
// names no time zone (a typo: Europe/Belgrad) is one of the configuration
// problems a process names when it refuses to start, as docs/operations.md
// says of a value not of its variable's kind. Before, the configuration
// loaded, and the process waited for PostgreSQL and migrated its schema
// before it stopped on the zone.
func TestUnknownTimeZoneRefusedWithTheOtherProblems(t *testing.T) {
	seen := 0
	for _, p := range processes {
		for _, c := range p.configs {
			has := false
			for _, v := range config.Describe(c) {
				has = has || v.Name == "REPORT_TIME_ZONE"
			}
			if !has {
				continue
			}
			seen++
			cfg := reflect.New(reflect.TypeOf(c)).Interface()
			for _, bad := range []string{"Europe/Belgrad", "CET+1", "../etc/passwd"} {
				err := config.LoadFrom(cfg, func(name string) (string, bool) {
					if name == "REPORT_TIME_ZONE" {
						return bad, true
					}
					return "", false
				})
				if err == nil || !strings.Contains(err.Error(), "REPORT_TIME_ZONE: is not a time zone") {
					t.Errorf("%s with REPORT_TIME_ZONE=%s: %v; want the zone named among the problems", p.name, bad, err)
				}
			}
			good := reflect.New(reflect.TypeOf(c)).Interface()
			err := config.LoadFrom(good, func(name string) (string, bool) {
				if name == "REPORT_TIME_ZONE" {
					return "Europe/Sarajevo", true
				}
				return "", false
			})
			if err != nil && strings.Contains(err.Error(), "REPORT_TIME_ZONE") {
				t.Errorf("%s with REPORT_TIME_ZONE=Europe/Sarajevo: %v", p.name, err)
			}
		}
	}
	if seen != 4 {
		t.Errorf("%d processes have REPORT_TIME_ZONE, want 4 (beneficiaries, referrals, trainings, reporting)", seen)
	}
}
