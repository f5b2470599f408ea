package devstack

import "testing"

// TestFreePortsDistinct: the ports of one stack are distinct, every time.
// Picked one by one and let go, two of a stack's twelve listeners got the
// same port about once in 180 picks (twelve among the 12000 ports of
// loopback.Listen); over 2000 picks that happened almost surely (the test
// failed before).
func TestFreePortsDistinct(t *testing.T) {
	for i := range 2000 {
		p, err := FreePorts()
		if err != nil {
			t.Fatal(err)
		}
		all := []int{p.HTTP}
		for _, port := range p.GRPC {
			all = append(all, port)
		}
		for _, port := range p.Admin {
			all = append(all, port)
		}
		seen := map[int]bool{}
		for _, port := range all {
			if seen[port] {
				t.Fatalf("pick %d: port %d given to two listeners: %+v", i, port, p)
			}
			seen[port] = true
		}
	}
}
