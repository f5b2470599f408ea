// Command webhooks runs the webhooks service: partner subscriptions, signed
// deliveries of the services' events, and the REST change feed.
package main

import (
	"github.com/spona/spona/pkg/platform"
	"github.com/spona/spona/services/webhooks/service"
)

func main() {
	platform.ServiceMain("webhooks", "signed webhooks of the services' events to partner systems, and the REST change feed", service.New)
}
