package adapters

import (
	"context"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/protoenum"
	"github.com/spona/spona/services/referrals/internal/app"
	"google.golang.org/grpc"
)

// BeneficiariesGRPC asks the beneficiaries service, as the calling
// organisation (the principal is forwarded by the connection).
type BeneficiariesGRPC struct {
	people benv1.BeneficiaryServiceClient
	access benv1.BeneficiaryAccessServiceClient
}

// NewBeneficiariesGRPC returns the adapter over conn.
func NewBeneficiariesGRPC(conn grpc.ClientConnInterface) *BeneficiariesGRPC {
	return &BeneficiariesGRPC{people: benv1.NewBeneficiaryServiceClient(conn), access: benv1.NewBeneficiaryAccessServiceClient(conn)}
}

var _ app.Beneficiaries = (*BeneficiariesGRPC)(nil)

// View returns the dimensions of a beneficiary the caller can see.
func (b *BeneficiariesGRPC) View(ctx context.Context, id string) (app.BeneficiaryView, error) {
	resp, err := b.people.GetBeneficiary(ctx, &benv1.GetBeneficiaryRequest{Id: id})
	if err != nil {
		return app.BeneficiaryView{}, grpcx.FromDownstream(err, "beneficiary", id)
	}
	p := resp.GetBeneficiary()
	v := app.BeneficiaryView{
		Owned:        p.GetAccess() == benv1.AccessLevel_ACCESS_LEVEL_OWNER,
		Sex:          protoenum.Code(p.GetSex()),
		BirthYear:    int(p.GetBirthYear()),
		LegalStatus:  protoenum.Code(p.GetLegalStatus()),
		Municipality: p.GetMunicipality(),
	}
	if d, err := date.Parse(p.GetBirthDate()); err == nil && p.GetBirthDate() != "" {
		v.BirthDate = d.Time()
	}
	return v, nil
}

// Signer acts for an organisation by signing a principal for it, the way the
// edge does for a partner's request. Used only to end the access a
// referral of that organisation granted.
type Signer struct {
	signer *auth.Signer
}

// NewSigner returns the actor.
func NewSigner(s *auth.Signer) *Signer { return &Signer{signer: s} }

var _ app.Actor = (*Signer)(nil)

// ServiceClientID names the referrals service as the client in principals it signs.
const ServiceClientID = "spona-referrals"

// As returns ctx acting for organisationID.
func (s *Signer) As(ctx context.Context, organisationID string) (context.Context, error) {
	p := auth.Principal{OrganisationID: organisationID, ClientID: ServiceClientID,
		Scopes: []string{auth.ScopeBeneficiariesRead, auth.ScopeBeneficiariesWrite}}
	tok, err := s.signer.Sign(p)
	if err != nil {
		return nil, err
	}
	return auth.WithPrincipal(ctx, p, tok), nil
}
