// Package filewatch tells when files a process reads at start (keys,
// certificates) have changed, so it can read them again without a restart.
// It compares what stat says (size, modification time, and the names in a
// directory), which also sees a Kubernetes Secret volume swapping its
// symbolic links.
package filewatch

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Stamp summarises paths (files or directories, followed through symbolic
// links): it differs whenever one of them, or a file in one of the
// directories, was replaced, resized, touched, added or removed. A missing
// path is part of the stamp too.
func Stamp(paths ...string) string {
	var b strings.Builder
	for _, p := range paths {
		if p == "" {
			continue
		}
		fi, err := os.Stat(p)
		if err != nil {
			fmt.Fprintf(&b, "%s:missing;", p)
			continue
		}
		if !fi.IsDir() {
			fmt.Fprintf(&b, "%s:%d:%d;", p, fi.Size(), fi.ModTime().UnixNano())
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			fmt.Fprintf(&b, "%s:unreadable;", p)
			continue
		}
		names := make([]string, 0, len(entries))
		for _, e := range entries {
			names = append(names, e.Name())
		}
		sort.Strings(names)
		for _, n := range names {
			if fi, err := os.Stat(filepath.Join(p, n)); err == nil {
				fmt.Fprintf(&b, "%s/%s:%d:%d;", p, n, fi.Size(), fi.ModTime().UnixNano())
			}
		}
	}
	return b.String()
}

// Watch calls reload when Stamp(paths...) changes, looking at most once per
// interval, and only when asked (Check): no goroutine of its own.
type Watch struct {
	paths    []string
	interval time.Duration
	reload   func() error

	mu      sync.Mutex
	stamp   string
	checked time.Time
	err     error
}

// New returns a watch of paths whose current state counts as loaded.
func New(interval time.Duration, reload func() error, paths ...string) *Watch {
	return &Watch{paths: paths, interval: interval, reload: reload, stamp: Stamp(paths...), checked: time.Now()}
}

// Check reloads when the files changed since the last successful reload
// (at most once per interval). It returns the error of the last reload
// attempt, if it failed: the caller keeps what it had.
func (w *Watch) Check() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if time.Since(w.checked) < w.interval {
		return w.err
	}
	w.checked = time.Now()
	s := Stamp(w.paths...)
	if s == w.stamp {
		return w.err
	}
	if w.err = w.reload(); w.err == nil {
		w.stamp = s
	}
	return w.err
}
