package cputime

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// spinCPU keeps the CPU busy until Self has grown by d, or fails the test
// after a minute (on a busy machine the spin gets a share of a core, so it
// is measured in CPU time, not wall-clock time).
func spinCPU(t *testing.T, d time.Duration) {
	t.Helper()
	start, err := Self()
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(nil)
	for deadline := time.Now().Add(time.Minute); ; {
		for range 10000 {
			sum = sha256.Sum256(sum[:])
		}
		now, err := Self()
		if err != nil {
			t.Fatal(err)
		}
		if now-start >= d {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Self grew by %v in a minute of spinning, want %v", now-start, d)
		}
	}
}

// Self (getrusage) and Tree of this process (/proc) agree on the CPU it
// spends; Of finds this process; the read and write system calls it makes
// are counted.
func TestCounters(t *testing.T) {
	self, tree, reads, writes := counters(t)
	spinCPU(t, 300*time.Millisecond)
	f := filepath.Join(t.TempDir(), "f")
	for range 50 {
		if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := os.ReadFile(f); err != nil {
			t.Fatal(err)
		}
	}
	self2, tree2, reads2, writes2 := counters(t)
	if d := self2 - self; d < 300*time.Millisecond {
		t.Errorf("Self grew by %v over a spin of 300 ms of CPU", d)
	}
	// /proc counts in ticks of 10 ms, sampled: within a few ticks.
	if d := tree2 - tree; d < 250*time.Millisecond || d > self2-self+100*time.Millisecond {
		t.Errorf("Tree grew by %v while Self grew by %v", d, self2-self)
	}
	if d := writes2 - writes; d < 50 {
		t.Errorf("%d writes counted for 50", d)
	}
	if d := reads2 - reads; d < 50 {
		t.Errorf("%d reads counted for 50", d)
	}
	s, err := Of(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if s.PPID != os.Getppid() || s.Name == "" {
		t.Errorf("Of(self) = %+v, want parent %d and a name", s, os.Getppid())
	}
}

// counters reads Self, Tree of this process and Syscalls.
func counters(t *testing.T) (self, tree time.Duration, reads, writes int64) {
	t.Helper()
	self, err := Self()
	if err != nil {
		t.Fatal(err)
	}
	if tree, err = Tree(os.Getpid()); err != nil {
		t.Fatal(err)
	}
	if reads, writes, err = Syscalls(); err != nil {
		t.Fatal(err)
	}
	return self, tree, reads, writes
}
