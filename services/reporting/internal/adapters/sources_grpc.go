package adapters

import (
	"context"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	refv1 "github.com/spona/spona/gen/go/spona/referrals/v1"
	trainv1 "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/protoenum"
	"github.com/spona/spona/services/reporting/internal/app"
	"github.com/spona/spona/services/reporting/internal/domain"
	"google.golang.org/grpc"
)

// SourcesGRPC asks the beneficiaries, trainings and referrals services for
// their aggregates, as the calling organisation (the connections forward the
// principal).
type SourcesGRPC struct {
	beneficiaries benv1.BeneficiaryServiceClient
	trainings     trainv1.TrainingServiceClient
	referrals     refv1.ReferralServiceClient
}

// NewSourcesGRPC returns the adapter over the three connections.
func NewSourcesGRPC(beneficiaries, trainings, referrals grpc.ClientConnInterface) *SourcesGRPC {
	return &SourcesGRPC{
		beneficiaries: benv1.NewBeneficiaryServiceClient(beneficiaries),
		trainings:     trainv1.NewTrainingServiceClient(trainings),
		referrals:     refv1.NewReferralServiceClient(referrals),
	}
}

var _ app.Sources = (*SourcesGRPC)(nil)

// aggregateResponse is what every aggregate RPC returns.
type aggregateResponse interface{ GetAggregate() *commonv1.Aggregate }

// call runs one aggregate RPC (bounded by CALL_TIMEOUT, see
// platform.Base.Dial) and classifies its failure as every service does
// (grpcx.FromDownstream).
func call[R aggregateResponse](ctx context.Context, service string, rpc func(context.Context) (R, error)) (aggregate.Aggregate, error) {
	resp, err := rpc(ctx)
	if err != nil {
		return aggregate.Aggregate{}, grpcx.FromDownstream(err, service, "")
	}
	agg := aggregate.FromProto(resp.GetAggregate())
	agg.Sort()
	return agg, nil
}

// CountAssisted implements app.Sources.
func (s *SourcesGRPC) CountAssisted(ctx context.Context, q app.Query) (aggregate.Aggregate, error) {
	return call(ctx, "beneficiaries", func(ctx context.Context) (*benv1.CountAssistedBeneficiariesResponse, error) {
		return s.beneficiaries.CountAssistedBeneficiaries(ctx, &benv1.CountAssistedBeneficiariesRequest{
			ProjectId: q.ProjectID, Period: period(q.From, q.To), GroupBy: q.GroupBy, EachDimension: q.Each, AlsoBy: aggregate.AlsoToProto(q.Also)})
	})
}

// CountParticipants implements app.Sources.
func (s *SourcesGRPC) CountParticipants(ctx context.Context, q app.Query, p domain.Participation) (aggregate.Aggregate, error) {
	return call(ctx, "trainings", func(ctx context.Context) (*trainv1.CountParticipantsResponse, error) {
		return s.trainings.CountParticipants(ctx, &trainv1.CountParticipantsRequest{
			ProjectId: q.ProjectID, Period: period(q.From, q.To), GroupBy: q.GroupBy, EachDimension: q.Each, AlsoBy: aggregate.AlsoToProto(q.Also),
			Kind: protoenum.Parse[trainv1.ParticipantKind](p.Kind), Stage: protoenum.Parse[trainv1.ParticipationStage](p.Stage)})
	})
}

// CountEvents implements app.Sources.
func (s *SourcesGRPC) CountEvents(ctx context.Context, q app.Query) (aggregate.Aggregate, error) {
	return call(ctx, "trainings", func(ctx context.Context) (*trainv1.CountTrainingEventsResponse, error) {
		return s.trainings.CountTrainingEvents(ctx, &trainv1.CountTrainingEventsRequest{
			ProjectId: q.ProjectID, Period: period(q.From, q.To), GroupBy: q.GroupBy, EachDimension: q.Each, AlsoBy: aggregate.AlsoToProto(q.Also)})
	})
}

var referralStages = map[app.ReferralStage]refv1.ReferralStage{
	app.ReferralsSent:      refv1.ReferralStage_REFERRAL_STAGE_UNSPECIFIED,
	app.ReferralsAccepted:  refv1.ReferralStage_REFERRAL_STAGE_ACCEPTED,
	app.ReferralsCompleted: refv1.ReferralStage_REFERRAL_STAGE_COMPLETED,
}

// CountReferrals implements app.Sources.
func (s *SourcesGRPC) CountReferrals(ctx context.Context, q app.Query, stage app.ReferralStage) (aggregate.Aggregate, error) {
	return call(ctx, "referrals", func(ctx context.Context) (*refv1.CountReferralsResponse, error) {
		return s.referrals.CountReferrals(ctx, &refv1.CountReferralsRequest{
			ProjectId: q.ProjectID, Period: period(q.From, q.To), GroupBy: q.GroupBy, Stage: referralStages[stage],
			EachDimension: q.Each, AlsoBy: aggregate.AlsoToProto(q.Also)})
	})
}
