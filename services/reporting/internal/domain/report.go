package domain

import (
	"time"

	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/date"
)

// Report is a project's results for a period, computed from the other
// services' aggregates when asked for.
type Report struct {
	ProjectID string
	From, To  date.Date
	// BeneficiariesAssisted counts unique beneficiaries assisted, by sex.
	BeneficiariesAssisted aggregate.Aggregate
	// ProfessionalsTrained counts unique professionals trained, by sector.
	ProfessionalsTrained aggregate.Aggregate
	GenerateTime         time.Time
}

// Report dimensions asked of the other services.
var (
	AssistedGroupBy = []string{"sex"}
	TrainedGroupBy  = []string{"sector"}
)
