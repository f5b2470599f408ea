package adapters

import (
	"context"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/services/reporting/internal/app"
	"google.golang.org/grpc"
)

// BeneficiariesGRPC asks the beneficiaries service for its aggregates, as the
// calling organisation (the connection forwards the principal).
type BeneficiariesGRPC struct {
	c benv1.BeneficiaryServiceClient
}

// NewBeneficiariesGRPC returns the adapter over conn.
func NewBeneficiariesGRPC(conn grpc.ClientConnInterface) *BeneficiariesGRPC {
	return &BeneficiariesGRPC{c: benv1.NewBeneficiaryServiceClient(conn)}
}

var _ app.Beneficiaries = (*BeneficiariesGRPC)(nil)

// CountAssisted implements app.Beneficiaries.
func (b *BeneficiariesGRPC) CountAssisted(ctx context.Context, projectID string, from, to date.Date, groupBy []string) (aggregate.Aggregate, error) {
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	resp, err := b.c.CountAssistedBeneficiaries(cctx, &benv1.CountAssistedBeneficiariesRequest{
		ProjectId: projectID,
		Period:    period(from, to),
		GroupBy:   groupBy,
	})
	if err != nil {
		return aggregate.Aggregate{}, downstreamError(ctx, "beneficiaries", err)
	}
	agg := aggregate.FromProto(resp.GetAggregate())
	agg.Sort()
	return agg, nil
}
