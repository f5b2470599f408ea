// Package ports exposes the referrals application over gRPC. Handlers only
// translate between protobuf and domain types.
package ports

import (
	"context"

	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/protoenum"
	"github.com/spona/spona/services/referrals/internal/app"
	"github.com/spona/spona/services/referrals/internal/domain"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Scopes lists each RPC and the scope it needs.
var Scopes = grpcx.Scopes{
	pb.DirectoryService_CreateOrganisation_FullMethodName: auth.ScopeDirectoryAdmin,
	pb.DirectoryService_GetOrganisation_FullMethodName:    auth.ScopeDirectoryRead,
	pb.DirectoryService_ListOrganisations_FullMethodName:  auth.ScopeDirectoryRead,
	pb.ReferralService_CreateReferral_FullMethodName:      auth.ScopeReferralsWrite,
	pb.ReferralService_GetReferral_FullMethodName:         auth.ScopeReferralsRead,
	pb.ReferralService_ListReferrals_FullMethodName:       auth.ScopeReferralsRead,
	pb.ReferralService_CountReferrals_FullMethodName:      auth.ScopeAggregates,
}

// Directory implements pb.DirectoryServiceServer.
type Directory struct {
	pb.UnimplementedDirectoryServiceServer
	app *app.App
}

// Referrals implements pb.ReferralServiceServer.
type Referrals struct {
	pb.UnimplementedReferralServiceServer
	app *app.App
}

// NewDirectory returns the directory port.
func NewDirectory(a *app.App) *Directory { return &Directory{app: a} }

// NewReferrals returns the referrals port.
func NewReferrals(a *app.App) *Referrals { return &Referrals{app: a} }

func (d *Directory) CreateOrganisation(ctx context.Context, req *pb.CreateOrganisationRequest) (*pb.CreateOrganisationResponse, error) {
	in := req.GetOrganisation()
	if in == nil {
		return nil, errs.Required("organisation")
	}
	o := &domain.Organisation{
		Name:           in.GetName(),
		LocalizedNames: in.GetLocalizedNames(),
		Kind:           protoenum.Code(in.GetKind()),
		Municipality:   in.GetMunicipality(),
		Country:        in.GetCountry(),
		Email:          in.GetEmail(),
		Website:        in.GetWebsite(),
	}
	o, err := d.app.CreateOrganisation(ctx, auth.Caller(ctx), o, grpcx.RequestID(ctx, req.GetRequestId()))
	if err != nil {
		return nil, err
	}
	return &pb.CreateOrganisationResponse{Organisation: organisationToProto(o)}, nil
}

func (d *Directory) GetOrganisation(ctx context.Context, req *pb.GetOrganisationRequest) (*pb.GetOrganisationResponse, error) {
	o, err := d.app.GetOrganisation(ctx, req.GetId())
	if err != nil {
		return nil, err
	}
	return &pb.GetOrganisationResponse{Organisation: organisationToProto(o)}, nil
}

func (d *Directory) ListOrganisations(ctx context.Context, req *pb.ListOrganisationsRequest) (*pb.ListOrganisationsResponse, error) {
	f := domain.OrganisationFilter{Kind: protoenum.Code(req.GetKind()), Country: req.GetCountry()}
	rows, next, err := d.app.ListOrganisations(ctx, f, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &pb.ListOrganisationsResponse{NextPageToken: next}
	for _, o := range rows {
		out.Organisations = append(out.Organisations, organisationToProto(o))
	}
	return out, nil
}

func organisationToProto(o *domain.Organisation) *pb.Organisation {
	return &pb.Organisation{
		Id:             o.ID,
		Name:           o.Name,
		LocalizedNames: o.LocalizedNames,
		Kind:           protoenum.Parse[pb.OrganisationKind](o.Kind),
		Municipality:   o.Municipality,
		Country:        o.Country,
		Email:          o.Email,
		Website:        o.Website,
		CreateTime:     timestamppb.New(o.CreateTime),
	}
}

func (s *Referrals) CreateReferral(ctx context.Context, req *pb.CreateReferralRequest) (*pb.CreateReferralResponse, error) {
	in := req.GetReferral()
	if in == nil {
		return nil, errs.Required("referral")
	}
	r := &domain.Referral{
		BeneficiaryID:    in.GetBeneficiaryId(),
		ToOrganisationID: in.GetToOrganisationId(),
		ToServiceID:      in.GetToServiceId(),
		Category:         protoenum.Code(in.GetCategory()),
		Reason:           in.GetReason(),
		Urgency:          protoenum.Code(in.GetUrgency()),
		ConsentID:        in.GetConsentId(),
		ProjectID:        in.GetProjectId(),
	}
	r, err := s.app.CreateReferral(ctx, auth.Caller(ctx), r, grpcx.RequestID(ctx, req.GetRequestId()))
	if err != nil {
		return nil, err
	}
	return &pb.CreateReferralResponse{Referral: referralToProto(r)}, nil
}

func (s *Referrals) GetReferral(ctx context.Context, req *pb.GetReferralRequest) (*pb.GetReferralResponse, error) {
	r, err := s.app.GetReferral(ctx, auth.Caller(ctx), req.GetId())
	if err != nil {
		return nil, err
	}
	return &pb.GetReferralResponse{Referral: referralToProto(r)}, nil
}

var directions = map[pb.Direction]domain.Direction{
	pb.Direction_DIRECTION_UNSPECIFIED: domain.Both,
	pb.Direction_DIRECTION_OUTGOING:    domain.Outgoing,
	pb.Direction_DIRECTION_INCOMING:    domain.Incoming,
}

func (s *Referrals) ListReferrals(ctx context.Context, req *pb.ListReferralsRequest) (*pb.ListReferralsResponse, error) {
	dir, ok := directions[req.GetDirection()]
	if !ok {
		var v errs.Violations
		v.Add("direction", "unknown value %d", req.GetDirection())
		return nil, v.Err()
	}
	f := domain.ReferralFilter{Direction: dir, Status: protoenum.Code(req.GetStatus())}
	rows, next, err := s.app.ListReferrals(ctx, auth.Caller(ctx), f, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &pb.ListReferralsResponse{NextPageToken: next}
	for _, r := range rows {
		out.Referrals = append(out.Referrals, referralToProto(r))
	}
	return out, nil
}

func referralToProto(r *domain.Referral) *pb.Referral {
	return &pb.Referral{
		Id:                 r.ID,
		BeneficiaryId:      r.BeneficiaryID,
		FromOrganisationId: r.FromOrganisationID,
		ToOrganisationId:   r.ToOrganisationID,
		ToServiceId:        r.ToServiceID,
		Category:           protoenum.Parse[pb.ReferralCategory](r.Category),
		Reason:             r.Reason,
		Urgency:            protoenum.Parse[pb.Urgency](r.Urgency),
		Status:             protoenum.Parse[pb.ReferralStatus](r.Status),
		DueTime:            timestamppb.New(r.DueTime),
		ConsentId:          r.ConsentID,
		ProjectId:          r.ProjectID,
		CreateTime:         timestamppb.New(r.CreateTime),
		UpdateTime:         timestamppb.New(r.UpdateTime),
		Etag:               r.Etag(),
	}
}

func (s *Referrals) CountReferrals(ctx context.Context, req *pb.CountReferralsRequest) (*pb.CountReferralsResponse, error) {
	q, err := aggregate.ParseQuery(req.GetProjectId(), req.GetPeriod(), req.GetGroupBy())
	if err != nil {
		return nil, err
	}
	agg, err := s.app.CountReferrals(ctx, q)
	if err != nil {
		return nil, err
	}
	return &pb.CountReferralsResponse{Aggregate: aggregate.ToProto(agg)}, nil
}
