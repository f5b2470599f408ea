// Package leaktest finds the goroutines a test leaves running: a stream,
// a background worker or a listener that does not stop with the process
// or the context that started it.
package leaktest

import (
	"bytes"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Check records the goroutines running now; when the test ends (after the
// cleanups registered later: call it first), it waits up to 10 s for the
// goroutines started since to end and fails the test with the stacks of
// those still running. The test must not run in parallel with others.
func Check(t testing.TB) {
	t.Helper()
	before := map[string]bool{}
	for _, g := range goroutines() {
		before[g.id] = true
	}
	t.Cleanup(func() {
		// Idle keep-alive connections of the test's own HTTP calls.
		http.DefaultClient.CloseIdleConnections()
		var left []goroutine
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			left = left[:0]
			for _, g := range goroutines() {
				if !before[g.id] && !ignored(g.stack) {
					left = append(left, g)
				}
			}
			if len(left) == 0 || time.Now().After(deadline) {
				break
			}
		}
		if len(left) > 0 {
			var b strings.Builder
			for _, g := range left {
				b.WriteString(g.stack)
				b.WriteString("\n\n")
			}
			t.Errorf("%d goroutines the test started are still running:\n%s", len(left), b.String())
		}
	})
}

type goroutine struct{ id, stack string }

func goroutines() []goroutine {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []goroutine
	for _, s := range bytes.Split(buf, []byte("\n\n")) {
		header, _, _ := strings.Cut(string(s), "\n")
		id, ok := strings.CutPrefix(header, "goroutine ")
		if !ok {
			continue
		}
		id, _, _ = strings.Cut(id, " ")
		out = append(out, goroutine{id: id, stack: string(s)})
	}
	return out
}

// ignored are goroutines that outlive whatever started them by design.
func ignored(stack string) bool {
	for _, s := range []string{
		"testing.(*T).Run", "testing.tRunner", "testing.(*M)", "runtime.goexit0",
		"created by os/signal.Notify", // signal.Notify's loop, once per process
		"runtime.ensureSigM",
	} {
		if strings.Contains(stack, s) {
			return true
		}
	}
	return false
}
