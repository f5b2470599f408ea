package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
	"github.com/spona/spona/services/edge/service"

	"github.com/spona/spona/services/edge/internal/keys"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestKeyState: `edge keys list` tells a key a rotation replaced (it works
// only for its overlap) from the client's current key; before, both said
// "active", and an operator revoking the client could miss the old one.
func TestKeyState(t *testing.T) {
	now := time.Now()
	later, earlier := now.Add(time.Hour), now.Add(-time.Hour)
	for _, c := range []struct {
		k    keys.Key
		want string
	}{
		{keys.Key{}, "active"},
		{keys.Key{ExpireTime: &later, ReplacedBy: "k2"}, "active, replaced by k2"},
		{keys.Key{ExpireTime: &earlier, ReplacedBy: "k2"}, "expired"},
		{keys.Key{RevokeTime: &earlier, RevokeReason: "contract ended"}, "revoked (contract ended)"},
	} {
		if got := state(&c.k, now); got != c.want {
			t.Errorf("state(%+v) = %q, want %q", c.k, got, c.want)
		}
	}
}

// TestCreateKeyRefusesIgnoredFlags: `edge keys create` refuses, before
// touching any database, flags it would ignore: a new organisation's kind
// or country beside -org-id (the key went to the existing organisation, the
// kind the operator typed silently dropped), or beside -admin.
func TestCreateKeyRefusesIgnoredFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-name", "x", "-org-id", "0190a1b2-0000-7000-8000-000000000001", "-org-kind", "police"}, "leave out -org-kind"},
		{[]string{"-name", "x", "-org-id", "0190a1b2-0000-7000-8000-000000000001", "-org-name", "MUP", "-org-country", "BA"}, "leave out -org-name, -org-country"},
		{[]string{"-name", "x", "-admin", "-org-name", "Ops"}, "leave out -org-name"},
		{[]string{"-name", "x", "-admin", "-org-id", "0190a1b2-0000-7000-8000-000000000001"}, "leave out -org-id"},
		{[]string{"-name", "x", "-admin", "-scopes", " , "}, "names no scope"}, // not the default scopes unasked
	} {
		var kc service.KeysConfig
		cmd := createCommand(&kc)
		if err := cmd.Flags.Parse(c.args); err != nil {
			t.Fatal(err)
		}
		err := cmd.Run(context.Background(), nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("keys create %s: %v, want an error saying %q", strings.Join(c.args, " "), err, c.want)
		}
	}
}

// TestRotateOverlapInDays: -overlap takes days as -expires does (the
// README's "-expires 365d" beside it); before, "-overlap 3d" was a parse
// error of Go's duration flag.
func TestRotateOverlapInDays(t *testing.T) {
	var kc service.KeysConfig
	cmd := rotateCommand(&kc)
	for arg, want := range map[string]time.Duration{"3d": 72 * time.Hour, "36h": 36 * time.Hour, "0s": 0} {
		if err := cmd.Flags.Parse([]string{"-overlap", arg}); err != nil {
			t.Errorf("-overlap %s: %v", arg, err)
			continue
		}
		if got := cmd.Flags.Lookup("overlap").Value.String(); got != want.String() {
			t.Errorf("-overlap %s = %s, want %s", arg, got, want)
		}
	}
	if err := cmd.Flags.Parse([]string{"-overlap", "three days"}); err == nil {
		t.Error("-overlap \"three days\" accepted")
	}
}

// TestRotateCommandEndsTheOldKeyByTheNewKeysExpiry: `edge keys rotate
// -overlap 3d -expires 3s` ends the old key with the new one (REST does
// the same: TestRotationEndsTheOldKeyByTheNewKeysExpiry). Before, the old
// key kept its three days after the new key had expired.
func TestRotateCommandEndsTheOldKeyByTheNewKeysExpiry(t *testing.T) {
	s := edgetest.Start(t, nil)
	admin := resttest.New(s.URL, s.CreateAdminKey(t).Key)
	partner := s.CreateKey(t, "partner", "Short Contract NGO")
	l := admin.Do(t, "GET", "/v1/apiKeys?organisation_id="+partner.Organisation, nil).Must(t, 200)
	listed, _ := l.Body["api_keys"].([]any)
	if len(listed) != 1 {
		t.Fatalf("list: %s", l.Raw)
	}
	oldID := listed[0].(map[string]any)["id"].(string)

	kc := s.Config.Keys()
	kc.LogLevel = "error"
	cmd := rotateCommand(&kc)
	if err := cmd.Flags.Parse([]string{"-id", oldID, "-overlap", "3d", "-expires", "3s", "-reason", "contract ends"}); err != nil {
		t.Fatal(err)
	}
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	stdout := os.Stdout // the new key's secret: not into the test log
	os.Stdout = devNull
	err = cmd.Run(context.Background(), nil)
	os.Stdout = stdout
	if err != nil {
		t.Fatal(err)
	}
	old := admin.Do(t, "GET", "/v1/apiKeys/"+oldID, nil).Must(t, 200)
	next := admin.Do(t, "GET", "/v1/apiKeys/"+old.Str("replaced_by"), nil).Must(t, 200)
	oldEnd, err1 := time.Parse(time.RFC3339Nano, old.Str("expire_time"))
	newEnd, err2 := time.Parse(time.RFC3339Nano, next.Str("expire_time"))
	if err1 != nil || err2 != nil || oldEnd.After(newEnd) || newEnd.After(time.Now().Add(4*time.Second)) {
		t.Errorf("after keys rotate: the old key ends %s, the new one %s", old.Raw, next.Raw)
	}
}

// TestExpiresDateCoversTheDay: `-expires 2027-06-30` (the last day of an
// agreement) keeps the key working through that day, to 2027-07-01 00:00
// UTC; before, the key stopped at 00:00 UTC of the day named, a day early.
// A full timestamp and a duration are taken as they are.
func TestExpiresDateCoversTheDay(t *testing.T) {
	for arg, want := range map[string]string{
		"2027-06-30":           "2027-07-01T00:00:00Z",
		"2027-06-30T12:00:00Z": "2027-06-30T12:00:00Z",
	} {
		got, err := parseExpiry(arg)
		if err != nil || got == nil || got.UTC().Format(time.RFC3339) != want {
			t.Errorf("-expires %s = %v, %v; want %s", arg, got, err, want)
		}
	}
	if got, err := parseExpiry("90d"); err != nil || got == nil || got.Before(time.Now().Add(89*24*time.Hour)) {
		t.Errorf("-expires 90d = %v, %v", got, err)
	}
}

// TestCreateKeyScopesAsTyped: `keys create -scopes "beneficiaries.read,
// referrals.read"` (a space after the comma, as lists are written) gives
// the key both scopes; before, the command refused it with `unknown scope
// " referrals.read"`.
func TestCreateKeyScopesAsTyped(t *testing.T) {
	s := edgetest.Start(t, nil)
	admin := resttest.New(s.URL, s.CreateAdminKey(t).Key)
	partner := s.CreateKey(t, "first", "Scopes As Typed NGO")
	kc := s.Config.Keys()
	kc.LogLevel = "error"
	cmd := createCommand(&kc)
	if err := cmd.Flags.Parse([]string{"-name", "second", "-org-id", partner.Organisation,
		"-scopes", "beneficiaries.read, referrals.read ,", "-reason", "test"}); err != nil {
		t.Fatal(err)
	}
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	stdout := os.Stdout // the key: not into the test log
	os.Stdout = devNull
	err = cmd.Run(context.Background(), nil)
	os.Stdout = stdout
	if err != nil {
		t.Fatalf("keys create -scopes \"beneficiaries.read, referrals.read ,\": %v", err)
	}
	l := admin.Do(t, "GET", "/v1/apiKeys?organisation_id="+partner.Organisation, nil).Must(t, 200)
	found := false
	for _, k := range l.Body["api_keys"].([]any) {
		k := k.(map[string]any)
		if k["display_name"] == "second" {
			found = true
			if got := fmt.Sprint(k["scopes"]); got != "[beneficiaries.read referrals.read]" {
				t.Errorf("scopes %s", got)
			}
		}
	}
	if !found {
		t.Errorf("no key made: %s", l.Raw)
	}
}
