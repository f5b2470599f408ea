package ports

import (
	"context"
	"strconv"

	bpb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/audit"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/protoenum"
	"github.com/spona/spona/services/referrals/internal/domain"
	"google.golang.org/protobuf/types/known/timestamppb"
)

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
		Notes:            in.GetNotes(),
		Urgency:          protoenum.Code(in.GetUrgency()),
		ConsentID:        in.GetConsentId(),
		ProjectID:        in.GetProjectId(),
	}
	act, err := audit.FromIncoming(ctx)
	if err != nil {
		return nil, err
	}
	r, err = s.app.CreateReferral(ctx, act, r, grpcx.RequestID(ctx, req.GetRequestId()))
	if err != nil {
		return nil, err
	}
	return &pb.CreateReferralResponse{Referral: s.toProto(r)}, nil
}

func (s *Referrals) GetReferral(ctx context.Context, req *pb.GetReferralRequest) (*pb.GetReferralResponse, error) {
	act, err := audit.FromIncoming(ctx)
	if err != nil {
		return nil, err
	}
	r, err := s.app.GetReferral(ctx, act, req.GetId())
	if err != nil {
		return nil, err
	}
	return &pb.GetReferralResponse{Referral: s.toProto(r)}, nil
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
	f := domain.ReferralFilter{Direction: dir, Status: protoenum.Code(req.GetStatus()),
		Category: protoenum.Code(req.GetCategory())}
	if req.Overdue != nil {
		f.Overdue = domain.NotOverdue
		if req.GetOverdue() {
			f.Overdue = domain.OverdueOnly
		}
	}
	act, err := audit.FromIncoming(ctx)
	if err != nil {
		return nil, err
	}
	rows, next, err := s.app.ListReferrals(ctx, act, f, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &pb.ListReferralsResponse{NextPageToken: next}
	for _, r := range rows {
		out.Referrals = append(out.Referrals, s.toProto(r))
	}
	return out, nil
}

func (s *Referrals) transition(ctx context.Context, id string, c domain.Command) (*pb.Referral, error) {
	act, err := audit.FromIncoming(ctx)
	if err != nil {
		return nil, err
	}
	r, err := s.app.Transition(ctx, act, id, c)
	if err != nil {
		return nil, err
	}
	return s.toProto(r), nil
}

func (s *Referrals) SendReferral(ctx context.Context, req *pb.SendReferralRequest) (*pb.SendReferralResponse, error) {
	r, err := s.transition(ctx, req.GetId(), domain.Command{Action: domain.Send, Etag: req.GetEtag(), Note: req.GetNote()})
	return &pb.SendReferralResponse{Referral: r}, err
}

func (s *Referrals) AcceptReferral(ctx context.Context, req *pb.AcceptReferralRequest) (*pb.AcceptReferralResponse, error) {
	r, err := s.transition(ctx, req.GetId(), domain.Command{Action: domain.Accept, Etag: req.GetEtag(), Note: req.GetNote()})
	return &pb.AcceptReferralResponse{Referral: r}, err
}

func (s *Referrals) DeclineReferral(ctx context.Context, req *pb.DeclineReferralRequest) (*pb.DeclineReferralResponse, error) {
	r, err := s.transition(ctx, req.GetId(), domain.Command{Action: domain.Decline, Etag: req.GetEtag(), Note: req.GetReason()})
	return &pb.DeclineReferralResponse{Referral: r}, err
}

func (s *Referrals) StartReferral(ctx context.Context, req *pb.StartReferralRequest) (*pb.StartReferralResponse, error) {
	r, err := s.transition(ctx, req.GetId(), domain.Command{Action: domain.Start, Etag: req.GetEtag(), Note: req.GetNote()})
	return &pb.StartReferralResponse{Referral: r}, err
}

func (s *Referrals) CompleteReferral(ctx context.Context, req *pb.CompleteReferralRequest) (*pb.CompleteReferralResponse, error) {
	c := domain.Command{Action: domain.Complete, Etag: req.GetEtag(),
		OutcomeCode: protoenum.Code(req.GetOutcome().GetCode()), Note: req.GetOutcome().GetNote()}
	if a := req.GetAssistance(); a != nil {
		c.Assistance = &domain.Assistance{Type: protoenum.Code(a.GetType()), Date: a.GetDate(), ServiceID: a.GetServiceId(),
			LocationID: a.GetLocationId(), ProjectID: a.GetProjectId(), Notes: a.GetNotes(), ReferralID: a.GetReferralId()}
	}
	r, err := s.transition(ctx, req.GetId(), c)
	return &pb.CompleteReferralResponse{Referral: r}, err
}

func (s *Referrals) CancelReferral(ctx context.Context, req *pb.CancelReferralRequest) (*pb.CancelReferralResponse, error) {
	r, err := s.transition(ctx, req.GetId(), domain.Command{Action: domain.Cancel, Etag: req.GetEtag(), Note: req.GetReason()})
	return &pb.CancelReferralResponse{Referral: r}, err
}

func (s *Referrals) ListReferralEvents(ctx context.Context, req *pb.ListReferralEventsRequest) (*pb.ListReferralEventsResponse, error) {
	act, err := audit.FromIncoming(ctx)
	if err != nil {
		return nil, err
	}
	rows, next, err := s.app.ListEvents(ctx, act, req.GetReferralId(), req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &pb.ListReferralEventsResponse{NextPageToken: next}
	for _, e := range rows {
		out.Events = append(out.Events, &pb.ReferralEvent{
			Id:                  strconv.FormatInt(e.ID, 10),
			ReferralId:          e.ReferralID,
			FromStatus:          protoenum.Parse[pb.ReferralStatus](e.FromStatus),
			ToStatus:            protoenum.Parse[pb.ReferralStatus](e.ToStatus),
			ActorOrganisationId: e.ActorOrganisationID,
			ActorClientId:       e.ActorClientID,
			Note:                e.Note,
			CreateTime:          timestamppb.New(e.CreateTime),
		})
	}
	return out, nil
}

func (s *Referrals) toProto(r *domain.Referral) *pb.Referral {
	overdue, tag := s.app.Overdue(r)
	out := &pb.Referral{
		Id:                 r.ID,
		BeneficiaryId:      r.BeneficiaryID,
		FromOrganisationId: r.FromOrganisationID,
		ToOrganisationId:   r.ToOrganisationID,
		ToServiceId:        r.ToServiceID,
		Category:           protoenum.Parse[pb.ReferralCategory](r.Category),
		Reason:             r.Reason,
		Notes:              r.Notes,
		Urgency:            protoenum.Parse[pb.Urgency](r.Urgency),
		Status:             protoenum.Parse[pb.ReferralStatus](r.Status),
		DueTime:            optionalTime(r.Due()),
		ConsentId:          r.ConsentID,
		ProjectId:          r.ProjectID,
		SendTime:           optionalTime(r.SendTime),
		CloseTime:          optionalTime(r.CloseTime),
		CloseReason:        r.CloseReason,
		Overdue:            overdue,
		CreateTime:         timestamppb.New(r.CreateTime),
		UpdateTime:         timestamppb.New(r.UpdateTime),
		Etag:               tag,
	}
	if r.OutcomeCode != "" {
		out.Outcome = &pb.ReferralOutcome{Code: protoenum.Parse[pb.OutcomeCode](r.OutcomeCode), Note: r.OutcomeNote, AssistanceId: r.AssistanceID,
			AssistanceVoidReason: protoenum.Parse[bpb.AssistanceVoidReason](r.AssistanceVoidReason)}
		if !r.AssistanceVoidTime.IsZero() {
			out.Outcome.AssistanceVoidTime = timestamppb.New(r.AssistanceVoidTime)
		}
	}
	return out
}

var stages = map[pb.ReferralStage]domain.Stage{
	pb.ReferralStage_REFERRAL_STAGE_UNSPECIFIED: domain.StageSent,
	pb.ReferralStage_REFERRAL_STAGE_ACCEPTED:    domain.StageAccepted,
	pb.ReferralStage_REFERRAL_STAGE_COMPLETED:   domain.StageCompleted,
}

func (s *Referrals) CountReferrals(ctx context.Context, req *pb.CountReferralsRequest) (*pb.CountReferralsResponse, error) {
	stage, ok := stages[req.GetStage()]
	if !ok {
		var v errs.Violations
		v.Add("stage", "unknown value %d", req.GetStage())
		return nil, v.Err()
	}
	q, err := aggregate.ParseQuery(req.GetProjectId(), req.GetPeriod(), req.GetGroupBy())
	if err != nil {
		return nil, err
	}
	q.Each, q.Also = req.GetEachDimension(), aggregate.Also(req.GetAlsoBy())
	agg, err := s.app.CountReferrals(ctx, q, req.GetOrganisationIds(), stage)
	if err != nil {
		return nil, err
	}
	return &pb.CountReferralsResponse{Aggregate: aggregate.ToProto(agg)}, nil
}
