package domain

import (
	"strings"
	"testing"
)

func TestRegistryCanonical(t *testing.T) {
	reg := NewRegistry(nil)
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"HR-OIB-12345678901", "HR-OIB-12345678901", true},
		{"hr-oib-12345678901", "HR-OIB-12345678901", true},
		{"RS-APR-17123456", "RS-APR-17123456", true},
		{"BA-JIB-4200000000000", "BA-JIB-4200000000000", true},
		{"GB-GOVUK-abc", "GB-GOVUK-abc", true},
		{"GB-GOV-1", "GB-GOV-1", true},
		{"XM-DAC-41121", "XM-DAC-41121", true},
		// The fallback the export used to invent is no registered agency.
		{"XM-SPONA-0190a000-0000-7000-8000-000000000002", "", false},
		{"RS-MB-17123456", "", false}, // matični broj is listed as RS-APR
		{"HR-OIB-", "", false},
		{"HR-OIB", "", false},
		{"HR-OIB-123 456", "", false},
		{"HR-OIB-1/2", "", false},
		{"HR-OIB-1&2", "", false},
		{"HR-OIB-" + strings.Repeat("1", 100), "", false},
	} {
		got, ok := reg.Canonical(c.in)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("Canonical(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
	// A deployment may list its own agencies (here one org-id.guide does not).
	own := NewRegistry([]string{" rs-mb ", "HR-OIB"})
	if got, ok := own.Canonical("RS-MB-17123456"); !ok || got != "RS-MB-17123456" {
		t.Errorf("configured agency refused: %q %v", got, ok)
	}
	if _, ok := own.Canonical("RS-APR-17123456"); ok {
		t.Error("an agency outside the configured list was accepted")
	}
}

// FuzzRegistryCanonical: an accepted identifier starts with an accepted
// agency and a hyphen, holds no characters IATI forbids, and is stable.
func FuzzRegistryCanonical(f *testing.F) {
	for _, s := range []string{"HR-OIB-12345678901", "rs-apr-1", "XM-DAC-41121", "HR-OIB-", "HR-OIB-a/b", "", "-", "GB-GOVUK-"} {
		f.Add(s)
	}
	reg := NewRegistry(nil)
	f.Fuzz(func(t *testing.T, id string) {
		got, ok := reg.Canonical(id)
		if !ok {
			return
		}
		if strings.ContainsAny(got, " \t\r\n/&|?") || len(got) > maxIdentifier {
			t.Fatalf("accepted %q", got)
		}
		agency := false
		for _, a := range reg.Agencies() {
			if strings.HasPrefix(got, a+"-") && len(got) > len(a)+1 {
				agency = true
			}
		}
		if !agency {
			t.Fatalf("accepted %q without an agency", got)
		}
		if again, ok := reg.Canonical(got); !ok || again != got {
			t.Fatalf("not stable: %q -> %q", got, again)
		}
	})
}
