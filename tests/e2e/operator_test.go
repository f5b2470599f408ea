package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spona/spona/pkg/testkit/devstack"
	"github.com/spona/spona/pkg/testkit/devstack/devstacktest"
)

// required lists, per binary, the variables it cannot start without.
var required = map[string][]string{
	"beneficiaries": {"ADMIN_ADDR", "DATABASE_URL", "PRINCIPAL_KEY_FILE", "PRINCIPAL_PUBLIC_KEYS_DIR", "GRPC_ADDR"},
	"referrals":     {"ADMIN_ADDR", "DATABASE_URL", "PRINCIPAL_KEY_FILE", "PRINCIPAL_PUBLIC_KEYS_DIR", "GRPC_ADDR", "BENEFICIARIES_ADDR"},
	"trainings":     {"ADMIN_ADDR", "DATABASE_URL", "PRINCIPAL_KEY_FILE", "PRINCIPAL_PUBLIC_KEYS_DIR", "GRPC_ADDR", "REFERRALS_ADDR"},
	"reporting":     {"ADMIN_ADDR", "DATABASE_URL", "PRINCIPAL_KEY_FILE", "PRINCIPAL_PUBLIC_KEYS_DIR", "GRPC_ADDR", "BENEFICIARIES_ADDR", "REFERRALS_ADDR", "TRAININGS_ADDR"},
	"webhooks":      {"ADMIN_ADDR", "DATABASE_URL", "PRINCIPAL_KEY_FILE", "PRINCIPAL_PUBLIC_KEYS_DIR", "GRPC_ADDR", "BENEFICIARIES_ADDR", "REFERRALS_ADDR", "TRAININGS_ADDR", "REPORTING_ADDR", "WEBHOOK_SECRETS_KEY"},
	"edge":          {"ADMIN_ADDR", "DATABASE_URL", "PRINCIPAL_KEY_FILE", "PRINCIPAL_PUBLIC_KEYS_DIR", "HTTP_ADDR", "BENEFICIARIES_ADDR", "REFERRALS_ADDR", "TRAININGS_ADDR", "REPORTING_ADDR", "WEBHOOKS_ADDR"},
}

// TestBinariesHelpAndRequiredVariables: every binary answers -h and
// --help with its variables, and, started without its required variables,
// refuses to start, naming each of them (no fallback to development ports).
func TestBinariesHelpAndRequiredVariables(t *testing.T) {
	bin := devstacktest.Binaries(t)
	for _, name := range devstack.Services {
		t.Run(name, func(t *testing.T) {
			for _, flag := range []string{"-h", "--help"} {
				out, err := exec.Command(filepath.Join(bin, name), flag).Output()
				if err != nil {
					t.Fatalf("%s %s: %v", name, flag, err)
				}
				for _, v := range append(required[name], "Required environment variables", "LOG_LEVEL") {
					if !bytes.Contains(out, []byte(v)) {
						t.Errorf("%s %s does not mention %s:\n%s", name, flag, v, out)
					}
				}
			}
			cmd := exec.Command(filepath.Join(bin, name))
			cmd.Env = []string{"PATH=/usr/bin:/bin"}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			err := cmd.Run()
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
				t.Fatalf("%s without configuration: %v, want exit 1\n%s", name, err, stderr.String())
			}
			for _, v := range required[name] {
				if !strings.Contains(stderr.String(), v+" is required") {
					t.Errorf("%s without configuration does not name %s: %s", name, v, stderr.String())
				}
			}
		})
	}
	// Every command and subcommand of the edge, and the commands every
	// binary has, answer -h and --help with exit 0 and their usage, and do
	// nothing else (init-secrets -h once made a directory named -h).
	t.Chdir(t.TempDir())
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"edge", "create-key"}, "-org-id"},
		{[]string{"edge", "keys"}, "edge keys rotate"},
		{[]string{"edge", "keys", "create"}, "-org-id"},
		{[]string{"edge", "keys", "list"}, "DATABASE_URL"},
		{[]string{"edge", "keys", "revoke"}, "-reason"},
		{[]string{"edge", "keys", "rotate"}, "-overlap"},
		{[]string{"edge", "serve"}, "HTTP_ADDR"},
		{[]string{"edge", "init-secrets"}, "DIR"},
		{[]string{"referrals", "init-secrets"}, "DIR"},
		{[]string{"reporting", "healthcheck"}, "ADMIN_ADDR"},
		{[]string{"edge", "migrate"}, "MIGRATE_DATABASE_URL"},
		{[]string{"beneficiaries", "migrate"}, "MIGRATE_DATABASE_URL"},
		{[]string{"trainings", "setup-sql"}, "setup-sql"},
	} {
		for _, flag := range []string{"-h", "--help"} {
			out, err := exec.Command(filepath.Join(bin, c.args[0]), append(c.args[1:], flag)...).CombinedOutput()
			if err != nil || !bytes.Contains(out, []byte(c.want)) {
				t.Errorf("%s %s: %v\n%s", strings.Join(c.args, " "), flag, err, out)
			}
		}
	}
	if entries, _ := os.ReadDir("."); len(entries) > 0 {
		t.Errorf("-h made %v", entries)
	}
}

// TestBinariesRefuseSettingsThatBreak: a setting the process would panic
// on (a lease of a few nanoseconds divided into a zero ticker), quietly
// replace (an interval, a lease or a limit of 0 standing for the default,
// or turning a scan off) or not understand (LOG_LEVEL=verbose, which was
// logged at info) stops the start, naming the variable and its bound.
func TestBinariesRefuseSettingsThatBreak(t *testing.T) {
	bin := devstacktest.Binaries(t)
	for _, c := range []struct {
		args []string
		env  map[string]string // variable: what the refusal says
	}{
		{[]string{"beneficiaries"}, map[string]string{
			"EVENT_CONSUMER_LEASE": "3ns", "LOG_LEVEL": "verbose", "IMPORT_MAX_ROWS": "0", "IMPORT_MAX_BYTES": "0",
			"IMPORT_LEASE": "2ns", "CONSENT_EXPIRY_INTERVAL": "0s", "PRINCIPAL_TTL": "0s"}},
		{[]string{"trainings"}, map[string]string{"IMPORT_MAX_ROWS": "0", "IMPORT_LEASE": "0s", "PRINCIPAL_TTL": "31s"}},
		{[]string{"referrals"}, map[string]string{"OVERDUE_SCAN_INTERVAL": "0s", "REVOKE_RETRY_INTERVAL": "0s", "EVENT_CONSUMER_LEASE": "0s"}},
		{[]string{"webhooks"}, map[string]string{"WEBHOOK_POLL_INTERVAL": "0s", "WEBHOOK_WORKERS": "0",
			"WEBHOOK_TARGET_CONCURRENCY": "0", "WEBHOOK_TIMEOUT": "0s"}},
		// A retry wait of 0: every failed delivery sent again at once, as
		// fast as the partner answers, for WEBHOOK_RETRY_FOR (3 days).
		{[]string{"webhooks"}, map[string]string{"WEBHOOK_RETRY_BASE": "0s", "WEBHOOK_RETRY_MAX": "10ms"}},
		// A lease shorter than an attempt (WEBHOOK_TIMEOUT, 10s, + 5s):
		// before, raised with a warning (0 silently a minute).
		{[]string{"webhooks"}, map[string]string{"WEBHOOK_LEASE": "14s"}},
		{[]string{"edge"}, map[string]string{"MAX_BODY_BYTES": "0", "IMPORT_MAX_BYTES": "0", "IDEMPOTENCY_LOCK": "2ns",
			"IDEMPOTENCY_TTL": "0s", "LOG_LEVEL": "Verbose",
			"OIDC_JWKS_URL": "http://idp.example.org/jwks"}}, // a key set anyone in between can replace
		// Half an OIDC setting: refused before anything starts, by name.
		{[]string{"edge"}, map[string]string{"OIDC_ISSUER": "https://idp.example.org/realms/spona"}},
		{[]string{"edge"}, map[string]string{"OIDC_AUDIENCE": "spona-api", "OIDC_JWKS_URL": "https://idp.example.org/jwks"}},
		// Addresses that are not host:port: a URL, a host without its port
		// (gRPC would dial 443), a port alone. Before, the process started
		// and every call to that service failed.
		{[]string{"edge"}, map[string]string{"REFERRALS_ADDR": "http://referrals:9090", "BENEFICIARIES_ADDR": "beneficiaries", "HTTP_ADDR": "8080"}},
		{[]string{"webhooks"}, map[string]string{"BENEFICIARIES_ADDR": "https://beneficiaries.spona.svc:9090", "GRPC_ADDR": "9090", "ADMIN_ADDR": "0.0.0.0"}},
		{[]string{"edge", "keys", "list"}, map[string]string{"LOG_LEVEL": "trace"}},
		{[]string{"reporting", "migrate"}, map[string]string{"LOG_LEVEL": "all"}},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			cmd := exec.Command(filepath.Join(bin, c.args[0]), c.args[1:]...)
			cmd.Env = []string{"PATH=/usr/bin:/bin"}
			for k, v := range c.env {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			err := cmd.Run()
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
				t.Fatalf("%v: %v, want exit 1\n%s", cmd.Env, err, stderr.String())
			}
			for k, v := range c.env {
				if !strings.Contains(stderr.String(), k+": must be ") || !strings.Contains(stderr.String(), v) {
					t.Errorf("%s=%s is not refused by name and bound: %s", k, v, stderr.String())
				}
			}
		})
	}
}

// TestToolsHelp: the development and measurement tools (make run's dev,
// make load's load, importload, webhookload, make images' image) answer -h and --help with exit
// 0 and what they do, without starting anything (dev -h used to start
// PostgreSQL).
func TestToolsHelp(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the tools")
	}
	bin := t.TempDir()
	tools := map[string]string{"dev": "make run", "load": "make load", "importload": "make load-imports", "webhookload": "make load-webhooks", "image": "make images"}
	args := []string{"build", "-o", bin + string(os.PathSeparator)}
	for name := range tools {
		args = append(args, "./deploy/"+name)
	}
	build := exec.Command("go", args...)
	build.Dir = devstacktest.Root()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Chdir(t.TempDir())
	for name, want := range tools {
		for _, flag := range []string{"-h", "--help"} {
			out, err := exec.Command(filepath.Join(bin, name), flag).CombinedOutput()
			if err != nil || !bytes.Contains(out, []byte(want)) || !bytes.Contains(out, []byte("Usage: "+name)) {
				t.Errorf("%s %s: %v\n%s", name, flag, err, out)
			}
		}
	}
	for _, flag := range []string{"-h", "--help"} {
		out, err := exec.Command(filepath.Join(devstacktest.Root(), "tools", "setup.sh"), flag).CombinedOutput()
		if err != nil || !bytes.Contains(out, []byte("make test")) || bytes.Contains(out, []byte("setup: ")) {
			t.Errorf("tools/setup.sh %s: %v\n%s", flag, err, out)
		}
	}
	if entries, _ := os.ReadDir("."); len(entries) > 0 {
		t.Errorf("-h made %v", entries)
	}
}
