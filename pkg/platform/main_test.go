package platform

import (
	"bytes"
	"context"
	"flag"
	"os"
	"strings"
	"testing"
)

type testConfig struct {
	Config
	GRPCConfig
	Peer string `env:"PEER_ADDR" required:"true" help:"address of the peer"`
}

func TestExecHelpAndRequiredVariables(t *testing.T) {
	var cfg testConfig
	ran := ""
	fs := flag.NewFlagSet("do", flag.ContinueOnError)
	n := fs.Int("n", 1, "how many")
	cmds := []Command{
		{Summary: "serve", Config: &cfg, Run: func(context.Context, []string) error { ran = "serve"; return nil }},
		{Name: "do it", Summary: "do it", Flags: fs, Run: func(_ context.Context, args []string) error {
			ran = "do " + strings.Join(args, ",")
			return nil
		}},
	}
	exec := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		ran = ""
		code := Exec("svc", "a test process", args, &out, &errOut, cmds...)
		return code, out.String(), errOut.String()
	}
	for _, h := range []string{"-h", "--help", "help"} {
		code, out, _ := exec(h)
		if code != 0 || ran != "" {
			t.Fatalf("%s: exit %d, ran %q", h, code, ran)
		}
		for _, want := range []string{"a test process", "Required environment variables", "ADMIN_ADDR", "GRPC_ADDR", "DATABASE_URL", "address of the peer", "LOG_LEVEL", "[info]", "do it"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s output lacks %q:\n%s", h, want, out)
			}
		}
	}
	// Required variables missing: nothing runs, each is named.
	for _, v := range []string{"ADMIN_ADDR", "DATABASE_URL", "PRINCIPAL_KEY_FILE", "PRINCIPAL_PUBLIC_KEYS_DIR", "GRPC_ADDR", "PEER_ADDR", "HOME"} {
		t.Setenv(v, "")
	}
	code, _, stderr := exec()
	if code != 1 || ran != "" {
		t.Fatalf("without variables: exit %d, ran %q", code, ran)
	}
	for _, want := range []string{"ADMIN_ADDR is required", "DATABASE_URL is required", "GRPC_ADDR is required", "PEER_ADDR is required", "--help"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q: %s", want, stderr)
		}
	}
	// Subcommands with flags.
	if code, _, _ := exec("do", "it", "-n", "3", "x"); code != 0 || ran != "do x" || *n != 3 {
		t.Errorf("do it: exit %d ran %q n %d", code, ran, *n)
	}
	if code, out, _ := exec("do", "it", "-h"); code != 0 || ran != "" || !strings.Contains(out, "-n") {
		t.Errorf("do it -h: exit %d ran %q out %s", code, ran, out)
	}
	// The first word of several commands lists them; alone, it is an error.
	for _, h := range []string{"-h", "--help"} {
		if code, out, _ := exec("do", h); code != 0 || ran != "" || !strings.Contains(out, "svc do it") {
			t.Errorf("do %s: exit %d ran %q out %s", h, code, ran, out)
		}
	}
	if code, _, stderr := exec("do"); code != 2 || ran != "" || !strings.Contains(stderr, "svc do it") {
		t.Errorf("do: exit %d ran %q stderr %s", code, ran, stderr)
	}
	// The built-in commands answer -h without doing anything (init-secrets
	// -h made a directory named -h).
	t.Chdir(t.TempDir())
	for _, c := range []string{"init-secrets", "healthcheck", "setup-sql"} {
		for _, h := range []string{"-h", "--help"} {
			code, out, stderr := exec(c, h)
			if code != 0 || !strings.HasPrefix(out, "svc "+c) {
				t.Errorf("%s %s: exit %d out %q stderr %q", c, h, code, out, stderr)
			}
			if _, err := os.Stat(h); err == nil {
				t.Errorf("%s %s made %s", c, h, h)
			}
		}
	}
	// setup-sql prints the administrator's statements for this process.
	if code, out, _ := exec("setup-sql"); code != 0 || !strings.Contains(out, `CREATE SCHEMA IF NOT EXISTS "svc" AUTHORIZATION "spona_svc_owner";`) ||
		!strings.Contains(out, `CREATE ROLE "spona_svc_audit" NOLOGIN`) {
		t.Errorf("setup-sql: exit %d\n%s", code, out)
	}
	if code, _, stderr := exec("frobnicate"); code != 2 || !strings.Contains(stderr, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit %d, %s", code, stderr)
	}
	if code, _, _ := exec("serve", "extra"); code != 2 || ran != "" {
		t.Errorf("serve extra: exit %d ran %q", code, ran)
	}
	t.Setenv("ADMIN_ADDR", "127.0.0.1:0")
	t.Setenv("DATABASE_URL", "postgres://x")
	t.Setenv("PRINCIPAL_KEY_FILE", "svc.key")
	t.Setenv("PRINCIPAL_PUBLIC_KEYS_DIR", "keys")
	t.Setenv("GRPC_ADDR", "127.0.0.1:0")
	t.Setenv("PEER_ADDR", "peer:1")
	if code, _, stderr := exec("serve"); code != 0 || ran != "serve" || cfg.Peer != "peer:1" {
		t.Errorf("serve: exit %d ran %q %s", code, ran, stderr)
	}
}
