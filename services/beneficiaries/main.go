// Command beneficiaries runs the beneficiaries service: persons, households,
// consents, assistance records and access grants.
package main

import (
	"github.com/spona/spona/pkg/platform"
	"github.com/spona/spona/services/beneficiaries/service"
)

func main() {
	platform.ServiceMain("beneficiaries", "persons, households, consents, assistance records and access grants", service.New)
}
