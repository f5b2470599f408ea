package outbox

import "sync"

// signal wakes every goroutine waiting on it: wait returns a channel that
// is closed at the next fire.
type signal struct {
	mu sync.Mutex
	ch chan struct{}
}

func newSignal() *signal { return &signal{ch: make(chan struct{})} }

func (s *signal) wait() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ch
}

func (s *signal) fire() {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.ch)
	s.ch = make(chan struct{})
}

// news wakes a feed's watchers when events were stamped, and remembers
// which types each wake was about, so that a watcher that filters by type
// reads only when events it wants may have arrived. A wake about no types
// in particular (a notification without them, a listener that reconnected)
// concerns every watcher.
type news struct {
	mu      sync.Mutex
	ch      chan struct{}
	gen     uint64            // counts the wakes
	typeGen map[string]uint64 // type -> the last wake that named it
	allGen  uint64            // the last wake about no types in particular
}

func newNews() *news { return &news{ch: make(chan struct{}), typeGen: map[string]uint64{}} }

// wait returns a channel closed at the next wake, and the wake count so
// far, for since.
func (n *news) wait() (<-chan struct{}, uint64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.ch, n.gen
}

// fire wakes the watchers about events of types (nil: of any type).
func (n *news) fire(types []string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.gen++
	if len(types) == 0 {
		n.allGen = n.gen
	}
	for _, t := range types {
		n.typeGen[t] = n.gen
	}
	close(n.ch)
	n.ch = make(chan struct{})
}

// since reports whether a wake after gen may have been about events of
// types (an empty filter wants every type).
func (n *news) since(gen uint64, types []string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.allGen > gen || (len(types) == 0 && n.gen > gen) {
		return true
	}
	for _, t := range types {
		if n.typeGen[t] > gen {
			return true
		}
	}
	return false
}
