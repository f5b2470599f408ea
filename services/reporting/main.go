// Command reporting runs the reporting service: donor-funded projects and
// their results, computed live from the other services' aggregates.
package main

import (
	"github.com/spona/spona/pkg/platform"
	"github.com/spona/spona/services/reporting/service"
)

func main() {
	platform.ServiceMain("reporting", "donor-funded projects and their results, computed from the other services' aggregates", service.New)
}
