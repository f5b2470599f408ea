package adapters

import (
	"context"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/services/referrals/internal/app"
	"google.golang.org/grpc"
)

// BeneficiariesGRPC asks the beneficiaries service, as the calling
// organisation (the principal is forwarded by the connection).
type BeneficiariesGRPC struct {
	c benv1.BeneficiaryServiceClient
}

// NewBeneficiariesGRPC returns the adapter over conn.
func NewBeneficiariesGRPC(conn grpc.ClientConnInterface) *BeneficiariesGRPC {
	return &BeneficiariesGRPC{c: benv1.NewBeneficiaryServiceClient(conn)}
}

var _ app.Beneficiaries = (*BeneficiariesGRPC)(nil)

// CheckVisible reports whether the caller can see the beneficiary.
func (b *BeneficiariesGRPC) CheckVisible(ctx context.Context, id string) error {
	_, err := b.c.GetBeneficiary(ctx, &benv1.GetBeneficiaryRequest{Id: id})
	return grpcx.FromDownstream(err, "beneficiary", id)
}
