// Command referrals runs the referrals service: the directory of
// organisations and services, and referrals between them.
package main

import (
	"github.com/spona/spona/pkg/platform"
	"github.com/spona/spona/services/referrals/service"
)

func main() {
	platform.ServiceMain("referrals", "the directory of organisations and services, and referrals between them", service.New)
}
