// Package ports exposes the trainings application over gRPC. Handlers only
// translate between protobuf and domain types.
package ports

import (
	"context"

	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/protoenum"
	"github.com/spona/spona/services/trainings/internal/app"
	"github.com/spona/spona/services/trainings/internal/domain"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Scopes lists each RPC and the scope it needs.
var Scopes = grpcx.Scopes{
	pb.TrainingService_CreateTrainingEvent_FullMethodName:       auth.ScopeTrainingsWrite,
	pb.TrainingService_GetTrainingEvent_FullMethodName:          auth.ScopeTrainingsRead,
	pb.TrainingService_ListTrainingEvents_FullMethodName:        auth.ScopeTrainingsRead,
	pb.TrainingService_CreateParticipant_FullMethodName:         auth.ScopeTrainingsWrite,
	pb.TrainingService_ListParticipants_FullMethodName:          auth.ScopeTrainingsRead,
	pb.TrainingService_CountTrainedProfessionals_FullMethodName: auth.ScopeAggregates,
}

// GRPC implements pb.TrainingServiceServer.
type GRPC struct {
	pb.UnimplementedTrainingServiceServer
	app *app.App
}

// NewGRPC returns the gRPC port of a.
func NewGRPC(a *app.App) *GRPC { return &GRPC{app: a} }

func (g *GRPC) CreateTrainingEvent(ctx context.Context, req *pb.CreateTrainingEventRequest) (*pb.CreateTrainingEventResponse, error) {
	if req.GetTrainingEvent() == nil {
		return nil, errs.Required("training_event")
	}
	e, err := eventFromProto(req.GetTrainingEvent())
	if err != nil {
		return nil, err
	}
	e, err = g.app.CreateTrainingEvent(ctx, auth.Caller(ctx), e, grpcx.RequestID(ctx, req.GetRequestId()))
	if err != nil {
		return nil, err
	}
	return &pb.CreateTrainingEventResponse{TrainingEvent: eventToProto(e)}, nil
}

func (g *GRPC) GetTrainingEvent(ctx context.Context, req *pb.GetTrainingEventRequest) (*pb.GetTrainingEventResponse, error) {
	e, err := g.app.GetTrainingEvent(ctx, auth.Caller(ctx), req.GetId())
	if err != nil {
		return nil, err
	}
	return &pb.GetTrainingEventResponse{TrainingEvent: eventToProto(e)}, nil
}

func (g *GRPC) ListTrainingEvents(ctx context.Context, req *pb.ListTrainingEventsRequest) (*pb.ListTrainingEventsResponse, error) {
	f := domain.EventFilter{ProjectID: req.GetProjectId(), Type: protoenum.Code(req.GetType())}
	rows, next, err := g.app.ListTrainingEvents(ctx, auth.Caller(ctx), f, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &pb.ListTrainingEventsResponse{NextPageToken: next}
	for _, e := range rows {
		out.TrainingEvents = append(out.TrainingEvents, eventToProto(e))
	}
	return out, nil
}

func (g *GRPC) CreateParticipant(ctx context.Context, req *pb.CreateParticipantRequest) (*pb.CreateParticipantResponse, error) {
	if req.GetParticipant() == nil {
		return nil, errs.Required("participant")
	}
	x, err := g.app.CreateParticipant(ctx, auth.Caller(ctx), req.GetEventId(), participantFromProto(req.GetParticipant()),
		grpcx.RequestID(ctx, req.GetRequestId()))
	if err != nil {
		return nil, err
	}
	return &pb.CreateParticipantResponse{Participant: participantToProto(x)}, nil
}

func (g *GRPC) ListParticipants(ctx context.Context, req *pb.ListParticipantsRequest) (*pb.ListParticipantsResponse, error) {
	rows, next, err := g.app.ListParticipants(ctx, auth.Caller(ctx), req.GetEventId(), req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &pb.ListParticipantsResponse{NextPageToken: next}
	for _, x := range rows {
		out.Participants = append(out.Participants, participantToProto(x))
	}
	return out, nil
}

func (g *GRPC) CountTrainedProfessionals(ctx context.Context, req *pb.CountTrainedProfessionalsRequest) (*pb.CountTrainedProfessionalsResponse, error) {
	q, err := aggregate.ParseQuery(req.GetProjectId(), req.GetPeriod(), req.GetGroupBy())
	if err != nil {
		return nil, err
	}
	agg, err := g.app.CountTrainedProfessionals(ctx, q)
	if err != nil {
		return nil, err
	}
	return &pb.CountTrainedProfessionalsResponse{Aggregate: aggregate.ToProto(agg)}, nil
}

func eventFromProto(in *pb.TrainingEvent) (*domain.TrainingEvent, error) {
	var v errs.Violations
	e := &domain.TrainingEvent{
		ProjectID:    in.GetProjectId(),
		Type:         protoenum.Code(in.GetType()),
		Title:        in.GetTitle(),
		StartDate:    date.ParseField(&v, "training_event.start_date", in.GetStartDate()),
		EndDate:      date.ParseField(&v, "training_event.end_date", in.GetEndDate()),
		Municipality: in.GetMunicipality(),
		Country:      in.GetCountry(),
		Audience:     in.GetAudience(),
	}
	return e, v.Err()
}

func eventToProto(e *domain.TrainingEvent) *pb.TrainingEvent {
	return &pb.TrainingEvent{
		Id:                      e.ID,
		OrganiserOrganisationId: e.OrganiserOrganisationID,
		ProjectId:               e.ProjectID,
		Type:                    protoenum.Parse[pb.EventType](e.Type),
		Title:                   e.Title,
		StartDate:               e.StartDate.String(),
		EndDate:                 e.EndDate.String(),
		Municipality:            e.Municipality,
		Country:                 e.Country,
		Audience:                e.Audience,
		ParticipantCount:        int32(e.ParticipantCount),
		CreateTime:              timestamppb.New(e.CreateTime),
	}
}

func participantFromProto(in *pb.Participant) *domain.Participant {
	x := &domain.Participant{BeneficiaryID: in.GetBeneficiaryId()}
	if pr := in.GetProfessional(); pr != nil {
		x.Professional = &domain.Professional{
			GivenName:        pr.GetGivenName(),
			FamilyName:       pr.GetFamilyName(),
			Email:            pr.GetEmail(),
			OrganisationID:   pr.GetOrganisationId(),
			OrganisationName: pr.GetOrganisationName(),
			Sector:           protoenum.Code(pr.GetSector()),
			Sex:              protoenum.Code(pr.GetSex()),
		}
	}
	return x
}

func participantToProto(x *domain.Participant) *pb.Participant {
	out := &pb.Participant{
		Id:             x.ID,
		EventId:        x.EventID,
		ProfessionalId: x.ProfessionalID,
		CreateTime:     timestamppb.New(x.CreateTime),
	}
	if pr := x.Professional; pr != nil {
		out.Person = &pb.Participant_Professional{Professional: &pb.Professional{
			GivenName:        pr.GivenName,
			FamilyName:       pr.FamilyName,
			Email:            pr.Email,
			OrganisationId:   pr.OrganisationID,
			OrganisationName: pr.OrganisationName,
			Sector:           protoenum.Parse[pb.Sector](pr.Sector),
			Sex:              protoenum.Parse[commonv1.Sex](pr.Sex),
		}}
	} else {
		out.Person = &pb.Participant_BeneficiaryId{BeneficiaryId: x.BeneficiaryID}
	}
	return out
}
