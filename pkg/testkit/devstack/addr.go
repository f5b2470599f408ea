package devstack

import (
	"net"
	"strconv"

	"github.com/spona/spona/pkg/testkit/loopback"
)

// FreeAddr is a loopback address (host:port) whose port is free now, for a
// process a test starts outside a Stack (see loopback.FreePort for how it is chosen).
func FreeAddr() (string, error) {
	p, err := loopback.FreePort()
	if err != nil {
		return "", err
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(p)), nil
}
