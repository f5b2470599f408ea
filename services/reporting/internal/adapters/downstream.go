package adapters

import (
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	"github.com/spona/spona/pkg/date"
)

func period(from, to date.Date) *commonv1.DateRange {
	return &commonv1.DateRange{StartDate: from.String(), EndDate: to.String()}
}
