package domain

import (
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// FuzzSubscription: whatever a caller sends as a subscription (url,
// event_types, description) is refused with field violations or, once
// accepted, is something deliveries can use: a URL over https naming a
// host, and a port that is a TCP port; a target (host:port) the
// concurrency cap can count by; known event types, each once; and
// normalising it again changes nothing.
func FuzzSubscription(f *testing.F) {
	for _, seed := range [][3]string{
		{"https://partner.example.org/hooks/spona", "referral.received,consent.withdrawn", "Case management"},
		{" https://[2001:db8::1]:8443/x?y=z ", " referral.received , referral.received ", ""},
		{"https://user:pw@example.org/", "beneficiary.erased", "x"},
		{"https://example.org:99999/", "referral.overdue", ""},
		{"https://example.org:/#frag", "nope", "\x00"},
		{"http://example.org/", "referral.received", ""},
		{"https://[fe80::1%25eth0]/", "referral.received", ""},
		{"https://exa mple.org/", "referral.received", ""},
		{"https:///path", "referral.received", ""},
		{"HTTPS://EXAMPLE.ORG", "referral.received", ""},
	} {
		f.Add(seed[0], seed[1], seed[2], false)
	}
	f.Fuzz(func(t *testing.T, rawURL, types, description string, allowHTTP bool) {
		s := &Subscription{URL: rawURL, EventTypes: strings.Split(types, ","), Description: description, State: StateActive}
		s.Normalize()
		if s.Validate(allowHTTP) != nil {
			return
		}
		if u, err := url.Parse(s.URL); err != nil || u.Host == "" {
			t.Fatalf("accepted URL %q does not parse to a host: %v", s.URL, err)
		}
		if !allowHTTP && !strings.HasPrefix(strings.ToLower(s.URL), "https://") {
			t.Fatalf("accepted URL %q is not https", s.URL)
		}
		host, port, err := net.SplitHostPort(s.Target())
		if err != nil || host == "" || host == "[]" {
			t.Fatalf("accepted URL %q has target %q: %v", s.URL, s.Target(), err)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			t.Fatalf("accepted URL %q has target %q, whose port is not a TCP port", s.URL, s.Target())
		}
		seen := map[string]bool{}
		for _, e := range s.EventTypes {
			if seen[e] {
				t.Fatalf("event type %q twice in %q", e, s.EventTypes)
			}
			seen[e] = true
		}
		again := *s
		again.EventTypes = append([]string(nil), s.EventTypes...)
		again.Normalize()
		if again.URL != s.URL || again.Description != s.Description || strings.Join(again.EventTypes, ",") != strings.Join(s.EventTypes, ",") {
			t.Fatalf("normalising twice changes %+v into %+v", s, again)
		}
	})
}
