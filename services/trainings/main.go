// Command trainings runs the trainings service: capacity-building events for
// professionals and community events, with their participants.
package main

import (
	"github.com/spona/spona/pkg/platform"
	"github.com/spona/spona/services/trainings/service"
)

func main() {
	platform.ServiceMain("trainings", "capacity-building events for professionals and community events, with their participants", service.New)
}
