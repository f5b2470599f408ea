package cputime

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// spin keeps the CPU busy for about d of wall-clock time.
func spin(d time.Duration) {
	sum := sha256.Sum256(nil)
	for end := time.Now().Add(d); time.Now().Before(end); {
		sum = sha256.Sum256(sum[:])
	}
}

// Self, and Of and Tree of this process, grow with the CPU it spends; the
// read and write system calls it makes are counted.
func TestCounters(t *testing.T) {
	self, tree, reads, writes := counters(t)
	spin(300 * time.Millisecond)
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
	// Some of the spin may wait for a core on a busy machine: ask for a
	// third of it.
	if d := self2 - self; d < 100*time.Millisecond {
		t.Errorf("Self grew by %v over a 300 ms spin", d)
	}
	if d := tree2 - tree; d < 100*time.Millisecond {
		t.Errorf("Tree grew by %v over a 300 ms spin", d)
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
