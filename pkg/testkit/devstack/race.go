//go:build race

package devstack

// Race is true in a binary built with -race: Build then builds the six
// processes with the race detector too, so that `go test -race` of the
// end-to-end tests finds data races in the processes they start.
const Race = true
