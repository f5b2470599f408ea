package adapters

import (
	"context"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/services/trainings/internal/app"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// BeneficiariesGRPC asks the beneficiaries service whether the organiser
// sees a person (CheckAccess), for the calling organisation, under a
// principal of its own with the internal scope access.check only: no
// personal data is read.
type BeneficiariesGRPC struct {
	c benv1.BeneficiaryAccessServiceClient
}

// NewBeneficiariesGRPC returns the adapter over conn.
func NewBeneficiariesGRPC(conn grpc.ClientConnInterface) *BeneficiariesGRPC {
	return &BeneficiariesGRPC{c: benv1.NewBeneficiaryAccessServiceClient(conn)}
}

var _ app.Beneficiaries = (*BeneficiariesGRPC)(nil)

// CheckVisible implements app.Beneficiaries.
func (b *BeneficiariesGRPC) CheckVisible(ctx context.Context, beneficiaryID string) error {
	caller := auth.Caller(ctx)
	cctx := auth.Delegate(ctx, caller.OrganisationID, caller.ClientID)
	_, err := b.c.CheckAccess(cctx, &benv1.CheckAccessRequest{BeneficiaryId: beneficiaryID})
	if status.Code(err) == codes.FailedPrecondition {
		return errs.FailedPrecondition(grpcx.Reason(err), "%s", status.Convert(err).Message())
	}
	return grpcx.FromDownstream(err, "beneficiary", beneficiaryID)
}
