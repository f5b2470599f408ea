package ports

import (
	"context"
	"time"

	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/protoenum"
	"github.com/spona/spona/services/referrals/internal/app"
	"github.com/spona/spona/services/referrals/internal/domain"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func organisationFromProto(in *pb.Organisation) *domain.Organisation {
	return &domain.Organisation{
		ID:                    in.GetId(),
		Name:                  in.GetName(),
		LocalizedNames:        in.GetLocalizedNames(),
		Description:           in.GetDescription(),
		LocalizedDescriptions: in.GetLocalizedDescriptions(),
		Kind:                  protoenum.Code(in.GetKind()),
		Municipality:          in.GetMunicipality(),
		Country:               in.GetCountry(),
		Languages:             in.GetLanguages(),
		Email:                 in.GetEmail(),
		Phone:                 in.GetPhone(),
		Website:               in.GetWebsite(),
		Identifier:            in.GetOrganisationIdentifier(),
	}
}

func organisationToProto(o *domain.Organisation) *pb.Organisation {
	return &pb.Organisation{
		Id:                     o.ID,
		Name:                   o.Name,
		LocalizedNames:         o.LocalizedNames,
		Description:            o.Description,
		LocalizedDescriptions:  o.LocalizedDescriptions,
		Kind:                   protoenum.Parse[pb.OrganisationKind](o.Kind),
		Municipality:           o.Municipality,
		Country:                o.Country,
		Languages:              o.Languages,
		Email:                  o.Email,
		Phone:                  o.Phone,
		Website:                o.Website,
		OrganisationIdentifier: o.Identifier,
		CreateTime:             timestamppb.New(o.CreateTime),
		UpdateTime:             timestamppb.New(o.UpdateTime),
		Etag:                   o.Etag(),
		Verified:               o.Verified(),
		VerifyTime:             optionalTime(deref(o.VerifyTime)),
	}
}

func (d *Directory) CreateOrganisation(ctx context.Context, req *pb.CreateOrganisationRequest) (*pb.CreateOrganisationResponse, error) {
	if req.GetOrganisation() == nil {
		return nil, errs.Required("organisation")
	}
	o, err := d.app.CreateOrganisation(ctx, auth.Caller(ctx), organisationFromProto(req.GetOrganisation()), grpcx.RequestID(ctx, req.GetRequestId()))
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
	f := domain.OrganisationFilter{Name: req.GetName(), Kind: protoenum.Code(req.GetKind()), Country: req.GetCountry(),
		Municipality: req.GetMunicipality(), Language: req.GetLanguage()}
	rows, next, err := d.app.ListOrganisations(ctx, auth.Caller(ctx).OrganisationID, f, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &pb.ListOrganisationsResponse{NextPageToken: next}
	for _, o := range rows {
		out.Organisations = append(out.Organisations, organisationToProto(o))
	}
	return out, nil
}

func (d *Directory) UpdateOrganisation(ctx context.Context, req *pb.UpdateOrganisationRequest) (*pb.UpdateOrganisationResponse, error) {
	in := req.GetOrganisation()
	if in == nil {
		return nil, errs.Required("organisation")
	}
	paths, err := grpcx.UpdatePaths(req.GetUpdateMask(), in)
	if err != nil {
		return nil, err
	}
	o, err := d.app.UpdateOrganisation(ctx, auth.Caller(ctx), organisationFromProto(in), in.GetEtag(), paths)
	if err != nil {
		return nil, err
	}
	return &pb.UpdateOrganisationResponse{Organisation: organisationToProto(o)}, nil
}

func (d *Directory) VerifyOrganisation(ctx context.Context, req *pb.VerifyOrganisationRequest) (*pb.VerifyOrganisationResponse, error) {
	o, err := d.app.VerifyOrganisation(ctx, auth.Caller(ctx), req.GetId(), app.Verification{
		Name: req.GetName(), Kind: protoenum.Code(req.GetKind()), Country: req.GetCountry(),
		LocalizedNames: req.GetLocalizedNames(), Identifier: req.OrganisationIdentifier, Reason: req.GetReason(),
	}, req.GetEtag())
	if err != nil {
		return nil, err
	}
	return &pb.VerifyOrganisationResponse{Organisation: organisationToProto(o)}, nil
}

func serviceFromProto(in *pb.Service) *domain.Service {
	s := &domain.Service{
		ID:                    in.GetId(),
		Name:                  in.GetName(),
		LocalizedNames:        in.GetLocalizedNames(),
		Description:           in.GetDescription(),
		LocalizedDescriptions: in.GetLocalizedDescriptions(),
		Category:              protoenum.Code(in.GetCategory()),
		Languages:             in.GetLanguages(),
		Eligibility: domain.Eligibility{
			Description: in.GetEligibility().GetDescription(),
			MinimumAge:  in.GetEligibility().GetMinimumAge(),
			MaximumAge:  in.GetEligibility().GetMaximumAge(),
		},
		AcceptingReferrals: in.GetAcceptingReferrals(),
		Email:              in.GetEmail(),
		URL:                in.GetUrl(),
		Phone:              in.GetPhone(),
	}
	for _, l := range in.GetLocations() {
		s.Locations = append(s.Locations, domain.Location{ID: l.GetId(), Name: l.GetName(), Address: l.GetAddress(), Municipality: l.GetMunicipality(), Country: l.GetCountry()})
	}
	for _, c := range in.GetContacts() {
		s.Contacts = append(s.Contacts, domain.Contact{Name: c.GetName(), Title: c.GetTitle(), Email: c.GetEmail(), Phone: c.GetPhone()})
	}
	for _, sc := range in.GetSchedules() {
		s.Schedules = append(s.Schedules, domain.Schedule{Days: protoenum.Codes(sc.GetDays()), OpensAt: sc.GetOpensAt(), ClosesAt: sc.GetClosesAt(), Description: sc.GetDescription()})
	}
	return s
}

func serviceToProto(s *domain.Service) *pb.Service {
	out := &pb.Service{
		Id:                    s.ID,
		OrganisationId:        s.OrganisationID,
		Name:                  s.Name,
		LocalizedNames:        s.LocalizedNames,
		Description:           s.Description,
		LocalizedDescriptions: s.LocalizedDescriptions,
		Category:              protoenum.Parse[pb.ReferralCategory](s.Category),
		Languages:             s.Languages,
		AcceptingReferrals:    s.AcceptingReferrals,
		Email:                 s.Email,
		Url:                   s.URL,
		Phone:                 s.Phone,
		CreateTime:            timestamppb.New(s.CreateTime),
		UpdateTime:            timestamppb.New(s.UpdateTime),
		Etag:                  s.Etag(),
	}
	if e := s.Eligibility; e != (domain.Eligibility{}) {
		out.Eligibility = &pb.Eligibility{Description: e.Description, MinimumAge: e.MinimumAge, MaximumAge: e.MaximumAge}
	}
	for _, l := range s.Locations {
		out.Locations = append(out.Locations, &pb.Location{Id: l.ID, Name: l.Name, Address: l.Address, Municipality: l.Municipality, Country: l.Country})
	}
	for _, c := range s.Contacts {
		out.Contacts = append(out.Contacts, &pb.Contact{Name: c.Name, Title: c.Title, Email: c.Email, Phone: c.Phone})
	}
	for _, sc := range s.Schedules {
		out.Schedules = append(out.Schedules, &pb.Schedule{Days: protoenum.ParseAll[pb.Weekday](sc.Days), OpensAt: sc.OpensAt, ClosesAt: sc.ClosesAt, Description: sc.Description})
	}
	return out
}

func (d *Directory) CreateService(ctx context.Context, req *pb.CreateServiceRequest) (*pb.CreateServiceResponse, error) {
	if req.GetService() == nil {
		return nil, errs.Required("service")
	}
	s := serviceFromProto(req.GetService())
	s.OrganisationID = req.GetOrganisationId()
	s, err := d.app.CreateService(ctx, auth.Caller(ctx), s, grpcx.RequestID(ctx, req.GetRequestId()))
	if err != nil {
		return nil, err
	}
	return &pb.CreateServiceResponse{Service: serviceToProto(s)}, nil
}

func (d *Directory) GetService(ctx context.Context, req *pb.GetServiceRequest) (*pb.GetServiceResponse, error) {
	s, err := d.app.GetService(ctx, req.GetId())
	if err != nil {
		return nil, err
	}
	return &pb.GetServiceResponse{Service: serviceToProto(s)}, nil
}

func (d *Directory) ListServices(ctx context.Context, req *pb.ListServicesRequest) (*pb.ListServicesResponse, error) {
	f := domain.ServiceFilter{OrganisationID: req.GetOrganisationId(), Category: protoenum.Code(req.GetCategory()),
		Municipality: req.GetMunicipality(), Language: req.GetLanguage()}
	if req.AcceptingReferrals != nil {
		v := req.GetAcceptingReferrals()
		f.AcceptingReferrals = &v
	}
	rows, next, err := d.app.ListServices(ctx, auth.Caller(ctx).OrganisationID, f, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &pb.ListServicesResponse{NextPageToken: next}
	for _, s := range rows {
		out.Services = append(out.Services, serviceToProto(s))
	}
	return out, nil
}

func (d *Directory) UpdateService(ctx context.Context, req *pb.UpdateServiceRequest) (*pb.UpdateServiceResponse, error) {
	in := req.GetService()
	if in == nil {
		return nil, errs.Required("service")
	}
	paths, err := grpcx.UpdatePaths(req.GetUpdateMask(), in)
	if err != nil {
		return nil, err
	}
	s, err := d.app.UpdateService(ctx, auth.Caller(ctx), serviceFromProto(in), in.GetEtag(), paths)
	if err != nil {
		return nil, err
	}
	return &pb.UpdateServiceResponse{Service: serviceToProto(s)}, nil
}

func deref(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}
