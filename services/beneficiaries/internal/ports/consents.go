package ports

import (
	"context"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/protoenum"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
)

func (g *GRPC) CreateConsent(ctx context.Context, req *pb.CreateConsentRequest) (*pb.CreateConsentResponse, error) {
	act, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	in := req.GetConsent()
	if in == nil {
		return nil, errs.Required("consent")
	}
	c, err := consentFromProto(in)
	if err != nil {
		return nil, err
	}
	c, err = g.app.CreateConsent(ctx, act, req.GetBeneficiaryId(), c, grpcx.RequestID(ctx, req.GetRequestId()))
	if err != nil {
		return nil, err
	}
	return &pb.CreateConsentResponse{Consent: g.consentToProto(c)}, nil
}

func (g *GRPC) ListConsents(ctx context.Context, req *pb.ListConsentsRequest) (*pb.ListConsentsResponse, error) {
	act, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	rows, next, err := g.app.ListConsents(ctx, act, req.GetBeneficiaryId(), req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &pb.ListConsentsResponse{NextPageToken: next}
	for _, c := range rows {
		out.Consents = append(out.Consents, g.consentToProto(c))
	}
	return out, nil
}

func (g *GRPC) WithdrawConsent(ctx context.Context, req *pb.WithdrawConsentRequest) (*pb.WithdrawConsentResponse, error) {
	act, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	c, err := g.app.WithdrawConsent(ctx, act, req.GetBeneficiaryId(), req.GetId(), req.GetReason())
	if err != nil {
		return nil, err
	}
	return &pb.WithdrawConsentResponse{Consent: g.consentToProto(c)}, nil
}

// consentFromProto translates a consent; its timestamps are read as every
// port reads them (grpcx.Time).
func consentFromProto(in *pb.Consent) (*domain.Consent, error) {
	var v errs.Violations
	given := grpcx.Time(&v, "consent.given_time", in.GetGivenTime())
	expire := grpcx.Time(&v, "consent.expire_time", in.GetExpireTime())
	if err := v.Err(); err != nil {
		return nil, err
	}
	return &domain.Consent{
		Purpose:      protoenum.Code(in.GetPurpose()),
		Scope:        in.GetScope(),
		GivenBy:      protoenum.Code(in.GetGivenBy()),
		GuardianName: in.GetGuardianName(),
		GivenTime:    given,
		ExpireTime:   expire,
	}, nil
}

func (g *GRPC) consentToProto(c *domain.Consent) *pb.Consent {
	return &pb.Consent{
		Id:             c.ID,
		BeneficiaryId:  c.BeneficiaryID,
		OrganisationId: c.OrganisationID,
		Purpose:        protoenum.Parse[pb.ConsentPurpose](c.Purpose),
		Scope:          c.Scope,
		GivenBy:        protoenum.Parse[pb.ConsentGivenBy](c.GivenBy),
		GuardianName:   c.GuardianName,
		GivenTime:      timestamp(c.GivenTime),
		ExpireTime:     timestamp(c.ExpireTime),
		WithdrawTime:   timestamp(c.WithdrawTime),
		WithdrawReason: c.WithdrawReason,
		Live:           c.LiveAt(g.app.Now()),
		CreateTime:     timestamp(c.CreateTime),
	}
}
