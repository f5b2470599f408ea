package devstack

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStartFailureSaysWhy: a process that refuses to start (`make run`
// with port 8080 taken by another program) is reported with its own last
// words from its log file, and the file named, not as a bare "exit status
// 1" that sends the operator looking for which of six logs to read.
func TestStartFailureSaysWhy(t *testing.T) {
	dir := t.TempDir()
	bin, logs := filepath.Join(dir, "bin"), filepath.Join(dir, "logs")
	for _, d := range []string{bin, logs} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			t.Fatal(err)
		}
	}
	// The edge's own refusal, as it writes it, after earlier runs' lines.
	if err := os.WriteFile(filepath.Join(logs, "edge.log"), []byte(strings.Repeat(`{"msg":"stopped","service":"edge"}`+"\n", 200)), 0o600); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\necho '{\"level\":\"INFO\",\"msg\":\"starting\"}'\necho 'edge: listen tcp 127.0.0.1:8080: bind: address already in use' >&2\nexit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "edge"), []byte(script), 0o700); err != nil { //nolint:gosec // an executable script
		t.Fatal(err)
	}
	s := &Stack{opts: Options{BinDir: bin, LogDir: logs, KeysDir: dir, Insecure: true, Ports: DefaultPorts()},
		procs: map[string]*proc{}, replicas: map[string]Ports{}, urls: map[string][2]string{}}
	err := s.StartService(context.Background(), "edge")
	if err == nil {
		t.Fatal("the edge started")
	}
	for _, want := range []string{"edge exited while starting", "bind: address already in use", filepath.Join(logs, "edge.log")} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}
