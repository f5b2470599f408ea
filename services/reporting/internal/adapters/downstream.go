package adapters

import (
	"context"
	"errors"
	"fmt"

	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func period(from, to date.Date) *commonv1.DateRange {
	return &commonv1.DateRange{StartDate: from.String(), EndDate: to.String()}
}

// downstreamError classifies the failure of a call to another service. The
// downstream status (code and message) describes the call reporting made, not
// the caller's request, so it never reaches the caller: a service that cannot
// be reached is Unavailable (retrying may help), anything else is internal.
// The cause is kept for the log.
func downstreamError(ctx context.Context, service string, err error) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		// The caller went away; report that rather than blame the service.
		return fmt.Errorf("%s: %w", service, ctx.Err())
	}
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded:
		return errs.Wrap(errs.KindUnavailable, err, "the "+service+" service is unavailable; retry later")
	default:
		return errs.Wrap(errs.KindInternal, err, "the "+service+" service failed")
	}
}
