// Package ports exposes the beneficiaries application over gRPC. Handlers
// only translate between protobuf and domain types.
package ports

import (
	"context"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/audit"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/intconv"
	"github.com/spona/spona/pkg/protoenum"
	"github.com/spona/spona/services/beneficiaries/internal/app"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// actor returns who calls and the purpose it declared.
func actor(ctx context.Context) (app.Actor, error) { return audit.FromIncoming(ctx) }

// GRPC implements pb.BeneficiaryServiceServer.
type GRPC struct {
	pb.UnimplementedBeneficiaryServiceServer
	app *app.App
}

// NewGRPC returns the gRPC port of a.
func NewGRPC(a *app.App) *GRPC { return &GRPC{app: a} }

func (g *GRPC) CreateBeneficiary(ctx context.Context, req *pb.CreateBeneficiaryRequest) (*pb.CreateBeneficiaryResponse, error) {
	act, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if req.GetBeneficiary() == nil {
		return nil, errs.Required("beneficiary")
	}
	b, err := beneficiaryFromProto(req.GetBeneficiary())
	if err != nil {
		return nil, err
	}
	b, err = g.app.CreateBeneficiary(ctx, act, b, grpcx.RequestID(ctx, req.GetRequestId()))
	if err != nil {
		return nil, err
	}
	return &pb.CreateBeneficiaryResponse{Beneficiary: beneficiaryToProto(b)}, nil
}

func (g *GRPC) GetBeneficiary(ctx context.Context, req *pb.GetBeneficiaryRequest) (*pb.GetBeneficiaryResponse, error) {
	act, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	b, err := g.app.GetBeneficiary(ctx, act, req.GetId())
	if err != nil {
		return nil, err
	}
	return &pb.GetBeneficiaryResponse{Beneficiary: beneficiaryToProto(b)}, nil
}

func (g *GRPC) ListBeneficiaries(ctx context.Context, req *pb.ListBeneficiariesRequest) (*pb.ListBeneficiariesResponse, error) {
	act, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	f := domain.ListFilter{
		LegalStatus:   protoenum.Code(req.GetLegalStatus()),
		Municipality:  req.GetMunicipality(),
		Sex:           protoenum.Code(req.GetSex()),
		Nationality:   req.GetNationality(),
		Vulnerability: protoenum.Code(req.GetVulnerability()),
		Country:       req.GetCountry(),
	}
	rows, next, err := g.app.ListBeneficiaries(ctx, act, f, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &pb.ListBeneficiariesResponse{NextPageToken: next}
	for _, b := range rows {
		out.Beneficiaries = append(out.Beneficiaries, beneficiaryToProto(b))
	}
	return out, nil
}

func (g *GRPC) UpdateBeneficiary(ctx context.Context, req *pb.UpdateBeneficiaryRequest) (*pb.UpdateBeneficiaryResponse, error) {
	act, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	in := req.GetBeneficiary()
	if in == nil {
		return nil, errs.Required("beneficiary")
	}
	patch, err := beneficiaryFromProto(in)
	if err != nil {
		return nil, err
	}
	paths, err := grpcx.UpdatePaths(req.GetUpdateMask(), in)
	if err != nil {
		return nil, err
	}
	b, err := g.app.UpdateBeneficiary(ctx, act, in.GetId(), in.GetEtag(), patch, paths)
	if err != nil {
		return nil, err
	}
	return &pb.UpdateBeneficiaryResponse{Beneficiary: beneficiaryToProto(b)}, nil
}

func (g *GRPC) SearchBeneficiaries(ctx context.Context, req *pb.SearchBeneficiariesRequest) (*pb.SearchBeneficiariesResponse, error) {
	act, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	rows, next, err := g.app.SearchBeneficiaries(ctx, act, req.GetQuery(), req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &pb.SearchBeneficiariesResponse{NextPageToken: next}
	for _, s := range rows {
		out.Results = append(out.Results, &pb.SearchResult{Beneficiary: beneficiaryToProto(s.Beneficiary), Score: s.Score})
	}
	return out, nil
}

func (g *GRPC) FindDuplicates(ctx context.Context, req *pb.FindDuplicatesRequest) (*pb.FindDuplicatesResponse, error) {
	act, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	rows, next, err := g.app.FindDuplicates(ctx, act, req.GetId(), req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &pb.FindDuplicatesResponse{NextPageToken: next}
	for _, c := range rows {
		out.Candidates = append(out.Candidates, &pb.DuplicateCandidate{
			Beneficiary: beneficiaryToProto(c.Beneficiary), Score: c.Score, NameScore: c.NameScore,
			BirthScore: c.BirthScore, NationalityScore: c.NationalityScore, DocumentScore: c.DocumentScore,
		})
	}
	return out, nil
}

func (g *GRPC) MergeBeneficiaries(ctx context.Context, req *pb.MergeBeneficiariesRequest) (*pb.MergeBeneficiariesResponse, error) {
	act, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	b, err := g.app.MergeBeneficiaries(ctx, act, req.GetId(), req.GetDuplicateId())
	if err != nil {
		return nil, err
	}
	return &pb.MergeBeneficiariesResponse{Beneficiary: beneficiaryToProto(b)}, nil
}

func (g *GRPC) EraseBeneficiary(ctx context.Context, req *pb.EraseBeneficiaryRequest) (*pb.EraseBeneficiaryResponse, error) {
	act, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	b, err := g.app.EraseBeneficiary(ctx, act, req.GetId(), req.GetReason())
	if err != nil {
		return nil, err
	}
	return &pb.EraseBeneficiaryResponse{Beneficiary: beneficiaryToProto(b)}, nil
}

func (g *GRPC) ListAuditEvents(ctx context.Context, req *pb.ListAuditEventsRequest) (*pb.ListAuditEventsResponse, error) {
	act, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	rows, next, err := g.app.ListAuditEvents(ctx, act, req.GetBeneficiaryId(), req.GetActorOrganisationId(), req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &pb.ListAuditEventsResponse{NextPageToken: next}
	for _, e := range rows {
		out.AuditEvents = append(out.AuditEvents, &pb.AuditEvent{
			Id: e.ID, CreateTime: timestamppb.New(e.Time), ActorOrganisationId: e.ActorOrganisationID, ActorClientId: e.ActorClientID,
			BeneficiaryId: e.BeneficiaryID, Action: e.Action, Fields: e.Fields, Purpose: e.Purpose, Resource: e.Resource,
		})
	}
	return out, nil
}

func (g *GRPC) CreateAssistance(ctx context.Context, req *pb.CreateAssistanceRequest) (*pb.CreateAssistanceResponse, error) {
	act, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	in := req.GetAssistance()
	if in == nil {
		return nil, errs.Required("assistance")
	}
	var v errs.Violations
	a := &domain.Assistance{
		ProjectID:  in.GetProjectId(),
		Type:       protoenum.Code(in.GetType()),
		Date:       date.ParseField(&v, "assistance.date", in.GetDate()),
		Notes:      in.GetNotes(),
		ServiceID:  in.GetServiceId(),
		LocationID: in.GetLocationId(),
		ReferralID: in.GetReferralId(),
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	a, err = g.app.CreateAssistance(ctx, act, req.GetBeneficiaryId(), a, grpcx.RequestID(ctx, req.GetRequestId()))
	if err != nil {
		return nil, err
	}
	return &pb.CreateAssistanceResponse{Assistance: assistanceToProto(a)}, nil
}

func (g *GRPC) VoidAssistance(ctx context.Context, req *pb.VoidAssistanceRequest) (*pb.VoidAssistanceResponse, error) {
	act, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	a, err := g.app.VoidAssistance(ctx, act, req.GetId(), protoenum.Code(req.GetReason()))
	if err != nil {
		return nil, err
	}
	return &pb.VoidAssistanceResponse{Assistance: assistanceToProto(a)}, nil
}

func (g *GRPC) CorrectLegalStatusChange(ctx context.Context, req *pb.CorrectLegalStatusChangeRequest) (*pb.CorrectLegalStatusChangeResponse, error) {
	act, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var v errs.Violations
	fix := domain.LegalStatusChange{LegalStatus: protoenum.Code(req.GetLegalStatus()), Since: date.ParseField(&v, "since", req.GetSince())}
	if err := v.Err(); err != nil {
		return nil, err
	}
	b, err := g.app.CorrectLegalStatusChange(ctx, act, req.GetBeneficiaryId(), req.GetId(), req.GetEtag(), fix)
	if err != nil {
		return nil, err
	}
	return &pb.CorrectLegalStatusChangeResponse{Beneficiary: beneficiaryToProto(b)}, nil
}

func (g *GRPC) DeleteLegalStatusChange(ctx context.Context, req *pb.DeleteLegalStatusChangeRequest) (*pb.DeleteLegalStatusChangeResponse, error) {
	act, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	b, err := g.app.DeleteLegalStatusChange(ctx, act, req.GetBeneficiaryId(), req.GetId(), req.GetEtag())
	if err != nil {
		return nil, err
	}
	return &pb.DeleteLegalStatusChangeResponse{Beneficiary: beneficiaryToProto(b)}, nil
}

func (g *GRPC) ListAssistances(ctx context.Context, req *pb.ListAssistancesRequest) (*pb.ListAssistancesResponse, error) {
	act, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	rows, next, err := g.app.ListAssistances(ctx, act, req.GetBeneficiaryId(), req.GetShowVoided(), req.GetPageSize(), req.GetPageToken())
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
	q.Each, q.Also = req.GetEachDimension(), aggregate.Also(req.GetAlsoBy())
	agg, err := g.app.CountAssisted(ctx, q, req.GetOrganisationIds())
	if err != nil {
		return nil, err
	}
	return &pb.CountAssistedBeneficiariesResponse{Aggregate: aggregate.ToProto(agg)}, nil
}

// BeneficiaryFromProto translates a beneficiary as a caller submits it.
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
		LegalStatusSince:   date.ParseField(&v, "beneficiary.legal_status_since", in.GetLegalStatusSince()),
		Municipality:       in.GetMunicipality(),
		Country:            in.GetCountry(),
		Accommodation:      protoenum.Code(in.GetAccommodation()),
		Vulnerabilities:    protoenum.Codes(in.GetVulnerabilities()),
		Phone:              in.GetPhone(),
		Email:              in.GetEmail(),
		Notes:              in.GetNotes(),
	}
	for i, d := range in.GetDocuments() {
		b.Documents = append(b.Documents, documentFromProto(&v, "beneficiary.documents["+itoa(i)+"]", d))
	}
	return b, v.Err()
}

func beneficiaryToProto(b *domain.Beneficiary) *pb.Beneficiary {
	out := &pb.Beneficiary{
		Id:                    b.ID,
		OrganisationId:        b.OrganisationID,
		ExternalId:            b.ExternalID,
		GivenName:             b.GivenName,
		FamilyName:            b.FamilyName,
		OriginalScriptName:    b.OriginalScriptName,
		Sex:                   protoenum.Parse[commonv1.Sex](b.Sex),
		BirthDate:             b.BirthDate.String(),
		BirthYear:             intconv.Int32(b.BirthYear),
		BirthDateEstimated:    b.BirthDateEstimated,
		Nationality:           b.Nationality,
		Languages:             b.Languages,
		LegalStatus:           protoenum.Parse[pb.LegalStatus](b.LegalStatus),
		LegalStatusSince:      b.LegalStatusSince.String(),
		Municipality:          b.Municipality,
		Country:               b.Country,
		Accommodation:         protoenum.Parse[pb.Accommodation](b.Accommodation),
		Vulnerabilities:       protoenum.ParseAll[pb.Vulnerability](b.Vulnerabilities),
		Phone:                 b.Phone,
		Email:                 b.Email,
		Notes:                 b.Notes,
		HouseholdId:           b.HouseholdID,
		HouseholdRelationship: protoenum.Parse[pb.Relationship](b.Relationship),
		MergedInto:            b.MergedInto,
		EraseTime:             timestamp(b.EraseTime),
		CreateTime:            timestamppb.New(b.CreateTime),
		UpdateTime:            timestamppb.New(b.UpdateTime),
		Etag:                  b.Etag(),
		Access:                protoenum.Parse[pb.AccessLevel](b.Access),
	}
	for _, c := range b.LegalStatusHistory {
		out.LegalStatusHistory = append(out.LegalStatusHistory, &pb.LegalStatusChange{
			Id: c.ID, LegalStatus: protoenum.Parse[pb.LegalStatus](c.LegalStatus), Since: c.Since.String(),
			OrganisationId: c.OrganisationID, RecordTime: timestamp(c.RecordTime),
			CorrectedByOrganisationId: c.CorrectedByOrganisationID, CorrectTime: timestamp(c.CorrectTime),
		})
	}
	for _, d := range b.Documents {
		out.Documents = append(out.Documents, documentToProto(d))
	}
	return out
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
		ServiceId:      a.ServiceID,
		LocationId:     a.LocationID,
		ReferralId:     a.ReferralID,
		VoidTime:       timestamp(a.VoidTime),
		VoidReason:     protoenum.Parse[pb.AssistanceVoidReason](a.VoidReason),
	}
}
