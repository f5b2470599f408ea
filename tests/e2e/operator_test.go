package e2e

import (
	"bytes"
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
	"webhooks":      {"ADMIN_ADDR", "DATABASE_URL", "PRINCIPAL_KEY_FILE", "PRINCIPAL_PUBLIC_KEYS_DIR", "GRPC_ADDR", "BENEFICIARIES_ADDR", "REFERRALS_ADDR", "WEBHOOK_SECRETS_KEY"},
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
	out, err := exec.Command(filepath.Join(bin, "edge"), "create-key", "-h").CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("-org-id")) || !bytes.Contains(out, []byte("DATABASE_URL")) {
		t.Errorf("edge create-key -h: %v\n%s", err, out)
	}
}
