// Package ports exposes the trainings application over gRPC. Handlers only
// translate between protobuf and domain types.
package ports

import (
	"context"

	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	refv1 "github.com/spona/spona/gen/go/spona/referrals/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/audit"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/intconv"
	"github.com/spona/spona/pkg/protoenum"
	"github.com/spona/spona/services/trainings/internal/app"
	"github.com/spona/spona/services/trainings/internal/domain"
	"google.golang.org/protobuf/types/known/timestamppb"
)

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
	e, err := EventFromProto(req.GetTrainingEvent())
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
	var v errs.Violations
	f := domain.EventFilter{
		ProjectID: req.GetProjectId(),
		Type:      protoenum.Code(req.GetType()),
		From:      date.ParseDayField(&v, "period.start_date", req.GetPeriod().GetStartDate()),
		To:        date.ParseDayField(&v, "period.end_date", req.GetPeriod().GetEndDate()),
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
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

func (g *GRPC) UpdateTrainingEvent(ctx context.Context, req *pb.UpdateTrainingEventRequest) (*pb.UpdateTrainingEventResponse, error) {
	if req.GetTrainingEvent() == nil {
		return nil, errs.Required("training_event")
	}
	patch, err := EventFromProto(req.GetTrainingEvent())
	if err != nil {
		return nil, err
	}
	patch.ID = req.GetTrainingEvent().GetId()
	paths, err := grpcx.UpdatePaths(req.GetUpdateMask(), req.GetTrainingEvent())
	if err != nil {
		return nil, err
	}
	e, err := g.app.UpdateTrainingEvent(ctx, auth.Caller(ctx), patch, req.GetTrainingEvent().GetEtag(), paths)
	if err != nil {
		return nil, err
	}
	return &pb.UpdateTrainingEventResponse{TrainingEvent: eventToProto(e)}, nil
}

func (g *GRPC) CreateSession(ctx context.Context, req *pb.CreateSessionRequest) (*pb.CreateSessionResponse, error) {
	if req.GetSession() == nil {
		return nil, errs.Required("session")
	}
	s, err := SessionFromProto(req.GetSession())
	if err != nil {
		return nil, err
	}
	s, err = g.app.CreateSession(ctx, auth.Caller(ctx), req.GetEventId(), s, grpcx.RequestID(ctx, req.GetRequestId()))
	if err != nil {
		return nil, err
	}
	return &pb.CreateSessionResponse{Session: sessionToProto(s)}, nil
}

func (g *GRPC) UpdateSession(ctx context.Context, req *pb.UpdateSessionRequest) (*pb.UpdateSessionResponse, error) {
	if req.GetSession() == nil {
		return nil, errs.Required("session")
	}
	patch, err := SessionFromProto(req.GetSession())
	if err != nil {
		return nil, err
	}
	patch.ID = req.GetSession().GetId()
	paths, err := grpcx.UpdatePaths(req.GetUpdateMask(), req.GetSession())
	if err != nil {
		return nil, err
	}
	s, err := g.app.UpdateSession(ctx, auth.Caller(ctx), req.GetSession().GetEventId(), patch, req.GetSession().GetEtag(), paths)
	if err != nil {
		return nil, err
	}
	return &pb.UpdateSessionResponse{Session: sessionToProto(s)}, nil
}

func (g *GRPC) ListSessions(ctx context.Context, req *pb.ListSessionsRequest) (*pb.ListSessionsResponse, error) {
	rows, next, err := g.app.ListSessions(ctx, auth.Caller(ctx), req.GetEventId(), req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &pb.ListSessionsResponse{NextPageToken: next}
	for _, s := range rows {
		out.Sessions = append(out.Sessions, sessionToProto(s))
	}
	return out, nil
}

func (g *GRPC) DeleteSession(ctx context.Context, req *pb.DeleteSessionRequest) (*pb.DeleteSessionResponse, error) {
	act, err := audit.FromIncoming(ctx)
	if err != nil {
		return nil, err
	}
	if err := g.app.DeleteSession(ctx, act, req.GetEventId(), req.GetId()); err != nil {
		return nil, err
	}
	return &pb.DeleteSessionResponse{}, nil
}

func (g *GRPC) CreateParticipant(ctx context.Context, req *pb.CreateParticipantRequest) (*pb.CreateParticipantResponse, error) {
	if req.GetParticipant() == nil {
		return nil, errs.Required("participant")
	}
	act, err := audit.FromIncoming(ctx)
	if err != nil {
		return nil, err
	}
	x, err := g.app.CreateParticipant(ctx, act, req.GetEventId(), ParticipantFromProto(req.GetParticipant()),
		grpcx.RequestID(ctx, req.GetRequestId()))
	if err != nil {
		return nil, err
	}
	return &pb.CreateParticipantResponse{Participant: participantToProto(x)}, nil
}

func (g *GRPC) GetParticipant(ctx context.Context, req *pb.GetParticipantRequest) (*pb.GetParticipantResponse, error) {
	act, err := audit.FromIncoming(ctx)
	if err != nil {
		return nil, err
	}
	x, err := g.app.GetParticipant(ctx, act, req.GetEventId(), req.GetId())
	if err != nil {
		return nil, err
	}
	return &pb.GetParticipantResponse{Participant: participantToProto(x)}, nil
}

func (g *GRPC) DeleteParticipant(ctx context.Context, req *pb.DeleteParticipantRequest) (*pb.DeleteParticipantResponse, error) {
	act, err := audit.FromIncoming(ctx)
	if err != nil {
		return nil, err
	}
	if err := g.app.DeleteParticipant(ctx, act, req.GetEventId(), req.GetId()); err != nil {
		return nil, err
	}
	return &pb.DeleteParticipantResponse{}, nil
}

func (g *GRPC) ListParticipants(ctx context.Context, req *pb.ListParticipantsRequest) (*pb.ListParticipantsResponse, error) {
	act, err := audit.FromIncoming(ctx)
	if err != nil {
		return nil, err
	}
	rows, next, err := g.app.ListParticipants(ctx, act, req.GetEventId(), req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &pb.ListParticipantsResponse{NextPageToken: next}
	for _, x := range rows {
		out.Participants = append(out.Participants, participantToProto(x))
	}
	return out, nil
}

func (g *GRPC) RecordAttendance(ctx context.Context, req *pb.RecordAttendanceRequest) (*pb.RecordAttendanceResponse, error) {
	marks := make([]domain.Mark, len(req.GetMarks()))
	for i, m := range req.GetMarks() {
		marks[i] = domain.Mark{ParticipantID: m.GetParticipantId(), Present: m.GetPresent()}
	}
	act, err := audit.FromIncoming(ctx)
	if err != nil {
		return nil, err
	}
	marks, err = g.app.RecordAttendance(ctx, act, req.GetEventId(), req.GetSessionId(), marks)
	if err != nil {
		return nil, err
	}
	out := &pb.RecordAttendanceResponse{}
	for _, m := range marks {
		out.Marks = append(out.Marks, &pb.AttendanceMark{ParticipantId: m.ParticipantID, Present: m.Present})
	}
	return out, nil
}

func (g *GRPC) RecordTestScores(ctx context.Context, req *pb.RecordTestScoresRequest) (*pb.RecordTestScoresResponse, error) {
	act, err := audit.FromIncoming(ctx)
	if err != nil {
		return nil, err
	}
	x, err := g.app.RecordTestScores(ctx, act, req.GetEventId(), req.GetParticipantId(),
		intPtr(req.PreTestScore), intPtr(req.PostTestScore))
	if err != nil {
		return nil, err
	}
	return &pb.RecordTestScoresResponse{Participant: participantToProto(x)}, nil
}

func (g *GRPC) IssueCertificates(ctx context.Context, req *pb.IssueCertificatesRequest) (*pb.IssueCertificatesResponse, error) {
	act, err := audit.FromIncoming(ctx)
	if err != nil {
		return nil, err
	}
	rows, issued, err := g.app.IssueCertificates(ctx, act, req.GetEventId())
	if err != nil {
		return nil, err
	}
	out := &pb.IssueCertificatesResponse{IssuedCount: intconv.Int32(issued)}
	for _, x := range rows {
		out.Participants = append(out.Participants, participantToProto(x))
	}
	return out, nil
}

func (g *GRPC) CountParticipants(ctx context.Context, req *pb.CountParticipantsRequest) (*pb.CountParticipantsResponse, error) {
	agg, err := g.countParticipants(ctx, req.GetProjectId(), req.GetPeriod(), req.GetGroupBy(), req.GetEachDimension(),
		aggregate.Also(req.GetAlsoBy()), protoenum.Code(req.GetKind()), protoenum.Code(req.GetStage()))
	if err != nil {
		return nil, err
	}
	return &pb.CountParticipantsResponse{Aggregate: agg}, nil
}

func (g *GRPC) CountTrainedProfessionals(ctx context.Context, req *pb.CountTrainedProfessionalsRequest) (*pb.CountTrainedProfessionalsResponse, error) {
	stage := domain.StageRegistered
	if req.GetCompletedOnly() {
		stage = domain.StageTrained
	}
	agg, err := g.countParticipants(ctx, req.GetProjectId(), req.GetPeriod(), req.GetGroupBy(), false, nil, domain.KindProfessional, stage)
	if err != nil {
		return nil, err
	}
	return &pb.CountTrainedProfessionalsResponse{Aggregate: agg}, nil
}

func (g *GRPC) CountCommunityBeneficiaries(ctx context.Context, req *pb.CountCommunityBeneficiariesRequest) (*pb.CountCommunityBeneficiariesResponse, error) {
	agg, err := g.countParticipants(ctx, req.GetProjectId(), req.GetPeriod(), req.GetGroupBy(), false, nil, domain.KindBeneficiary, domain.StageRegistered)
	if err != nil {
		return nil, err
	}
	return &pb.CountCommunityBeneficiariesResponse{Aggregate: agg}, nil
}

func (g *GRPC) countParticipants(ctx context.Context, projectID string, period *commonv1.DateRange, groupBy []string, each bool, also [][]string, kind, stage string) (*commonv1.Aggregate, error) {
	q, err := aggregate.ParseQuery(projectID, period, groupBy)
	if err != nil {
		return nil, err
	}
	q.Each, q.Also = each, also
	agg, err := g.app.CountParticipants(ctx, q, kind, stage)
	if err != nil {
		return nil, err
	}
	return aggregate.ToProto(agg), nil
}

func (g *GRPC) CountTrainingEvents(ctx context.Context, req *pb.CountTrainingEventsRequest) (*pb.CountTrainingEventsResponse, error) {
	q, err := aggregate.ParseQuery(req.GetProjectId(), req.GetPeriod(), req.GetGroupBy())
	if err != nil {
		return nil, err
	}
	q.Each, q.Also = req.GetEachDimension(), aggregate.Also(req.GetAlsoBy())
	agg, err := g.app.CountTrainingEvents(ctx, q)
	if err != nil {
		return nil, err
	}
	return &pb.CountTrainingEventsResponse{Aggregate: aggregate.ToProto(agg)}, nil
}

func intPtr(p *int32) *int {
	if p == nil {
		return nil
	}
	v := int(*p)
	return &v
}

// EventFromProto reads the input fields of an event (exported for the fuzz
// tests of request validation).
func EventFromProto(in *pb.TrainingEvent) (*domain.TrainingEvent, error) {
	var v errs.Violations
	e := &domain.TrainingEvent{
		ProjectID:           in.GetProjectId(),
		Type:                protoenum.Code(in.GetType()),
		Title:               in.GetTitle(),
		StartDate:           date.ParseField(&v, "training_event.start_date", in.GetStartDate()),
		EndDate:             date.ParseField(&v, "training_event.end_date", in.GetEndDate()),
		Municipality:        in.GetMunicipality(),
		Country:             in.GetCountry(),
		Audience:            in.GetAudience(),
		Location:            in.GetLocation(),
		Topics:              in.GetTopics(),
		Language:            in.GetLanguage(),
		CompletionThreshold: int(in.GetCompletionThresholdPercent()),
	}
	return e, v.Err()
}

func eventToProto(e *domain.TrainingEvent) *pb.TrainingEvent {
	return &pb.TrainingEvent{
		Id:                         e.ID,
		OrganiserOrganisationId:    e.OrganiserOrganisationID,
		ProjectId:                  e.ProjectID,
		Type:                       protoenum.Parse[pb.EventType](e.Type),
		Title:                      e.Title,
		StartDate:                  e.StartDate.String(),
		EndDate:                    e.EndDate.String(),
		Municipality:               e.Municipality,
		Country:                    e.Country,
		Audience:                   e.Audience,
		Location:                   e.Location,
		Topics:                     e.Topics,
		Language:                   e.Language,
		CompletionThresholdPercent: intconv.Int32(e.CompletionThreshold),
		ParticipantCount:           intconv.Int32(e.ParticipantCount),
		SessionCount:               intconv.Int32(e.SessionCount),
		Etag:                       e.Etag(),
		CreateTime:                 timestamppb.New(e.CreateTime),
		UpdateTime:                 timestamppb.New(e.UpdateTime),
	}
}

// SessionFromProto reads the input fields of a session.
func SessionFromProto(in *pb.Session) (*domain.Session, error) {
	var v errs.Violations
	s := &domain.Session{
		Date:      date.ParseField(&v, "session.date", in.GetDate()),
		StartTime: in.GetStartTime(),
		EndTime:   in.GetEndTime(),
		Topic:     in.GetTopic(),
		Trainer:   in.GetTrainer(),
	}
	return s, v.Err()
}

func sessionToProto(s *domain.Session) *pb.Session {
	return &pb.Session{
		Id: s.ID, EventId: s.EventID, Date: s.Date.String(), StartTime: s.StartTime, EndTime: s.EndTime,
		Topic: s.Topic, Trainer: s.Trainer, CreateTime: timestamppb.New(s.CreateTime),
		Etag: s.Etag(), UpdateTime: timestamppb.New(s.UpdateTime),
	}
}

// ParticipantFromProto reads the input fields of a participant.
func ParticipantFromProto(in *pb.Participant) *domain.Participant {
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
			Position:         pr.GetPosition(),
		}
	}
	return x
}

func participantToProto(x *domain.Participant) *pb.Participant {
	out := &pb.Participant{
		Id:                x.ID,
		EventId:           x.EventID,
		ProfessionalId:    x.ProfessionalID,
		OrganisationKind:  protoenum.Parse[refv1.OrganisationKind](x.OrganisationKind),
		PreTestScore:      intconv.Int32Ptr(x.PreTestScore),
		PostTestScore:     intconv.Int32Ptr(x.PostTestScore),
		SessionsAttended:  intconv.Int32(x.Attendance.Attended),
		AttendancePercent: intconv.Int32(x.Attendance.Percent()),
		Completed:         x.Completed(),
		CertificateNumber: x.CertificateNumber,
		CreateTime:        timestamppb.New(x.CreateTime),
	}
	if x.CertificateIssueTime != nil {
		out.CertificateIssueTime = timestamppb.New(*x.CertificateIssueTime)
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
			Position:         pr.Position,
		}}
	} else {
		out.Person = &pb.Participant_BeneficiaryId{BeneficiaryId: x.BeneficiaryID}
	}
	return out
}
