// Package ports exposes the beneficiaries application over gRPC. Handlers
// only translate between protobuf and domain types.
package ports

import (
	"context"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/protoenum"
	"github.com/spona/spona/services/beneficiaries/internal/app"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Scopes lists each RPC and the scope it needs.
var Scopes = grpcx.Scopes{
	pb.BeneficiaryService_CreateBeneficiary_FullMethodName:          auth.ScopeBeneficiariesWrite,
	pb.BeneficiaryService_GetBeneficiary_FullMethodName:             auth.ScopeBeneficiariesRead,
	pb.BeneficiaryService_ListBeneficiaries_FullMethodName:          auth.ScopeBeneficiariesRead,
	pb.BeneficiaryService_CreateAssistance_FullMethodName:           auth.ScopeBeneficiariesWrite,
	pb.BeneficiaryService_ListAssistances_FullMethodName:            auth.ScopeBeneficiariesRead,
	pb.BeneficiaryService_CountAssistedBeneficiaries_FullMethodName: auth.ScopeAggregates,
	pb.BeneficiaryService_CreateConsent_FullMethodName:              auth.ScopeBeneficiariesWrite,
	pb.BeneficiaryService_ListConsents_FullMethodName:               auth.ScopeBeneficiariesRead,
	pb.BeneficiaryService_WithdrawConsent_FullMethodName:            auth.ScopeBeneficiariesWrite,

	// Internal: the referrals service calls these as the referring
	// organisation, whose principal carries the write scope.
	pb.BeneficiaryAccessService_CheckConsent_FullMethodName: auth.ScopeBeneficiariesRead,
	pb.BeneficiaryAccessService_GrantAccess_FullMethodName:  auth.ScopeBeneficiariesWrite,
	pb.BeneficiaryAccessService_RevokeAccess_FullMethodName: auth.ScopeBeneficiariesWrite,
}

// GRPC implements pb.BeneficiaryServiceServer.
type GRPC struct {
	pb.UnimplementedBeneficiaryServiceServer
	app *app.App
}

// NewGRPC returns the gRPC port of a.
func NewGRPC(a *app.App) *GRPC { return &GRPC{app: a} }

func (g *GRPC) CreateBeneficiary(ctx context.Context, req *pb.CreateBeneficiaryRequest) (*pb.CreateBeneficiaryResponse, error) {
	if req.GetBeneficiary() == nil {
		return nil, errs.Required("beneficiary")
	}
	b, err := beneficiaryFromProto(req.GetBeneficiary())
	if err != nil {
		return nil, err
	}
	b, err = g.app.CreateBeneficiary(ctx, auth.Caller(ctx), b, grpcx.RequestID(ctx, req.GetRequestId()))
	if err != nil {
		return nil, err
	}
	return &pb.CreateBeneficiaryResponse{Beneficiary: beneficiaryToProto(b)}, nil
}

func (g *GRPC) GetBeneficiary(ctx context.Context, req *pb.GetBeneficiaryRequest) (*pb.GetBeneficiaryResponse, error) {
	b, err := g.app.GetBeneficiary(ctx, auth.Caller(ctx), req.GetId())
	if err != nil {
		return nil, err
	}
	return &pb.GetBeneficiaryResponse{Beneficiary: beneficiaryToProto(b)}, nil
}

func (g *GRPC) ListBeneficiaries(ctx context.Context, req *pb.ListBeneficiariesRequest) (*pb.ListBeneficiariesResponse, error) {
	f := domain.ListFilter{LegalStatus: protoenum.Code(req.GetLegalStatus()), Municipality: req.GetMunicipality()}
	rows, next, err := g.app.ListBeneficiaries(ctx, auth.Caller(ctx), f, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &pb.ListBeneficiariesResponse{NextPageToken: next}
	for _, b := range rows {
		out.Beneficiaries = append(out.Beneficiaries, beneficiaryToProto(b))
	}
	return out, nil
}

func (g *GRPC) CreateAssistance(ctx context.Context, req *pb.CreateAssistanceRequest) (*pb.CreateAssistanceResponse, error) {
	in := req.GetAssistance()
	if in == nil {
		return nil, errs.Required("assistance")
	}
	var v errs.Violations
	a := &domain.Assistance{
		ProjectID: in.GetProjectId(),
		Type:      protoenum.Code(in.GetType()),
		Date:      date.ParseField(&v, "assistance.date", in.GetDate()),
		Notes:     in.GetNotes(),
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	a, err := g.app.CreateAssistance(ctx, auth.Caller(ctx), req.GetBeneficiaryId(), a, grpcx.RequestID(ctx, req.GetRequestId()))
	if err != nil {
		return nil, err
	}
	return &pb.CreateAssistanceResponse{Assistance: assistanceToProto(a)}, nil
}

func (g *GRPC) ListAssistances(ctx context.Context, req *pb.ListAssistancesRequest) (*pb.ListAssistancesResponse, error) {
	rows, next, err := g.app.ListAssistances(ctx, auth.Caller(ctx), req.GetBeneficiaryId(), req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &pb.ListAssistancesResponse{NextPageToken: next}
	for _, a := range rows {
		out.Assistances = append(out.Assistances, assistanceToProto(a))
	}
	return out, nil
}

func (g *GRPC) CountAssistedBeneficiaries(ctx context.Context, req *pb.CountAssistedBeneficiariesRequest) (*pb.CountAssistedBeneficiariesResponse, error) {
	q, err := aggregate.ParseQuery(req.GetProjectId(), req.GetPeriod(), req.GetGroupBy())
	if err != nil {
		return nil, err
	}
	agg, err := g.app.CountAssisted(ctx, q)
	if err != nil {
		return nil, err
	}
	return &pb.CountAssistedBeneficiariesResponse{Aggregate: aggregate.ToProto(agg)}, nil
}

func beneficiaryFromProto(in *pb.Beneficiary) (*domain.Beneficiary, error) {
	var v errs.Violations
	b := &domain.Beneficiary{
		ExternalID:         in.GetExternalId(),
		GivenName:          in.GetGivenName(),
		FamilyName:         in.GetFamilyName(),
		OriginalScriptName: in.GetOriginalScriptName(),
		Sex:                protoenum.Code(in.GetSex()),
		BirthDate:          date.ParseField(&v, "beneficiary.birth_date", in.GetBirthDate()),
		BirthYear:          int(in.GetBirthYear()),
		BirthDateEstimated: in.GetBirthDateEstimated(),
		Nationality:        in.GetNationality(),
		Languages:          in.GetLanguages(),
		LegalStatus:        protoenum.Code(in.GetLegalStatus()),
		Municipality:       in.GetMunicipality(),
		Country:            in.GetCountry(),
		Accommodation:      protoenum.Code(in.GetAccommodation()),
		Vulnerabilities:    protoenum.Codes(in.GetVulnerabilities()),
	}
	return b, v.Err()
}

func beneficiaryToProto(b *domain.Beneficiary) *pb.Beneficiary {
	return &pb.Beneficiary{
		Id:                 b.ID,
		OrganisationId:     b.OrganisationID,
		ExternalId:         b.ExternalID,
		GivenName:          b.GivenName,
		FamilyName:         b.FamilyName,
		OriginalScriptName: b.OriginalScriptName,
		Sex:                protoenum.Parse[commonv1.Sex](b.Sex),
		BirthDate:          b.BirthDate.String(),
		BirthYear:          int32(b.BirthYear),
		BirthDateEstimated: b.BirthDateEstimated,
		Nationality:        b.Nationality,
		Languages:          b.Languages,
		LegalStatus:        protoenum.Parse[pb.LegalStatus](b.LegalStatus),
		Municipality:       b.Municipality,
		Country:            b.Country,
		Accommodation:      protoenum.Parse[pb.Accommodation](b.Accommodation),
		Vulnerabilities:    protoenum.ParseAll[pb.Vulnerability](b.Vulnerabilities),
		CreateTime:         timestamppb.New(b.CreateTime),
		UpdateTime:         timestamppb.New(b.UpdateTime),
		Etag:               b.Etag(),
		Access:             protoenum.Parse[pb.AccessLevel](b.Access),
	}
}

func assistanceToProto(a *domain.Assistance) *pb.Assistance {
	return &pb.Assistance{
		Id:             a.ID,
		BeneficiaryId:  a.BeneficiaryID,
		OrganisationId: a.OrganisationID,
		ProjectId:      a.ProjectID,
		Type:           protoenum.Parse[pb.AssistanceType](a.Type),
		Date:           a.Date.String(),
		Notes:          a.Notes,
		CreateTime:     timestamppb.New(a.CreateTime),
	}
}
