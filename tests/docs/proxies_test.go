package docs

import (
	"strings"
	"testing"
)

// TestTrustedProxiesCheckedWithTheOtherSettings: a TRUSTED_PROXIES entry
// that is no address block is refused when the configuration loads, with
// the edge's other problems, naming the variable and the entry. Before, it
// was found only once the edge had waited for PostgreSQL (STARTUP_TIMEOUT)
// and migrated its schema, alone.
func TestTrustedProxiesCheckedWithTheOtherSettings(t *testing.T) {
	load := func(proxies string) ([]string, error) {
		cfg, err := edgeWith("TRUSTED_PROXIES", proxies)
		return cfg.HTTP.TrustedProxies, err
	}
	for bad, want := range map[string]string{
		"10.0.0.0/33":               `"10.0.0.0/33": not an address block`,
		"10.0.0.0/8, 172.16.0.0-1":  `"172.16.0.0-1": not an address block`,
		"lb.example.org":            `"lb.example.org": not an address block`,
		"10.0.0.0/8;192.168.0.0/16": `"10.0.0.0/8;192.168.0.0/16": not an address block`,
	} {
		_, err := load(bad)
		if err == nil || !strings.Contains(err.Error(), "TRUSTED_PROXIES: "+want) || !strings.Contains(err.Error(), "HTTP_ADDR is required") {
			t.Errorf("TRUSTED_PROXIES=%s: %v; want it refused by name with %s, among the other problems", bad, err, want)
		}
	}
	for good, want := range map[string]int{"10.0.0.0/8": 1, "10.0.0.5, 2001:db8::/32, ::1": 3, "": 0} {
		got, err := load(good)
		if (err != nil && strings.Contains(err.Error(), "TRUSTED_PROXIES")) || len(got) != want {
			t.Errorf("TRUSTED_PROXIES=%s: %v, %v", good, got, err)
		}
	}
}
